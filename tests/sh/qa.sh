# samples/qa.sh: the chat and multiple-choice sets from the installed EDA
# tools' documentation are well formed (JSON lines of the documented shapes);
# at least 500 test questions, each with 4 distinct choices and the answer in
# range, the answer positions balanced; no test subject (yosys command, man-page
# tool or tool option) is asked about in the chat set or the dev questions, and
# no dev distractor names one; a second run gives the same bytes.
set -euo pipefail
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# usage errors
rc=0; "$SAMPLES/qa.sh" >/dev/null 2>&1 || rc=$?; [ $rc = 2 ]
[[ $("$SAMPLES/qa.sh" --help) == "Usage: qa.sh OUTDIR"* ]]

"$SAMPLES/qa.sh" a 2>a.log
cat a.log
"$SAMPLES/qa.sh" b 2>/dev/null
for f in chat-train mc-dev mc-test; do
    cmp "a/$f.jsonl.zst" "b/$f.jsonl.zst"
    zstd -dc "a/$f.jsonl.zst" >"$f.jsonl"
done
# nothing else in OUTDIR (no temporary file left)
[ "$(cd a && echo *)" = "chat-train.jsonl.zst mc-dev.jsonl.zst mc-test.jsonl.zst" ]

python3 - <<'EOF'
import json, re, sys, collections

def load(name):
    with open(name, encoding='utf-8') as f:
        return [json.loads(line) for line in f]

chat, dev, test = load('chat-train.jsonl'), load('mc-dev.jsonl'), load('mc-test.jsonl')
bad = []

def check_mc(name, recs):
    pos = collections.Counter()
    for i, r in enumerate(recs):
        where = f'{name}:{i + 1}'
        ch = r.get('choices')
        if not (isinstance(r.get('question'), str) and r['question'] and isinstance(ch, list)
                and len(ch) == 4 and all(isinstance(c, str) and c for c in ch)):
            bad.append(f'{where}: not a question with 4 choices'); continue
        if len(set(ch)) != 4:
            bad.append(f'{where}: repeated choice')
        a = r.get('answer')
        if not (isinstance(a, int) and not isinstance(a, bool) and 0 <= a < 4):
            bad.append(f'{where}: answer {a!r}'); continue
        if not (isinstance(r.get('kind'), str) and isinstance(r.get('subject'), str)):
            bad.append(f'{where}: no kind or subject')
        pos[a] += 1
    n = len(recs)
    for a in range(4):
        if abs(pos[a] - n / 4) > max(3, 0.05 * n):
            bad.append(f'{name}: answer {a} in {pos[a]} of {n} questions')
    questions = [r['question'] for r in recs]
    if len(set(questions)) != len(questions):
        bad.append(f'{name}: repeated question')
    print(f'{name}: {n} questions, answers at', dict(sorted(pos.items())),
          dict(sorted(collections.Counter(r['kind'] for r in recs).items())))

check_mc('mc-dev', dev)
check_mc('mc-test', test)
if len(test) < 500:
    bad.append(f'mc-test: {len(test)} questions, fewer than 500')
if len(dev) < 20:
    bad.append(f'mc-dev: {len(dev)} questions, fewer than 20')

# the subject a question asks about, from its text (and the answer where the
# question names only a description)
def subject(q, ans):
    m = re.match(r'What does the yosys command `([^`]+)` do\?$', q) or \
        re.match(r'Explain the yosys command `([^`]+)`\.$', q) or \
        re.match(r'What does the option `[^`]+` of the yosys command `([^`]+)` do\?$', q) or \
        re.match(r'Which option of the yosys command `([^`]+)` is described as', q)
    if m: return 'yosys ' + m.group(1)
    if q.startswith('Which yosys command is described as '): return 'yosys ' + ans
    m = re.match(r'What does the option `([^`]+)` of `([^`]+)` do\?$', q)
    if m: return m.group(2) + ' ' + m.group(1)
    m = re.match(r'Which option of `([^`]+)` is described as', q)
    if m: return m.group(1) + ' ' + ans
    m = re.match(r'What is `([^`]+)`\?$', q)
    if m: return m.group(1)
    if q.startswith('Which tool is described as '): return ans
    return None

test_subjects = {r['subject'] for r in test}
for i, r in enumerate(test):
    if subject(r['question'], r['choices'][r['answer']]) != r['subject']:
        bad.append(f'mc-test:{i + 1}: subject {r["subject"]!r} is not what the question asks')
test_q = {r['question'] for r in test}
for i, r in enumerate(chat):
    m = r.get('messages')
    if not (isinstance(m, list) and len(m) == 2 and [x.get('role') for x in m] == ['user', 'assistant']
            and all(isinstance(x.get('content'), str) and x['content'] for x in m)):
        bad.append(f'chat-train:{i + 1}: not a user/assistant exchange'); continue
    s = subject(m[0]['content'], m[1]['content'])
    if s is None:
        bad.append(f'chat-train:{i + 1}: unknown question {m[0]["content"]!r}')
    elif s in test_subjects:
        bad.append(f'chat-train:{i + 1}: test subject {s!r}')
    if m[0]['content'] in test_q:
        bad.append(f'chat-train:{i + 1}: a test question')
for i, r in enumerate(dev):
    s = subject(r['question'], r['choices'][r['answer']])
    if s in test_subjects or r['subject'] in test_subjects or r['question'] in test_q:
        bad.append(f'mc-dev:{i + 1}: test subject {s!r}')
    # distractors that name a test command or tool
    for c in r['choices']:
        if subject(r['question'], c) in test_subjects and r['kind'] in ('yosys-cmd-which', 'man-tool-which', 'man-opt-which'):
            bad.append(f'mc-dev:{i + 1}: choice {c!r} names a test subject')
print(f'chat-train: {len(chat)} records; {len(test_subjects)} test subjects')
for b in bad[:20]:
    print(b)
sys.exit(1 if bad else 0)
EOF
