# The one report every multi-step command prints (sourced by test.sh,
# sanitize.sh, memcheck.sh and .ci/run): a line per step, "ok" or "FAIL"
# with its seconds, the tail of a failing step's output, and a closing line
# "NAME: N passed, N failed" (the line CI reads).
#
#   . scripts/report.sh
#   report_step "label" command args...     # output kept; shown on failure
#   REPORT_TAIL=80 report_step ...          # how much of it (default 60 lines)
#   REPORT_STREAM=1 report_step ...         # output shown as it comes (CI)
#   report_summary NAME                     # the closing line; false if any failed
# REPORT_WIDTH sets the label column (default 52). report_failures lists
# "label (exit N after S s)" for each failed step; report_last_rc is the
# last step's exit status.
report_passed=0 report_failed=0 report_failures=() report_last_rc=0

report_step() {
  local label=$1; shift
  local start=$SECONDS log rc width=${REPORT_WIDTH:-52}
  # (a file, not $(...): a step that leaves a child holding its output open
  # must not keep the report waiting)
  log=$(mktemp)
  if [ -n "${REPORT_STREAM:-}" ]; then
    echo "=== $label"
    "$@"; rc=$?
  else
    "$@" >"$log" 2>&1; rc=$?
  fi
  report_last_rc=$rc
  if [ $rc -eq 0 ]; then
    report_passed=$((report_passed + 1))
    printf '  ok    %-*s %4ss\n' "$width" "$label" $((SECONDS - start))
  else
    report_failed=$((report_failed + 1))
    report_failures+=("$label (exit $rc after $((SECONDS - start)) s)")
    printf '  FAIL  %-*s %4ss\n' "$width" "$label" $((SECONDS - start))
    if [ -z "${REPORT_STREAM:-}" ]; then
      tail -n "${REPORT_TAIL:-60}" "$log" | sed 's/^/        | /'
    fi
  fi
  rm -f "$log"
  return $rc
}

report_summary() {
  local f
  echo
  for f in "${report_failures[@]}"; do echo "    failed: $f"; done
  echo "$1: $report_passed passed, $report_failed failed"
  [ "$report_failed" -eq 0 ]
}
