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
  local cores load
  cores=$(nproc 2>/dev/null || echo 1)
  load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
  awk -v b="$base" -v l="$load" -v c="$cores" 'BEGIN {
    f = l / c; if (f < 1) f = 1; if (f > 8) f = 8
    printf "%.1f\n", b * f }'
}

set_slowdown() {
  if [ -z "${EXECUTOR_TEST_SLOWDOWN:-}" ]; then
    EXECUTOR_TEST_SLOWDOWN=$(slowdown_factor "${1:-}")
  fi
  export EXECUTOR_TEST_SLOWDOWN
}
