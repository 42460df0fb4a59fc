#!/usr/bin/env bash
# drop-queries.sh TEMPLATES < PAIRS.jsonl > KEPT.jsonl: the training examples
# (cn-retrain pairs' lines) whose query, lowercased, matches none of the Perl
# regexes of TEMPLATES (one a line: samples/beir.sh's templates.txt, the test
# queries' wordings), each line unchanged; the count dropped goes to stderr.
set -euo pipefail
[ $# = 1 ] || { echo "usage: drop-queries.sh TEMPLATES < PAIRS.jsonl" >&2; exit 2; }
perl -MJSON::PP -e '
use strict; use warnings;
open my $t, "<", $ARGV[0] or die "drop-queries.sh: $ARGV[0]: $!\n";
my @re = map { chomp; qr/$_/ } grep { /\S/ } <$t>;
my $js = JSON::PP->new->utf8;
my $dropped = 0;
while (my $l = <STDIN>) {
    my $q = lc $js->decode($l)->{query};
    if (grep { $q =~ $_ } @re) { $dropped++; next }
    print $l;
}
print STDERR "drop-queries.sh: $dropped examples with a test query wording dropped\n" if $dropped;
' "$1"
