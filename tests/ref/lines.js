// Splits the documents of JSONL files (field "text") into lines, one JSONL
// record per non-empty line: the inputs of make test-tok-full.
//   node lines.js FILE.jsonl...  (plain JSONL; decompress zstd first)
const fs = require('fs');
const readline = require('readline');
(async () => {
  for (const f of process.argv.slice(2)) {
    const rl = readline.createInterface({ input: fs.createReadStream(f), crlfDelay: Infinity });
    for await (const rec of rl) {
      if (!rec.trim()) continue;
      for (const line of JSON.parse(rec).text.split('\n'))
        if (line.length) process.stdout.write(JSON.stringify({ text: line }) + '\n');
    }
  }
})().catch((e) => { console.error(e.message || e); process.exit(1); });
