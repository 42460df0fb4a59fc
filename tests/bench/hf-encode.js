// Hugging Face tokenizers' side of make bench: loads TOKENIZER.json, reads the
// JSONL records (field "text") into memory, then encodes them all in batches
// of 256 (set RAYON_NUM_THREADS=1 for one thread) and prints
//   load SECONDS encode SECONDS bytes N ids N
// Only the encoding is timed: no node start-up, file reading or output.
//   node hf-encode.js TOKENIZER.json FILE.jsonl
const { Tokenizer } = require('tokenizers');
const fs = require('fs');
(async () => {
  const [file, input] = process.argv.slice(2);
  let t0 = process.hrtime.bigint();
  const tok = Tokenizer.fromFile(file);
  const load = Number(process.hrtime.bigint() - t0) / 1e9;
  const texts = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l).text);
  let bytes = 0;
  for (const s of texts) bytes += Buffer.byteLength(s, 'utf8');
  let ids = 0;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i += 256) {
    const encs = await tok.encodeBatch(texts.slice(i, i + 256), { addSpecialTokens: false });
    for (const e of encs) ids += e.getIds().length;
  }
  const enc = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`load ${load.toFixed(4)} encode ${enc.toFixed(4)} bytes ${bytes} ids ${ids}`);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
