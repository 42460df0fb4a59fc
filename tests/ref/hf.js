// The reference: Hugging Face tokenizers (Rust, Node binding). Reads JSONL
// (field "text") and prints one line per non-blank record:
//   node hf.js TOKENIZER.json FILE.jsonl MODE
//   add0     ids without the post-processor's special tokens, as a JSON array
//   add1     ids with them
//   lit      add0 with special tokens in the text taken as plain text (HF's
//            encode_special_tokens, which the Node binding does not expose: the
//            special tokens' contents are made unmatchable, renamed in the model's
//            vocabulary too when they are there, so that HF gives every added
//            token the id it had)
//   dec      {"text": ...} decoding the add1 ids, special tokens kept
//   decskip  the same, special tokens skipped
// tests/tools/tokids.c prints the same lines for cn_tok, byte for byte.
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const readline = require('readline');
(async () => {
  const [file, input, mode] = process.argv.slice(2);
  if (!['add0', 'add1', 'lit', 'dec', 'decskip'].includes(mode)) throw new Error('hf.js: unknown mode ' + mode);
  let tok;
  if (mode === 'lit') {
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    const vocab = t.model.vocab;
    t.added_tokens.forEach((a, i) => {
      if (!a.special) return;
      const never = '\u0001never-' + i + '\u0002';
      if (vocab && Object.prototype.hasOwnProperty.call(vocab, a.content)) {
        vocab[never] = vocab[a.content];
        delete vocab[a.content];
        if (t.model.unk_token === a.content) t.model.unk_token = never;
      }
      a.content = never;
    });
    tok = Tokenizer.fromString(JSON.stringify(t));
  } else {
    tok = Tokenizer.fromFile(file);
  }
  const add = mode !== 'add0' && mode !== 'lit';
  const rl = readline.createInterface({ input: fs.createReadStream(input), crlfDelay: Infinity });
  const out = [];
  for await (const line of rl) {
    if (!line.trim()) continue;
    const enc = await tok.encode(JSON.parse(line).text, null, { addSpecialTokens: add });
    if (mode === 'dec' || mode === 'decskip') {
      out.push(JSON.stringify({ text: await tok.decode(enc.getIds(), mode === 'decskip') }));
    } else {
      out.push(JSON.stringify(enc.getIds()));
    }
    if (out.length >= 1000) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
})().catch((e) => { console.error(e.message || e); process.exit(1); });
