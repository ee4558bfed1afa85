# The workbook's front door. `make` (or `make help`) lists everything.
#
# Conventions that let a chapter plug in without editing this file:
#   chNN_name/tests/*.cpp   the chapter's tests (built against exercises/ or solutions/)
#   chNN_name/demo.cpp      the chapter's demo (optional)
#   exercises/chNN_name/    the learner's headers;  solutions/chNN_name/  the reference
#   given/chNN_name/        the chapter's code the learner does not write (once, for both)
#   tests/core/*.cpp        tests of the given primitives in include/core/
#   bench/*.cpp             benchmark programs (`make bench`)
#
# Knobs: CXX=clang++ (compiler), SAN=address|thread (sanitizers), OPT="-O2 -g",
#        ARGS="--flag ..." (demo options), SOLUTION=1 (demo of the reference).
#        `make help` lists every command and option.
#
# Two build configurations, each in its own build/<compiler>[-san]<opt>/:
#   the learner's loop (check, solve, watch, mutants, loop-time): LOOP_CXX with
#     LOOP_OPT, -O0 -g1 -fPIC, because after an edit the compiler's code
#     generation is most of the wait. -g1 keeps line tables (gdb's backtrace
#     and the sanitizers' reports name file and line) and drops the variables'
#     debug types: a test file compiles 15-20 % faster (-fPIC: see TEST_MAIN
#     below). LOOP_CXX is
#     clang++, which compiles a test file in half g++'s time, unless CXX is
#     given: then CXX builds the loop too;
#   everything else (test, stress, memcheck, demos): CXX with OPT, -O1 -g.
# OPT=... on the command line sets both.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules --no-print-directory

space := $(subst ,, )
COMPILER := $(notdir $(firstword $(CXX)))
OPT ?= -O1 -g
ifeq ($(origin OPT),command line)
  LOOP_OPT := $(OPT)
else
  LOOP_OPT ?= -O0 -g1 -fPIC
endif
ifeq ($(origin CXX),default)
  LOOP_CXX ?= clang++
else
  LOOP_CXX ?= $(CXX)
endif
SAN ?=
# The chapters' given code (after exercises/ or solutions/ on the include path).
GIVEN := given
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

