# Sourced by the scripts that run tests: the one place that decides how much
# slower than a plain build on an idle machine this run is.
#   slowdown_factor MODE     prints the factor; MODE is "", address, thread or valgrind
#   set_slowdown MODE        exports EXECUTOR_TEST_SLOWDOWN (unless already set)
# core::testing::scaled(bound) multiplies a test's time bound by it, and the
# watchdog in tests/main.cpp waits 10 s times it. A busy machine (the 1-minute
# load average above the number of cores) raises it in proportion.

slowdown_factor() {
  local mode=${1:-} base=1
  case $mode in
    address|thread) base=4 ;;
    valgrind) base=20 ;;
  esac
  local cores load tenths
  cores=$(nproc 2>/dev/null || echo 1)
  read -r load _ </proc/loadavg 2>/dev/null || load=0.00
  # load / cores, in tenths, rounded, between 1 and 8 (integer arithmetic: no
  # awk started for it on every run of the tests)
  [[ $load =~ ^([0-9]+)\.([0-9])([0-9]) ]] || BASH_REMATCH=(0 0 0 0)
  tenths=$(( (10#${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[3]} + 5 * cores) / (10 * cores) ))
  tenths=$(( tenths < 10 ? 10 : tenths > 80 ? 80 : tenths ))
  tenths=$(( base * tenths ))
  echo "$((tenths / 10)).$((tenths % 10))"
}

set_slowdown() {
  if [ -z "${EXECUTOR_TEST_SLOWDOWN:-}" ]; then
    EXECUTOR_TEST_SLOWDOWN=$(slowdown_factor "${1:-}")
  fi
  export EXECUTOR_TEST_SLOWDOWN
}
