# Chapter 5's own knob (the Makefile includes this file).
#
# make check-ch05 ATOMIC=1 (or solve-ch05 ATOMIC=1) builds the tasks on
# AtomicTaskState instead of TaskState (task.hpp's CH05_ATOMIC_STATE), so the
# whole runtime's tests, not only the [atomic-state] unit tests, run on the
# lock-free state machine. A separate build folder keeps the two apart.
ifeq ($(ATOMIC),1)
  CXXFLAGS_ALL += -DCH05_ATOMIC_STATE
  BUILD := $(BUILD)-atomic
endif
