/* shard: token shard writer, streaming reader and random-access file. */
#include "shard.h"

#include <stdlib.h>
#include <string.h>
#include "crc.h"

#define MARKER 0xFFFFFFFFu

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* running shard CRC extended by a block whose own CRC is known */
static uint32_t extend(uint32_t run, const void *p, size_t n, uint32_t crc_of_p) {
    return n >= 256 ? cn_crc32c_combine(run, crc_of_p, n) : cn_crc32c(run, p, n);
}

void cn_shard_info_init(cn_shard_info *info, uint32_t vocab_size, const uint8_t tok_hash[32], uint32_t flags) {
    memset(info, 0, sizeof *info);
    info->vocab_size = vocab_size;
    info->width = vocab_size <= 65536 ? 2 : 4;
    if (tok_hash) memcpy(info->tok_hash, tok_hash, 32);
    info->flags = flags;
}

void cn_shard_header_write(uint8_t p[CN_SHARD_HEADER], const cn_shard_info *info) {
    memset(p, 0, CN_SHARD_HEADER);
    memcpy(p, CN_SHARD_MAGIC, 8);
    wr32(p + 8, info->width);
    wr32(p + 12, info->vocab_size);
    memcpy(p + 16, info->tok_hash, 32);
    wr32(p + 48, info->flags);
}

cn_status cn_shard_bad_magic(const uint8_t *p, size_t n, const char *name) {
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
    if (i < n && p[i] == '{')
        return cn_fail(CN_EFORMAT, "%s: not a token shard (bad magic): it reads as JSONL text; cn-tokenize -t TOKENIZER.json makes shards of it",
                       name);
    return cn_fail(CN_EFORMAT, "%s: not a token shard (bad magic)", name);
}

cn_status cn_shard_header_parse(const uint8_t *p, cn_shard_info *info, const char *name) {
    if (memcmp(p, CN_SHARD_MAGIC, 8) != 0) return cn_shard_bad_magic(p, CN_SHARD_HEADER, name);
    info->width = rd32(p + 8);
    info->vocab_size = rd32(p + 12);
    memcpy(info->tok_hash, p + 16, 32);
    info->flags = rd32(p + 48);
    if (info->width != 2 && info->width != 4) return cn_fail(CN_EFORMAT, "%s: bad token width %u", name, info->width);
    if (info->vocab_size == 0) return cn_fail(CN_EFORMAT, "%s: vocab_size is 0", name);
    if (info->width == 2 && info->vocab_size > 65536)
        return cn_fail(CN_EFORMAT, "%s: vocab_size %u does not fit 2-byte ids", name, info->vocab_size);
    if (info->flags & ~3u) return cn_fail(CN_EFORMAT, "%s: unknown header flags 0x%x", name, info->flags);
    if (rd32(p + 52) || rd64(p + 56)) return cn_fail(CN_EFORMAT, "%s: reserved header bytes not zero", name);
    return CN_OK;
}

cn_status cn_doc_check(const cn_doc *doc, uint32_t vocab_size, const char *name, uint64_t offset, uint64_t index) {
    unsigned long long o = (unsigned long long)offset, ix = (unsigned long long)index;
    if (doc->n == 0) return cn_fail(CN_EFORMAT, "%s: byte %llu: document %llu: record with no tokens", name, o, ix);
    uint32_t m, c = cn_crc32c_max(0, doc->ids, (size_t)doc->n * doc->width, doc->width, &m);
    if (c != doc->crc)
        return cn_fail(CN_ECRC, "%s: byte %llu: document %llu: record CRC mismatch (stored %08x, computed %08x)", name, o,
                       ix, doc->crc, c);
    if (m >= vocab_size) {
        uint32_t i = 0;
        while (cn_doc_id(doc, i) < vocab_size) i++;
        return cn_fail(CN_ERANGE, "%s: byte %llu: document %llu: token id %u (position %u) >= vocab_size %u", name, o,
                       ix, cn_doc_id(doc, i), i, vocab_size);
    }
    return CN_OK;
}

