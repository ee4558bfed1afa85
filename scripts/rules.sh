#!/usr/bin/env bash
# The rule table of each chapter's `## Proving it` (book/chNN_name.md), checked
# against the code: `make test` runs `rules.sh ID...`.
#
# The table follows a line `<!-- rules -->`:
#   | rule | test | mutant |
#   | --- | --- | --- |
#   | `Parker::park`: never returns without a token | "a test name" | `park-without-loop` |
# - rule: the function or type in backticks, as the stub's todo() names it
#   (the text before its first ": "), then the rule in words;
# - test: one or more test names in double quotes, exactly as Catch lists them;
# - mutant: slugs of chNN_name/mutants/<slug>.mutant in backticks, or `—`
#   (no mutant can show it: the rule cell says why).
# Checked: every todo() message of exercises/chNN_name/ that says "must" or
# "never" has its name in some row; every test exists; every mutant exists,
# appears in some row, and its `expect:` text is in its row's test (the name,
# or a string in the test's body) or is a message of the test main's resource
# check (a string in tests/infra/resources.hpp: a leaked thread, fd or task
# fails whichever test case leaked it).
#   rules.sh ID...          check, one line per chapter
#   rules.sh --rows ID      print "slug<TAB>test name" per row (make mutants
#                           checks that the mutant fails in that test)
set -uo pipefail
rows_only=""
if [ "${1:-}" = --rows ]; then rows_only=1; shift; fi
bad=0
for id in "$@"; do
  dir=$(ls -d "${id}"_*/ 2>/dev/null | head -n1); dir=${dir%/}
  [ -n "$dir" ] || { echo "rules: no chapter $id"; bad=$((bad + 1)); continue; }
  ROWS_ONLY=$rows_only DIR=$dir perl -e '
    use strict; use warnings;
    my $dir = $ENV{DIR}; my $rows_only = $ENV{ROWS_ONLY};
    my @problems;
    sub slurp { my ($f) = @_; open(my $h, "<", $f) or return ""; local $/; my $s = <$h>; close $h; return $s; }
    sub literals { my ($s) = @_; my $out = ""; while ($s =~ /"((?:[^"\\]|\\.)*)"/g) { my $l = $1; $l =~ s/\\(.)/$1/g; $out .= $l; } return $out; }
    sub norm { my ($s) = @_; $s =~ s/\s+/ /g; $s =~ s/^ | $//g; return $s; }
    # Tests: name -> body (string literals joined, white space folded).
    my %body;
    for my $f (glob("$dir/tests/*.cpp")) {
      my $src = slurp($f);
      my @starts;
      while ($src =~ /TEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/g) { push @starts, [$-[0], literals($1)]; }
      for my $i (0 .. $#starts) {
        my $end = $i < $#starts ? $starts[$i + 1][0] : length $src;
        my $text = substr($src, $starts[$i][0], $end - $starts[$i][0]);
        my $joined = $text; $joined =~ s/"\s*\n\s*"//g;
        $body{norm($starts[$i][1])} = norm($joined);
      }
    }
    # Template test cases in a header that a test file includes, their type
    # a macro #defined before the include (ch05'"'"'s state_cases.hpp): Catch
    # lists each as "name - Type".
    for my $f (glob("$dir/tests/*.cpp")) {
      my $src = slurp($f); my %def;
      while ($src =~ /^[ \t]*#[ \t]*(?:define[ \t]+(\w+)[ \t]+([^\n]*?)|include[ \t]+"([^"\/]+\.hpp)")[ \t]*$/mg) {
        if (defined $1) { $def{$1} = $2; next; }
        my $hdr = slurp("$dir/tests/$3");
        my @starts;
        while ($hdr =~ /TEMPLATE_TEST_CASE\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+),[^)]*?,\s*(\w+)\s*\)/g) {
          push @starts, [$-[0], literals($1) . " - " . ($def{$2} // $2)];
        }
        for my $i (0 .. $#starts) {
          my $end = $i < $#starts ? $starts[$i + 1][0] : length $hdr;
          my $text = substr($hdr, $starts[$i][0], $end - $starts[$i][0]);
          $text =~ s/"\s*\n\s*"//g;
          $body{norm($starts[$i][1])} = norm($text);
        }
      }
    }
    # The stubs: todo() names whose message says must or never.
    my %needs;
    for my $f (glob("exercises/$dir/*.hpp")) {
      my $src = slurp($f);
      while ($src =~ /core::todo\s*\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)/g) {
        my $msg = literals($1);
        next unless $msg =~ /\b(must|never)\b/i;
        my ($name) = $msg =~ /^(.{0,80}?):\s/;
        $name //= $msg;
        $name =~ s/^ch\d\d:://;     # a row may leave out the chapter namespace
        $name =~ s/\s*\(.*\)$//;    # and a note such as "(owner only)"
        $needs{$name} = $f;
      }
    }
    # What the test main says of a passing test case that left something behind.
    my $harness = norm(literals(slurp("tests/infra/resources.hpp")));
    my %mutants = map { m{/([^/]+)\.mutant$}; ($1 => $_) } glob("$dir/mutants/*.mutant");
    # The table.
    my $book = "book/$dir.md";
    my @lines = split /\n/, slurp($book);
    my ($at) = grep { $lines[$_] =~ /^<!-- rules -->\s*$/ } 0 .. $#lines;
    if (!defined $at) { print { $rows_only ? *STDERR : *STDOUT } "  $dir: $book has no rule table (a line <!-- rules --> in ## Proving it, then the table)\n"; exit 1; }
    my (@rows, %named, %rule_names);
    for my $j ($at + 1 .. $#lines) {
      my $l = $lines[$j];
      last unless $l =~ /^\|/;
      next if $l =~ /^\|\s*-/ || $l =~ /^\|\s*rule\s*\|/;
      my @cells = map { s/^\s+|\s+$//gr } split /\|/, substr($l, 1);
      pop @cells if @cells && $cells[-1] eq "";
      if (@cells != 3) { push @problems, "$book:" . ($j + 1) . ": a row needs 3 cells (rule | test | mutant)"; next; }
      my ($rule, $tests, $muts) = @cells;
      my @names = $rule =~ /`([^`]+)`/g;
      push @problems, "$book:" . ($j + 1) . ": the rule cell names no function in backticks" unless @names;
      $rule_names{s/^ch\d\d:://r} = 1 for @names;
      my @t = $tests =~ /"((?:[^"\\]|\\.)*)"/g;
      push @problems, "$book:" . ($j + 1) . ": the test cell has no test name in double quotes" unless @t;
      for my $t (@t) { push @problems, "$book:" . ($j + 1) . ": no test is named \"$t\"" unless exists $body{norm($t)}; }
      my @m = $muts =~ /`([^`]+)`/g;
      push @problems, "$book:" . ($j + 1) . ": the mutant cell is neither mutant slugs in backticks nor —" unless @m || $muts =~ /^—/;
      for my $m (@m) {
        if (!exists $mutants{$m}) { push @problems, "$book:" . ($j + 1) . ": no mutant $dir/mutants/$m.mutant"; next; }
        $named{$m} = 1;
        my ($expect) = slurp($mutants{$m}) =~ /^expect:[ \t]*(.*?)[ \t\r]*$/m;
        $expect = norm($expect // "");
        my $found = grep { exists $body{norm($_)} && (index(norm($_), $expect) >= 0 || index($body{norm($_)}, $expect) >= 0) } @t;
        $found ||= length($expect) && index($harness, $expect) >= 0;
        push @problems, "$book:" . ($j + 1) . ": mutant $m expects \"$expect\", which is in none of its row'"'"'s tests nor the resource check'"'"'s messages" unless $found;
        print "$m\t$_\n" for $rows_only ? @t : ();
      }
      push @rows, $l;
    }
    exit 0 if $rows_only;
    for my $n (sort keys %needs) { push @problems, "$needs{$n}: todo(\"$n: ...\") says must/never, and no rule row names `$n`" unless $rule_names{$n}; }
    for my $m (sort keys %mutants) { push @problems, "$dir/mutants/$m.mutant is in no rule row of $book" unless $named{$m}; }
    my $none = grep { /\|\s*—[^|]*\|?\s*$/ } @rows;
    if (@problems) { print "  $_\n" for @problems; exit 1; }
    printf "  ok  %s: %d rules (%d without a mutant), %d must/never contracts covered, %d mutants\n", $dir, scalar @rows, $none, scalar keys %needs, scalar keys %mutants;
  ' || bad=$((bad + 1))
done
[ -n "$rows_only" ] && exit 0
[ $bad -eq 0 ]
