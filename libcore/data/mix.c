/* mix: greedy largest-deficit blending of document sources. */
#include "mix.h"

#include <stdlib.h>
#include <string.h>
#include "rng.h"

typedef struct {
    cn_docsrc *src;
    double weight;       /* as given, normalised in run */
    uint64_t count;      /* documents per epoch (UINT64_MAX until known) */
    uint64_t pos;        /* documents taken in the current epoch */
    uint64_t epoch;      /* current epoch, 0-based */
    uint64_t *perm;      /* (count) shuffle order of the current epoch */
    uint64_t taken;      /* tokens taken into the blend, skipped ones included */
    uint64_t docs, tokens;  /* written */
} source;

struct cn_mix {
    cn_mix_opts o;
    source *s;
    size_t n, cap;
    uint64_t out_docs, out_tokens;
};

void cn_mix_opts_init(cn_mix_opts *o) {
    memset(o, 0, sizeof *o);
    o->seed = 1234;
    o->src.eos = CN_MEGATRON_EOS_AUTO;
}

cn_mix *cn_mix_new(const cn_mix_opts *o) {
    cn_mix *m = calloc(1, sizeof *m);
    if (!m) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    m->o = *o;
    m->o.src.random = o->shuffle;
    m->o.src.force = o->force;
    return m;
}

void cn_mix_free(cn_mix *m) {
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        cn_docsrc_close(m->s[i].src);
        free(m->s[i].perm);
    }
    free(m->s);
    free(m);
}

size_t cn_mix_sources(const cn_mix *m) { return m->n; }

cn_status cn_mix_add(cn_mix *m, double weight, const char *path) {
    if (!(weight > 0)) return cn_fail(CN_EINVAL, "%s: weight must be positive", path);
    if (strcmp(path, "-") == 0)
        for (size_t i = 0; i < m->n; i++)
            if (!cn_docsrc_rewindable(m->s[i].src)) return cn_fail(CN_EINVAL, "stdin given twice");
    cn_docsrc *src = cn_docsrc_open(path, &m->o.src);
    if (!src) return cn_last_status();
    if (m->o.shuffle && !cn_docsrc_random(src)) {
        cn_docsrc_close(src);
        return cn_fail(CN_EINVAL, "%s: --shuffle needs random access (an uncompressed shard file or a Megatron prefix), not %s",
                       path, strcmp(path, "-") ? "a compressed stream" : "stdin");
    }
    int has, has0;
    const cn_shard_info *in = cn_docsrc_info(src, &has);
    for (size_t i = 0; i < m->n && has && !m->o.force; i++) {
        const cn_shard_info *i0 = cn_docsrc_info(m->s[i].src, &has0);
        if (!has0) continue;
        if (memcmp(in->tok_hash, i0->tok_hash, 32) != 0 || in->vocab_size != i0->vocab_size) {
            cn_docsrc_close(src);
            return cn_fail(CN_EMISMATCH, "%s: made by a different tokenizer than %s (hash or vocab_size differs; --force to mix anyway)",
                           path, cn_docsrc_name(m->s[i].src));
        }
        if (in->flags != i0->flags) {
            cn_docsrc_close(src);
            return cn_fail(CN_EMISMATCH, "%s: BOS/EOS flags differ from %s (--force to mix anyway)", path,
                           cn_docsrc_name(m->s[i].src));
        }
    }
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 4;
        source *s = realloc(m->s, cap * sizeof *s);
        if (!s) {
            cn_docsrc_close(src);
            return cn_fail(CN_ENOMEM, "out of memory");
        }
        m->s = s;
        m->cap = cap;
    }
    source *s = &m->s[m->n++];
    memset(s, 0, sizeof *s);
    s->src = src;
    s->weight = weight;
    s->count = cn_docsrc_random(src) ? cn_docsrc_count(src) : UINT64_MAX;
    return CN_OK;
}

/* the permutation of source k for its current epoch */
static cn_status shuffle(cn_mix *m, size_t k) {
    source *s = &m->s[k];
    if (!s->perm && s->count) {
        s->perm = malloc(s->count * sizeof *s->perm);
        if (!s->perm) return cn_fail(CN_ENOMEM, "out of memory (shuffling %llu documents)", (unsigned long long)s->count);
    }
    uint64_t keys[3] = {m->o.seed, k, s->epoch};
    cn_rng r;
    cn_rng_seed(&r, keys, 3);
    for (uint64_t i = 0; i < s->count; i++) s->perm[i] = i;
    for (uint64_t i = s->count; i > 1; i--) {
        uint64_t j = cn_rng_below(&r, i);
        uint64_t t = s->perm[i - 1];
        s->perm[i - 1] = s->perm[j];
        s->perm[j] = t;
    }
    return CN_OK;
}

/* Takes the next document of source k. CN_EOF when its epoch is over (the
 * caller decides whether to start another). */