# Catch2, v2 or v3 (include/testing/catch.hpp picks the one it finds, v3 first):
#   v2 (Debian 12's catch2) is one header: nothing to link, the test main holds it;
#   v3 (Debian 13's or Ubuntu 24.04's libcatch2-dev) is headers and libCatch2.a,
#     which every test binary links (never libCatch2Main.a: tests/main.cpp is the main);
#   CATCH2_ROOT=<prefix> builds against the v3 unpacked there (<prefix>/include,
#     <prefix>/lib): make test-catch2-v3 unpacks Debian's package into
#     build/catch2-v3/ and sets it. Its builds get folders of their own
#     (build/<compiler>...-catch2v3/), so they never mix with v2's.
# The system's v3 is found by its header in the distributions' include folder
# (make's own wildcard: no compiler run on every make); CATCH2_LIBS= overrides.
CATCH2_ROOT ?=
ifneq ($(CATCH2_ROOT),)
  CATCH2_LIBA := $(firstword $(wildcard $(abspath $(CATCH2_ROOT))/lib/libCatch2.a $(abspath $(CATCH2_ROOT))/lib/*/libCatch2.a))
  ifeq ($(wildcard $(CATCH2_ROOT)/include/catch2/catch_all.hpp),)
    $(error CATCH2_ROOT='$(CATCH2_ROOT)' has no include/catch2/catch_all.hpp (Catch2 v3))
  endif
  ifeq ($(CATCH2_LIBA),)
    $(error CATCH2_ROOT='$(CATCH2_ROOT)' has no lib/libCatch2.a)
  endif
  CATCH2_CXXFLAGS := -isystem $(abspath $(CATCH2_ROOT))/include
  CATCH2_LIBS ?= $(CATCH2_LIBA)
  CATCH2_TAG := -catch2v3
else ifneq ($(wildcard /usr/include/catch2/catch_all.hpp /usr/local/include/catch2/catch_all.hpp),)
  CATCH2_LIBS ?= -lCatch2
endif

WARN := -Wall -Wextra -Werror
# The learner's own build (exercises/, or LEARNER=; built only by check, watch
# and hint) shows the unused-entity warnings without failing on them: a
# half-written class has a field or a parameter it does not use yet. Every
# other warning stays an error there (-Wreturn-type, -Wuninitialized, a
# discarded [[nodiscard]] result or `a == b;`: -Wunused-result, -Wunused-value
# catch real bugs), and the reference, the stubs (make test), solve and the
# mutants keep -Werror whole: they build in folders of their own, so no object
# built here ever stands in for one of theirs. Each compiler gets the names it
# knows (g++ rejects a -Wno-error= of a warning it does not have).
unused_entities_clang := private-field variable const-variable parameter but-set-variable \
	but-set-parameter function local-typedef lambda-capture label
unused_entities_gcc := variable const-variable parameter but-set-variable but-set-parameter \
	function local-typedefs label
learner_warn_for = $(addprefix -Wno-error=unused-,$(if $(filter clang%,$(notdir $(firstword $1))),$(unused_entities_clang),$(unused_entities_gcc)))
LEARNER_WARN := $(call learner_warn_for,$(CXX))
CXXFLAGS_ALL := -std=c++20 $(WARN) -pthread $(SAN_FLAGS) -MMD -MP -Iinclude $(CATCH2_CXXFLAGS) $(EXTRA_CXXFLAGS)
# A faster linker when there is one: lld or gold link a test binary in a
# third of the time of the default ld.bfd (measured: 0.3 s against 1 s of CPU).
# (looked up on PATH by make itself: no shell started for it on every make)
on_path = $(firstword $(wildcard $(addsuffix /$1,$(subst :, ,$(PATH)))))
FAST_LD := $(if $(call on_path,ld.lld),-fuse-ld=lld,$(if $(call on_path,ld.gold),-fuse-ld=gold))
LDFLAGS_ALL := -pthread $(SAN_FLAGS) $(FAST_LD)
# Test binaries link through g++'s driver when clang compiled them without a
# sanitizer: clang's driver takes 0.1 s just to start (it loads the LLVM
# libraries), a third of a piece's link, and both link the same objects
# against the same libstdc++. A sanitizer build links with the compiler that
# knows its runtime.
LINK_CXX := $(if $(and $(filter clang%,$(COMPILER)),$(if $(SAN),,no-san),$(call on_path,g++)),g++,$(CXX))

build_dir_for = build/$(notdir $(firstword $1))$(SAN:%=-%)$(subst $(space),,$2)$(CATCH2_TAG)
BUILD := $(call build_dir_for,$(CXX),$(OPT))
LOOP_BUILD := $(call build_dir_for,$(LOOP_CXX),$(LOOP_OPT))
# The loop's targets build in a make of their own with the loop's compiler.
LOOP_MAKE = $(MAKE) CXX='$(LOOP_CXX)' OPT='$(LOOP_OPT)'

# The precompiled header (tests/infra/pch.hpp: Catch2, the standard library,
# include/core/) is built once per configuration and used by every test file.
# clang also compiles, once, the template instantiations and inline functions
# the header uses into pch.o, which every test binary links: each test file
# then skips that code generation (measured: 0.6 s of a 2.6 s test file).
PCH_SRC := tests/infra/pch.hpp
ifneq ($(filter clang%,$(COMPILER)),)
  PCH := $(BUILD)/pch/pch-codegen.pch
  PCH_FLAGS = -include-pch $(PCH)
  PCH_CODEGEN := -fpch-instantiate-templates -fpch-codegen -fpch-debuginfo
  PCH_OBJ := $(BUILD)/pch/pch.o
else
  PCH := $(BUILD)/pch/pch.hpp.gch
  PCH_FLAGS = -include $(BUILD)/pch/pch.hpp
  PCH_CODEGEN :=
  PCH_OBJ :=
endif

CHAPTERS := $(patsubst %/,%,$(sort $(wildcard ch[0-9][0-9]_*/)))
chapter_id = $(firstword $(subst _, ,$1))
IDS := $(foreach c,$(CHAPTERS),$(call chapter_id,$c))
dir_of = $(filter $1_%,$(CHAPTERS))

