# a record's text byte count changed: only the trailer totals disagree
# stderr: trailer counts .* disagree with the records
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
flip a.tok 68
expect 1 cn-mix 1:a.tok > out.tok
