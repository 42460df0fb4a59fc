#!/usr/bin/env bash
# qa.sh OUTDIR: builds a domain chat set and a domain multiple-choice set from
# the EDA tools' own documentation, as installed by Debian packages:
#   OUTDIR/chat-train.jsonl.zst  {"messages": [{"role": "user", ...}, {"role": "assistant", ...}]}
#   OUTDIR/mc-dev.jsonl.zst      questions for few-shot prompts: train subjects only
#   OUTDIR/mc-test.jsonl.zst     questions about test subjects only
# A question is {"question": "...", "choices": [4 distinct strings], "answer": i
# (0-based), "kind": "...", "subject": "...", "package": "..."}; kind, subject
# (what the split goes by) and package (Debian's) let a scorer report by part.
#
# Facts, and the questions asked of them (kind: question -> answer):
#   yosys commands, from `yosys -p 'help -all'`: name and one-line description,
#     yosys-cmd-what:  What does the yosys command `X` do?          -> description
#     yosys-cmd-which: Which yosys command is described as "D"?      -> command
#   their options, lines "    -name ..." and the indented paragraph below,
#     yosys-opt-what:  What does the option `-o` of the yosys command `X` do?
#     yosys-opt-which: Which option of the yosys command `X` is described as "D"?
#   the man pages (section 1) of the domain packages, rendered as corpus.sh
#   renders them: the NAME line and the option lists,
#     man-tool-what:   What is `T`?
#     man-tool-which:  Which tool is described as "D"?
#     man-opt-what:    What does the option `-o` of `T` do?
#     man-opt-which:   Which option of `T` is described as "D"?
# A description is the first sentence of its paragraph; questions take those
# of 6 to 160 bytes.
#
# Split by subject: a yosys command with all its options, a man-page tool, or a
# man-page tool's option is in test when the MD5 of "split\t" and its name is
# below QA_TEST_PCT percent (default 30) of the range, else in train.
# The chat set holds train facts only: every question that train facts give,
# answered with the exact right choice (which teaches the format that the
# multiple-choice scoring uses), the long description where a question is not
# asked, and each train yosys command's usage and description paragraphs.
# mc-dev draws a tenth of the train questions, with distractors from train
# facts only. mc-test asks about test subjects only, with distractors from any
# fact; knowledge of test subjects can only come from elsewhere, such as the
# DAPT corpus (domain-train holds the yosys manual, whose command reference is
# this help text, and most of these man pages; verilator and iverilog are in
# domain-heldout, so DAPT does not teach their options).
#
# Not asked: a fact whose description names its subject (`-d' in "the -d switch
# ...", `flatten' in "flatten design"); a test fact that a train fact states word
# for word (the same option with the same description elsewhere); a question
# whose text has two answers. Distractors come from the same scope first (the
# other options of the same command or tool; all commands; all tools), then
# from the same kind elsewhere; never one with the answer's name or
# description; choices of a length near the answer's first, so that length says
# little. The answer positions 0-3 go in turn to the questions of a set and
# kind in the order of their MD5. The same installed packages give the same
# bytes. Counts go to stderr.
#
# Environment: QA_TEST_PCT (default 30), QA_LEVEL (zstd level, default 19),
# QA_KEEP=1 keeps the work directory (facts.tsv lists every fact: split, kind,
# subject, name, ask/taught/chat, description).
# Needs: yosys, groff-base, perl, zstd, dpkg; corpus.sh beside this file (for
# its man-page conversion).
set -euo pipefail
export LC_ALL=C

prog=qa.sh
PACKAGES="yosys magic netgen-lvs qflow qrouter opensta fpga-icestorm nextpnr-ice40 xcircuit tkgate gtkwave verilator iverilog"

die() { echo "$prog: $*" >&2; exit 1; }

usage="Usage: $prog OUTDIR
Builds OUTDIR/{chat-train,mc-dev,mc-test}.jsonl.zst from the installed EDA tools' documentation."
if [[ ${1-} == -h || ${1-} == --help ]]; then
    echo "$usage"
    exit 0