# ---- a chapter's (or bench's) own rules -----------------------------------
# chNN_name/rules.mk and bench/rules.mk may add programs and targets; a goal
# they add goes in EXTRA_GOALS so the check below knows it.
EXTRA_GOALS :=
-include $(sort $(wildcard ch[0-9][0-9]_*/rules.mk)) $(wildcard bench/rules.mk)
# The book's tools (giveaway measure, hint ladders): tools/rules.mk.
-include tools/rules.mk

# ---- refuse unknown goals early, with the list of good ones ---------------
KNOWN_GOALS := $(EXTRA_GOALS) help test check watch hint check-% solve-% diff-% demo-% hint-% watch-% core-test \
	book book-browser book-check book-sync bench deps loop-deps clean build/% all-binaries solution-binaries \
	print-build print-loop-build print-loop-cxx sanitize stress memcheck mutants mutant-binary loop-time soak pristine-src pch test-main \
	test-catch2-v3 compile_commands.json
UNKNOWN_GOALS := $(filter-out $(KNOWN_GOALS),$(MAKECMDGOALS))
ifneq ($(UNKNOWN_GOALS),)
  $(error unknown target '$(firstword $(UNKNOWN_GOALS))'. Run `make help` to see the commands)
endif

.PHONY: help test core-test book book-browser book-check book-sync bench deps loop-deps clean all-binaries solution-binaries \
	print-build print-loop-build print-loop-cxx sanitize stress memcheck mutants mutant-binary loop-time soak pristine-src

help:
	@scripts/help.sh $(IDS)

# deps.sh runs once per compiler and sanitizer (a stamp remembers it), so the
# learner's loop does not pay for it on every check.
DEPS_STAMP := build/.deps-ok-$(COMPILER)$(SAN:%=-%)
deps: compile_commands.json
	@test -f $(DEPS_STAMP) || { CXX='$(CXX)' SAN='$(SAN)' scripts/deps.sh && mkdir -p build && touch $(DEPS_STAMP); }
# The loop's compiler (clang++ unless CXX is given) has its own check.
LOOP_DEPS_STAMP := build/.deps-ok-$(notdir $(firstword $(LOOP_CXX)))$(SAN:%=-%)
loop-deps:
	@test -f $(LOOP_DEPS_STAMP) || { LOOP=1 CXX='$(LOOP_CXX)' SAN='$(SAN)' scripts/deps.sh && mkdir -p build && touch $(LOOP_DEPS_STAMP); }

# The editors' compile commands, with the loop's compiler (the one that builds
# the learner's code) and its LEARNER_WARN (scripts/compdb.sh: no compiler runs, so make
# deps stays cheap). Rebuilt when a file it lists is added (a new file is newer
# than the database) or removed (its folder's time changes).
COMPDB_DIRS := $(patsubst %/,%,$(wildcard exercises/*/ given/*/ solutions/*/ ch[0-9][0-9]_*/tests/ include/*/ tests/*/))
# (CXX instead where the loop's compiler is not installed yet: make test alone
# does not install clang++, and scripts/compdb_check.sh runs the entries.)
COMPDB_CXX = $(if $(call on_path,$(firstword $(LOOP_CXX))),$(LOOP_CXX),$(CXX))
compile_commands.json: scripts/compdb.sh $(COMPDB_DIRS) $(wildcard ch[0-9][0-9]_*/tests/*.cpp ch[0-9][0-9]_*/tests/*.hpp \
		ch[0-9][0-9]_*/*.cpp tests/*.cpp tests/*/*.cpp tests/*/*.hpp tools/*.cpp bench/*.cpp include/*/*.hpp \
		exercises/*/*.hpp exercises/*/*.h given/*/*.hpp given/*/*.h solutions/*/*.hpp solutions/*/*.h)
	@scripts/compdb.sh '$(COMPDB_CXX)' '$(call learner_warn_for,$(COMPDB_CXX))' > $@.tmp && mv $@.tmp $@

