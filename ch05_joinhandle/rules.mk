# Chapter 5's own knob (the Makefile includes this file).
#
# make check-ch05 ATOMIC=1 (or solve-ch05 ATOMIC=1) builds the tasks on
# AtomicTaskState instead of TaskState (task.hpp's CH05_ATOMIC_STATE), so the
# whole runtime's tests, not only the [atomic-state] unit tests, run on the
# lock-free state machine. Separate build folders keep the two builds apart.
ifeq ($(ATOMIC),1)
  CXXFLAGS_ALL += -DCH05_ATOMIC_STATE
  BUILD := $(BUILD)-atomic
  LOOP_BUILD := $(LOOP_BUILD)-atomic
  PCH := $(BUILD)/pch/$(notdir $(PCH))
  PCH_OBJ := $(if $(PCH_OBJ),$(BUILD)/pch/pch.o)
endif
