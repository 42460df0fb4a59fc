# -o NAME.zst and -z compress; readers take either
. "$TOP/tests/cli/lib.sh"; mkshard a.tok; mkshard b.tok
cn-mix -q --tokens 100 1:a.tok 1:b.tok -o m.tok.zst
cn-mix -q --tokens 100 -z 1:a.tok 1:b.tok > m2
cn-mix -q --tokens 100 1:a.tok 1:b.tok > m.tok
[ "$(head -c 4 m.tok.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ] || exit 1
cmp m.tok.zst m2
zstd -dc m.tok.zst | cmp - m.tok