cn_status cn_shard_tokenizer_hash(const char *path, uint8_t out[32]) {
    cn_in *in = cn_in_open(path);
    if (!in) return CN_EIO;
    cn_sha256 h;
    cn_sha256_init(&h);
    for (;;) {
        size_t avail;
        const uint8_t *p = cn_in_get(in, 1 << 16, &avail);
        if (!p) {
            cn_in_close(in);
            return CN_EIO;
        }
        if (!avail) break;
        cn_sha256_update(&h, p, avail);
        cn_in_skip(in, avail);
    }
    cn_in_close(in);
    cn_sha256_final(&h, out);
    return CN_OK;
}

/* ---- writer ---- */

struct cn_shard_writer {
    cn_out *out;
    cn_shard_info info;
    cn_shard_counts c;
    uint32_t crc;
    uint8_t *tmp;
    size_t tmpcap;
};

static cn_status emit(cn_shard_writer *w, const void *p, size_t n) {
    w->crc = cn_crc32c(w->crc, p, n);
    return cn_out_write(w->out, p, n);
}

cn_shard_writer *cn_shard_writer_new(cn_out *out, const cn_shard_info *info) {
    if (info->width != 2 && info->width != 4) return cn_fail(CN_EINVAL, "shard width must be 2 or 4"), NULL;
    if (info->width == 2 && info->vocab_size > 65536) return cn_fail(CN_EINVAL, "vocab_size too large for 2-byte ids"), NULL;
    cn_shard_writer *w = calloc(1, sizeof *w);
    if (!w) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    w->out = out;
    w->info = *info;
    uint8_t h[CN_SHARD_HEADER];
    cn_shard_header_write(h, info);
    if (emit(w, h, sizeof h)) {
        free(w);
        return NULL;
    }
    return w;
}

static cn_status put_record(cn_shard_writer *w, const void *ids, uint32_t n, uint32_t text_bytes, uint32_t crc,
                            int stable) {
    size_t bytes = (size_t)n * w->info.width;
    uint8_t h[12];
    wr32(h, n);
    wr32(h + 4, text_bytes);
    wr32(h + 8, crc);
    cn_status st = emit(w, h, sizeof h);
    if (st) return st;
    w->crc = extend(w->crc, ids, bytes, crc);
    st = stable ? cn_out_write_ref(w->out, ids, bytes) : cn_out_write(w->out, ids, bytes);
    if (st) return st;
    w->c.docs++;
    w->c.tokens += n;
    w->c.text_bytes += text_bytes;
    return CN_OK;
}

cn_status cn_shard_write(cn_shard_writer *w, const uint32_t *ids, uint32_t n, uint32_t text_bytes) {
    if (n == 0) return CN_OK;
    if ((uint64_t)n * w->info.width > CN_SHARD_MAX_RECORD) return cn_fail(CN_EINVAL, "document of %u tokens is too long", n);
    size_t bytes = (size_t)n * w->info.width;
    if (bytes > w->tmpcap) {
        uint8_t *t = realloc(w->tmp, bytes);
        if (!t) return cn_fail(CN_ENOMEM, "out of memory");
        w->tmp = t;
        w->tmpcap = bytes;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (ids[i] >= w->info.vocab_size)
            return cn_fail(CN_ERANGE, "token id %u >= vocab_size %u", ids[i], w->info.vocab_size);
        if (w->info.width == 2) {
            w->tmp[2 * i] = (uint8_t)ids[i];
            w->tmp[2 * i + 1] = (uint8_t)(ids[i] >> 8);
        } else {
            wr32(w->tmp + 4 * (size_t)i, ids[i]);
        }
    }
    return put_record(w, w->tmp, n, text_bytes, cn_crc32c(0, w->tmp, bytes), 0);
}

