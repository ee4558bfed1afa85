# Sourced by the tools' self-tests (tools/selftest.sh, tools/selftest_cards.sh):
#   expect <what> <text that must appear> <output>
# counts a failure in $failures, showing what was expected and the output.
expect() {
  if ! grep -qF -- "$2" <<<"$3"; then
    echo "selftest: $1: expected to see"
    echo "    $2"
    echo "  in:"
    sed 's/^/    /' <<<"$3"
    failures=$((failures + 1))
  fi
}
