# a record's text byte count changed: only the trailer totals disagree
# exit: 1
# stderr: trailer counts .* disagree with the records
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
flip a.tok 68
cn-mix 1:a.tok > out.tok
