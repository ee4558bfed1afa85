# Chapter 6's own rules: the delay server, the peer of its tests and demo.
# It is always built from solutions/ (the reference reactor): it is given,
# not an exercise, and the tests need a working peer while the learner's
# reactor is still a stub. The test binaries find it beside themselves
# ($(BUILD)/delayserver), so they depend on it (order-only: not linked in).

$(BUILD)/delayserver: ch06_reactor/delayserver.cpp $(wildcard solutions/ch06_reactor/*.hpp) $(wildcard include/core/*.hpp)
	@mkdir -p $(@D)
	@echo "  CXX   $< [solutions]"
	@$(CXX) $(CXXFLAGS_ALL) $(OPT) -Isolutions $< -o $@ $(LDFLAGS_ALL)

$(BUILD)/exercises/ch06/tests $(BUILD)/solutions/ch06/tests $(BUILD)/exercises/ch06/demo $(BUILD)/solutions/ch06/demo: | $(BUILD)/delayserver

.PHONY: delayserver
delayserver: deps
	@$(MAKE) $(BUILD)/delayserver
	@echo "built $(BUILD)/delayserver (try: $(BUILD)/delayserver --port 8080)"
EXTRA_GOALS += delayserver
