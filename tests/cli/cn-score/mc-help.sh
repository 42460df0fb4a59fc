# cn-score mc --help: the usage line and what the metrics are
. "$TOP/tests/cli/lib.sh"
cn-score mc --help > out.txt
grep -q '^Usage: cn-score mc --model DIR' out.txt
if grep -q -- '--tokenizer\|--table' out.txt; then echo "mc's help lists tokens' options"; exit 1; fi
grep -q 'acc_norm' out.txt
grep -q 'Wilson score 95% interval' out.txt
grep -q -- '--shots K' out.txt
