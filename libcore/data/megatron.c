/* megatron: Megatron-LM / NeMo indexed datasets (MMIDIDX .idx + raw .bin),
 * read by mmap and written byte for byte as Megatron's IndexedDatasetBuilder
 * writes them; plus this project's side file PREFIX.cnmeta. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crc.h"
#include "shard.h"

#define IDX_MAGIC "MMIDIDX\0\0"
#define META_MAGIC "CNMEGAX1"

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

typedef struct {
    cn_shard_info info;
    uint64_t docs;
} shard_meta;

struct cn_megatron {
    char *name;
    cn_in *idx, *bin;
    const uint8_t *bmap;
    uint64_t bsize;
    int dtype;
    uint32_t width;
    uint64_t nseq, ndoc;          /* ndoc = documents (document_indices has ndoc + 1 entries) */
    const uint8_t *lens, *ptrs, *docidx; /* int32[nseq], int64[nseq], int64[ndoc + 1] in the idx map */
    int64_t eos;
    shard_meta *shards;
    uint64_t nshards;
    uint32_t *text_bytes;         /* (ndoc) from the side file, or NULL */
};

static char *cat(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 1);
    if (s) { memcpy(s, a, na); memcpy(s + na, b, nb + 1); }
    return s;
}

void cn_megatron_close(cn_megatron *m) {
    if (!m) return;
    cn_in_close(m->idx);
    cn_in_close(m->bin);
    free(m->shards);
    free(m->text_bytes);
    free(m->name);
    free(m);
}

uint64_t cn_megatron_docs(const cn_megatron *m) { return m->ndoc; }
uint64_t cn_megatron_seqs(const cn_megatron *m) { return m->nseq; }
int cn_megatron_dtype(const cn_megatron *m) { return m->dtype; }
uint64_t cn_megatron_shards(const cn_megatron *m) { return m->nshards; }
const cn_shard_info *cn_megatron_shard_info(const cn_megatron *m, uint64_t k, uint64_t *docs) {
    if (k >= m->nshards) return NULL;
    if (docs) *docs = m->shards[k].docs;
    return &m->shards[k].info;
}

static cn_in *open_mapped(const char *path) {
    cn_in *in = cn_in_open_flags(path, CN_IN_MAP);
    if (in && !cn_in_mapped(in)) {
        cn_fail(CN_EFORMAT, "%s: must be an uncompressed regular file", path);
        cn_in_close(in);
        return NULL;
    }
    return in;
}

/* reads PREFIX.cnmeta if present: 0 ok or absent, -1 error */
static int read_meta(cn_megatron *m, const char *prefix) {
    char *path = cat(prefix, ".cnmeta");
    if (!path) return cn_fail(CN_ENOMEM, "out of memory"), -1;
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        int absent = errno == ENOENT;
        if (!absent) cn_fail_errno(CN_EIO, "%s: cannot open", path);
        free(path);
        return absent ? 0 : -1;
    }
    fclose(probe);
    cn_in *in = open_mapped(path);
    int rc = -1;
    if (!in) goto out;
    uint64_t size;
    const uint8_t *p = cn_in_map(in, &size);
    if (size < 8 + 8 + 8 + 8 + 4 || memcmp(p, META_MAGIC, 8) != 0) {
        cn_fail(CN_EFORMAT, "%s: not a chipnemo-c Megatron side file", path);
        goto out;
    }
    if (cn_crc32c(0, p, size - 4) != rd32(p + size - 4)) {
        cn_fail(CN_ECRC, "%s: CRC mismatch", path);
        goto out;
    }
    m->eos = (int64_t)rd64(p + 8);
    uint64_t ns = rd64(p + 16), off = 24;
    if (ns > (size - off) / (CN_SHARD_HEADER + 8)) {
        cn_fail(CN_EFORMAT, "%s: bad shard count", path);
        goto out;
    }
    m->shards = calloc(ns ? ns : 1, sizeof *m->shards);
    if (!m->shards) { cn_fail(CN_ENOMEM, "out of memory"); goto out; }
    uint64_t sum = 0;
    for (uint64_t k = 0; k < ns; k++, off += CN_SHARD_HEADER + 8) {
        if (cn_shard_header_parse(p + off, &m->shards[k].info, path)) goto out;
        m->shards[k].docs = rd64(p + off + CN_SHARD_HEADER);
        sum += m->shards[k].docs;
    }
    m->nshards = ns;
    uint64_t nd = size - off >= 12 ? rd64(p + off) : ~0ull;
    off += 8;
    if (nd != m->ndoc || sum != nd || (size - off - 4) / 4 != nd || (size - off - 4) % 4) {
        cn_fail(CN_EFORMAT, "%s: describes %llu documents, the dataset has %llu", path, (unsigned long long)nd,
                (unsigned long long)m->ndoc);
        goto out;
    }
    m->text_bytes = malloc((nd ? nd : 1) * sizeof *m->text_bytes);
    if (!m->text_bytes) { cn_fail(CN_ENOMEM, "out of memory"); goto out; }
    for (uint64_t i = 0; i < nd; i++) m->text_bytes[i] = rd32(p + off + 4 * i);
    rc = 0;
