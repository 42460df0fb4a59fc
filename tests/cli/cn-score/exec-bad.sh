# exec's bad input: each a one-line error naming the file and line (exit 1),
# or a usage error (exit 2); tools missing from PATH are named
. "$TOP/tests/cli/lib.sh"
ok='{"id": "a", "kind": "verilog", "prompt": "p", "testbench": "module tb; endmodule\n"}'
echo '{"id": "a", "answer": "x"}' > gens.jsonl
bad() { # RECORD PATTERN
    printf '%s\n%s\n' "$ok" "$1" > t.jsonl
    expect 1 cn-score exec -q --tasks t.jsonl gens.jsonl 2> err
    test "$(wc -l < err)" = 1
    grep -Eq "^cn-score: $2\$" err
}
bad '{"id": "b", "kind": "verilog", "prompt": "p"}' 't.jsonl:2: no "testbench" string'
bad '{"id": "b", "kind": "yosys", "prompt": "p", "design": "d"}' 't.jsonl:2: no "check" string'
bad '{"id": "b", "kind": "vhdl", "prompt": "p", "testbench": ""}' 't.jsonl:2: kind "vhdl": verilog or yosys'
bad '{"id": "a", "kind": "verilog", "prompt": "p", "testbench": ""}' 't.jsonl:2: id "a" again \(first on line 1\)'
bad '{"id": "../x", "kind": "verilog", "prompt": "p", "testbench": ""}' 't.jsonl:2: id "\.\./x" is not 1 to 128 of \[A-Za-z0-9_\.-\]'
bad '{"id": "b", "kind": "verilog", "prompt": "p", "testbench": "", "level": 2}' 't.jsonl:2: "level" is not a string'
bad '{"kind": "verilog"}' 't.jsonl:2: no "id" string'
echo "$ok" > t.jsonl
: > empty.jsonl
expect 1 cn-score exec -q --tasks empty.jsonl gens.jsonl 2> err
grep -q '^cn-score: empty.jsonl: no tasks$' err
# generations: an unknown task, no id, no answer; a task without samples; k beyond them
printf '{"id": "a", "answer": "x"}\n{"id": "zz", "answer": "x"}\n' > g.jsonl
expect 1 cn-score exec -q --tasks t.jsonl g.jsonl 2> err
grep -q '^cn-score: g.jsonl:2: no task "zz" in t.jsonl$' err
echo '{"answer": "x"}' > g.jsonl
expect 1 cn-score exec -q --tasks t.jsonl g.jsonl 2> err
grep -q '^cn-score: g.jsonl:1: no "id" string naming the task$' err
echo '{"id": "a", "text": "x"}' > g.jsonl
expect 1 cn-score exec -q --tasks t.jsonl g.jsonl 2> err
grep -q "^cn-score: g.jsonl:1: no answer" err
printf '%s\n%s\n' "$ok" '{"id": "b", "kind": "verilog", "prompt": "p", "testbench": ""}' > t2.jsonl
expect 1 cn-score exec -q --tasks t2.jsonl gens.jsonl 2> err
grep -q '^cn-score: t2.jsonl:2: task b has no samples in the generations$' err
expect 1 cn-score exec -q --tasks t.jsonl -k 2 gens.jsonl 2> err
grep -q '^cn-score: -k 2: a task has only 1 samples' err
expect 1 cn-score exec -q --tasks t.jsonl --solutions reference 2> err
grep -q '^cn-score: t.jsonl:1: no "reference" string (--solutions)$' err
# usage
expect 2 cn-score exec -q gens.jsonl 2> err
grep -q 'no tasks: give --tasks FILE' err
expect 2 cn-score exec -q --tasks t.jsonl 2> err
expect 2 cn-score exec -q --tasks t.jsonl --solutions reference gens.jsonl 2> err
grep -q -- '--solutions takes the samples from the tasks' err
expect 2 cn-score exec -q --tasks t.jsonl --timeout 0 gens.jsonl
expect 2 cn-score exec -q --tasks t.jsonl -k 0 gens.jsonl
expect 2 cn-score exec -q --tasks t.jsonl --mem 1Mi gens.jsonl
expect 2 cn-score exec -q --tasks t.jsonl --field x gens.jsonl
# the tools: looked for on PATH before any run, and no output left behind
mkdir bin
ln -s "$(command -v cn-score)" bin/cn-score
expect 1 env PATH="$PWD/bin" cn-score exec -q --tasks t.jsonl -o out.jsonl gens.jsonl 2> err
grep -q '^cn-score: t.jsonl: the tasks need iverilog and vvp on PATH (make deps installs them)$' err
test ! -e out.jsonl
