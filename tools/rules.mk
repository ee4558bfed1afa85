# tools/rules.mk: the book's tools, included by the Makefile.
#   make giveaway               how much of each exercise the book and the stubs give away
#   make giveaway ARGS="--lines ch03"   ... and which lines, found where
#   make hint-chNN [PIECE=<tag>] [LEVEL=<1-3>]   the hint ladder (scripts/hint.sh)
# `make test` runs the measure with --max 25 and `hint.sh --check` (scripts/test.sh).
EXTRA_GOALS += giveaway
.PHONY: giveaway

all-binaries: $(BUILD)/tools/giveaway

giveaway: $(BUILD)/tools/giveaway
	@$(BUILD)/tools/giveaway $(ARGS)

# make hint-chNN's helper (scripts/hint.sh): builds the test binary that
# make check-chNN runs (the loop build) and prints its path on stdout.
EXTRA_GOALS += hint-binary
.PHONY: hint-binary
hint-binary: loop-deps
	@test -n "$(HINT_CHAPTER)" || { echo "hint-binary needs HINT_CHAPTER=chNN" >&2; exit 2; }
	@scripts/build.sh $(LOOP_MAKE) $(LEARNER_BUILD)/$(HINT_CHAPTER)/tests >&2
	@echo $(LEARNER_BUILD)/$(HINT_CHAPTER)/tests
