# Chapter 6's own rules: the delay server, the peer of its tests and demo.
# It is always built from solutions/ and given/ (the reference reactor): it is given,
# not an exercise, and the tests need a working peer while the learner's
# reactor is still a stub. Every ch06 binary of a build (exercises,
# solutions, the pristine stubs of make test, a mutant of make mutants, each
# piece of make check) finds it at the top of that build, $(BUILD)/delayserver,
# so they depend on it through TEST_NEEDS_ch06 (order-only: not linked in).
#
# Written under a temporary name and renamed: make mutants builds two mutants
# at once, and both may ask for the server.

$(BUILD)/delayserver: ch06_reactor/delayserver.cpp $(wildcard solutions/ch06_reactor/*.hpp) $(wildcard $(GIVEN)/ch06_reactor/*.hpp) \
		$(wildcard include/core/*.hpp)
	@mkdir -p $(@D)
	@echo "  CXX   $< [solutions]"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -Isolutions -I$(GIVEN) $< -MT $@ -MF $@.tmp$$$$.d -o $@.tmp$$$$ $(LDFLAGS_ALL) \
		&& mv -f $@.tmp$$$$.d $@.d && mv -f $@.tmp$$$$ $@

TEST_NEEDS_ch06 = $(BUILD)/delayserver
$(BUILD)/exercises/ch06/demo $(BUILD)/solutions/ch06/demo: | $(BUILD)/delayserver

.PHONY: delayserver
delayserver: deps
	@$(MAKE) $(BUILD)/delayserver
	@echo "built $(BUILD)/delayserver (try: $(BUILD)/delayserver --port 8080)"
EXTRA_GOALS += delayserver
