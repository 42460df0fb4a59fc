# a flipped byte in the trailer's own CRC
# stderr: trailer CRC mismatch
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
flip a.tok $(( $(stat -c %s a.tok) - 1 ))
expect 1 cn-mix 1:a.tok > out.tok
