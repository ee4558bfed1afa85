#!/usr/bin/env bash
# The chapter cards (chNN_name/README.md) checked against the tests: `make
# test` runs `cards.sh BUILD ID...` with the reference's test binaries
# (BUILD/solutions/chNN/tests).
#
# The card's `## What the tests check` lists every test case once, grouped by
# piece (scripts/pieces.sh: the files tests/test_K_<what>.cpp, by K), in piece
# order. A group starts with a line
#   `[queue]` (piece 1, `test_1_queue.cpp`)
# (anything may follow it on the line: "; the delay server runs as ...")
# and lists its tests, one a line, each name in backticks exactly as
# `tests --list-test-names-only` prints it, then `[race]` when the test
# carries that tag, then any words of explanation:
#   - `ReadyQueue loses nothing when four threads push at once` `[race]`
# An indented line under an entry continues it. A TEMPLATE_TEST_CASE is
# listed by Catch2 as "name - Type" (ch05); the card may give the name
# without " - Type", and a group then stands for its tests of that name.
# Other lines of the section are prose; a line that starts with "`[" must be
# a group heading, and one that starts with "- " an entry.
#
# Checked, for each chapter:
#   every name on the card is a test; every test is on the card, once;
#   a test's group is its piece: the test carries the group's tag (the
#   binary run with "[tag]" --list-test-names-only lists it) and its
#   TEST_CASE is in the group's file; `[race]` is there exactly when the test
#   carries [race]; every piece has a group, "piece K" is its place, and the
#   groups come in piece order;
#   `## Steps` names every piece's test file, in piece order (so a learner
#   finds the step of "ch03 piece 2 of 4 (.../test_2_task.cpp)").
# Only --list-test-names-only and --list-tags are asked of a binary: they
# mean the same under Catch2 v2 and v3 (tests/main.cpp translates the first).
#
#   cards.sh BUILD ID...              check; one line, or the problems
#   cards.sh --skeleton BUILD ID      print the groups and entries the tests
#                                     call for (to paste into a card)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/pieces.sh"
skeleton=""
if [ "${1:-}" = --skeleton ]; then skeleton=1; shift; fi
build=${1:?usage: cards.sh [--skeleton] BUILD ID...}; shift
bad=0 chapters=0 names=0
for id in "$@"; do
  dir=$(ls -d "${id}"_*/ 2>/dev/null | head -n1); dir=${dir%/}
  [ -n "$dir" ] || { echo "cards: no chapter $id"; bad=$((bad + 1)); continue; }
  bin="$build/solutions/$id/tests"
  [ -x "$bin" ] || { echo "cards: $dir: no test binary $bin (build it first: make $bin)"; bad=$((bad + 1)); continue; }
  chapter_pieces "$dir" || { bad=$((bad + 1)); continue; }
  out=$(DIR=$dir ID=$id BIN=$bin PIECES="${pieces[*]}" SKELETON=$skeleton perl -e '
    use strict; use warnings;
    my ($dir, $id, $bin) = @ENV{qw(DIR ID BIN)};
    my @pieces = split " ", $ENV{PIECES};
    my $n_pieces = @pieces;
    my %piece_no = map { ("$pieces[$_].cpp" => $_ + 1) } 0 .. $#pieces;
    my $card = "$dir/README.md";
    my @problems;
    sub slurp { my ($f) = @_; open(my $h, "<", $f) or return undef; local $/; my $s = <$h>; close $h; return $s; }
    sub literals { my ($s) = @_; my $out = ""; while ($s =~ /"((?:[^"\\]|\\.)*)"/g) { my $l = $1; $l =~ s/\\(.)/$1/g; $out .= $l; } return $out; }
    sub list {  # the lines the binary prints for these arguments
      open(my $h, "-|", $bin, @_) or die "cards: cannot run $bin: $!\n";
      my @l = <$h>; close $h; my $rc = $?;
      s/\r?\n$// for @l;
      return ($rc, grep { length } @l);
    }

    # ---- the tests, as the binary lists them ----
    my ($rc, @all) = list("--list-test-names-only");
    # (Catch2 v2 exits with the number of tests it listed: only a signal is a failure)
    if (($rc & 127) || !@all) { print "  $dir: $bin --list-test-names-only crashed (wait status $rc) or listed nothing\n"; exit 1; }
    my %is_test = map { ($_ => 1) } @all;
    my (undef, @tag_lines) = list("--list-tags");
    my %tag_seen; my @tags = grep { !/^[.!#]/ && !$tag_seen{$_}++ } map { /\[([^\]]+)\]/g } @tag_lines;
    my %tags_of;
    for my $t (@tags) {
      my (undef, @n) = list("[$t]", "--list-test-names-only");
      $tags_of{$_}{$t} = 1 for @n;
    }
    sub tags_text { my ($n) = @_; join "", map { "[$_]" } sort keys %{ $tags_of{$n} || {} }; }

    # ---- which piece file holds each test (its TEST_CASE) ----
    my %file_of;
    for my $p (@pieces) {
      my $src = slurp("$dir/tests/$p.cpp") // "";
      while ($src =~ /(?<!\w)TEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/g) { $file_of{literals($1)} //= "$p.cpp"; }
      # TEMPLATE_TEST_CASEs of a header this file includes, their type a
      # macro #defined before the include (ch05): Catch lists "name - Type".
      my %def;
      while ($src =~ /^[ \t]*#[ \t]*(?:define[ \t]+(\w+)[ \t]+([^\n]*?)|include[ \t]+"([^"\/]+\.hpp)")[ \t]*$/mg) {
        if (defined $1) { $def{$1} = $2; next; }
        my $hdr = slurp("$dir/tests/$3") // next;
        while ($hdr =~ /TEMPLATE_TEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+),[^)]*?,\s*(\w+)\s*\)/g) {
          $file_of{literals($1) . " - " . ($def{$2} // $2)} //= "$p.cpp";
        }
      }
    }
    for my $n (@all) {
      push @problems, "$dir/tests: no piece file (test_K_<what>.cpp) holds the test \"$n\"" unless $file_of{$n};
    }

    if ($ENV{SKELETON}) {  # the groups the tests call for, in piece order
      for my $p (@pieces) {
        my %in_group; my @order;
        for my $n (grep { ($file_of{$_} // "") eq "$p.cpp" } @all) {
          my @piece_tags = grep { $_ ne $id && $_ ne "race" } sort keys %{ $tags_of{$n} || {} };
          my $g = join "", map { "[$_]" } @piece_tags;
          push @order, $g unless $in_group{$g};
          push @{ $in_group{$g} }, $n;
        }
        for my $g (@order) {
          print "\n`$g` (piece $piece_no{\"$p.cpp\"}, `$p.cpp`)\n";
          print "- `$_`", ($tags_of{$_}{race} ? " `[race]`" : ""), "\n" for @{ $in_group{$g} };
        }
      }
      exit 0;
    }

    # ---- the card ----
    my $text = slurp($card);
    if (!defined $text) { print "  $card: no card\n"; exit 1; }
    my @lines = split /\n/, $text;
    sub section {  # section HEADING: (first line index, end index) of its body
      my ($h) = @_;
      my ($at) = grep { $lines[$_] =~ /^## \Q$h\E\s*$/ } 0 .. $#lines;
      return () unless defined $at;
      my $end = $at + 1; $end++ while $end <= $#lines && $lines[$end] !~ /^## /;
      return ($at + 1, $end);
    }

    # `## What the tests check`: groups and entries.
    my ($from, $to) = section("What the tests check");
    if (!defined $from) { print "  $card: no \"## What the tests check\" section\n"; exit 1; }
    my (@groups, %listed_at);
    my $last_piece = 0;
    for my $j ($from .. $to - 1) {
      my $l = $lines[$j]; my $at = "$card:" . ($j + 1);
      if ($l =~ /^`\[/) {
        if ($l !~ /^`\[([^\]`]+)\]` \(piece (\d+), `([^`]+)`/) {
          push @problems, "$at: a group heading is `[tag]` (piece K, `test_K_<what>.cpp`), not: $l"; next;
        }
        my ($tag, $k, $file) = ($1, $2, $3);
        push @groups, { tag => $tag, file => $file, at => $at };
        if (!$piece_no{$file}) { push @problems, "$at: `$file` is not a piece of $dir (the pieces: " . join(", ", map { "$_.cpp" } @pieces) . ")"; next; }
        push @problems, "$at: `$file` is piece $piece_no{$file} of $n_pieces, not piece $k" if $k != $piece_no{$file};
        push @problems, "$at: the group of piece $piece_no{$file} (`$file`) comes after piece ${last_piece}'"'"'s: groups go in piece order" if $piece_no{$file} < $last_piece;
        $last_piece = $piece_no{$file};
        next;
      }
      next unless $l =~ /^[-*] /;
      if ($l !~ /^[-*] `([^`]+)`(.*)$/) { push @problems, "$at: an entry is \"- `test name`\" (the name in backticks), not: $l"; next; }
      my ($name, $rest) = ($1, $2);
      if (!@groups) { push @problems, "$at: `$name` comes before the first group heading `[tag]` (piece K, `test_K_<what>.cpp`)"; next; }
      my $g = $groups[-1];
      $g->{entries}++;
      my $marked_race = $rest =~ /`\[race\]`/;
      # The tests this entry names: the name itself, or (a template test
      # case listed without its type) every "name - Type" of the group'"'"'s tag.
      my @hits = $is_test{$name} ? ($name) : grep { /^\Q$name\E - [\w:<>, ]+$/ } @all;
      @hits = grep { $tags_of{$_}{ $g->{tag} } } @hits if @hits > 1;
      if (!@hits) { push @problems, "$at: `$name` is not a test of $id (no such name in `tests --list-test-names-only`)"; next; }
      for my $n (@hits) {
        my $shown = $n eq $name ? "`$name`" : "`$name` (\"$n\")";
        if ($listed_at{$n}) { push @problems, "$at: $shown is on the card twice (also at $listed_at{$n})"; next; }
        $listed_at{$n} = $at;
        push @problems, "$at: $shown is listed under `[$g->{tag}]`, but the test does not carry that tag (its tags: " . tags_text($n) . ")"
          unless $tags_of{$n}{ $g->{tag} };
        push @problems, "$at: $shown is listed under `$g->{file}`, but its TEST_CASE is in `$file_of{$n}`"
          if $file_of{$n} && $file_of{$n} ne $g->{file};
        push @problems, "$at: $shown is marked `[race]`, but the test does not carry [race]" if $marked_race && !$tags_of{$n}{race};
        push @problems, "$at: $shown carries [race]: mark it, `$name` `[race]`" if !$marked_race && $tags_of{$n}{race};
      }
    }
    for my $g (@groups) { push @problems, "$g->{at}: the group `[$g->{tag}]` (`$g->{file}`) lists no test" unless $g->{entries}; }
    my %grouped = map { ($_->{file} => 1) } @groups;
    for my $p (@pieces) {
      my $has_tests = grep { ($file_of{$_} // "") eq "$p.cpp" } @all;
      push @problems, "$card: piece $piece_no{\"$p.cpp\"} (`$p.cpp`) has no group in \"## What the tests check\": add `[tag]` (piece $piece_no{\"$p.cpp\"}, `$p.cpp`) and its tests"
        if $has_tests && !$grouped{"$p.cpp"};
    }
    for my $n (@all) {
      next if $listed_at{$n};
      my $where = $file_of{$n} ? " (in `$file_of{$n}`, piece $piece_no{$file_of{$n}})" : "";
      push @problems, "$card: the test \"$n\" is not on the card: list it under its piece'"'"'s group$where, tags " . tags_text($n);
    }

    # `## Steps`: every piece'"'"'s file, in piece order.
    my ($sfrom, $sto) = section("Steps");
    if (!defined $sfrom) { push @problems, "$card: no \"## Steps\" section"; }
    else {
      my ($prev_line, $prev) = (0, undef);
      for my $p (@pieces) {
        my ($line) = grep { $lines[$_] =~ /(?<![\w.])\Q$p\E\.cpp/ } $sfrom .. $sto - 1;
        if (!defined $line) {
          push @problems, "$card: \"## Steps\" does not name `$p.cpp` (piece $piece_no{\"$p.cpp\"} of $n_pieces): name it in the step where its tests go green";
          next;
        }
        push @problems, "$card:" . ($line + 1) . ": \"## Steps\" names `$p.cpp` (piece $piece_no{\"$p.cpp\"}) before `$prev.cpp` (piece $piece_no{\"$prev.cpp\"}): the steps follow the pieces in order"
          if defined $prev && $line < $prev_line;
        ($prev_line, $prev) = ($line, $p);
      }
    }

    if (@problems) { print "  $_\n" for @problems; exit 1; }
    print scalar(@all), "\n";
  ')
  rc=$?
  if [ -n "$skeleton" ]; then echo "$out"; [ $rc -eq 0 ] || bad=$((bad + 1)); continue; fi
  if [ $rc -eq 0 ] && [[ $out =~ ^[0-9]+$ ]]; then
    chapters=$((chapters + 1)); names=$((names + out))
  else
    echo "cards: $dir/README.md does not match its tests:"; echo "$out"; bad=$((bad + 1))
  fi
done
[ -n "$skeleton" ] && exit $((bad > 0))
if [ $bad -eq 0 ]; then
  [ "$chapters" -eq 1 ] && word=chapter || word=chapters
  echo "cards: $chapters $word, $names test names, every piece in its step"
else
  echo "cards: $bad of $# chapters do not match their tests (format: the top of scripts/cards.sh)"
fi
[ $bad -eq 0 ]
