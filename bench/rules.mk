# bench/rules.mk: the benchmark's peers and `make bench-icount`.
#
# asio (standalone, header-only) and oneTBB come from Debian's packages:
#   sudo apt-get install -y libasio-dev libtbb-dev
# Without them the benchmark still builds and leaves those rows out.
EXTRA_GOALS += bench-icount bench-deps

ifneq ($(wildcard /usr/include/tbb/task_group.h /usr/include/oneapi/tbb/task_group.h),)
$(BUILD)/bench/executors: CXXFLAGS_ALL += -DBENCH_WITH_TBB
$(BUILD)/bench/executors: LDFLAGS_ALL += -ltbb
endif

.PHONY: bench-icount bench-deps
bench-deps:
	@bench/deps.sh

# Instructions per task under callgrind: each executor's spawn benchmark at
# two sizes, subtracted, so start-up and thread creation cancel out.
bench-icount: deps
	@bench/deps.sh --check || true
	@$(MAKE) -s $(BUILD)/bench/executors
	@bench/icount.sh $(BUILD)/bench/executors