static cn_status take(cn_mix *m, size_t k, cn_doc *doc) {
    source *s = &m->s[k];
    cn_status st;
    if (m->o.shuffle) {
        /* empty documents (Megatron) take a place in the order but give nothing */
        do {
            if (s->pos == s->count) return CN_EOF;
            st = cn_docsrc_get(s->src, s->perm[s->pos++], doc);
        } while (!st && doc->n == 0);
        return st;
    }
    /* in order: read to the end every epoch, so that trailers are checked again */
    st = cn_docsrc_next(s->src, doc);
    if (st == CN_EOF) {
        if (s->epoch > 0 && s->pos != s->count)
            return cn_fail(CN_EFORMAT, "%s: held %llu documents in epoch 1 and %llu in epoch %llu (changed while read?)",
                           cn_docsrc_name(s->src), (unsigned long long)s->count, (unsigned long long)s->pos,
                           (unsigned long long)s->epoch + 1);
        s->count = s->pos; /* a stream's size is known after one pass */
        return CN_EOF;
    }
    if (st) return st;
    s->pos++;
    return CN_OK;
}

static cn_status new_epoch(cn_mix *m, size_t k) {
    source *s = &m->s[k];
    if (s->count == 0) return cn_fail(CN_EFORMAT, "%s: no documents to repeat", cn_docsrc_name(s->src));
    if (!cn_docsrc_rewindable(s->src))
        return cn_fail(CN_EINVAL, "%s: ran out after %llu documents and stdin cannot be read again (give a file to repeat it)",
                       cn_docsrc_name(s->src), (unsigned long long)s->count);
    cn_status st = cn_docsrc_rewind(s->src);
    if (st) return st;
    s->epoch++;
    s->pos = 0;
    return m->o.shuffle ? shuffle(m, k) : CN_OK;
}

cn_status cn_mix_run(cn_mix *m, cn_out *out, cn_progress *prog) {
    double total = 0;
    for (size_t k = 0; k < m->n; k++) total += m->s[k].weight;
    for (size_t k = 0; k < m->n; k++) m->s[k].weight /= total;
    cn_status st;
    if (m->o.shuffle)
        for (size_t k = 0; k < m->n; k++)
            if ((st = shuffle(m, k))) return st;

    /* output header: the first source that has one (empty inputs have none) */
    cn_shard_info info;
    cn_shard_info_init(&info, 65536, NULL, 0);
    int found = 0;
    uint32_t width = 2;
    for (size_t k = 0; k < m->n; k++) {
        int has;
        const cn_shard_info *i = cn_docsrc_info(m->s[k].src, &has);
        if (has && !found) info = *i, found = 1;
        if (has && i->width > width) width = i->width;
        if (has && i->vocab_size > info.vocab_size) info.vocab_size = i->vocab_size;
    }
    info.width = info.vocab_size > 65536 ? 4 : width;
    cn_shard_writer *w = cn_shard_writer_new(out, &info);
    if (!w) return CN_EIO;

    uint64_t T = 0, emitted = 0; /* T: tokens of the whole stream, skipped part included */
    for (;;) {
        if (m->o.tokens && T >= m->o.tokens) break;
        size_t best = 0;
        double bd = -1e300;
        for (size_t k = 0; k < m->n; k++) {
            double d = m->s[k].weight * (double)T - (double)m->s[k].taken;
            if (d > bd) bd = d, best = k;
        }
        cn_doc doc;
        st = take(m, best, &doc);
        if (st == CN_EOF) {
            /* the chosen source would have to repeat */
            int may = m->o.tokens ? (!m->o.epochs || m->s[best].epoch + 1 < m->o.epochs)
                                  : (m->o.epochs && m->s[best].epoch + 1 < m->o.epochs);
            if (!may) break;
            if ((st = new_epoch(m, best))) goto fail;
            st = take(m, best, &doc);
            if (st == CN_EOF) st = cn_fail(CN_EFORMAT, "%s: no documents to repeat", cn_docsrc_name(m->s[best].src));
        }
        if (st) goto fail;
        source *s = &m->s[best];
        s->taken += doc.n;
        T += doc.n;
        if (emitted++ < m->o.skip_docs) continue;
        s->docs++;
        s->tokens += doc.n;
        if ((st = cn_shard_write_doc(w, &doc))) goto fail;
        m->out_docs++;
        m->out_tokens += doc.n;
        if (prog && (m->out_docs & 255) == 0) {
            double dt = cn_now() - prog->t0;
            cn_progress_update(prog, 0, "cn-mix: %llu docs, %.1fM tokens, %.1fM tokens/s",
                               (unsigned long long)m->out_docs, m->out_tokens / 1e6,
                               dt > 0 ? m->out_tokens / 1e6 / dt : 0.0);
        }
    }
    return cn_shard_writer_finish(w, NULL);
fail:
    cn_shard_writer_free(w);
    return st;
}

void cn_mix_stat(const cn_mix *m, size_t i, cn_mix_stats *st) {
    const source *s = &m->s[i];
    st->name = cn_docsrc_name(s->src);
    st->weight = s->weight;
    st->docs = s->docs;
    st->tokens = s->tokens;
    st->sized = s->count && s->count != UINT64_MAX;
    st->epochs = (double)s->epoch + (st->sized ? (double)s->pos / (double)s->count : 0.0);
}
