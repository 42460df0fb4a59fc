// The reference: Hugging Face tokenizers (Rust, Node binding). Reads JSONL
// (field "text") and prints one JSON array of ids per line.
//   node hf.js TOKENIZER.json FILE.jsonl [add_special 0|1]
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
const readline = require('readline');
(async () => {
  const tok = Tokenizer.fromFile(process.argv[2]);
  const add = process.argv[4] === '1';
  const rl = readline.createInterface({ input: fs.createReadStream(process.argv[3]), crlfDelay: Infinity });
  const out = [];
  for await (const line of rl) {
    if (!line.trim()) continue;
    const enc = await tok.encode(JSON.parse(line).text, null, { addSpecialTokens: add });
    out.push(JSON.stringify(enc.getIds()));
    if (out.length >= 1000) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
  }
  if (out.length) process.stdout.write(out.join('\n') + '\n');
})().catch((e) => { console.error(e.message || e); process.exit(1); });