out:
    cn_in_close(in);
    free(path);
    return rc;
}

cn_megatron *cn_megatron_open(const char *prefix, int64_t eos) {
    cn_megatron *m = calloc(1, sizeof *m);
    char *ipath = cat(prefix, ".idx"), *bpath = cat(prefix, ".bin");
    if (!m || !ipath || !bpath) {
        cn_fail(CN_ENOMEM, "out of memory");
        goto fail;
    }
    m->name = cat(prefix, "");
    m->eos = -1;
    if (!(m->idx = open_mapped(ipath)) || !(m->bin = open_mapped(bpath))) goto fail;
    uint64_t isize;
    const uint8_t *p = cn_in_map(m->idx, &isize);
    m->bmap = cn_in_map(m->bin, &m->bsize);
    if (isize < 34 || memcmp(p, IDX_MAGIC, 9) != 0) {
        cn_fail(CN_EFORMAT, "%s: not a Megatron index (bad magic)", ipath);
        goto fail;
    }
    if (rd64(p + 9) != 1) {
        cn_fail(CN_EFORMAT, "%s: unsupported index version %llu", ipath, (unsigned long long)rd64(p + 9));
        goto fail;
    }
    m->dtype = p[17];
    if (m->dtype != CN_MEGATRON_U16 && m->dtype != CN_MEGATRON_I32) {
        cn_fail(CN_EFORMAT, "%s: unsupported dtype code %d (token ids are uint16, code 8, or int32, code 4)", ipath, m->dtype);
        goto fail;
    }
    m->width = m->dtype == CN_MEGATRON_U16 ? 2 : 4;
    m->nseq = rd64(p + 18);
    uint64_t ndi = rd64(p + 26);
    if (ndi == 0 || m->nseq > isize / 12 || ndi > isize / 8 || 34 + 12 * m->nseq + 8 * ndi != isize) {
        cn_fail(CN_EFORMAT, "%s: index size does not match its counts (%llu sequences, %llu document indices)", ipath,
                (unsigned long long)m->nseq, (unsigned long long)ndi);
        goto fail;
    }
    m->ndoc = ndi - 1;
    m->lens = p + 34;
    m->ptrs = m->lens + 4 * m->nseq;
    m->docidx = m->ptrs + 8 * m->nseq;
    /* every sequence inside .bin; document indices 0, increasing, ending at nseq */
    for (uint64_t i = 0; i < m->nseq; i++) {
        int32_t len = (int32_t)rd32(m->lens + 4 * i);
        uint64_t ptr = rd64(m->ptrs + 8 * i);
        if (len < 0 || ptr > m->bsize || (uint64_t)len * m->width > m->bsize - ptr || ptr % m->width) {
            cn_fail(CN_EFORMAT, "%s: sequence %llu lies outside %s", ipath, (unsigned long long)i, bpath);
            goto fail;
        }
    }
    uint64_t prev = 0;
    for (uint64_t d = 0; d <= m->ndoc; d++) {
        uint64_t v = rd64(m->docidx + 8 * d);
        if ((d == 0 && v != 0) || v < prev || v > m->nseq || (d == m->ndoc && v != m->nseq)) {
            cn_fail(CN_EFORMAT, "%s: bad document index %llu", ipath, (unsigned long long)d);
            goto fail;
        }
        prev = v;
    }
    if (read_meta(m, prefix) < 0) goto fail;
    if (eos != CN_MEGATRON_EOS_AUTO) m->eos = eos;
    free(ipath);
    free(bpath);
    return m;
fail:
    free(ipath);
    free(bpath);
    cn_megatron_close(m);
    return NULL;
}

