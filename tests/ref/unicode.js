// Every Unicode scalar value, alone and between two letters, one JSONL
// record each (2 x 1,112,064 lines): the Unicode part of make test-tok-full.
const out = [];
for (let c = 0; c <= 0x10ffff; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  const s = String.fromCodePoint(c);
  out.push(JSON.stringify({ text: s }), JSON.stringify({ text: 'a' + s + 'b' }));
  if (out.length >= 20000) { process.stdout.write(out.join('\n') + '\n'); out.length = 0; }
}
process.stdout.write(out.join('\n') + '\n');