# ---- compiling ----------------------------------------------------------
# compile_to_log: compile, keeping the compiler's messages in <object>.log.
# When COMPILE_ERRORS_TO names a file (scripts/build.sh sets it), a failing
# file is listed there and its errors are left for build.sh to print once;
# otherwise they are printed here. $1 = the flags after $(CXXFLAGS_ALL).
define compile_to_log
	@mkdir -p $(@D)
	@if $(CXX) $(CXXFLAGS_ALL) $(COMPILE_COLOR) $1 -c $< -o $@ 2>$@.log; then cat $@.log >&2; \
	elif [ -n "$$COMPILE_ERRORS_TO" ]; then echo "$< $@.log" >>"$$COMPILE_ERRORS_TO"; rm -f $@; exit 1; \
	else cat $@.log >&2; rm -f $@; exit 1; fi
endef

$(PCH): $(PCH_SRC)
	@mkdir -p $(@D)
	@echo "  CXX   $< (the precompiled header: Catch2, std, core; once per configuration)"
	@cp $< $(BUILD)/pch/pch.hpp
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) $(PCH_CODEGEN) -x c++-header $(BUILD)/pch/pch.hpp -o $@

.PHONY: pch
pch: $(PCH) $(PCH_OBJ)
ifneq ($(PCH_OBJ),)
$(PCH_OBJ): $(PCH)
	@$(CXX) $(OPT) $(SAN_FLAGS) -pthread -c $< -o $@
endif

$(BUILD)/main.o: tests/main.cpp include/core/testing.hpp include/core/todo.hpp tests/infra/resources.hpp
	@mkdir -p $(@D)
	@echo "  CXX   $< (the Catch2 main: compiled once, ~10 s)"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

# The spurious wakeups every test binary gets (tests/infra/wakeups.cpp).
$(BUILD)/wakeups.o: tests/infra/wakeups.cpp include/core/testing.hpp
	@mkdir -p $(@D)
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@
# EINTR on demand, in every test binary (tests/infra/eintr.cpp).
$(BUILD)/eintr.o: tests/infra/eintr.cpp include/core/testing.hpp
	@mkdir -p $(@D)
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -c $< -o $@

# What every test binary links besides its own test files: Catch2's main, the
# injected spurious wakeups, EINTR on demand (and clang's pch.o). A -fPIC build (the loop's)
# links them once into a shared library, so linking one piece takes 0.1 s
# instead of 0.4 s. Catch2 v3's libCatch2.a goes into each binary, never into
# that library: Debian builds it with -fPIE (position-independent for an
# executable only), code a shared library cannot hold.
ifneq ($(filter -fPIC,$(OPT)),)
  TEST_MAIN := $(BUILD)/libtestmain.so
  # (found from the binary's own folder, 1 to 4 levels up: the build moves with the checkout)
  TEST_MAIN_LDFLAGS = '-Wl,-rpath,$$ORIGIN/..:$$ORIGIN/../..:$$ORIGIN/../../..:$$ORIGIN/../../../..' $(CATCH2_LIBS)
else
  TEST_MAIN := $(BUILD)/main.o $(BUILD)/wakeups.o $(BUILD)/eintr.o $(PCH_OBJ)
  TEST_MAIN_LDFLAGS = $(CATCH2_LIBS)
endif
$(BUILD)/libtestmain.so: $(BUILD)/main.o $(BUILD)/wakeups.o $(BUILD)/eintr.o $(PCH_OBJ)
	@$(CXX) -shared -Wl,-soname,libtestmain.so $^ -o $@ $(LDFLAGS_ALL)
