# exec's sandbox, on answers that misbehave: a simulation that never ends is
# killed at --timeout (the kill lands mid-run: the verdict is timeout, after
# the limit and well before the answer would end); a script's commands see no
# network (only a loopback, down) and, as root, run as nobody; a process an
# answer leaves behind, even in a session of its own, dies with it; at the
# limit the children die too; --mem refuses a large allocation
# timeout: 120
. "$TOP/tests/cli/lib.sh"
/usr/bin/python3 - <<'PY' > tasks.jsonl
import json
tb = "module tb; m u(); initial begin #10; $display(\"PASS\"); $finish; end endmodule\n"
print(json.dumps({"id": "loop", "kind": "verilog", "prompt": "p", "testbench": tb}))
design = "module top(input a, output y); assign y = ~a; endmodule\n"
check = "read_verilog design.v\nhierarchy -top top\n"
print(json.dumps({"id": "y", "kind": "yosys", "prompt": "p", "design": design, "check": check}))
PY
# the mark's directory: one that nobody (the runs' user, as root) can reach
marks=$(mktemp -d /tmp/cn-exec-mark.XXXXXX)
trap 'rm -rf "$marks"' EXIT
chmod 777 "$marks"
mark=$marks/left-behind
/usr/bin/python3 - "$mark" <<'PY' > gens.jsonl
import json, sys
mark = sys.argv[1]
loop = "module m; reg x = 0; initial forever x = ~x; endmodule\n"  # zero-delay: time never reaches #10
print(json.dumps({"id": "loop", "answer": "```verilog\n" + loop + "```\n"}))
y = lambda s: print(json.dumps({"id": "y", "answer": s}))
y("!cat /proc/net/dev > net.txt\n!id -u > uid.txt\n")
# the session's own: out of the group by the time the script ends (the sleep)
y("!setsid sh -c 'sleep 2; touch %s' > bg.log 2>&1 &\n!sleep 0.5\n" % mark)
y("!sleep 987\n")
y("!python3 -c 'bytearray(3 << 30)'\n")
y("read_verilog design.v\n")
PY
t0=$(date +%s)
cn-score exec -q -j 2 --tasks tasks.jsonl --timeout 3 --mem 1Gi --keep runs --details d.jsonl gens.jsonl > out.jsonl
t1=$(date +%s)
sleep 3 # the session child would have touched its mark by now
test ! -e "$mark"
if pgrep -f 'sleep 987' > /dev/null; then echo "a child outlived its run" >&2; exit 1; fi
/usr/bin/python3 - d.jsonl out.jsonl "$((t1 - t0))" "$(id -u)" <<'PY'
import json, sys
d = {(x["id"], x["sample"]): x for x in map(json.loads, open(sys.argv[1]))}
loop = d["loop", 0]
assert loop["verdict"] == "timeout" and loop["stage"] == "simulate", loop
assert 3 <= loop["seconds"] < 6, loop          # compile + a simulation killed at 3 s
assert int(sys.argv[3]) < 20, sys.argv[3]      # nothing waited for the sleeps
assert all(x["isolated"] for x in d.values()), d
net = open("runs/y.0/net.txt").read().split("\n")[2:]
ifaces = [l.split(":")[0].strip() for l in net if l.strip()]
assert ifaces == ["lo"], ifaces
if sys.argv[4] == "0":
    assert open("runs/y.0/uid.txt").read().strip() == "65534"
assert d["y", 0]["verdict"] == "pass" and d["y", 1]["verdict"] == "pass", d
sl = d["y", 2]
assert sl["verdict"] == "timeout" and sl["stage"] == "script" and 3 <= sl["seconds"] < 5, sl
mem = d["y", 3]
assert mem["verdict"] == "fail" and mem["stage"] == "script" and "MemoryError" in mem["log"], mem
assert d["y", 4]["verdict"] == "pass"
out = [json.loads(l) for l in open(sys.argv[2])]
assert out[0]["metric"] == "pass@1" and out[0]["kind"] == "all"
# pass@1 of the loop task 0; of y, 3 of 5: the mean 0.3
assert abs(out[0]["value"] - 0.3) < 1e-12, out[0]
PY