cn_status cn_shard_write_doc(cn_shard_writer *w, const cn_doc *doc) {
    if (doc->n == 0) return CN_OK;
    if (doc->width == w->info.width) return put_record(w, doc->ids, doc->n, doc->text_bytes, doc->crc, doc->stable);
    uint32_t *ids = malloc((size_t)doc->n * sizeof *ids);
    if (!ids) return cn_fail(CN_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < doc->n; i++) ids[i] = cn_doc_id(doc, i);
    cn_status st = cn_shard_write(w, ids, doc->n, doc->text_bytes);
    free(ids);
    return st;
}

void cn_shard_writer_free(cn_shard_writer *w) {
    if (!w) return;
    free(w->tmp);
    free(w);
}

cn_status cn_shard_writer_finish(cn_shard_writer *w, cn_shard_counts *counts) {
    uint8_t t[CN_SHARD_TRAILER];
    wr32(t, MARKER);
    wr64(t + 4, w->c.docs);
    wr64(t + 12, w->c.tokens);
    wr64(t + 20, w->c.text_bytes);
    wr32(t + 28, cn_crc32c(w->crc, t, 28));
    cn_status st = cn_out_write(w->out, t, sizeof t);
    if (counts) *counts = w->c;
    cn_shard_writer_free(w);
    return st;
}

/* ---- streaming reader ---- */

struct cn_shard_reader {
    cn_in *in;
    cn_shard_info info;
    int in_shard;
    uint64_t shards;
    cn_shard_counts c;   /* of the current shard */
    uint64_t index;      /* document index in the stream, for messages */
    uint32_t crc;
    cn_status (*on_header)(void *ctx, const cn_shard_info *info);
    void *on_header_ctx;
};

void cn_shard_reader_on_header(cn_shard_reader *r, cn_status (*fn)(void *ctx, const cn_shard_info *info), void *ctx) {
    r->on_header = fn;
    r->on_header_ctx = ctx;
}

static cn_shard_reader *reader_new(cn_in *in) {
    cn_shard_reader *r = calloc(1, sizeof *r);
    if (!r) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    r->in = in;
    return r;
}
const cn_shard_info *cn_shard_reader_info(const cn_shard_reader *r) { return &r->info; }
uint64_t cn_shard_reader_shards(const cn_shard_reader *r) { return r->shards; }

static cn_status trunc_err(cn_shard_reader *r, const char *what) {
    return cn_fail(CN_ETRUNC, "%s: byte %llu: truncated shard (input ends inside %s)", cn_in_name(r->in),
                   (unsigned long long)cn_in_pos(r->in), what);
}

