# report: the recipe's spec (pipelines/report.json) over scores and logs made
# up here, laid out as a real run's files are; then every number in the page
# recomputed from the line it names (data-src; diffs and spreads from their
# two lines; each bar's value; each loss curve's points, first and last
# losses), the Markdown's tables checked against the page's, a gap warned
# about and shown as n/a, and a spec that matches two different lines, a
# series without its log, and bad specs refused
. "$TOP/tests/cli/lib.sh"
. "$TOP/tests/cli/cn-score/report.inc"
cn-score report --spec spec.json -o out "${inputs[@]}" > claims.txt 2> warn.txt
test ! -s warn.txt
test "$(wc -l < claims.txt)" -le 10
cn-score report --spec spec.json -o out2 "${inputs[@]}" > /dev/null
cmp out/index.html out2/index.html
cmp out/report.md out2/report.md
/usr/bin/python3 - out/index.html out/report.md claims.txt <<'PY'
import html.parser, json, re, sys
lines = {}
def line(src):
    path, n = src.rsplit(":", 1)
    if path not in lines: lines[path] = open(path).read().split("\n")
    return json.loads(lines[path][int(n) - 1])
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.nums = []; s.bars = []; s.polys = []; s.cur = None; s.svg = 0
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "svg": s.svg += 1
        if tag == "span" and a.get("class") == "num": s.cur = [a, ""]; s.nums.append(s.cur)
        if tag == "rect" and a.get("class") == "bar": s.bars.append(a)
        if tag == "polyline": s.polys.append(a)
    def handle_endtag(s, tag):
        if tag == "span": s.cur = None
    def handle_data(s, d):
        if s.cur: s.cur[1] += d
p = P(); p.feed(open(sys.argv[1]).read())
checked = 0
for a, text in p.nums:
    digits, scale = int(a["data-digits"]), float(a["data-scale"])
    if "data-src" in a:
        v = line(a["data-src"])[a.get("data-key", "value")]
        assert repr(float(a["data-value"])) == repr(float(v)), (a, v)
        want = "%.*f" % (digits, v * scale)
    else:
        key = "data-diff" if "data-diff" in a else "data-spread"
        x, y = (line(s)["value"] * scale for s in a[key].split("|"))
        d = y - x
        want = ("+" if key == "data-diff" and d >= 0 else "") + "%.*f" % (digits, d if key == "data-diff" else abs(d))
    assert text == want, (a, text, want)
    checked += 1
assert checked >= 60, checked
# bars: one per present value, each its line's value
assert len(p.bars) == 8 + 6 + 13 + 25 + 9, len(p.bars)
for b in p.bars:
    assert repr(float(b["data-value"])) == repr(float(line(b["data-src"])["value"])), b
# loss curves: each log's points (all, up to 400, then bucket means)
assert len(p.polys) == 7
for q in p.polys:
    n = len([l for l in open(q["data-src"]) if l.strip()])
    pts = len(q["points"].split())
    per = -(-n // 400)
    assert int(q["data-points"]) == pts == -(-n // per), (q["data-src"], n, pts)
    assert ": %d steps; first loss" % n in open(sys.argv[1]).read(), n
assert p.svg == 7 + 5, p.svg
# the Markdown's numbers are the page's: every table cell value
md = open(sys.argv[2]).read()
page_vals = [t for a, t in p.nums]
md_vals, head = [], None
for row in md.split("\n"):  # each table's body cells: this run's (not the paper's), without intervals or sources
    if not row.startswith("|"):
        head = None
        continue
    if head is None:
        head = row
        continue
    if row.startswith("|---"): continue
    cells = row.split(" | ")
    cells = cells[-1:] if head.startswith("| claim |") else cells[1:]
    for cell in cells:
        md_vals += re.findall(r"[-+]?\d+\.\d+", re.sub(r"\[[^]]*\]|`[^`]*`|\(`[^`]*`\)", "", cell))
assert len(md_vals) >= 60, md_vals
for v in md_vals:
    assert v in page_vals or v.lstrip("+") in page_vals or ("+" + v) in page_vals, v
# no gap: no n/a anywhere
assert "n/a" not in md and 'class="missing"' not in open(sys.argv[1]).read()
print("checked", checked, "numbers,", len(p.bars), "bars,", len(p.polys), "curves")
PY
# a gap: the exec lines left out
cn-score report --spec spec.json -o gap run/dapt/scores-aug.jsonl run/retrieve/scores.jsonl run/tasks/mc-rag.jsonl run/*/*.log > /dev/null 2> warn.txt
grep -q 'plot 5 (EDA tasks run by iverilog and yosys), all / references: no line matches (a gap)' warn.txt
grep -q 'n/a' gap/report.md
# two different lines for one bar
cp run/tasks/mc-rag.jsonl again.jsonl
sed -i 's/"value": 0\./"value": 0.0/' again.jsonl
expect 1 cn-score report --spec spec.json -o bad "${inputs[@]}" again.jsonl 2> err
grep -Eq '^cn-score: spec.json: claim 6, entry 0: both run/tasks/mc-rag.jsonl:13 and again.jsonl:13 match$' err
test ! -e bad/index.html
# a loss series without its log
expect 1 cn-score report --spec spec.json -o bad run/dapt/scores-aug.jsonl run/dapt/base.log 2> err
grep -q 'loss series "DAPT, seed 1": no training log matches \*/dapt-\*-s1.log' err
# bad specs, bad inputs
echo '{"title": "t", "plots": [{"kind": "pie", "title": "p"}]}' > s2.json
expect 1 cn-score report --spec s2.json -o bad run/dapt/scores-aug.jsonl 2> err
grep -q '^cn-score: s2.json: plot 0: needs a "kind" (loss or bars)' err
echo '{"title": "t", "claims": [{"claim": "c", "paper": "p", "ours": [{"label": "x", "diff": [0, 1]}]}]}' > s3.json
expect 1 cn-score report --spec s3.json -o bad run/dapt/scores-aug.jsonl 2> err
grep -q '^cn-score: s3.json: claim 0, entry 0:' err
echo '{"title": 3}' > s4.json
expect 1 cn-score report --spec s4.json -o bad run/dapt/scores-aug.jsonl 2> err
echo 'not json' > s5.json
expect 1 cn-score report --spec s5.json -o bad run/dapt/scores-aug.jsonl 2> err
grep -q '^cn-score: s5.json: not valid JSON$' err
echo '{"metric": "x"}' > notscore.jsonl
expect 1 cn-score report --spec spec.json -o bad notscore.jsonl 2> err
grep -q '^cn-score: notscore.jsonl:1: not a score line' err
expect 2 cn-score report -o bad run/dapt/scores-aug.jsonl
expect 2 cn-score report --spec spec.json run/dapt/scores-aug.jsonl
expect 2 cn-score report --spec spec.json -o bad
expect 2 cn-score report --spec spec.json -o bad --threads 2 run/dapt/scores-aug.jsonl
