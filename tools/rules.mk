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
