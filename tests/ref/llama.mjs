// llama.cpp's side of the GGUF comparison (tests/sh/gguf-llama.sh), through
// node-llama-cpp (npm, pinned in tests/ref/llama; its prebuilt CPU build of
// llama.cpp), on 2 threads, never building or fetching anything:
//   node llama.mjs tokenize MODEL.gguf TEXTS.jsonl   llama.cpp's ids of each {"text"} (no BOS)
//   node llama.mjs greedy MODEL.gguf IDS.txt N [ADAPTER.gguf]
//                                    N greedy tokens after each line's ids (a JSON array),
//                                    ending early after an end-of-generation token;
//                                    with a LoRA adapter applied at scale 1
//   node llama.mjs logprobs MODEL.gguf IDS.txt     log-probabilities of the next token
//                                    after each line's ids (temperature 1, no truncation)
//   node llama.mjs top1 MODEL.gguf IDS.txt         the most likely next token at every
//                                    position of each line (teacher-forced)
//   node llama.mjs decode MODEL.gguf IDS.txt N     make bench: after each line's ids, the
//                                    seconds of N greedy tokens after the first
//                                    (the prompt's pass left out), never stopping early
// Threads: LLAMA_THREADS (default 2).
// The KV cache is f32 (llama.cpp defaults to f16), flash attention off: the
// comparisons are of f32 models, computed as exactly as llama.cpp can.
// One JSON array a line on stdout.
import { readFileSync } from "node:fs";
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [cmd, modelPath, input, arg, adapter] = process.argv.slice(2);
const threads = Number(process.env.LLAMA_THREADS ?? 2);
const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, logLevel: LlamaLogLevel.error, maxThreads: threads });
const model = await llama.loadModel({ modelPath, gpuLayers: 0, useMmap: true });
const lines = readFileSync(input, "utf8").split("\n").filter((l) => l.length);
const out = (a) => process.stdout.write(JSON.stringify(a) + "\n");

if (cmd === "tokenize") {
    for (const l of lines) out(Array.from(model.tokenize(JSON.parse(l).text, false)));
} else {
    const longest = Math.max(...lines.map((l) => JSON.parse(l).length)) + (cmd === "greedy" || cmd === "decode" ? Number(arg) + 1 : 0);
    const ctx = await model.createContext({
        contextSize: Math.max(64, longest + 8), batchSize: 512, threads, sequences: 1, flashAttention: false,
        // the cache in f32, not llama.cpp's default f16: the comparison is of f32 models
        experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
        ...(adapter ? { lora: { adapters: [{ filePath: adapter, scale: 1 }] } } : {}),
    });
    const seq = ctx.getSequence();
    for (const l of lines) {
        const ids = JSON.parse(l);
        await seq.clearHistory();
        if (cmd === "greedy") {
            const got = [];
            for await (const t of seq.evaluate(ids, { temperature: 0 })) {
                got.push(t);
                if (got.length >= Number(arg) || model.isEogToken(t)) break;
            }
            out(got);
        } else if (cmd === "decode") {
            let n = -1, t0 = 0;
            for await (const t of seq.evaluate(ids, { temperature: 0 })) {
                if (n < 0) t0 = performance.now();
                if (++n >= Number(arg)) break;
            }
            out([(performance.now() - t0) / 1000]);
        } else if (cmd === "logprobs") {
            const items = ids.map((t, i) => (i < ids.length - 1 ? t
                : [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]));
            const res = await seq.controlledEvaluate(items);
            const p = res[ids.length - 1].next.probabilities;
            const lp = new Array(p.size).fill(null);
            for (const [t, v] of p) lp[t] = Math.log(v);
            out(lp);
        } else if (cmd === "top1") {
            const res = await seq.controlledEvaluate(ids.map((t) => [t, { generateNext: { token: true, options: { temperature: 0 } } }]));
            out(res.map((r) => r.next.token));
        } else {
            throw new Error(`unknown command ${cmd}`);
        }
    }
}
await model.dispose();
await llama.dispose();
