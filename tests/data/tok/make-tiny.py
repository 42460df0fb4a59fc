#!/usr/bin/env python3
"""Writes the tiny tokenizer.json files of the tok unit tests (run once; the
outputs are committed). A SentencePiece-style BPE trained here for 300 merges
on samples/docs/*.jsonl: the letters, digits and ASCII punctuation of that
text are base pieces, everything else goes through <0xXX> byte fallback.
Two variants compose the same pieces differently:
  tiny-spm.json        normalizer Sequence[Prepend, Replace], no pre-tokenizer,
                       decoder Sequence[Replace, ByteFallback, Fuse, Strip]
  tiny-metaspace.json  no normalizer, Metaspace pre-tokenizer (prepend_scheme
                       first, split), decoder Sequence[Metaspace, ByteFallback, Fuse],
                       merges as [a, b] pairs, an extra normalized added token
"""
import collections, json, sys

top = sys.argv[1] if len(sys.argv) > 1 else '.'
text = []
for name in ('domain', 'general'):
    with open(f'{top}/samples/docs/{name}.jsonl', encoding='utf-8') as f:
        text += [json.loads(l)['text'] for l in f if l.strip()]
SP = '\u2581'
base = sorted({c for t in text for c in t if c.isascii() and c.isprintable() and c != ' '} | {SP})
words = collections.Counter()
for t in text:
    for w in (SP + t.replace(' ', SP)).split(SP):
        if w:
            words[tuple(SP + w)] += 1
vocab = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(256)] + base
merges = []
for _ in range(300):
    pairs = collections.Counter()
    for w, c in words.items():
        for a, b in zip(w, w[1:]):
            if a in vocab and b in vocab:
                pairs[a, b] += c
    if not pairs:
        break
    (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
    merges.append((a, b))
    if a + b not in vocab:
        vocab.append(a + b)
    nw = collections.Counter()
    for w, c in words.items():
        out, i = [], 0
        while i < len(w):
            if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(w[i])
                i += 1
        nw[tuple(out)] += c
    words = nw

def added(i, c, normalized=False, special=True):
    return {'id': i, 'content': c, 'single_word': False, 'lstrip': False, 'rstrip': False,
            'normalized': normalized, 'special': special}

specials = [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')]
template = {'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '<s>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
            'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}}}
model = {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
         'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': True,
         'vocab': {t: i for i, t in enumerate(vocab)}, 'merges': [f'{a} {b}' for a, b in merges]}
spm = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': specials,
       'normalizer': {'type': 'Sequence', 'normalizers': [
           {'type': 'Prepend', 'prepend': SP}, {'type': 'Replace', 'pattern': {'String': ' '}, 'content': SP}]},
       'pre_tokenizer': None, 'post_processor': template,
       'decoder': {'type': 'Sequence', 'decoders': [
           {'type': 'Replace', 'pattern': {'String': SP}, 'content': ' '}, {'type': 'ByteFallback'},
           {'type': 'Fuse'}, {'type': 'Strip', 'content': ' ', 'start': 1, 'stop': 0}]},
       'model': model}
meta = json.loads(json.dumps(spm))
meta['normalizer'] = None
meta['pre_tokenizer'] = {'type': 'Metaspace', 'replacement': SP, 'prepend_scheme': 'first', 'split': True}
meta['decoder'] = {'type': 'Sequence', 'decoders': [
    {'type': 'Metaspace', 'replacement': SP, 'prepend_scheme': 'first', 'split': True},
    {'type': 'ByteFallback'}, {'type': 'Fuse'}]}
meta['model']['merges'] = [[a, b] for a, b in merges]
meta['added_tokens'].append(added(len(vocab), 'clk', normalized=True, special=False))
for name, tok in (('tiny-spm', spm), ('tiny-metaspace', meta)):
    with open(f'{top}/tests/data/tok/{name}.json', 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
        f.write('\n')
print(len(vocab), 'pieces,', len(merges), 'merges')
