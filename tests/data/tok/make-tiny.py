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
and a byte-level BPE (GPT-2's byte alphabet, 300 merges on the same text) two ways:
  tiny-bytelevel.json  as LLaMA3: Split on LLaMA3's regex (Isolated), ByteLevel
                       without its regex, ignore_merges, special added tokens
  tiny-gpt2.json       as GPT-2: ByteLevel with its own regex and add_prefix_space,
                       merges as [a, b], a non-special added token with rstrip
and a WordPiece vocabulary (the characters of the text, alone and as ##pieces,
the 300 most frequent lower-cased words, a few ##suffixes) two ways:
  tiny-bert.json       as BERT uncased: BertNormalizer (lowercase, accents,
                       Chinese characters, clean text), BertPreTokenizer,
                       TemplateProcessing [CLS] A [SEP], WordPiece decoder
  tiny-bert-cased.json lowercase off, strip_accents off, BertProcessing, an
                       extra added token with lstrip
"""
import collections, json, re, sys

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
def train(words, vocab, rounds=300):
    """BPE training: merge the most frequent pair of pieces (ties to the
    larger pair) `rounds` times; appends new pieces to vocab, returns the merges."""
    merges = []
    for _ in range(rounds):
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
    return merges

merges = train(words, vocab)

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

# ---- byte-level ----
def bytes_to_unicode():
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

B = bytes_to_unicode()
words = collections.Counter()
for t in text:
    for w in t.split(' '):
        w = ' ' + w
        words[tuple(B[b] for b in w.encode('utf-8'))] += 1
bvocab = [B[b] for b in range(256)]
bmerges = train(words, bvocab)
n = len(bvocab)
llama3_re = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
             r"\s*[\r\n]+|\s+(?!\S)|\s+")
bmodel = {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
          'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': True,
          'vocab': {t: i for i, t in enumerate(bvocab)}, 'merges': [f'{a} {b}' for a, b in bmerges]}
bl = {'version': '1.0', 'truncation': None, 'padding': None,
      'added_tokens': [added(n, '<|begin_of_text|>'), added(n + 1, '<|end_of_text|>')],
      'normalizer': None,
      'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
          {'type': 'Split', 'pattern': {'Regex': llama3_re}, 'behavior': 'Isolated', 'invert': False},
          {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': False}]},
      'post_processor': {'type': 'Sequence', 'processors': [
          {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
          {'type': 'TemplateProcessing',
           'single': [{'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
           'pair': [{'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                    {'SpecialToken': {'id': '<|begin_of_text|>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
           'special_tokens': {'<|begin_of_text|>': {'id': '<|begin_of_text|>', 'ids': [n], 'tokens': ['<|begin_of_text|>']}}}]},
      'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
      'model': bmodel}
g2 = json.loads(json.dumps(bl))
g2['pre_tokenizer'] = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True}
g2['post_processor'] = {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True}
g2['model']['merges'] = [[a, b] for a, b in bmerges]
g2['model']['ignore_merges'] = False
g2['added_tokens'] = [added(n, '<|endoftext|>'), dict(added(n + 1, 'clk', special=False), rstrip=True)]
for name, tok in (('tiny-bytelevel', bl), ('tiny-gpt2', g2)):
    with open(f'{top}/tests/data/tok/{name}.json', 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
        f.write('\n')
print(len(bvocab), 'byte-level pieces,', len(bmerges), 'merges')

# ---- WordPiece ----
wcount = collections.Counter()
chars = set()
for t in text:
    for w in re.findall(r"\w+|[^\w\s]", t.lower()):
        wcount[w] += 1
        chars.update(w)
    chars.update(t)
chars = sorted(c for c in chars if not c.isspace())
wvocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] + chars + ['##' + c for c in chars]
for w, _ in wcount.most_common(300):
    if w not in wvocab:
        wvocab.append(w)
for suf in ('##ing', '##ed', '##s', '##er', '##ly', '##tion'):
    if suf not in wvocab:
        wvocab.append(suf)
wv = {t: i for i, t in enumerate(wvocab)}
bert = {'version': '1.0', 'truncation': None, 'padding': None,
        'added_tokens': [added(wv[c], c) for c in ('[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]')],
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {'type': 'TemplateProcessing',
            'single': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                       {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}],
            'pair': [{'SpecialToken': {'id': '[CLS]', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                     {'SpecialToken': {'id': '[SEP]', 'type_id': 0}}, {'Sequence': {'id': 'B', 'type_id': 1}},
                     {'SpecialToken': {'id': '[SEP]', 'type_id': 1}}],
            'special_tokens': {'[CLS]': {'id': '[CLS]', 'ids': [wv['[CLS]']], 'tokens': ['[CLS]']},
                               '[SEP]': {'id': '[SEP]', 'ids': [wv['[SEP]']], 'tokens': ['[SEP]']}}},
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': wv}}
cased = json.loads(json.dumps(bert))
cased['normalizer'] = {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': False, 'lowercase': False}
cased['post_processor'] = {'type': 'BertProcessing', 'sep': ['[SEP]', wv['[SEP]']], 'cls': ['[CLS]', wv['[CLS]']]}
cased['added_tokens'].append(dict(added(len(wvocab), '<gate>', special=False), lstrip=True))
for name, tok in (('tiny-bert', bert), ('tiny-bert-cased', cased)):
    with open(f'{top}/tests/data/tok/{name}.json', 'w', encoding='utf-8') as f:
        json.dump(tok, f, ensure_ascii=False, indent=1)
        f.write('\n')
print(len(wvocab), 'WordPiece pieces')
