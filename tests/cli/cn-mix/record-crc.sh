# a flipped token id: the record CRC no longer matches
# stderr: ^cn-mix: a.tok: byte 64: document 0: record CRC mismatch
. "$TOP/tests/cli/lib.sh"; mkshard a.tok
flip a.tok 76
expect 1 cn-mix 1:a.tok > out.tok
