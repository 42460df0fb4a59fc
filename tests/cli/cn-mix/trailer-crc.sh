# a flipped byte in the trailer's own CRC
# exit: 1
# stderr: trailer CRC mismatch
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
flip a.tok $(( $(stat -c %s a.tok) - 1 ))
cn-mix 1:a.tok > out.tok
