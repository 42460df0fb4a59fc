// Writes a SentencePiece .model (a serialized ModelProto) equivalent to a
// SentencePiece-style BPE tokenizer.json (LLaMA2, Mistral), for spm_encode in
// make bench:
//   node spm-model.js TOKENIZER.json OUT.model
// Each piece in id order; a piece that merges produce is scored with minus the
// rank of the first merge producing it (SentencePiece merges the adjacent pair
// whose result scores highest, Hugging Face the pair whose merge ranks first);
// <0xXX> pieces are bytes (byte fallback), <unk> unknown, other special added
// tokens control pieces. The normalizer is the identity with a dummy prefix and
// spaces escaped to U+2581, extra whitespace kept: as Prepend + Replace.
const fs = require('fs');
const [src, out] = process.argv.slice(2);
const t = JSON.parse(fs.readFileSync(src, 'utf8'));
if (!t.model || t.model.type !== 'BPE') throw new Error(src + ': not a BPE tokenizer');

const bytes = [];
const varint = (v) => { // v: a non-negative BigInt or number
  let x = BigInt(v);
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; bytes.push(b); } while (x);
};
const key = (field, wire) => varint((field << 3) | wire);
const lenField = (field, buf) => { key(field, 2); varint(buf.length); for (const b of buf) bytes.push(b); };
const sub = (fn) => { const save = bytes.splice(0); fn(); const body = bytes.splice(0); bytes.push(...save); return body; };

const vocab = t.model.vocab;
const size = Math.max(...Object.values(vocab)) + 1;
const piece = new Array(size).fill(null);
for (const [p, id] of Object.entries(vocab)) piece[id] = p;
const rank = new Map();
t.model.merges.forEach((m, r) => {
  const [a, b] = typeof m === 'string' ? m.split(' ') : m;
  const p = a + b;
  if (!rank.has(p)) rank.set(p, r);
});
const special = new Set((t.added_tokens || []).filter((a) => a.special).map((a) => a.content));
const unk = t.model.unk_token;

const pieces = [];
for (let id = 0; id < size; id++) {
  const p = piece[id] ?? `<unused${id}>`;
  let type = 1; // NORMAL
  if (p === unk) type = 2; // UNKNOWN
  else if (special.has(p)) type = 3; // CONTROL
  else if (/^<0x[0-9A-F]{2}>$/.test(p)) type = 6; // BYTE
  else if (piece[id] === null) type = 5; // UNUSED
  const score = rank.has(p) ? -rank.get(p) : 0;
  pieces.push(sub(() => {
    lenField(1, Buffer.from(p, 'utf8'));
    key(2, 5); const f = Buffer.alloc(4); f.writeFloatLE(score); bytes.push(...f);
    key(3, 0); varint(type);
  }));
}
const id = (s, dflt) => (vocab[s] !== undefined ? vocab[s] : dflt);
const neg = (v) => (v < 0 ? (1n << 64n) + BigInt(v) : v); // int32 fields as protobuf varints
const trainer = sub(() => {
  key(3, 0); varint(2); // model_type BPE
  key(4, 0); varint(size); // vocab_size
  key(35, 0); varint(t.model.byte_fallback ? 1 : 0);
  key(40, 0); varint(neg(unk !== undefined && unk !== null ? id(unk, 0) : -1));
  key(41, 0); varint(neg(id('<s>', -1)));
  key(42, 0); varint(neg(id('</s>', -1)));
  key(43, 0); varint(neg(-1)); // pad_id
});
const normalizer = sub(() => {
  lenField(1, Buffer.from('identity'));
  key(3, 0); varint(1); // add_dummy_prefix
  key(4, 0); varint(0); // remove_extra_whitespaces
  key(5, 0); varint(1); // escape_whitespaces
});
for (const p of pieces) lenField(1, p);
lenField(2, trainer);
lenField(3, normalizer);
fs.writeFileSync(out, Buffer.from(bytes));
