#!/usr/bin/env bash
# `make hint-chNN`: prints the "Hints" section of the chapter card.
set -uo pipefail
dir=$1
awk '/^## Hints/{on=1; print; next} /^## /{on=0} on' "$dir/README.md"