static cn_status next_checked(cn_shard_reader *r, cn_doc *doc) {
    const char *name = cn_in_name(r->in);
    size_t avail;
    const uint8_t *p;
    for (;;) {
        if (!r->in_shard) {
            p = cn_in_get(r->in, CN_SHARD_HEADER, &avail);
            if (!p) return cn_in_status(r->in);
            if (avail == 0) return CN_EOF;
            if (avail < 8 || (avail < CN_SHARD_HEADER && memcmp(p, CN_SHARD_MAGIC, 8) == 0)) return trunc_err(r, "a header");
            cn_status st = cn_shard_header_parse(p, &r->info, name);
            if (st) return st;
            r->crc = cn_crc32c(0, p, CN_SHARD_HEADER);
            cn_in_skip(r->in, CN_SHARD_HEADER);
            memset(&r->c, 0, sizeof r->c);
            r->in_shard = 1;
            r->shards++;
            if (r->on_header && (st = r->on_header(r->on_header_ctx, &r->info)) != CN_OK) return st;
        }
        p = cn_in_get(r->in, 12, &avail);
        if (!p) return cn_in_status(r->in);
        if (avail < 4) return trunc_err(r, "a record");
        uint32_t n = rd32(p);
        if (n == MARKER) {
            p = cn_in_get(r->in, CN_SHARD_TRAILER, &avail);
            if (!p) return cn_in_status(r->in);
            if (avail < CN_SHARD_TRAILER) return trunc_err(r, "the trailer");
            uint64_t docs = rd64(p + 4), toks = rd64(p + 12), bytes = rd64(p + 20);
            uint32_t crc = cn_crc32c(r->crc, p, 28), stored = rd32(p + 28);
            uint64_t at = cn_in_pos(r->in);
            if (docs != r->c.docs || toks != r->c.tokens || bytes != r->c.text_bytes)
                return cn_fail(CN_EFORMAT, "%s: byte %llu: trailer counts (%llu docs, %llu tokens, %llu bytes) disagree with the records (%llu, %llu, %llu)",
                               name, (unsigned long long)at, (unsigned long long)docs, (unsigned long long)toks,
                               (unsigned long long)bytes, (unsigned long long)r->c.docs,
                               (unsigned long long)r->c.tokens, (unsigned long long)r->c.text_bytes);
            if (crc != stored)
                return cn_fail(CN_ECRC, "%s: byte %llu: trailer CRC mismatch (stored %08x, computed %08x)", name,
                               (unsigned long long)at, stored, crc);
            cn_in_skip(r->in, CN_SHARD_TRAILER);
            r->in_shard = 0;
            continue;
        }
        if (avail < 12) return trunc_err(r, "a record header");
        uint64_t bytes = (uint64_t)n * r->info.width;
        if (bytes > CN_SHARD_MAX_RECORD)
            return cn_fail(CN_EFORMAT, "%s: byte %llu: record of %u tokens is too large", name,
                           (unsigned long long)cn_in_pos(r->in), n);
        p = cn_in_get(r->in, 12 + (size_t)bytes, &avail);
        if (!p) return cn_in_status(r->in);
        if (avail < 12 + bytes) return trunc_err(r, "a record");
        doc->n = n;
        doc->text_bytes = rd32(p + 4);
        doc->crc = rd32(p + 8);
        doc->ids = p + 12;
        doc->width = r->info.width;
        doc->stable = cn_in_mapped(r->in);
        cn_status st = cn_doc_check(doc, r->info.vocab_size, name, cn_in_pos(r->in), r->index);
        if (st) return st;
        r->crc = extend(cn_crc32c(r->crc, p, 12), p + 12, (size_t)bytes, doc->crc);
        cn_in_skip(r->in, 12 + (size_t)bytes);
        r->c.docs++;
        r->c.tokens += n;
        r->c.text_bytes += doc->text_bytes;
        r->index++;
        return CN_OK;
    }
}

cn_shard_reader *cn_shard_reader_new(cn_in *in) { return reader_new(in); }
void cn_shard_reader_free(cn_shard_reader *r) { free(r); }
cn_status cn_shard_next(cn_shard_reader *r, cn_doc *doc) { return next_checked(r, doc); }

/* ---- random access ---- */

struct cn_shard_file {
    cn_in *in;
    const uint8_t *map;
    uint64_t size, docs;
    uint64_t *off;   /* (docs) byte offset of each record */
    cn_shard_info info;
    int mixed;       /* shards differ in tokenizer hash or flags */
};

int cn_shard_file_mixed(const cn_shard_file *f) { return f->mixed; }

void cn_shard_file_close(cn_shard_file *f) {
    if (!f) return;
    cn_in_close(f->in);
    free(f->off);
    free(f);
}

uint64_t cn_shard_file_docs(const cn_shard_file *f) { return f->docs; }
const cn_shard_info *cn_shard_file_info(const cn_shard_file *f) { return &f->info; }

