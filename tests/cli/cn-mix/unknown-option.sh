# stderr: ^cn-mix: unknown option
. "$TOP/tests/cli/lib.sh"
expect 2 cn-mix --bogus 1:x
