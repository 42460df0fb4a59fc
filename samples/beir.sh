#!/usr/bin/env bash
# beir.sh DATADIR: the domain retrieval benchmark, in BEIR's layout, made from
# the corpora and the multiple-choice test set of DATADIR (corpus.sh, qa.sh)
# into DATADIR/beir:
#   corpus.jsonl        the passages of every domain document (domain-train and
#                       domain-heldout) as cn-embed chunk cuts them (at most 512
#                       characters, as ChipNeMo's): {"_id", "text", "doc", ...}
#   queries.jsonl       {"_id", "text", "metadata": {"kind", "subject", "answer"}}:
#                       the "what" questions of mc-test (commands, options and
#                       tools never trained on by SFT) as typed into a search box
#   qrels/test.tsv      query-id, corpus-id, score (1): the passages that state
#                       the answer, known by construction
#   test-answers.jsonl  {"text": ANSWER} a line: cn-retrain pairs --exclude
#                       keeps them out of training pairs
#   templates.txt       the wording templates of the queries, one Perl regex a
#                       line (lowercase): no training query may have one
# A passage states the answer when, white space removed and ASCII lowercased
# (PDF text has spaces inside words), it holds both the answer and the
# subject's name (the option, the command or the tool). A question with no
# such passage is not asked; the counts go to stderr. The same inputs give the
# same bytes.
# Query wordings (mc-test kind: the question, then the query):
#   yosys-cmd-what  What does the yosys command `X` do?      what does yosys X do
#   yosys-opt-what  What does the option `-o` of the yosys command `X` do?
#                                                            what does -o do in yosys X
#   man-tool-what   What is `T`?                              what is T
#   man-opt-what    What does the option `-o` of `T` do?      what does -o do in T
# Environment: CN_EMBED (default build/bin/cn-embed).
# Needs: perl (core modules), zstd.
set -euo pipefail
export LC_ALL=C
prog=beir.sh
[ $# = 1 ] || { echo "usage: $prog DATADIR" >&2; exit 2; }
data=$1
embed=${CN_EMBED:-build/bin/cn-embed}
for f in domain-train domain-heldout mc-test; do
    [ -f "$data/$f.jsonl.zst" ] || { echo "$prog: $data/$f.jsonl.zst: no such file (make corpus)" >&2; exit 1; }
done
out=$data/beir
work=$(mktemp -d "${TMPDIR:-/tmp}/beir.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/qrels"

"$embed" chunk -q --chunk-chars 512 "$data/domain-train.jsonl.zst" "$data/domain-heldout.jsonl.zst" -o "$work/corpus.jsonl"
zstd -dcq < "$data/mc-test.jsonl.zst" > "$work/mc-test.jsonl"

perl -MJSON::PP -e '
use strict; use warnings;
my ($work) = @ARGV;
my $js = JSON::PP->new->canonical->utf8;
# folded as UTF-8 bytes: index on a string of characters would count them from the start each time
my $fold = sub { my $s = shift; $s =~ s/\s+//g; $s =~ tr/A-Z/a-z/; utf8::encode($s); $s };
# every passage folded, joined by NULs, with its start in the whole
my (@id, @start, $all);
open my $c, "<", "$work/corpus.jsonl" or die "$work/corpus.jsonl: $!";
$all = "";
while (my $l = <$c>) {
    my $p = $js->decode($l);
    push @id, $p->{_id}; push @start, length $all;
    $all .= $fold->($p->{text}) . "\0";
}
close $c;
my $which = sub {    # the passage holding byte $pos of $all
    my $pos = shift; my ($lo, $hi) = (0, $#start);
    while ($lo < $hi) { my $m = ($lo + $hi + 1) >> 1; if ($start[$m] <= $pos) { $lo = $m } else { $hi = $m - 1 } }
    $lo;
};
my @templates = ("^what does yosys .+ do\$", "^what does .+ do in ", "^what is ");
my %n; my $k = 0;
open my $qf, ">", "$work/queries.jsonl" or die; open my $rf, ">", "$work/qrels/test.tsv" or die;
open my $af, ">", "$work/test-answers.jsonl" or die;
print $rf "query-id\tcorpus-id\tscore\n";
open my $m, "<", "$work/mc-test.jsonl" or die;
while (my $l = <$m>) {
    my $r = $js->decode($l);
    my ($kind, $q) = ($r->{kind}, $r->{question});
    next unless $kind =~ /-what$/;
    my ($text, $name);
    if ($q =~ /^What does the yosys command `(.+)` do\?$/) { ($text, $name) = ("what does yosys $1 do", $1) }
    elsif ($q =~ /^What does the option `(.+)` of the yosys command `(.+)` do\?$/) { ($text, $name) = ("what does $1 do in yosys $2", $1) }
    elsif ($q =~ /^What does the option `(.+)` of `(.+)` do\?$/) { ($text, $name) = ("what does $1 do in $2", $1) }
    elsif ($q =~ /^What is `(.+)`\?$/) { ($text, $name) = ("what is $1", $1) }
    else { die "beir.sh: mc-test line $.: a question of no known wording: $q\n" }
    my $ans = $r->{choices}[$r->{answer}];
    my ($fa, $fn) = ($fold->($ans), $fold->($name));
    my (%rel, $pos);
    $pos = 0;
    while (($pos = index $all, $fa, $pos) >= 0) {
        my $i = $which->($pos);
        my $end = $i < $#start ? $start[$i + 1] : length $all;
        $rel{$i} = 1 if index(substr($all, $start[$i], $end - $start[$i]), $fn) >= 0;
        $pos++;
    }
    if (!%rel) { $n{"$kind: no passage states the answer, not asked"}++; next }
    $n{"$kind: asked"}++;
    my $qid = sprintf "%s-%04d", $kind, ++$k;
    print $qf $js->encode({_id => $qid, text => $text, metadata => {kind => $kind, subject => $r->{subject}, answer => $ans}}), "\n";
    print $rf "$qid\t$id[$_]\t1\n" for sort { $a <=> $b } keys %rel;
    print $af $js->encode({text => $ans}), "\n";
    $n{"relevant passages"} += keys %rel;
}
open my $tf, ">", "$work/templates.txt" or die; print $tf "$_\n" for @templates; close $tf or die;
close $_ or die for $qf, $rf, $af;
printf STDERR "beir.sh: %-50s %d\n", "$_:", $n{$_} for sort keys %n;
printf STDERR "beir.sh: %-50s %d\n", "passages:", scalar @id;
' "$work"

# the files, each renamed into place when all are whole
mkdir -p "$out/qrels"
for f in corpus.jsonl queries.jsonl qrels/test.tsv test-answers.jsonl templates.txt; do
    mv -f -- "$work/$f" "$out/$f"
done
