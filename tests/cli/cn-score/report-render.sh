# report, looked at as a person would: index.html rendered by headless
# Chromium (Debian's chromium) to a PNG and to its DOM. The DOM holds every
# plot's SVG (12: seven loss panels, five bar charts) with its bars and curves;
# the PNG is not blank and shows the series' colours; the console logged no
# error. A page with a script error, rendered the same way, shows that the
# console check sees one.
# timeout: 120
. "$TOP/tests/cli/lib.sh"
if ! command -v chromium > /dev/null; then echo "skipped: no chromium (make deps installs it)"; exit 77; fi
. "$TOP/tests/cli/cn-score/report.inc"
cn-score report --spec spec.json -o out "${inputs[@]}" > /dev/null
export HOME=$PWD # chromium's profile and crash files stay here
render() { # PAGE PNG DOM LOG
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$PWD/profile" \
        --enable-logging=stderr --v=0 --window-size=1200,5200 --screenshot="$2" "file://$PWD/$1" 2> "$4"
    chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$PWD/profile" \
        --enable-logging=stderr --v=0 --dump-dom "file://$PWD/$1" > "$3" 2>> "$4"
}
render out/index.html page.png dom.html log.txt
# the console: any message a page's script or a load error logged
console_errors() { grep -E 'CONSOLE|Uncaught|Failed to load|ERR_FILE_NOT_FOUND' "$1" || true; }
test -z "$(console_errors log.txt)"
printf '<!DOCTYPE html><html><body><p>x</p><script>no_such_function();</script></body></html>\n' > broken.html
render broken.html broken.png broken-dom.html broken-log.txt
test -n "$(console_errors broken-log.txt)"
/usr/bin/python3 - page.png dom.html <<'PY'
import html.parser, struct, sys, zlib
# the DOM after the page loaded
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.n = {}
    def handle_starttag(s, tag, a):
        a = dict(a); k = tag + ("." + a["class"] if "class" in a else "")
        s.n[k] = s.n.get(k, 0) + 1
p = P(); p.feed(open(sys.argv[2]).read())
n = p.n
assert n.get("svg.lines") == 7 and n.get("svg.bars") == 5, n
assert n.get("rect.bar") == 61 and n.get("polyline.series") == 7 and n.get("line.ref") == 1 and n.get("line.ci", 0) >= 40, n
# the PNG: decoded here (8-bit RGB or RGBA, the five filters)
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, w = 8, b"", 0
while pos < len(data):
    ln, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + ln]; pos += 12 + ln
    if kind == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    if kind == b"IDAT": idat += body
assert depth == 8 and ctype in (2, 6), (depth, ctype)
bpp = 3 if ctype == 2 else 4
raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line)); prev = line
colours, dark = {}, 0
for r in rows[::2]:
    for x in range(0, stride, bpp * 2):
        px = r[x:x + 3]
        colours[px] = colours.get(px, 0) + 1
        dark += sum(px) < 600
total = sum(colours.values())
assert dark / total > 0.02, dark / total          # not blank
for hexc in ("4e79a7", "f28e2b", "59a14f", "e15759", "76b7b2"):  # the series drawn in their colours
    c = bytes.fromhex(hexc)
    assert colours.get(c, 0) > 50, (hexc, colours.get(c, 0))
print("dom", n.get("svg.lines"), "+", n.get("svg.bars"), "svg;", n.get("rect.bar"), "bars; png", w, "x", h, "non-white", round(dark / total, 3))
PY
