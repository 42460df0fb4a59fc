# --help names the options; the usage errors: no encoder, no output, no
# data, options the trainer does not use
. "$TOP/tests/cli/lib.sh"
cn-retrain --help > help.txt
grep -q -- '--temperature' help.txt && grep -q -- '--num-negatives' help.txt && grep -q -- '--resume' help.txt
cn-retrain --version | grep -q '^cn-retrain '
expect 2 cn-retrain --out x p.jsonl 2> err
grep -q "give --init ENCODER_DIR" err
expect 2 cn-retrain --init e p.jsonl 2> err
grep -q "no output" err
expect 2 cn-retrain --init e --out x 2> err
grep -q "no training data" err
expect 2 cn-retrain --init e --out x --val-every 5 p.jsonl 2> err
grep -q -- "--val-every: cn-retrain has no held-out loss" err
expect 2 cn-retrain --init e --out x --temperature 0 p.jsonl 2> err
cn-retrain pairs --help | grep -q -- "--relative-margin"
