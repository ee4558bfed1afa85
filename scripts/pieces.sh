# Sourced by the scripts that walk a chapter piece by piece (check.sh,
# mutants.sh, loop_time.sh): the one place that says what the pieces are.
#   chapter_pieces DIR    sets the array `pieces` to the stems of
#                         DIR/tests/test_K_<what>.cpp, ordered by K
# A glob sorts test_10_x before test_2_y; this orders by the number K (bash's
# indexed arrays list their elements by index), and refuses two files with
# the same K.
chapter_pieces() {
  local f k
  local -a by_number=()
  pieces=()
  for f in "$1"/tests/test_*.cpp; do
    [ -e "$f" ] || continue
    f=${f##*/}; f=${f%.cpp}; k=${f#test_}; k=${k%%_*}
    if ! [[ $k =~ ^[0-9]+$ ]]; then
      echo "!!! $1/tests/$f.cpp: a piece is named test_<number>_<what>.cpp" >&2; return 1
    fi
    if [ -n "${by_number[10#$k]:-}" ]; then
      echo "!!! $1/tests: two pieces numbered $k (${by_number[10#$k]}.cpp, $f.cpp)" >&2; return 1
    fi
    by_number[10#$k]=$f
  done
  pieces=("${by_number[@]}")
}
