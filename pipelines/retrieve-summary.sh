#!/usr/bin/env bash
# The retriever's summary: a Markdown table of hit@1, hit@8, MRR@10 and
# nDCG@10 on the domain benchmark, with 95% bootstrap intervals, for BM25, the
# base encoder, the tuned one and the ablations; hit@8 against the base's
# (ratio, and the paired bootstrap p); the goals the recipe must meet.
# Usage: retrieve-summary.sh SCORES.jsonl (cn-score retrieval's lines, each
# retriever compared with the base, and the tuned one with BM25)
set -euo pipefail
[ $# = 1 ] || { echo "usage: retrieve-summary.sh SCORES.jsonl" >&2; exit 2; }
perl -MJSON::PP -e '
use strict; use warnings;
my (%v, %d, $n);    # $v{run}{metric} = [value, lo, hi]; $d{run}{versus}{metric} = [diff, lo, hi, p]
open my $f, "<", $ARGV[0] or die "retrieve-summary.sh: $ARGV[0]: $!\n";
while (my $l = <$f>) {
    my $r = decode_json($l);
    my ($run) = $r->{model} =~ m{results-([^/]+)\.jsonl$} or next;
    my $x = [$r->{value}, @{$r->{ci95}}];
    if (defined $r->{versus}) {
        my ($vs) = $r->{versus} =~ m{results-([^/]+)\.jsonl$};
        $d{$run}{$vs}{$r->{metric}} = [@$x, $r->{p}];
    } else {
        $v{$run}{$r->{metric}} = $x;
    }
    $n = $r->{n};
}
my %label = (bm25 => "BM25 (k1 0.9, b 0.4)", base => "base (general pairs only)", tuned => "tuned (domain pairs, hard negatives)",
             "no-hard-neg" => "ablation: no hard negatives", "temp-0.01" => "ablation: temperature 0.01");
my $cell = sub { my $x = shift; defined $x ? sprintf("%.3f [%.3f, %.3f]", @$x) : "-" };
print "# The retriever at laptop scale\n\n";
print "The domain benchmark (samples/beir.sh): $n queries, each its passages that state the answer; 95% bootstrap intervals.\n\n";
print "| retriever | hit\@1 | hit\@8 | MRR\@10 | nDCG\@10 | hit\@8 / base | p (vs base) |\n|---|---|---|---|---|---|---|\n";
for my $run ("bm25", "base", "tuned", "no-hard-neg", "temp-0.01") {
    next unless $v{$run};
    my $b = $v{base}{"hit\@8"}[0];
    my $ratio = $b > 0 ? sprintf("%.2fx", $v{$run}{"hit\@8"}[0] / $b) : "-";
    my $p = $run eq "base" ? "" : defined $d{$run}{base} ? sprintf("%.3f", $d{$run}{base}{"hit\@8"}[3]) : "-";
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", $label{$run}, map({ $cell->($v{$run}{$_}) } "hit\@1", "hit\@8", "mrr\@10", "ndcg\@10"), $ratio, $p;
}
my ($t, $b, $m) = map { $v{$_}{"hit\@8"}[0] } "tuned", "base", "bm25";
my $tm = $d{tuned}{bm25}{"hit\@8"};
print "\nGoals (hit\@8):\n\n";
printf "- tuned at least 1.3x the base: %.3f against %.3f (%.2fx): %s\n", $t, $b, $b > 0 ? $t / $b : 0, $t >= 1.3 * $b ? "met" : "NOT met";
printf "- tuned above BM25: %.3f against %.3f (difference %+.3f [%.3f, %.3f], paired p %.3f): %s\n", $t, $m, @$tm, $t > $m ? "met" : "NOT met";
' "$1"
