#!/usr/bin/env bash
# ask.sh chat|mc|draw N FILE: N questions drawn evenly from FILE (JSONL, plain or
# zstd) as chat records of the question alone, each with its "reference", the
# answer an exact match must give: from a chat set (mode chat), a
# conversation's last user turn and the assistant's answer after it; from a
# multiple-choice set (mode mc), the question and its right choice. cn-rag
# chat answers them (keeping "reference"), cn-score exact scores the answers.
# Mode draw writes the drawn records as they are (a smaller question set).
set -euo pipefail
usage="Usage: ask.sh chat|mc|draw N FILE"
if [[ ${1-} == -h || ${1-} == --help ]]; then echo "$usage"; exit 0; fi
[ $# = 3 ] && [[ $1 == chat || $1 == mc || $1 == draw ]] && [[ $2 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
mode=$1 n=$2 file=$3
[ -r "$file" ] || { echo "ask.sh: $file: cannot read it" >&2; exit 1; }
if [[ $file == *.zst ]]; then read_it() { zstd -dcq -- "$file"; }; else read_it() { cat -- "$file"; }; fi
total=$(read_it | wc -l)
[ "$total" -ge "$n" ] || { echo "ask.sh: $file: $total records, fewer than the $n asked" >&2; exit 1; }
# record i (from 0) of every total/n: the questions spread over the whole file
read_it | MODE=$mode N=$n TOTAL=$total perl -MJSON::PP -ne '
    BEGIN { $j = JSON::PP->new->canonical->utf8; $k = 0; }
    next if $. - 1 != int($k * $ENV{TOTAL} / $ENV{N});
    $k++;
    if ($ENV{MODE} eq "draw") { print; next; }
    my $r = $j->decode($_);
    my ($q, $a);
    if ($ENV{MODE} eq "chat") {
        my @m = @{$r->{messages}};
        unless (@m >= 2 && $m[-1]{role} eq "assistant") { print STDERR "ask.sh: line $.: the last message is not an answer\n"; exit 1; }
        $a = pop @m;
        print $j->encode({messages => \@m, reference => $a->{content}}), "\n";
    } else {
        print $j->encode({messages => [{role => "user", content => $r->{question}}], reference => $r->{choices}[$r->{answer}]}), "\n";
    }'
