# The workbook's front door. `make` (or `make help`) lists everything.
#
# Conventions that let a chapter plug in without editing this file:
#   chNN_name/tests/*.cpp   the chapter's tests (built against exercises/ or solutions/)
#   chNN_name/demo.cpp      the chapter's demo (optional)
#   exercises/chNN_name/    the learner's headers;  solutions/chNN_name/  the reference
#   tests/core/*.cpp        tests of the given primitives in include/core/
#   bench/*.cpp             benchmark programs (`make bench`)
#
# Knobs: CXX=clang++ (compiler), SAN=address|thread (sanitizers), OPT="-O2 -g",
#        ARGS="--flag ..." (demo options), SOLUTION=1 (demo of the reference).

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-print-directory

space := $(subst ,, )
COMPILER := $(notdir $(firstword $(CXX)))
OPT ?= -O1 -g
SAN ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

san_flags_address := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
san_flags_thread := -fsanitize=thread
ifneq ($(SAN),)
  ifeq ($(filter address thread,$(SAN)),)
    $(error SAN='$(SAN)' is not known: use SAN=address or SAN=thread)
  endif
endif
# g++ 12's -Wmaybe-uninitialized misfires inside libstdc++ (<regex>, used by
# Catch2) when sanitizers instrument the code; the sanitizer itself is the
# better check there, so that one warning is off in g++ sanitizer builds.
# clang 14 cannot compile some coroutines with UBSan's `function` check
# ("Cannot represent a difference across sections", LLVM issue 49689), so
# clang's address build leaves that one check out.
SAN_FLAGS := $(san_flags_$(SAN)) $(if $(and $(SAN),$(filter g++%,$(COMPILER))),-Wno-maybe-uninitialized) \
	$(if $(and $(filter address,$(SAN)),$(filter clang%,$(COMPILER))),-fno-sanitize=function)
STRESS ?=
STRESS_ARGS := $(if $(STRESS),--stress $(STRESS))

WARN := -Wall -Wextra -Werror
CXXFLAGS_ALL := -std=c++20 $(WARN) -pthread $(SAN_FLAGS) -MMD -MP -Iinclude $(EXTRA_CXXFLAGS)
LDFLAGS_ALL := -pthread $(SAN_FLAGS)

BUILD := build/$(COMPILER)$(SAN:%=-%)$(subst $(space),,$(OPT))

CHAPTERS := $(patsubst %/,%,$(sort $(wildcard ch[0-9][0-9]_*/)))
chapter_id = $(firstword $(subst _, ,$1))
IDS := $(foreach c,$(CHAPTERS),$(call chapter_id,$c))
dir_of = $(filter $1_%,$(CHAPTERS))

# ---- a chapter's (or bench's) own rules -----------------------------------
# chNN_name/rules.mk and bench/rules.mk may add programs and targets; a goal
# they add goes in EXTRA_GOALS so the check below knows it.
EXTRA_GOALS :=
-include $(sort $(wildcard ch[0-9][0-9]_*/rules.mk)) $(wildcard bench/rules.mk)

# ---- refuse unknown goals early, with the list of good ones ---------------
KNOWN_GOALS := $(EXTRA_GOALS) help test check-% solve-% diff-% demo-% hint-% core-test \
	book book-check book-sync bench deps clean build/% all-binaries solution-binaries \
	print-build sanitize stress memcheck
UNKNOWN_GOALS := $(filter-out $(KNOWN_GOALS),$(MAKECMDGOALS))
ifneq ($(UNKNOWN_GOALS),)
  $(error unknown target '$(firstword $(UNKNOWN_GOALS))'. Run `make help` to see the commands)
endif

.PHONY: help test core-test book book-check book-sync bench deps clean all-binaries solution-binaries print-build sanitize stress memcheck

help:
	@scripts/help.sh $(IDS)

deps:
	@CXX='$(CXX)' SAN='$(SAN)' scripts/deps.sh
	@scripts/compdb.sh '$(CXX)' > compile_commands.json

# ---- compiling ----------------------------------------------------------
$(BUILD)/main.o: tests/main.cpp include/core/testing.hpp
	@mkdir -p $(@D)
	@echo "  CXX   $< (the Catch2 main: compiled once, ~10 s)"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

$(BUILD)/core/%.o: tests/core/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