cn_shard_file *cn_shard_file_open(const char *path) {
    cn_shard_file *f = calloc(1, sizeof *f);
    if (!f) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    f->in = cn_in_open_flags(path, CN_IN_MAP);
    if (!f->in) goto fail;
    if (!cn_in_mapped(f->in)) {
        cn_fail(CN_EINVAL, "%s: random access needs an uncompressed regular file%s", path,
                cn_in_zstd(f->in) ? " (this one is zstd-compressed: decompress it first)" : "");
        goto fail;
    }
    f->map = cn_in_map(f->in, &f->size);
    uint64_t pos = 0, cap = 0;
    int first = 1;
    while (pos < f->size) {
        cn_shard_info info;
        if (f->size - pos < CN_SHARD_HEADER) {
            cn_fail(CN_ETRUNC, "%s: byte %llu: truncated shard (input ends inside a header)", path, (unsigned long long)pos);
            goto fail;
        }
        if (cn_shard_header_parse(f->map + pos, &info, path)) goto fail;
        if (first) f->info = info;
        else if (memcmp(info.tok_hash, f->info.tok_hash, 32) != 0 || info.flags != f->info.flags) f->mixed = 1;
        if (!first && (info.width != f->info.width || info.vocab_size != f->info.vocab_size)) {
            cn_fail(CN_EMISMATCH, "%s: byte %llu: shards of one file differ in width or vocabulary", path, (unsigned long long)pos);
            goto fail;
        }
        first = 0;
        pos += CN_SHARD_HEADER;
        cn_shard_counts c = {0, 0, 0};
        for (;;) {
            if (f->size - pos < 4) {
                cn_fail(CN_ETRUNC, "%s: byte %llu: truncated shard (input ends inside a record)", path, (unsigned long long)pos);
                goto fail;
            }
            uint32_t n = rd32(f->map + pos);
            if (n == MARKER) {
                if (f->size - pos < CN_SHARD_TRAILER) {
                    cn_fail(CN_ETRUNC, "%s: byte %llu: truncated shard (input ends inside the trailer)", path, (unsigned long long)pos);
                    goto fail;
                }
                const uint8_t *t = f->map + pos;
                if (rd64(t + 4) != c.docs || rd64(t + 12) != c.tokens || rd64(t + 20) != c.text_bytes) {
                    cn_fail(CN_EFORMAT, "%s: byte %llu: trailer counts disagree with the records", path, (unsigned long long)pos);
                    goto fail;
                }
                pos += CN_SHARD_TRAILER;
                break;
            }
            uint64_t len = 12 + (uint64_t)n * info.width;
            if ((uint64_t)n * info.width > CN_SHARD_MAX_RECORD) {
                cn_fail(CN_EFORMAT, "%s: byte %llu: record of %u tokens is too large", path, (unsigned long long)pos, n);
                goto fail;
            }
            if (n == 0 || f->size - pos < len) {
                cn_fail(n ? CN_ETRUNC : CN_EFORMAT, "%s: byte %llu: %s", path, (unsigned long long)pos,
                        n ? "truncated shard (input ends inside a record)" : "record with no tokens");
                goto fail;
            }
            if (f->docs == cap) {
                cap = cap ? 2 * cap : 1024;
                uint64_t *o = realloc(f->off, cap * sizeof *o);
                if (!o) { cn_fail(CN_ENOMEM, "out of memory"); goto fail; }
                f->off = o;
            }
            f->off[f->docs++] = pos;
            c.docs++;
            c.tokens += n;
            c.text_bytes += rd32(f->map + pos + 4);
            pos += len;
        }
    }
    if (first) cn_shard_info_init(&f->info, 65536, NULL, 0); /* empty file: no shard at all */
    return f;
fail:
    cn_shard_file_close(f);
    return NULL;
}

cn_status cn_shard_file_doc(const cn_shard_file *f, uint64_t i, cn_doc *doc) {
    if (i >= f->docs) return cn_fail(CN_EINVAL, "%s: no document %llu", cn_in_name(f->in), (unsigned long long)i);
    const uint8_t *p = f->map + f->off[i];
    doc->n = rd32(p);
    doc->text_bytes = rd32(p + 4);
    doc->crc = rd32(p + 8);
    doc->ids = p + 12;
    doc->width = f->info.width;
    doc->stable = 1;
    return cn_doc_check(doc, f->info.vocab_size, cn_in_name(f->in), f->off[i], i);
}