cn_status cn_megatron_doc(const cn_megatron *m, uint64_t i, cn_doc *doc) {
    if (i >= m->ndoc) return cn_fail(CN_EINVAL, "%s: no document %llu", m->name, (unsigned long long)i);
    uint64_t s0 = rd64(m->docidx + 8 * i), s1 = rd64(m->docidx + 8 * (i + 1));
    uint64_t n = 0, start = s0 < s1 ? rd64(m->ptrs + 8 * s0) : 0;
    for (uint64_t s = s0; s < s1; s++) {
        if (rd64(m->ptrs + 8 * s) != start + n * m->width)
            return cn_fail(CN_EFORMAT, "%s: document %llu: its sequences are not contiguous in .bin", m->name,
                           (unsigned long long)i);
        n += rd32(m->lens + 4 * s);
    }
    if (n > 0xFFFFFFFEull) return cn_fail(CN_EFORMAT, "%s: document %llu is too long", m->name, (unsigned long long)i);
    doc->ids = m->bmap + start;
    doc->width = m->width;
    doc->stable = 1;
    doc->n = (uint32_t)n;
    if (m->eos >= 0 && doc->n && cn_doc_id(doc, doc->n - 1) == (uint64_t)m->eos) doc->n--;
    if (m->width == 4)
        for (uint32_t k = 0; k < doc->n; k++)
            if (cn_doc_id(doc, k) >> 31)
                return cn_fail(CN_ERANGE, "%s: document %llu: negative token id", m->name, (unsigned long long)i);
    doc->crc = cn_crc32c(0, doc->ids, (size_t)doc->n * doc->width);
    doc->text_bytes = m->text_bytes ? m->text_bytes[i] : 0;
    return CN_OK;
}

/* ---- writer ---- */

struct cn_megatron_writer {
    char *prefix;
    cn_out *bin;
    int dtype;
    uint32_t width;
    int32_t *lens;
    int64_t *ptrs, *docidx;
    uint64_t nseq, ndoc, seqcap, ptrcap, doccap;
    uint64_t bytes;
    uint8_t *tmp;
    size_t tmpcap;
    /* side file */
    int meta;
    int64_t eos;
    shard_meta *shards;
    uint64_t nshards, shardcap;
    uint32_t *text_bytes;
    uint64_t tbcap;
};

int cn_megatron_dtype_for(uint64_t vocab_size) { return vocab_size < 65500 ? CN_MEGATRON_U16 : CN_MEGATRON_I32; }

static int grow(void **p, uint64_t *cap, uint64_t need, size_t elem) {
    if (need <= *cap) return 0;
    uint64_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return cn_fail(CN_ENOMEM, "out of memory"), -1;
    *p = q;
    *cap = c;
    return 0;
}

void cn_megatron_abort(cn_megatron_writer *w) {
    if (!w) return;
    cn_out_abort(w->bin);
    free(w->lens);
    free(w->ptrs);
    free(w->docidx);
    free(w->tmp);
    free(w->shards);
    free(w->text_bytes);
    free(w->prefix);
    free(w);
}