fi
if [[ $# -ne 1 || $1 == -* ]]; then
    echo "$usage" >&2
    exit 2
fi
outdir=$1
pct=${QA_TEST_PCT:-30}
level=${QA_LEVEL:-19}
if ! [[ $pct =~ ^[0-9]+$ ]] || ((pct < 1 || pct > 99)); then die "QA_TEST_PCT: not a percentage from 1 to 99: $pct"; fi
[[ $level =~ ^[0-9]+$ ]] || die "QA_LEVEL: not a number: $level"
for t in yosys groff perl zstd dpkg-query; do
    command -v "$t" >/dev/null || die "$t: command not found (make deps)"
done
for p in $PACKAGES; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == *" installed" ]] ||
        die "package $p is not installed (make deps)"
done
here=$(dirname -- "$(readlink -f -- "$0")")
corpus=$here/corpus.sh
[[ -x $corpus ]] || die "$corpus: not found"
mkdir -p -- "$outdir"

work=$(mktemp -d "${TMPDIR:-/tmp}/qa.XXXXXX")
[[ ${QA_KEEP-} == 1 ]] && echo "$prog: work directory $work" >&2
cleanup() {
    rm -f -- "$outdir"/*.jsonl.zst.tmp.$$
    [[ ${QA_KEEP-} == 1 ]] || rm -rf -- "$work"
}
trap cleanup EXIT

# 1. yosys: the help of every command (run where nothing can be picked up or left)
(cd "$work" && HOME=$work yosys -Q -T -p 'help -all' </dev/null) >"$work/yosys-help.txt" ||
    die "yosys -p 'help -all' failed"
grep -q '^abc  --  ' "$work/yosys-help.txt" || die "yosys -p 'help -all': no command list"

# 2. man pages, section 1, of the domain packages; a page whose text repeats
#    one before it (verilator_bin.1 = verilator.1) is left out.
mkdir "$work/man"
n=0
for p in $PACKAGES; do
    dpkg-query -L "$p" | { grep -E '^/usr/share/man/man1/[^/]+\.1(\.gz)?$' || true; } | sort -u |
        sed -e "s|^|$p\t|"
done >"$work/man.list"
: >"$work/pages"
while IFS=$'\t' read -r p f; do
    [[ -f $f ]] || continue
    n=$((n + 1))
    t=${f##*/}; t=${t%.gz}; t=${t%.1}
    "$corpus" --convert man "$f" "$work/man/$n.txt"
    printf '%s\t%s\t%s\n' "$p" "$t" "$work/man/$n.txt" >>"$work/pages"
done <"$work/man.list"

# 3. facts, split, questions, chats
export QA_TEST_PCT=$pct
perl -w - "$work" <<'PERL'
use strict;
use Digest::MD5 qw(md5_hex);

my $work = shift;
my $pct = $ENV{QA_TEST_PCT};
my $MAXD = 160;    # longest description asked about

