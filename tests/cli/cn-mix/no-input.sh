# stderr: no input
. "$TOP/tests/cli/lib.sh"
expect 2 cn-mix
