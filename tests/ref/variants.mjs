// Writes variants of the real tokenizers into DIR (build/ref/tok): the same
// components recombined as other tokenizer.json files combine them, so that a
// test can check that cn_tok is built by component and not by family.
//   node variants.mjs DIR
import fs from 'node:fs';
import path from 'node:path';
const dir = process.argv[2];
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, name + '.json'), 'utf8'));
const save = (name, t) => fs.writeFileSync(path.join(dir, name + '.json'), JSON.stringify(t));
const added = (id, content, flags = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false, ...flags });
const pairs = (t) => { t.model.merges = t.model.merges.map((m) => (typeof m === 'string' ? m.split(' ') : m)); };
const metaspace = (scheme, split) => ({ type: 'Metaspace', replacement: '\u2581', prepend_scheme: scheme, split });
const after = (t) => Math.max(...Object.values(t.model.vocab), ...t.added_tokens.map((a) => a.id)) + 1;

// LLaMA2 as newer files write it: Metaspace pre-tokenizer instead of Prepend + Replace,
// a decoder ending in Metaspace, and chat tokens with every flag
{
  const t = load('llama2');
  t.normalizer = null;
  t.pre_tokenizer = metaspace('first', false);
  t.decoder = { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }, metaspace('first', false)] };
  const n = after(t);
  t.added_tokens.push(added(n, '<|im_start|>', { special: true }), added(n + 1, '<|im_end|>', { special: true, rstrip: true }),
    added(n + 2, '<mask>', { special: true, lstrip: true }), added(n + 3, 'clk', { single_word: true }),
    added(n + 4, 'endmodule', { normalized: true }), added(n + 5, 'posedge', { normalized: true, single_word: true, lstrip: true }));
  save('llama2-metaspace', t);
}
// Mistral with Metaspace splitting on the space marker, and without byte fallback
// (characters outside the vocabulary become fused <unk>)
{
  const t = load('mistral');
  t.normalizer = null;
  t.pre_tokenizer = metaspace('always', true);
  t.model.byte_fallback = false;
  pairs(t);
  save('mistral-split-nofallback', t);
}
// LLaMA3's byte-level BPE without the regex (one word per added-token-free piece),
// merges as pairs, merges not ignored
{
  const t = load('llama3');
  t.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false };
  t.model.ignore_merges = false;
  pairs(t);
  save('llama3-noregex', t);
}
// GPT-2 with a prefix space, a normalizer, and added tokens of its own
{
  const t = load('gpt2');
  t.normalizer = { type: 'NFKC' };
  t.pre_tokenizer.add_prefix_space = true;
  t.added_tokens[0].normalized = false;
  const n = after(t);
  t.added_tokens.push(added(n, '<|fim_middle|>', { special: true, lstrip: true, rstrip: true }),
    added(n + 1, ' wire', { normalized: true }), added(n + 2, 'reg', { single_word: true }));
  save('gpt2-prefix-nfkc', t);
}
// BERT cased-style: no lowercasing, accents kept, no Chinese-character split,
// no text cleaning, BertProcessing
{
  const t = load('bert-base-uncased');
  t.normalizer = { type: 'BertNormalizer', clean_text: false, handle_chinese_chars: false, strip_accents: null, lowercase: false };
  const id = (s) => t.model.vocab[s];
  t.post_processor = { type: 'BertProcessing', sep: ['[SEP]', id('[SEP]')], cls: ['[CLS]', id('[CLS]')] };
  save('bert-nolower', t);
}
// BERT through a Sequence of plain normalizers, accents stripped while case is kept,
// a short max word length
{
  const t = load('bert-base-uncased');
  t.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'NFC' }] };
  t.model.max_input_chars_per_word = 12;
  save('bert-sequence', t);
}
// GPT-2 behind each Unicode normalizer alone: byte-level pieces show any
// difference in the normalized text (make test-tok-full runs them on every code point)
for (const n of ['NFC', 'NFD', 'NFKC', 'NFKD', 'Lowercase', 'StripAccents']) {
  const t = load('gpt2');
  t.normalizer = { type: n };
  save('gpt2-' + n.toLowerCase(), t);
}