cn_megatron_writer *cn_megatron_writer_new(const char *prefix, int dtype) {
    if (dtype != CN_MEGATRON_U16 && dtype != CN_MEGATRON_I32) return cn_fail(CN_EINVAL, "bad Megatron dtype %d", dtype), NULL;
    cn_megatron_writer *w = calloc(1, sizeof *w);
    if (!w) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    w->dtype = dtype;
    w->width = dtype == CN_MEGATRON_U16 ? 2 : 4;
    w->prefix = cat(prefix, "");
    char *bpath = cat(prefix, ".bin");
    uint64_t one = 1;
    if (!w->prefix || !bpath || grow((void **)&w->docidx, &w->doccap, one, sizeof *w->docidx) < 0) {
        free(bpath);
        cn_megatron_abort(w);
        return NULL;
    }
    w->docidx[0] = 0;
    w->bin = cn_out_open(bpath, 0);
    free(bpath);
    if (!w->bin) {
        cn_megatron_abort(w);
        return NULL;
    }
    return w;
}

cn_status cn_megatron_add(cn_megatron_writer *w, const uint32_t *ids, uint64_t n) {
    if (n > INT32_MAX) return cn_fail(CN_EINVAL, "sequence of %llu tokens is too long for Megatron", (unsigned long long)n);
    if (grow((void **)&w->lens, &w->seqcap, w->nseq + 1, sizeof *w->lens) < 0 ||
        grow((void **)&w->ptrs, &w->ptrcap, w->nseq + 1, sizeof *w->ptrs) < 0)
        return CN_ENOMEM;
    size_t bytes = (size_t)n * w->width;
    if (bytes > w->tmpcap) {
        uint8_t *t = realloc(w->tmp, bytes);
        if (!t) return cn_fail(CN_ENOMEM, "out of memory");
        w->tmp = t;
        w->tmpcap = bytes;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint32_t v = ids[i];
        if (w->width == 2 ? v > 0xFFFF : v > INT32_MAX)
            return cn_fail(CN_ERANGE, "token id %u does not fit Megatron dtype code %d", v, w->dtype);
        for (uint32_t b = 0; b < w->width; b++) w->tmp[i * w->width + b] = (uint8_t)(v >> (8 * b));
    }
    w->lens[w->nseq] = (int32_t)n;
    w->ptrs[w->nseq] = (int64_t)w->bytes;
    w->nseq++;
    w->bytes += bytes;
    return cn_out_write(w->bin, w->tmp, bytes);
}

cn_status cn_megatron_begin_shard(cn_megatron_writer *w, const cn_shard_info *info, int64_t eos) {
    if (grow((void **)&w->shards, &w->shardcap, w->nshards + 1, sizeof *w->shards) < 0) return CN_ENOMEM;
    w->shards[w->nshards].info = *info;
    w->shards[w->nshards].docs = 0;
    w->nshards++;
    w->meta = 1;
    w->eos = eos;
    return CN_OK;
}

cn_status cn_megatron_end_doc(cn_megatron_writer *w, uint32_t text_bytes) {
    if (grow((void **)&w->docidx, &w->doccap, w->ndoc + 2, sizeof *w->docidx) < 0) return CN_ENOMEM;
    if (grow((void **)&w->text_bytes, &w->tbcap, w->ndoc + 1, sizeof *w->text_bytes) < 0) return CN_ENOMEM;
    w->text_bytes[w->ndoc] = text_bytes;
    w->docidx[++w->ndoc] = (int64_t)w->nseq;
    if (w->nshards) w->shards[w->nshards - 1].docs++;
    return CN_OK;
}

static cn_status put(cn_out *o, uint32_t *crc, const void *p, size_t n) {
    if (crc) *crc = cn_crc32c(*crc, p, n);
    return cn_out_write(o, p, n);
}

static cn_status put64(cn_out *o, uint32_t *crc, uint64_t v) {
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    return put(o, crc, b, 8);
}

