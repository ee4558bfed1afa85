#!/usr/bin/env bash
# `make check`, `make watch`, `make hint` with no chapter number: which
# chapter the learner is on, from the progress records make check-chNN
# leaves (PROGRESS_DIR, default build/progress; make help reads them too).
#   current_chapter.sh GOAL ch01 ch02 ...   prints the chapter's id on stdout,
#                                           and on stderr one line saying why
# The chapter checked last, while it is not done; once it is done, the first
# chapter after it that is not done (else the first not done before it);
# with no record, the first chapter. Every chapter done: the one checked last.
set -euo pipefail
goal=$1; shift
ids=("$@")
records=${PROGRESS_DIR:-build/progress}

title_of() {  # the chapter's name, as its card's heading gives it (make help shows the same)
  local dir
  dir=$(ls -d "$1"_*/ 2>/dev/null | head -n1)
  head -n1 "${dir%/}/README.md" 2>/dev/null | sed -E 's/^# *//; s/^[Cc]hapter [0-9]+[:.]? *//'
}
verdict_of() {  # pass, fail, hang, crash; "" with no record
  local line=""
  [ -f "$records/$1" ] && IFS= read -r line <"$records/$1"
  echo "${line%%[$'\t ']*}"
}
said_of() { local line=""; IFS= read -r line <"$records/$1"; [[ $line == *$'\t'* ]] && echo "${line#*$'\t'}"; }
say() { echo "make $goal: $1" >&2; }

last="" last_time=0
for id in "${ids[@]}"; do
  [ -f "$records/$id" ] || continue
  t=$(stat -c %Y "$records/$id")
  # (-ge: of two records written in the same second, the later chapter)
  if [ "$t" -ge "$last_time" ]; then last=$id last_time=$t; fi
done

if [ -z "$last" ]; then
  say "no chapter checked yet: ${ids[0]} ($(title_of "${ids[0]}")), the first"
  echo "${ids[0]}"; exit 0
fi
if [ "$(verdict_of "$last")" != pass ]; then
  said=$(said_of "$last")
  say "$last ($(title_of "$last")), the chapter you checked last${said:+: ${said}}"
  echo "$last"; exit 0
fi
# The last one checked is done: the next one not done, after it first.
after=() before=() seen=""
for id in "${ids[@]}"; do
  if [ "$id" = "$last" ]; then seen=1; continue; fi
  if [ -n "$seen" ]; then after+=("$id"); else before+=("$id"); fi
done
for id in "${after[@]}" "${before[@]}"; do
  [ -n "$id" ] || continue
  if [ "$(verdict_of "$id")" != pass ]; then
    say "$last, the chapter you checked last, is done: on to $id ($(title_of "$id"))"
    echo "$id"; exit 0
  fi
done
say "every chapter is done; $last ($(title_of "$last")), the one you checked last"
echo "$last"