sub h32 { hex(substr(md5_hex(join("\t", @_)), 0, 8)) }
sub is_test { h32("split", $_[0]) < $pct / 100 * 4294967296 }
sub squeeze { my $s = shift; $s =~ s/\s+/ /g; $s =~ s/^ //; $s =~ s/ $//; $s }

# first sentence of a paragraph, without its full stop
sub first_sentence {
    my $s = squeeze(shift);
    my $p = $s;
    $p =~ s/\b(e\.g|i\.e|etc|vs|cf|approx|resp|Fig|Sec|No)\./$1\x01/g;
    $p = $1 if $p =~ /^(.*?[^.\s])\.(?:\s|$)/;
    $p =~ s/\x01/./g;
    $p =~ s/(?<!\.)[.:;,]$//;
    $p;
}

# ---- yosys: "name  --  description" / "=====" / body, per command
my (@facts, %help);
{
    open my $fh, '<', "$work/yosys-help.txt" or die "$work/yosys-help.txt: $!";
    my @l = <$fh>;
    chomp @l;
    my @cmds;
    for (my $i = 0; $i < @l; $i++) {
        my ($cmd, $desc) = $l[$i] =~ /^(\S+)  --  (.*\S)\s*$/ or next;
        push @cmds, [$cmd, $desc, $i + 2] if $i + 1 < @l && $l[$i + 1] =~ /^=+$/;
    }
    for my $c (0 .. $#cmds) {
        my ($cmd, $desc, $from) = @{$cmds[$c]};
        my $to = $c < $#cmds ? $cmds[$c + 1][2] - 3 : $#l;
        my @body = @l[$from .. $to];
        shift @body while @body && $body[0] eq '';
        pop @body while @body && ($body[-1] eq '' || $body[-1] =~ /^-- Running command/);
        $help{$cmd} = join("\n", @body);
        push @facts, { kind => 'yosys-cmd', tool => 'yosys', pkg => 'yosys', subject => "yosys $cmd",
            cmd => $cmd, name => $cmd, desc => $desc, long => $desc };
        # options: "    -name ..." at indent 4, then a paragraph at indent 8 or more;
        # consecutive option lines share the paragraph below them
        my @group;
        for (my $i = 0; $i < @body; $i++) {
            if ($body[$i] =~ /^    (-[A-Za-z0-9][^\s,]*)/) {
                push @group, $1;
                next;
            }
            if (@group && $body[$i] =~ /^ {8}\S/) {
                my @par;
                while ($i < @body && $body[$i] =~ /^ {8}\S/) { push @par, $body[$i]; $i++ }
                my $long = squeeze(join(' ', @par));
                for my $o (@group) {
                    push @facts, { kind => 'yosys-opt', tool => 'yosys', pkg => 'yosys', subject => "yosys $cmd",
                        cmd => $cmd, name => $o, desc => first_sentence($long), long => $long,
                        shared => @group > 1 };
                }
            }
            @group = ();
        }
    }
}

# ---- man pages: the NAME line and the options
{
    open my $pf, '<', "$work/pages" or die "$work/pages: $!";
    my %seen;
    while (my $line = <$pf>) {
        chomp $line;
        my ($pkg, $tool, $path) = split /\t/, $line;
        open my $fh, '<', $path or die "$path: $!";
        my $text = do { local $/; <$fh> };
        my $body = $text;
        $body =~ s/\A[^\n]*\n//;    # the running header names the page
        next if $seen{md5_hex($body)}++;
        my @l = split /\n/, $text;
        for (my $i = 0; $i + 1 < @l; $i++) {    # NAME: "tool - what it is"
            next unless $l[$i] =~ /^NAME\s*$/;
            my $n = '';
            for (my $j = $i + 1; $j < @l && $l[$j] =~ /^\s+\S/; $j++) { $n .= " $l[$j]" }
            if ($n =~ /^\s*(\S+)\s+(?:-|--|\xe2\x80\x90|\xe2\x88\x92)\s+(.*\S)/) {
                my $d = first_sentence($2);
                push @facts, { kind => 'man-tool', tool => $tool, subject => $tool, name => $tool,
                    desc => $d, long => $d, pkg => $pkg } if length($d) >= 6;
            }
            last;
        }
        # an option entry: a line "<indent>-tag" or "<indent>-tag  description"
        # after a blank line, another entry, or at a smaller indent than the
        # text before it; its description runs on below, deeper than the tag
        # (at the description's column when that starts on the tag's line),
        # until a blank line
        my ($prev, $prev_ind) = ('blank', 0);    # blank, entry or text
        for (my $i = 0; $i < @l; $i++) {
            my $s = $l[$i];
            if ($s !~ /\S/) { $prev = 'blank'; next }
            my $ind = length(($s =~ /^( *)/)[0]);
            my ($tag, $rest, $col);
            if ($s =~ /^ {3,16}([-+]{1,2}[A-Za-z0-9<]\S*(?: \S+)*?)(?: {2,}(\S.*))?$/
                && ($prev ne 'text' || $ind < $prev_ind) && length($1) <= 48) {
                ($tag, $rest) = ($1, $2);
                $col = defined $rest ? length($s) - length($rest) : $ind + 1;
            } else {
                ($prev, $prev_ind) = ('text', $ind);
                next;
            }
            my @par = defined $rest ? ($rest) : ();
            my $j = $i + 1;
            while ($j < @l && $l[$j] =~ /^( *)\S/ && length($1) >= $col) { push @par, $l[$j]; $j++ }
            ($prev, $prev_ind, $i) = ('entry', $ind, $j - 1);
            next unless @par;
            my $long = squeeze(join(' ', @par));
            (my $name = (split / /, $tag)[0]) =~ s/,$//;
            push @facts, { kind => 'man-opt', tool => $tool, subject => "$tool $name", name => $name,
                desc => first_sentence($long), long => $long, pkg => $pkg };
        }
    }
}

# ---- split; which facts questions may be asked of
for my $f (@facts) {
    $f->{test} = is_test($f->{subject}) ? 1 : 0;
    my $d = $f->{desc};
    my $ok = length($d) >= 6 && length($d) <= $MAXD && $d =~ /[a-z]/i;
    # a description that names its subject gives the answer away
    # (an option by each of its spellings up to the argument: "-v,--vcd <f>",
    # "+define+<var>"; a command or tool by its name, in any case)
    if ($f->{kind} =~ /opt/) {
        for my $o (grep { /^[-+]/ } split /[,|\/]/, $f->{name}) {
            (my $stem = $o) =~ s/^([-+]+[^-+<\[=]*(?:-[^-+<\[=]+)*).*/$1/;
            $ok = 0 if $d =~ /(?<![\w-])\Q$stem\E(?!\w)/;
        }
    } elsif ($d =~ /(?<![\w-])\Q$f->{name}\E(?![\w-])/i) {
        $ok = 0;
    }
    $ok = 0 if $f->{kind} eq 'man-tool' && $d =~ /^manual page for/;
    $f->{ok} = $ok;
}
# a test fact that a train fact states word for word (the same option with the
# same description, of another command or tool) is not asked: its answer would
# be taught by the chat set
my %taught;
$taught{"$_->{kind}\t$_->{name}\t$_->{desc}"} = 1 for grep { !$_->{test} } @facts;
for my $f (grep { $_->{test} && $_->{ok} } @facts) {
    next unless $taught{"$f->{kind}\t$f->{name}\t$f->{desc}"};
    $f->{ok} = 0;
    $f->{taught} = 1;
}
{
    open my $ff, '>', "$work/facts.tsv" or die;
    for my $f (@facts) {
        print $ff join("\t", $f->{test} ? 'test' : 'train', $f->{kind}, $f->{subject}, $f->{name},
            $f->{ok} ? 'ask' : $f->{taught} ? 'taught' : 'chat', $f->{desc}), "\n";
    }
}

# scope: the facts whose names are distractors for "which" questions, and
# whose descriptions are for "what" questions
my (%by_scope, %by_kind);
for my $f (@facts) {
    my $scope = $f->{kind} eq 'yosys-opt' ? "yosys $f->{cmd}" : $f->{kind} eq 'man-opt' ? $f->{tool} : $f->{kind};
    $f->{scope} = $scope;
    push @{$by_scope{$scope}}, $f;
    push @{$by_kind{$f->{kind}}}, $f;
}

sub json_str {
    my $s = shift;
    $s =~ s/([\\"])/\\$1/g;
    $s =~ s/\n/\\n/g;
    $s =~ s/\t/\\t/g;
    $s =~ s/([\x00-\x1f\x7f])/sprintf('\\u%04x', ord $1)/ge;
    "\"$s\"";
}

# the questions of a fact: [kind, question, answer, field of the choices]
sub questions {
    my $f = shift;
    my ($n, $t, $d) = ($f->{name}, $f->{tool}, $f->{desc});
    if ($f->{kind} eq 'yosys-cmd') {
        return (['yosys-cmd-what', "What does the yosys command `$n` do?", 'desc'],
                ['yosys-cmd-which', "Which yosys command is described as \"$d\"?", 'name']);
    } elsif ($f->{kind} eq 'yosys-opt') {
        my @q = (['yosys-opt-what', "What does the option `$n` of the yosys command `$f->{cmd}` do?", 'desc']);
        push @q, ['yosys-opt-which', "Which option of the yosys command `$f->{cmd}` is described as \"$d\"?", 'name']
            unless $f->{shared};
        return @q;
    } elsif ($f->{kind} eq 'man-tool') {
        return (['man-tool-what', "What is `$n`?", 'desc'],
                ['man-tool-which', "Which tool is described as \"$d\"?", 'name']);
    } else {
        return (['man-opt-what', "What does the option `$n` of `$t` do?", 'desc'],
                ['man-opt-which', "Which option of `$t` is described as \"$d\"?", 'name']);
    }
}

# three distractors for fact $f's field $field, from facts that pass $allow
sub distractors {
    my ($f, $field, $q, $allow) = @_;
    my $ans = $f->{$field};
    my $len = length $ans;
    my (%used, @pick);
    $used{$ans} = 1;
    for my $pool ($by_scope{$f->{scope}}, $by_kind{$f->{kind}}) {
        my @c = grep {
            $_ != $f && $_->{ok} && $allow->($_) && $_->{desc} ne $f->{desc} && $_->{name} ne $f->{name}
        } @$pool;
        # length-matched first, each group in an order drawn from the question
        my @near = grep { my $l = length $_->{$field}; $l >= 0.6 * $len - 4 && $l <= 1.6 * $len + 4 } @c;
        my @far = grep { my $l = length $_->{$field}; !($l >= 0.6 * $len - 4 && $l <= 1.6 * $len + 4) } @c;
        for my $c ((sort { $a->[0] cmp $b->[0] } map { [md5_hex("pick\t$q\t$_->{$field}"), $_] } @near),
                   (sort { $a->[0] cmp $b->[0] } map { [md5_hex("pick\t$q\t$_->{$field}"), $_] } @far)) {
            my $v = $c->[1]{$field};
            next if $used{$v}++;
            # a "which" distractor that the scope also lists with this description
            next if $field eq 'name' && grep { $_->{name} eq $v && $_->{desc} eq $f->{desc} } @{$by_scope{$f->{scope}}};
            push @pick, $v;
            return @pick if @pick == 3;
        }
    }
    return;
}

my (%count, @chat, %mc);
my %asked;    # question -> [split, answer, fact, kind, field], or undef when ambiguous
for my $f (@facts) {
    next unless $f->{ok};
    for my $qd (questions($f)) {
        my ($kind, $q, $field) = @$qd;
        my $ans = $f->{$field};
        if (exists $asked{$q}) {
            $asked{$q} = undef if defined $asked{$q} && $asked{$q}[1] ne $ans;
            next;
        }
        $asked{$q} = [$f->{test} ? 'test' : 'train', $ans, $f, $kind, $field];
    }
}
for my $q (sort keys %asked) {
    my $a = $asked{$q};
    if (!defined $a) { $count{misc}{"questions with two answers, not asked"}++; next }
    my ($split, undef, $f, $kind, $field) = @$a;
    my $ans = $f->{$field};
    if ($split eq 'train') {
        push @chat, [md5_hex("chat\t$q"), $q, $ans, $kind];
        $count{chat}{$kind}++;
    }
    my $set = $split eq 'test' ? 'test' : (h32('dev', $q) % 10 == 0 ? 'dev' : '');
    next unless $set;
    my $allow = $set eq 'test' ? sub { 1 } : sub { !$_[0]{test} };
    my @d = distractors($f, $field, $q, $allow);
    if (@d < 3) { $count{misc}{"$set questions without 3 distractors"}++; next }
    push @{$mc{$set}{$kind}}, [$q, $ans, \@d, $f];
    $count{$set}{$kind}++;
}
# the right answer's position: the questions of a set and kind in the order of
# the MD5 of their text take the positions 0, 1, 2, 3, 0, ... in turn
my %mcrec;
for my $set (sort keys %mc) {
    for my $kind (sort keys %{$mc{$set}}) {
        my @qs = sort { $a->[0] cmp $b->[0] } map { [md5_hex("pos\t$_->[0]"), @$_] } @{$mc{$set}{$kind}};
        for my $i (0 .. $#qs) {
            my (undef, $q, $ans, $d, $f) = @{$qs[$i]};
            my $pos = $i % 4;
            my @ch = @$d;
            splice @ch, $pos, 0, $ans;
            push @{$mcrec{$set}}, [md5_hex("order\t$q"), '{"question": ' . json_str($q)
                . ', "choices": [' . join(', ', map { json_str($_) } @ch) . "], \"answer\": $pos"
                . ', "kind": ' . json_str($kind) . ', "subject": ' . json_str($f->{subject})
                . ', "package": ' . json_str($f->{pkg}) . '}'];
        }
    }
}
# chats that the multiple-choice questions do not have: facts left out of the
# questions (long or self-naming descriptions), and each train command's
# usage and description
for my $f (@facts) {
    next if $f->{test} || $f->{ok};
    next unless length($f->{long}) >= 6;
    my ($kind, $q) = @{(questions($f))[0]};
    next if exists $asked{$q};
    $asked{$q} = undef;
    push @chat, [md5_hex("chat\t$q"), $q, $f->{long}, $kind];
    $count{chat}{$kind}++;
}
for my $f (@facts) {
    next if $f->{test} || $f->{kind} ne 'yosys-cmd';
    # the usage and the paragraphs before the options, up to 1500 bytes
    my @par = split /\n\n+/, $help{$f->{name}};
    my $a = '';
    for my $p (@par) {
        last if $p =~ /^    -/ || ($a ne '' && length($a) + length($p) > 1500 && $a =~ /\n\n/);
        $a .= ($a eq '' ? '' : "\n\n") . $p;
    }
    next if $a eq '';
    my $q = "Explain the yosys command `$f->{name}`.";
    push @chat, [md5_hex("chat\t$q"), $q, $a, 'yosys-cmd-explain'];
    $count{chat}{"yosys-cmd-explain"}++;
}

open my $cf, '>', "$work/chat-train.jsonl" or die;
for my $c (sort { $a->[0] cmp $b->[0] } @chat) {
    print $cf '{"messages": [{"role": "user", "content": ' . json_str($c->[1])
        . '}, {"role": "assistant", "content": ' . json_str($c->[2]) . "}]}\n";
}
close $cf or die;
for my $set ('dev', 'test') {
    open my $mf, '>', "$work/mc-$set.jsonl" or die;
    print $mf "$_->[1]\n" for sort { $a->[0] cmp $b->[0] } @{$mcrec{$set} || []};
    close $mf or die;
}
my (%subj, %fact);
for my $f (@facts) {
    my $split = $f->{test} ? 'test' : 'train';
    $subj{$split}{$f->{subject}} = 1;
    $fact{$split}{$f->{ok} ? 'asked' : $f->{taught} ? 'taught' : 'chat'}++;
}
printf STDERR "qa.sh: facts: train %d (%d for the chat only), test %d (%d asked, %d taught by a train fact)\n",
    scalar(grep { !$_->{test} } @facts), $fact{train}{chat} || 0, scalar(grep { $_->{test} } @facts),
    $fact{test}{asked} || 0, $fact{test}{taught} || 0;
printf STDERR "qa.sh: subjects: train %d, test %d\n", scalar(keys %{$subj{train}}), scalar(keys %{$subj{test}});
printf STDERR "qa.sh: %-40s %d\n", "$_:", $count{misc}{$_} for sort keys %{$count{misc}};
my %kinds = map { $_ => 1 } map { keys %{$count{$_}} } qw(chat dev test);
printf STDERR "qa.sh: %-20s %6s %6s %6s\n", 'kind', 'chat', 'dev', 'test';
for my $k ((sort keys %kinds), 'total') {
    my @n;
    for my $s (qw(chat dev test)) {
        my $t = 0;
        $t += $_ for $k eq 'total' ? values %{$count{$s}} : ($count{$s}{$k} || 0);
        push @n, $t;
    }
    printf STDERR "qa.sh: %-20s %6d %6d %6d\n", $k, @n;
}
PERL

# 4. compressed outputs, each written beside its place and renamed
for f in chat-train mc-dev mc-test; do
    zstd -q -f -"$level" --no-progress "$work/$f.jsonl" -o "$outdir/$f.jsonl.zst.tmp.$$"
    mv -f -- "$outdir/$f.jsonl.zst.tmp.$$" "$outdir/$f.jsonl.zst"
done
