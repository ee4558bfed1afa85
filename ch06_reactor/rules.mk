# Chapter 6's own rules: the delay server, the peer of its tests and demo.
# It is always built from solutions/ (the reference reactor): it is given,
# not an exercise, and the tests need a working peer while the learner's
# reactor is still a stub. Every ch06 binary of a build (exercises,
# solutions, the pristine stubs of make test, a mutant of make mutants)
# finds it at the top of that build, $(BUILD)/delayserver, so they depend on
# it (order-only: not linked in).
#
# Written under a temporary name and renamed: make mutants builds two mutants
# at once, and both may ask for the server.

$(BUILD)/delayserver: ch06_reactor/delayserver.cpp $(wildcard solutions/ch06_reactor/*.hpp) $(wildcard include/core/*.hpp)
	@mkdir -p $(@D)
	@echo "  CXX   $< [solutions]"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -Isolutions $< -MT $@ -MF $@.tmp$$$$.d -o $@.tmp$$$$ $(LDFLAGS_ALL) \
		&& mv -f $@.tmp$$$$.d $@.d && mv -f $@.tmp$$$$ $@

# (make check-chNN runs each test file as a piece of its own: pieces/<name>)
ch06_pieces = $(patsubst ch06_reactor/tests/%.cpp,$1/pieces/%,$(wildcard ch06_reactor/tests/test_*.cpp))
$(foreach v,exercises solutions pristine learner-$(subst /,-,$(LEARNER)),$(BUILD)/$v/ch06/tests $(call ch06_pieces,$(BUILD)/$v/ch06)) \
$(BUILD)/exercises/ch06/demo $(BUILD)/solutions/ch06/demo: | $(BUILD)/delayserver
ifneq ($(filter ch06_%,$(MUTANT_CHAPTER)),)
$(MUTANT_DIR)/tests $(call ch06_pieces,$(MUTANT_DIR)): | $(BUILD)/delayserver
endif

.PHONY: delayserver
delayserver: deps
	@$(MAKE) $(BUILD)/delayserver
	@echo "built $(BUILD)/delayserver (try: $(BUILD)/delayserver --port 8080)"
EXTRA_GOALS += delayserver
