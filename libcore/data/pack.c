/* pack: the document stream cut into training samples. */
#include "pack.h"

#include <stdlib.h>
#include <string.h>

struct cn_packer {
    cn_pack_opts o;
    cn_docsrc **src;
    int n, cur;
    /* the current document, as [BOS] ids EOS */
    int32_t *doc;
    size_t dn, dcap;
    /* where the stream is: documents loaded, the place in the current one,
     * the token carried to the next sample (what a checkpoint keeps) */
    cn_pack_state at;
    uint64_t tokens, epochs, pass_tokens;
};

cn_packer *cn_packer_new(cn_docsrc **srcs, int n, const cn_pack_opts *o) {
    cn_packer *p = calloc(1, sizeof *p);
    if (!p) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    p->o = *o;
    p->src = malloc((size_t)n * sizeof *p->src);
    if (!p->src) {
        free(p);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    memcpy(p->src, srcs, (size_t)n * sizeof *p->src);
    p->n = n;
    return p;
}

void cn_packer_free(cn_packer *p) {
    if (!p) return;
    for (int i = 0; i < p->n; i++) cn_docsrc_close(p->src[i]);
    free(p->src);
    free(p->doc);
    free(p);
}

uint64_t cn_packer_tokens(const cn_packer *p) { return p->tokens; }
uint64_t cn_packer_epochs(const cn_packer *p) { return p->epochs; }
double cn_packer_passes(const cn_packer *p) { return p->pass_tokens ? (double)p->tokens / (double)p->pass_tokens : (double)p->epochs; }

/* loads the next document into p->doc; CN_EOF at the very end */
static cn_status next_doc(cn_packer *p) {
    for (;;) {
        if (p->cur == p->n) { /* every source done: another epoch if they can be read again */
            for (int i = 0; i < p->n; i++)
                if (!cn_docsrc_rewindable(p->src[i])) return CN_EOF;
            for (int i = 0; i < p->n; i++) {
                cn_status st = cn_docsrc_rewind(p->src[i]);
                if (st) return st;
            }
            p->cur = 0;
            if (!p->epochs++) p->pass_tokens = p->tokens;
            if (p->tokens == 0) return cn_fail(CN_EFORMAT, "the training data holds no tokens");
        }
        cn_doc d;
        cn_status st = cn_docsrc_next(p->src[p->cur], &d);
        if (st == CN_EOF) {
            p->cur++;
            continue;
        }
        if (st) return st;
        size_t need = (size_t)d.n + 2;
        if (need > p->dcap) {
            int32_t *x = realloc(p->doc, need * sizeof *x);
            if (!x) return cn_fail(CN_ENOMEM, "out of memory");
            p->doc = x;
            p->dcap = need;
        }
        p->dn = 0;
        if (p->o.bos >= 0) p->doc[p->dn++] = (int32_t)p->o.bos;
        for (uint32_t i = 0; i < d.n; i++) {
            uint32_t id = cn_doc_id(&d, i);
            if (p->o.vocab_size && id >= p->o.vocab_size)
                return cn_fail(CN_ERANGE, "%s: token id %u beyond the model's vocabulary of %u", cn_docsrc_name(p->src[p->cur]), id,
                               p->o.vocab_size);
            p->doc[p->dn++] = (int32_t)id;
        }
        if (p->o.eos >= 0) p->doc[p->dn++] = (int32_t)p->o.eos;
        p->at.dpos = 0;
        p->at.docs++;
        p->at.pos = 0;
        p->tokens += d.n;
        return CN_OK;
    }
}

/* the next token of the stream with its document number and position */
static cn_status take(cn_packer *p, int32_t *id, uint64_t *docno, int32_t *pos) {
    while (p->at.dpos == p->dn) {
        cn_status st = next_doc(p);
        if (st) return st;
    }
    *id = p->doc[p->at.dpos++];
    *docno = p->at.docs;
    *pos = p->at.pos++;
    return CN_OK;
}

cn_status cn_packer_next(cn_packer *p, int32_t *ids, int32_t *targets, int32_t *segment, int32_t *pos) {
    int t = p->o.t;
    if (p->at.ended) return CN_EOF;
    if (!p->at.have_carry) {
        cn_status st = take(p, &p->at.carry, &p->at.carry_doc, &p->at.carry_pos);
        if (st) return st;
        p->at.have_carry = 1;
    }
    uint64_t first = p->at.carry_doc;
    int32_t id = p->at.carry;
    uint64_t doc = p->at.carry_doc;
    int32_t ps = p->at.carry_pos;
    int start = 0; /* where the current document starts in the sample */
    for (int i = 0; i < t; i++) {
        ids[i] = id;
        segment[i] = (int32_t)(doc - first);
        if (i > 0 && segment[i] != segment[i - 1]) start = i;
        /* positions count from the document's start in this sample (or
         * from the sample's start for a document continued from the last) */
        pos[i] = p->o.restart_pos ? i - start : i;
        cn_status st = take(p, &id, &doc, &ps);
        if (st == CN_EOF) p->at.ended = 1;
        if (st) return st; /* a partial last sample is dropped */
        targets[i] = id;
    }
    p->at.carry = id;
    p->at.carry_doc = doc;
    p->at.carry_pos = ps;
    return CN_OK;
}

void cn_packer_state(const cn_packer *p, cn_pack_state *s) { *s = p->at; }

void cn_pack_state_to_json(const cn_pack_state *s, cJSON *o) {
    cJSON_AddNumberToObject(o, "docs", (double)s->docs);
    cJSON_AddNumberToObject(o, "dpos", (double)s->dpos);
    cJSON_AddNumberToObject(o, "pos", s->pos);
    cJSON_AddNumberToObject(o, "carry", s->carry);
    cJSON_AddNumberToObject(o, "carry_doc", (double)s->carry_doc);
    cJSON_AddNumberToObject(o, "carry_pos", s->carry_pos);
    cJSON_AddNumberToObject(o, "have_carry", s->have_carry);
    cJSON_AddNumberToObject(o, "ended", s->ended);
}

cn_status cn_pack_state_from_json(const cJSON *o, const char *where, cn_pack_state *s) {
    const int64_t big = CN_JSON_INT_MAX;
    int64_t v[8];
    static const char *keys[8] = {"docs", "dpos", "carry_doc", "pos", "carry", "carry_pos", "have_carry", "ended"};
    const int64_t hi[8] = {big, big, big, INT32_MAX, INT32_MAX, INT32_MAX, 1, 1};
    for (int i = 0; i < 8; i++) {
        cn_status st = cn_json_int(o, keys[i], where, 0, hi[i], &v[i]);
        if (st) return st;
    }
    if (v[2] > v[0]) return cn_fail(CN_EFORMAT, "%s: 'carry_doc' %lld is past 'docs' %lld", where, (long long)v[2], (long long)v[0]);
    *s = (cn_pack_state){(uint64_t)v[0], (uint64_t)v[1], (uint64_t)v[2], (int32_t)v[3], (int32_t)v[4], (int32_t)v[5], (int)v[6], (int)v[7]};
    return CN_OK;
}

cn_status cn_packer_restore(cn_packer *p, const cn_pack_state *s) {
    if (p->at.docs) return cn_fail(CN_EINVAL, "restore needs a fresh packer");
    while (p->at.docs < s->docs) {
        cn_status st = next_doc(p);
        if (st == CN_EOF) return cn_fail(CN_EFORMAT, "the data ends before the checkpoint's position (%llu documents)",
                                         (unsigned long long)s->docs);
        if (st) return st;
    }
    if (s->dpos > p->dn) return cn_fail(CN_EFORMAT, "the checkpoint's place in document %llu is beyond it: other data?",
                                        (unsigned long long)s->docs);
    /* the carried token starts the next sample: an id the model has */
    if (s->have_carry && (s->carry < 0 || (p->o.vocab_size && (uint32_t)s->carry >= p->o.vocab_size)))
        return cn_fail(CN_EFORMAT, "the checkpoint's carried token %d is not in the vocabulary: other data?", (int)s->carry);
    p->at = *s;
    return CN_OK;
}