# (make mutants builds this first: two mutants built at once must not both)
.PHONY: test-main
test-main: $(PCH) $(TEST_MAIN)

$(BUILD)/core/%.o: tests/core/%.cpp $(PCH)
	@echo "  CXX   $<"
	$(call compile_to_log,$(OPT) $(PCH_FLAGS))

CORE_TEST_OBJS := $(patsubst tests/core/%.cpp,$(BUILD)/core/%.o,$(wildcard tests/core/*.cpp))
$(BUILD)/core/tests: $(TEST_MAIN) $(CORE_TEST_OBJS)
	@echo "  LINK  $@"
	@$(LINK_CXX) $^ -o $@ $(LDFLAGS_ALL) $(TEST_MAIN_LDFLAGS)

$(BUILD)/model/%.o: tests/model/%.cpp tests/model/interleave.hpp $(PCH)
	@echo "  CXX   $<"
	$(call compile_to_log,$(OPT) $(PCH_FLAGS))

$(BUILD)/model/tests: $(TEST_MAIN) $(patsubst tests/model/%.cpp,$(BUILD)/model/%.o,$(wildcard tests/model/*.cpp))
	@echo "  LINK  $@"
	@$(LINK_CXX) $^ -o $@ $(LDFLAGS_ALL) $(TEST_MAIN_LDFLAGS)

$(BUILD)/infra/%.o: tests/infra/%.cpp $(PCH)
	@echo "  CXX   $<"
	$(call compile_to_log,$(OPT) $(PCH_FLAGS))

$(BUILD)/infra/selftest: $(TEST_MAIN) $(BUILD)/infra/selftest.o
	@echo "  LINK  $@"
	@$(LINK_CXX) $^ -o $@ $(LDFLAGS_ALL) $(TEST_MAIN_LDFLAGS)

$(BUILD)/tools/%: tools/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS_ALL) -O1 $< -o $@ $(LDFLAGS_ALL)

$(BUILD)/bench/%: bench/%.cpp
	@mkdir -p $(@D)
	@echo "  CXX   $< (-O2)"
	@$(CXX) $(CXXFLAGS_ALL) -O2 -g -DCORE_NO_LIVE_TASKS -Isolutions -I$(GIVEN) $< -o $@ $(LDFLAGS_ALL)

# A chapter's test files in piece order (test_2_x before test_10_y: a plain
# wildcard sorts them as text), so the whole chapter's binary, which runs its
# test cases in link order, runs them in the card's order too.
tests_in_order = $(wildcard $1/tests/test_[0-9]_*.cpp) $(wildcard $1/tests/test_[0-9][0-9]_*.cpp) \
	$(filter-out $1/tests/test_%,$(wildcard $1/tests/*.cpp))

# $1 = chapter dir, $2 = chapter id, $3 = the build folder of this variant,
# $4 = the folder put first on the include path (exercises, solutions, the
# pristine stubs from git, or a mutant's copy of the reference), $5 = a label,
# $6 = what must happen before compiling (order only), $7 = the given code's
# folder, searched after $4 (given/, or git's copy of it for the pristine
# stubs). A given file exists once and both variants find it there; a test's
# `#include "chNN_name/x.hpp"` does not say which folder x.hpp lives in.
# (Not -I.: that would let `#include "solutions/..."` resolve.) A chapter's rules.mk
# may set TEST_NEEDS_chNN: what its test binaries need beside them at run
# time, built first (order only; ch06: the delay server). $8 = this variant's
# own warning flags (the learner's builds: LEARNER_WARN).
define chapter_rules
$3/%.o: $1/tests/%.cpp $(PCH) | $6
	@echo "  CXX   $$< [$5]"
	$$(call compile_to_log,$$(OPT) $$(PCH_FLAGS) $8 -I$4 -I$7 -I$1/tests)

$3/tests: $(TEST_MAIN) $(patsubst $1/tests/%.cpp,$3/%.o,$(call tests_in_order,$1)) | $(TEST_NEEDS_$2)
	@echo "  LINK  $$@"
	@$$(LINK_CXX) $$^ -o $$@ $$(LDFLAGS_ALL) $$(TEST_MAIN_LDFLAGS)

# A piece: one test file on its own (make check-chNN runs them one at a time).
$3/pieces/%: $(TEST_MAIN) $3/%.o | $(TEST_NEEDS_$2)
	@mkdir -p $$(@D)
	@echo "  LINK  $$@"
	@$$(LINK_CXX) $$^ -o $$@ $$(LDFLAGS_ALL) $$(TEST_MAIN_LDFLAGS)
endef
define demo_rules
$(BUILD)/$3/$2/demo: $1/demo.cpp
	@mkdir -p $$(@D)
	@echo "  CXX   $$< [$3] with -O2 -g into $$(@D)/"
	@$$(CXX) $$(CXXFLAGS_ALL) -O2 -g -DCORE_NO_LIVE_TASKS -I$3 -I$(GIVEN) -MT $$@ -c $$< -o $$@.o
	@$$(CXX) $$@.o -o $$@ $$(LDFLAGS_ALL)
endef
$(foreach c,$(CHAPTERS),$(foreach v,exercises solutions,\
  $(eval $(call chapter_rules,$c,$(call chapter_id,$c),$(BUILD)/$v/$(call chapter_id,$c),$v,$v,,$(GIVEN),$(if $(filter exercises,$v),$(LEARNER_WARN))))\
  $(eval $(call demo_rules,$c,$(call chapter_id,$c),$v))))
# LEARNER=<folder> checks another copy of exercises/ (make loop-time checks a
# scratch copy of the reference this way), built in a folder of its own.
LEARNER ?= exercises
ifeq ($(LEARNER),exercises)
  LEARNER_BUILD := $(LOOP_BUILD)/exercises
else
  LEARNER_BUILD := $(LOOP_BUILD)/learner-$(subst /,-,$(LEARNER))
  $(foreach c,$(CHAPTERS),$(eval $(call chapter_rules,$c,$(call chapter_id,$c),$(BUILD)/learner-$(subst /,-,$(LEARNER))/$(call chapter_id,$c),$(LEARNER),$(LEARNER),,$(GIVEN),$(LEARNER_WARN))))
endif
# make test checks the stubs as committed (git HEAD), not the learner's edits,
# with the given code of that same commit (pristine.sh writes both).
PRISTINE := $(BUILD)/pristine
$(foreach c,$(CHAPTERS),$(eval $(call chapter_rules,$c,$(call chapter_id,$c),$(PRISTINE)/$(call chapter_id,$c),$(PRISTINE)/src/exercises,stubs from git,pristine-src,$(PRISTINE)/src/given)))
.PHONY: pristine-src
pristine-src:
	@scripts/pristine.sh $(PRISTINE)/src

# One mutant's test binary (scripts/mutants.sh calls this with MUTANT_DIR, the
# folder holding the mutated copy of solutions/chNN_name/ together with the
# chapter's given files, and MUTANT_CHAPTER).
ifneq ($(MUTANT_DIR),)
  $(eval $(call chapter_rules,$(MUTANT_CHAPTER),$(call chapter_id,$(MUTANT_CHAPTER)),$(MUTANT_DIR),$(MUTANT_DIR)/src,mutant,,$(GIVEN)))
mutant-binary: $(patsubst $(MUTANT_CHAPTER)/tests/%.cpp,$(MUTANT_DIR)/pieces/%,$(wildcard $(MUTANT_CHAPTER)/tests/test_*.cpp))
endif

# The compiler's dependency files (-MMD). When every goal is a file of this
# build (the loop's inner make: one piece), only the folders of those goals
# are read, with no find; the commands that only run scripts need none.
ifeq ($(filter-out $(BUILD)/%,$(MAKECMDGOALS)),)
  -include $(wildcard $(addsuffix *.d,$(BUILD)/ $(BUILD)/pch/ $(sort $(patsubst %/pieces/,%/,$(dir $(MAKECMDGOALS))))))
else ifneq ($(filter-out check check-% watch watch-% diff-% hint hint-% help print-% deps loop-deps,$(MAKECMDGOALS)),)
  -include $(shell find $(BUILD) -path $(BUILD)/mutants -prune -o -name '*.d' -print 2>/dev/null)
endif

# ---- the learner's commands -----------------------------------------------
# TESTS, PIECE, LEVEL, STRESS, WATCHDOG_SECONDS reach the scripts through the
# environment (make puts command-line variables there), so a test name with
# spaces, quotes, parentheses or commas arrives intact.
LOOP_RUN = SAN='$(SAN)' scripts/run_tests.sh $(STRESS_ARGS)
# make check-chNN runs the chapter piece by piece (scripts/check.sh); with
# TESTS=, STRESS= or ALL=1 it builds the whole chapter's binary and runs that.
define chapter_commands
.PHONY: check-$1 solve-$1 diff-$1 demo-$1 hint-$1 watch-$1
check-$1: deps loop-deps
ifeq ($(TESTS)$(STRESS)$(ALL),)
	@scripts/check.sh --chapter $1 --dir $2 --build $(LEARNER_BUILD)/$1 --learner $(LEARNER) -- $$(LOOP_MAKE)
else
	@scripts/build.sh $$(LOOP_MAKE) $(LEARNER_BUILD)/$1/tests
	@$$(LOOP_RUN) --chapter $1 --dir $2 --variant exercises $(LEARNER_BUILD)/$1/tests
endif
solve-$1: deps loop-deps
	@scripts/build.sh $$(LOOP_MAKE) $(LOOP_BUILD)/solutions/$1/tests
	@$$(LOOP_RUN) --chapter $1 --dir $2 --variant solutions $(LOOP_BUILD)/solutions/$1/tests
watch-$1: deps loop-deps
	@scripts/watch.sh $1 $2
diff-$1:
	@scripts/diff.sh $2
hint-$1:
	@scripts/hint.sh $2
demo-$1: deps
	@test -f $2/demo.cpp || { echo "chapter $1 has no demo"; exit 1; }
	@$$(MAKE) $(BUILD)/$$(if $$(SOLUTION),solutions,exercises)/$1/demo
	@scripts/demo.sh $(BUILD)/$$(if $$(SOLUTION),solutions,exercises)/$1/demo $$(ARGS)
endef
$(foreach c,$(CHAPTERS),$(eval $(call chapter_commands,$(call chapter_id,$c),$c)))

# make check, make watch, make hint with no number: the chapter the learner
# is on (scripts/current_chapter.sh says which, and why, in one line). Found
# while the Makefile is read, so the goal is check-chNN itself, in this make:
# no inner make, whose failure would add a second "*** Error" line.
NO_NUMBER_GOAL := $(firstword $(filter check watch hint,$(MAKECMDGOALS)))
ifneq ($(NO_NUMBER_GOAL),)
  CURRENT_CHAPTER := $(shell $(if $(PROGRESS_DIR),PROGRESS_DIR='$(PROGRESS_DIR)') scripts/current_chapter.sh $(NO_NUMBER_GOAL) $(IDS))
endif
.PHONY: check watch hint
check: check-$(CURRENT_CHAPTER)
watch: watch-$(CURRENT_CHAPTER)
hint: hint-$(CURRENT_CHAPTER)

# A chapter name that does not exist: say which ones do.
check-% solve-% diff-% demo-% hint-% watch-%:
	@echo "make: there is no chapter '$*'. The chapters are: $(IDS)" >&2
	@echo "      (use the two-digit form, e.g. make check-ch01)" >&2
	@exit 2

# ---- everything the project promises -----------------------------------------
SOLUTION_TESTS := $(foreach i,$(IDS),$(BUILD)/solutions/$i/tests)
STUB_TESTS := $(foreach i,$(IDS),$(PRISTINE)/$i/tests)
DEMOS := $(foreach c,$(CHAPTERS),$(if $(wildcard $c/demo.cpp),$(BUILD)/solutions/$(call chapter_id,$c)/demo))
# make test runs each benchmark's --quick smoke run, so none of them rots.
BENCHES := $(patsubst bench/%.cpp,$(BUILD)/bench/%,$(wildcard bench/*.cpp))

all-binaries: $(BUILD)/core/tests $(BUILD)/model/tests $(BUILD)/infra/selftest $(SOLUTION_TESTS) $(STUB_TESTS) $(DEMOS) $(BENCHES) $(BUILD)/tools/bookcheck

# STUBS=worktree checks exercises/ as it is on disk instead of git's HEAD.
test: deps
	@scripts/build.sh $(MAKE) all-binaries
	@BUILD='$(BUILD)' LOOP_BUILD='$(LOOP_BUILD)' TEST_CXX='$(CXX)' TEST_OPT='$(OPT)' scripts/test.sh $(IDS)

# make test-catch2-v3: make test against Catch2 v3, Debian's libcatch2-dev from
# this release's backports, fetched through a private apt configuration and
# unpacked into build/catch2-v3/ (scripts/catch2_v3.sh), built in folders of
# their own (CATCH2_ROOT above).
.PHONY: test-catch2-v3
test-catch2-v3:
	@scripts/catch2_v3.sh

core-test: deps
	@scripts/build.sh $(MAKE) $(BUILD)/core/tests $(BUILD)/model/tests
	@scripts/run_tests.sh --variant core $(BUILD)/core/tests
	@scripts/run_tests.sh --variant core $(BUILD)/model/tests

solution-binaries: $(BUILD)/core/tests $(BUILD)/model/tests $(SOLUTION_TESTS)

print-build:
	@echo $(BUILD)
print-loop-build:
	@echo $(LOOP_BUILD)
print-loop-cxx:
	@echo $(LOOP_CXX)

sanitize:
	@scripts/sanitize.sh

stress: deps
	@scripts/build.sh $(MAKE) solution-binaries
	@for i in $(IDS); do echo "== $$i"; scripts/run_tests.sh --stress $(or $(STRESS),20) $(BUILD)/solutions/$$i/tests || exit 1; done

memcheck: deps
	@scripts/build.sh $(MAKE) solution-binaries
	@scripts/memcheck.sh $(BUILD)

# make mutants [CHAPTER=ch03] [MUTANT=slug] [RUNS=20]: every chNN_*/mutants/*.mutant
# applied to a copy of the reference, built like make check, run RUNS times.
mutants: deps loop-deps
	@scripts/build.sh $(LOOP_MAKE) test-main
	@LOOP_CXX='$(LOOP_CXX)' LOOP_OPT='$(LOOP_OPT)' LOOP_BUILD='$(LOOP_BUILD)' scripts/mutants.sh $(IDS)

# make loop-time: the learner's loop per chapter (touch one exercise file,
# time make check-chNN), a table of seconds.
loop-time: deps loop-deps
	@scripts/loop_time.sh $(IDS)

# make soak [SOAK_RUNS=20]: the reference's whole suite back to back beside
# two busy loops; any failure is a flake to fix.
soak: deps
	@scripts/build.sh $(MAKE) solution-binaries
	@BUILD='$(BUILD)' scripts/soak.sh $(IDS)

book-check: $(BUILD)/tools/bookcheck
	@$(BUILD)/tools/bookcheck book/*.md

book-sync: $(BUILD)/tools/bookcheck
	@$(BUILD)/tools/bookcheck --fix book/*.md

book:
	@scripts/book.sh

# The book's site in headless Chromium (search, 400 px, dark, print, links);
# screenshots in build/book/screenshots/.
book-browser:
	@scripts/book_browser.sh

bench: deps
	@scripts/bench.sh '$(BUILD)'

clean:
	rm -rf build compile_commands.json