CORE_TEST_OBJS := $(patsubst tests/core/%.cpp,$(BUILD)/core/%.o,$(wildcard tests/core/*.cpp))
$(BUILD)/core/tests: $(BUILD)/main.o $(CORE_TEST_OBJS)
	@echo "  LINK  $@"
	@$(CXX) $^ -o $@ $(LDFLAGS_ALL)

$(BUILD)/model/%.o: tests/model/%.cpp tests/model/interleave.hpp
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

$(BUILD)/model/tests: $(BUILD)/main.o $(patsubst tests/model/%.cpp,$(BUILD)/model/%.o,$(wildcard tests/model/*.cpp))
	@echo "  LINK  $@"
	@$(CXX) $^ -o $@ $(LDFLAGS_ALL)

$(BUILD)/infra/%.o: tests/infra/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

$(BUILD)/infra/selftest: $(BUILD)/main.o $(BUILD)/infra/selftest.o
	@echo "  LINK  $@"
	@$(CXX) $^ -o $@ $(LDFLAGS_ALL)

$(BUILD)/tools/%: tools/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS_ALL) -O1 $< -o $@ $(LDFLAGS_ALL)

$(BUILD)/bench/%: bench/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $< (-O2)"
	@$(CXX) $(CXXFLAGS_ALL) -O2 -g -Isolutions $< -o $@ $(LDFLAGS_ALL)

# $1 = chapter dir, $2 = chapter id, $3 = exercises|solutions
# A test object gets the time its compile STARTED: a header edited while it
# compiles (the compiler may have read the old one) is then newer than the
# object, and the next make rebuilds it. With the finish time, make took the
# stale object for up to date, and test files compiled against two versions
# of a header were linked together (ch07: Shared with two layouts).
define chapter_rules
$(BUILD)/$3/$2/%.o: $1/tests/%.cpp
	@mkdir -p $$(@D)
	@echo "  CXX   $$< [$3]"
	@start=$$$$(date +%s.%N) && $$(CXX) $$(CXXFLAGS_ALL) $$(OPT) -I$3 -I$1/tests -c $$< -o $$@ && touch -d @$$$$start $$@

$(BUILD)/$3/$2/tests: $(BUILD)/main.o $(patsubst $1/tests/%.cpp,$(BUILD)/$3/$2/%.o,$(wildcard $1/tests/*.cpp))
	@echo "  LINK  $$@"
	@$$(CXX) $$^ -o $$@ $$(LDFLAGS_ALL)

$(BUILD)/$3/$2/demo: $1/demo.cpp
	@mkdir -p $$(@D)
	@echo "  CXX   $$< [$3] (-O2)"
	@$$(CXX) $$(CXXFLAGS_ALL) -O2 -g -I$3 -c $$< -o $$@.o
	@$$(CXX) $$@.o -o $$@ $$(LDFLAGS_ALL)
endef
$(foreach c,$(CHAPTERS),$(foreach v,exercises solutions,$(eval $(call chapter_rules,$c,$(call chapter_id,$c),$v))))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- the learner's commands -----------------------------------------------
define chapter_commands
.PHONY: check-$1 solve-$1 diff-$1 demo-$1 hint-$1
check-$1: deps
	@$$(MAKE) -j$$(JOBS) -O $(BUILD)/exercises/$1/tests
	@SAN='$$(SAN)' scripts/run_tests.sh --chapter $1 --dir $2 --variant exercises $$(STRESS_ARGS) $(BUILD)/exercises/$1/tests $$(TESTS)
solve-$1: deps
	@$$(MAKE) -j$$(JOBS) -O $(BUILD)/solutions/$1/tests
	@SAN='$$(SAN)' scripts/run_tests.sh --chapter $1 --dir $2 --variant solutions $$(STRESS_ARGS) $(BUILD)/solutions/$1/tests $$(TESTS)
diff-$1:
	@scripts/diff.sh $2
hint-$1:
	@scripts/hint.sh $2
demo-$1: deps
	@test -f $2/demo.cpp || { echo "chapter $1 has no demo"; exit 1; }
	@$$(MAKE) $(BUILD)/$$(if $$(SOLUTION),solutions,exercises)/$1/demo
	@$(BUILD)/$$(if $$(SOLUTION),solutions,exercises)/$1/demo $$(ARGS)
endef
$(foreach c,$(CHAPTERS),$(eval $(call chapter_commands,$(call chapter_id,$c),$c)))

# A chapter name that does not exist: say which ones do.
check-% solve-% diff-% demo-% hint-%:
	@echo "make: there is no chapter '$*'. The chapters are: $(IDS)" >&2
	@echo "      (use the two-digit form, e.g. make check-ch01)" >&2
	@exit 2

# ---- everything the project promises -----------------------------------------
SOLUTION_TESTS := $(foreach i,$(IDS),$(BUILD)/solutions/$i/tests)
STUB_TESTS := $(foreach i,$(IDS),$(BUILD)/exercises/$i/tests)
DEMOS := $(foreach c,$(CHAPTERS),$(if $(wildcard $c/demo.cpp),$(BUILD)/solutions/$(call chapter_id,$c)/demo))

all-binaries: $(BUILD)/core/tests $(BUILD)/model/tests $(BUILD)/infra/selftest $(SOLUTION_TESTS) $(STUB_TESTS) $(DEMOS) $(BUILD)/tools/bookcheck

test: deps
	@$(MAKE) -j$(JOBS) -O all-binaries
	@BUILD='$(BUILD)' scripts/test.sh $(IDS)

core-test: deps
	@$(MAKE) -j$(JOBS) -O $(BUILD)/core/tests $(BUILD)/model/tests
	@scripts/run_tests.sh --variant core $(BUILD)/core/tests $(TESTS)
	@scripts/run_tests.sh --variant core $(BUILD)/model/tests $(TESTS)

solution-binaries: $(BUILD)/core/tests $(BUILD)/model/tests $(SOLUTION_TESTS)

print-build:
	@echo $(BUILD)

sanitize:
	@scripts/sanitize.sh

stress: deps
	@$(MAKE) -j$(JOBS) -O solution-binaries
	@for i in $(IDS); do echo "== $$i"; scripts/run_tests.sh --stress $(or $(STRESS),20) $(BUILD)/solutions/$$i/tests || exit 1; done

memcheck: deps
	@$(MAKE) -j$(JOBS) -O solution-binaries
	@scripts/memcheck.sh $(BUILD)

book-check: $(BUILD)/tools/bookcheck
	@$(BUILD)/tools/bookcheck book/*.md

book-sync: $(BUILD)/tools/bookcheck
	@$(BUILD)/tools/bookcheck --fix book/*.md

book:
	@scripts/book.sh

bench: deps
	@scripts/bench.sh '$(BUILD)'

clean:
	rm -rf build compile_commands.json