/* writes the side file, left uncommitted in *res */
static cn_status write_meta(cn_megatron_writer *w, cn_out **res) {
    char *path = cat(w->prefix, ".cnmeta");
    if (!path) return cn_fail(CN_ENOMEM, "out of memory");
    cn_out *o = cn_out_open(path, 0);
    free(path);
    if (!o) return CN_EIO;
    uint32_t crc = 0;
    cn_status st = put(o, &crc, META_MAGIC, 8);
    if (!st) st = put64(o, &crc, (uint64_t)w->eos);
    if (!st) st = put64(o, &crc, w->nshards);
    for (uint64_t k = 0; !st && k < w->nshards; k++) {
        uint8_t h[CN_SHARD_HEADER];
        cn_shard_header_write(h, &w->shards[k].info);
        st = put(o, &crc, h, sizeof h);
        if (!st) st = put64(o, &crc, w->shards[k].docs);
    }
    if (!st) st = put64(o, &crc, w->ndoc);
    for (uint64_t i = 0; !st && i < w->ndoc; i++) {
        uint8_t b[4] = {(uint8_t)w->text_bytes[i], (uint8_t)(w->text_bytes[i] >> 8), (uint8_t)(w->text_bytes[i] >> 16),
                        (uint8_t)(w->text_bytes[i] >> 24)};
        st = put(o, &crc, b, 4);
    }
    uint8_t c[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16), (uint8_t)(crc >> 24)};
    if (!st) st = put(o, NULL, c, 4);
    if (st) {
        cn_out_abort(o);
        return st;
    }
    *res = o;
    return CN_OK;
}

cn_status cn_megatron_finish(cn_megatron_writer *w) {
    char *ipath = cat(w->prefix, ".idx"), *mpath = cat(w->prefix, ".cnmeta"), *bpath = cat(w->prefix, ".bin");
    cn_out *o = ipath ? cn_out_open(ipath, 0) : NULL, *meta = NULL;
    cn_status st = o && mpath && bpath ? CN_OK : CN_EIO;
    if (!st) {
        uint8_t head[34];
        memcpy(head, IDX_MAGIC, 9);
        for (int i = 0; i < 8; i++) head[9 + i] = (uint8_t)(1ull >> (8 * i));
        head[17] = (uint8_t)w->dtype;
        for (int i = 0; i < 8; i++) head[18 + i] = (uint8_t)(w->nseq >> (8 * i));
        for (int i = 0; i < 8; i++) head[26 + i] = (uint8_t)((w->ndoc + 1) >> (8 * i));
        st = put(o, NULL, head, sizeof head);
    }
    /* little-endian host assumed for the arrays, as numpy writes them on x86/arm */
    if (!st && w->nseq) st = put(o, NULL, w->lens, 4 * w->nseq);
    if (!st && w->nseq) st = put(o, NULL, w->ptrs, 8 * w->nseq);
    if (!st) st = put(o, NULL, w->docidx, 8 * (w->ndoc + 1));
    if (!st && w->meta) st = write_meta(w, &meta);
    /* commit .bin, .idx, then the side file; a stale side file goes (it would
     * describe other data); after a failure none of the three is left */
    if (!st) {
        st = cn_out_commit(w->bin);
        w->bin = NULL;
        if (!st) {
            st = cn_out_commit(o);
            o = NULL;
            if (st) unlink(bpath);
        } else {
            cn_out_abort(o);
            o = NULL;
        }
        if (!st && meta) {
            st = cn_out_commit(meta);
            meta = NULL;
            if (st) {
                unlink(bpath);
                unlink(ipath);
            }
        } else if (!st && unlink(mpath) != 0 && errno != ENOENT) {
            st = cn_fail_errno(CN_EIO, "%s: cannot remove the stale side file", mpath);
        }
    }
    cn_out_abort(o);
    cn_out_abort(meta);
    cn_megatron_abort(w);
    free(ipath);
    free(mpath);
    free(bpath);
    return st;
}
