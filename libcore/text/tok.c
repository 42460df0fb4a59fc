/* tok: tokenizer.json loading, the encode pipeline (added tokens, normalizer,
 * pre-tokenizer, model, post-processor) and decoding, as Hugging Face
 * tokenizers runs them. */
#include "tok.h"

#include <cjson/cJSON.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crc.h"
#include "io.h"
#include "jsonl.h"
#include "tok_impl.h"
#include "utf8.h"

uint32_t cn_tok_vocab_size(const cn_tok *t) { return t->size; }
const uint8_t *cn_tok_sha256(const cn_tok *t) { return t->sha256; }

int64_t cn_tok_id(const cn_tok *t, const char *token, size_t n) { return tok_id(t, token, n); }

const char *cn_tok_token(const cn_tok *t, uint32_t id) { return id < t->size ? t->str[id] : NULL; }

void cn_tok_free(cn_tok *t) {
    if (!t) return;
    for (uint32_t i = 0; t->str && i < t->size; i++) free(t->str[i]);
    free(t->str);
    free(t->len);
    tok_map_free(&t->map);
    tok_merges_free(&t->bpe.merges);
    for (size_t i = 0; i < t->nadded; i++) {
        free(t->added[i].content);
        free(t->added[i].norm);
    }
    free(t->added);
    for (int w = 0; w < 2; w++)
        for (int f = 0; f < 256; f++) free(t->by_first[w][f]);
    for (size_t i = 0; i < t->nnorm; i++) free(t->norm[i].a), free(t->norm[i].b);
    free(t->norm);
    for (size_t i = 0; i < t->npre; i++) tok_pre_free(&t->pre[i]);
    free(t->pre);
    for (size_t i = 0; i < t->ndec; i++) free(t->dec[i].a), free(t->dec[i].b);
    free(t->dec);
    for (size_t i = 0; i < t->ntpl; i++) free(t->tpl[i].ids);
    free(t->tpl);
    free(t->is_special);
    cn_tok_state_free(t->state);
    free(t->name);
    free(t);
}

/* ---- loading ---- */

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

static const char *type_of(const cJSON *o) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "type");
    return cJSON_IsString(t) ? t->valuestring : "?";
}

static cn_status unsupported(const cn_tok *t, const char *what, const char *type) {
    return cn_fail(CN_EFORMAT, "%s: %s type '%s' is not supported", t->name, what, type);
}

static const char *str_field(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* the String pattern of a Replace; a Regex pattern is not supported yet */
static cn_status pattern(const cn_tok *t, const cJSON *o, const char *what, const char **s) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "pattern");
    *s = str_field(p, "String");
    if (!*s) return cn_fail(CN_EFORMAT, "%s: %s Replace with a %s pattern is not supported", t->name, what,
                            cJSON_GetObjectItemCaseSensitive(p, "Regex") ? "Regex" : "missing");
    return CN_OK;
}

static cn_status load_normalizer(cn_tok *t, const cJSON *o) {
    if (!o || cJSON_IsNull(o)) return CN_OK;
    const char *ty = type_of(o);
    if (strcmp(ty, "Sequence") == 0) {
        return tok_each(t, cJSON_GetObjectItemCaseSensitive(o, "normalizers"), load_normalizer);
    }
    tok_norm n = {0};
    if (strcmp(ty, "Prepend") == 0) {
        const char *p = str_field(o, "prepend");
        if (!p) return cn_fail(CN_EFORMAT, "%s: Prepend without 'prepend'", t->name);
        n.type = NORM_PREPEND;
        n.alen = strlen(p);
        n.a = dupn(p, n.alen);
    } else if (strcmp(ty, "Replace") == 0) {
        const char *p, *c = str_field(o, "content");
        cn_status st = pattern(t, o, "normalizer", &p);
        if (st) return st;
        if (!c || !*p) return cn_fail(CN_EFORMAT, "%s: normalizer Replace without content", t->name);
        n.type = NORM_REPLACE;
        n.alen = strlen(p);
        n.blen = strlen(c);
        n.a = dupn(p, n.alen);
        n.b = dupn(c, n.blen);
    } else if (strcmp(ty, "Lowercase") == 0) {
        n.type = NORM_LOWERCASE;
    } else if (strcmp(ty, "StripAccents") == 0) {
        n.type = NORM_STRIP_MARKS;
    } else if (strcmp(ty, "NFC") == 0 || strcmp(ty, "NFD") == 0 || strcmp(ty, "NFKC") == 0 || strcmp(ty, "NFKD") == 0) {
        n.type = ty[2] == 'C' ? NORM_NFC : ty[2] == 'D' ? NORM_NFD : ty[3] == 'C' ? NORM_NFKC : NORM_NFKD;
    } else if (strcmp(ty, "BertNormalizer") == 0) {
        /* as its steps: clean text, Chinese characters, accents (NFD, no Mn), lowercase */
        const cJSON *ct = cJSON_GetObjectItemCaseSensitive(o, "clean_text");
        const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "handle_chinese_chars");
        const cJSON *sa = cJSON_GetObjectItemCaseSensitive(o, "strip_accents");
        const cJSON *lc = cJSON_GetObjectItemCaseSensitive(o, "lowercase");
        int lower = !lc || cJSON_IsTrue(lc);
        int strip = sa && !cJSON_IsNull(sa) ? cJSON_IsTrue(sa) : lower;
        int steps[5], k = 0;
        if (!ct || cJSON_IsTrue(ct)) steps[k++] = NORM_BERT_CLEAN;
        if (!ch || cJSON_IsTrue(ch)) steps[k++] = NORM_BERT_CHINESE;
        if (strip) steps[k++] = NORM_BERT_NFD, steps[k++] = NORM_STRIP_ACCENTS;
        if (lower) steps[k++] = NORM_LOWERCASE;
        for (int i = 0; i < k; i++) {
            tok_norm *v = realloc(t->norm, (t->nnorm + 1) * sizeof *v);
            if (!v) return cn_fail(CN_ENOMEM, "out of memory");
            t->norm = v;
            t->norm[t->nnorm++] = (tok_norm){steps[i], NULL, NULL, 0, 0};
        }
        return CN_OK;
    } else {
        return unsupported(t, "normalizer", ty);
    }
    tok_norm *v = realloc(t->norm, (t->nnorm + 1) * sizeof *v);
    if (!v) return cn_fail(CN_ENOMEM, "out of memory");
    t->norm = v;
    t->norm[t->nnorm++] = n;
    return CN_OK;
}

static cn_status load_decoder(cn_tok *t, const cJSON *o) {
    if (!o || cJSON_IsNull(o)) return CN_OK;
    const char *ty = type_of(o);
    if (strcmp(ty, "Sequence") == 0) {
        return tok_each(t, cJSON_GetObjectItemCaseSensitive(o, "decoders"), load_decoder);
    }
    tok_dec d = {0};
    if (strcmp(ty, "Replace") == 0) {
        const char *p, *c = str_field(o, "content");
        cn_status st = pattern(t, o, "decoder", &p);
        if (st) return st;
        if (!c || !*p) return cn_fail(CN_EFORMAT, "%s: decoder Replace without content", t->name);
        d.type = DEC_REPLACE;
        d.alen = strlen(p);
        d.blen = strlen(c);
        d.a = dupn(p, d.alen);
        d.b = dupn(c, d.blen);
    } else if (strcmp(ty, "ByteFallback") == 0) {
        d.type = DEC_BYTEFALLBACK;
    } else if (strcmp(ty, "Fuse") == 0) {
        d.type = DEC_FUSE;
    } else if (strcmp(ty, "Strip") == 0) {
        const char *c = str_field(o, "content");
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "start"), *b = cJSON_GetObjectItemCaseSensitive(o, "stop");
        if (!c || !*c || !cJSON_IsNumber(a) || !cJSON_IsNumber(b)) return cn_fail(CN_EFORMAT, "%s: bad Strip decoder", t->name);
        d.type = DEC_STRIP;
        d.alen = strlen(c);
        d.a = dupn(c, d.alen);
        d.start = a->valueint;
        d.stop = b->valueint;
    } else if (strcmp(ty, "ByteLevel") == 0) {
        d.type = DEC_BYTELEVEL;
    } else if (strcmp(ty, "WordPiece") == 0) {
        const char *p = str_field(o, "prefix");
        if (!p) p = "##";
        d.type = DEC_WORDPIECE;
        d.alen = strlen(p);
        d.a = dupn(p, d.alen);
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "cleanup");
        d.start = !c || cJSON_IsTrue(c); /* cleanup */
    } else if (strcmp(ty, "Metaspace") == 0) {
        char rep[8];
        size_t n;
        int scheme;
        cn_status st = tok_metaspace(t, o, rep, &n, &scheme);
        if (st) return st;
        d.type = DEC_METASPACE;
        d.a = dupn(rep, n);
        d.alen = n;
        d.prepend = scheme != PREPEND_NEVER;
    } else {
        return unsupported(t, "decoder", ty);
    }
    tok_dec *v = realloc(t->dec, (t->ndec + 1) * sizeof *v);
    if (!v) return cn_fail(CN_ENOMEM, "out of memory");
    t->dec = v;
    t->dec[t->ndec++] = d;
    return CN_OK;
}

static cn_status load_post(cn_tok *t, const cJSON *o) {
    if (!o || cJSON_IsNull(o)) return CN_OK;
    const char *ty = type_of(o);
    if (strcmp(ty, "Sequence") == 0) {
        return tok_each(t, cJSON_GetObjectItemCaseSensitive(o, "processors"), load_post);
    }
    if (strcmp(ty, "ByteLevel") == 0) return CN_OK; /* it changes offsets only, never ids */
    if (strcmp(ty, "BertProcessing") == 0 || strcmp(ty, "RobertaProcessing") == 0) {
        /* [cls] A [sep], from "cls": [token, id] and "sep": [token, id] */
        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(o, "cls"), *sep = cJSON_GetObjectItemCaseSensitive(o, "sep");
        const cJSON *ci = cJSON_GetArrayItem(cls, 1), *si = cJSON_GetArrayItem(sep, 1);
        if (!cJSON_IsNumber(ci) || !cJSON_IsNumber(si) || ci->valuedouble < 0 || si->valuedouble < 0 ||
            ci->valuedouble >= t->size || si->valuedouble >= t->size)
            return cn_fail(CN_EFORMAT, "%s: %s needs cls and sep as [token, id]", t->name, ty);
        if (t->tpl) return cn_fail(CN_EFORMAT, "%s: two template post-processors", t->name);
        t->tpl = calloc(3, sizeof *t->tpl);
        if (!t->tpl) return cn_fail(CN_ENOMEM, "out of memory");
        for (int i = 0; i < 3; i += 2) {
            t->tpl[i].ids = malloc(sizeof(uint32_t));
            if (!t->tpl[i].ids) return cn_fail(CN_ENOMEM, "out of memory");
            t->tpl[i].ids[0] = (uint32_t)(i ? si : ci)->valuedouble;
            t->tpl[i].n = 1;
        }
        t->tpl[1].is_seq = 1;
        t->ntpl = 3;
        return CN_OK;
    }
    if (strcmp(ty, "TemplateProcessing") != 0) return unsupported(t, "post_processor", ty);
    if (t->tpl) return cn_fail(CN_EFORMAT, "%s: two TemplateProcessing post-processors", t->name);
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(o, "single");
    const cJSON *specials = cJSON_GetObjectItemCaseSensitive(o, "special_tokens");
    int n = cJSON_GetArraySize(single);
    t->tpl = calloc((size_t)(n ? n : 1), sizeof *t->tpl);
    if (!t->tpl) return cn_fail(CN_ENOMEM, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, single) {
        tok_tpl *it = &t->tpl[t->ntpl++];
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(e, "SpecialToken");
        const cJSON *sq = cJSON_GetObjectItemCaseSensitive(e, "Sequence");
        if (sq) {
            it->is_seq = 1;
            continue;
        }
        const char *name = str_field(sp, "id");
        const cJSON *def = name ? cJSON_GetObjectItemCaseSensitive(specials, name) : NULL;
        const cJSON *ids = cJSON_GetObjectItemCaseSensitive(def, "ids");
        if (!cJSON_IsArray(ids)) return cn_fail(CN_EFORMAT, "%s: TemplateProcessing special token '%s' undefined", t->name, name ? name : "?");
        it->n = (size_t)cJSON_GetArraySize(ids);
        it->ids = malloc((it->n ? it->n : 1) * sizeof *it->ids);
        if (!it->ids) return cn_fail(CN_ENOMEM, "out of memory");
        size_t k = 0;
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) {
            if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble >= t->size)
                return cn_fail(CN_EFORMAT, "%s: TemplateProcessing id out of range", t->name);
            it->ids[k++] = (uint32_t)id->valuedouble;
        }
    }
    return CN_OK;
}

/* The vocabulary strings, the model's then the added tokens'. The added
 * tokens' ids are the ones Hugging Face gives them, whatever ids the file
 * says (AddedVocabulary::add_tokens): a content already added keeps its id, a
 * content in the model's vocabulary takes that id, any other the next id
 * after the added ones, or the model vocabulary's size (its number of
 * entries) when every added id so far is below it. The ids are written back
 * into the parsed JSON for load_added. */
static cn_status load_vocab(cn_tok *t, const cJSON *vocab, cJSON *added) {
    int64_t max = -1;
    uint32_t count = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, vocab) {
        if (!cJSON_IsNumber(e) || e->valuedouble < 0 || e->valuedouble > 0x7FFFFFFF)
            return cn_fail(CN_EFORMAT, "%s: model vocab: bad id for '%s'", t->name, e->string);
        if ((int64_t)e->valuedouble > max) max = (int64_t)e->valuedouble;
        count++;
    }
    t->model_size = (uint32_t)(max + 1);
    uint32_t nadded = 0;
    cJSON_ArrayForEach(e, added) {
        if (!str_field(e, "content")) return cn_fail(CN_EFORMAT, "%s: added_tokens: bad entry", t->name);
        nadded++;
    }
    /* the ids can only reach this far */
    uint64_t cap = (uint64_t)(t->model_size > count ? t->model_size : count) + nadded + 1;
    if (cap > (1u << 24)) return cn_fail(CN_EFORMAT, "%s: ids up to %llu: vocabularies beyond 16M ids are not supported", t->name,
                                          (unsigned long long)cap - 1);
    t->str = calloc(cap, sizeof *t->str);
    t->len = calloc(cap, sizeof *t->len);
    t->is_special = calloc(cap, 1);
    if (!t->str || !t->len || !t->is_special) return cn_fail(CN_ENOMEM, "out of memory");
    t->size = (uint32_t)cap; /* for freeing until the real size is known */
    cJSON_ArrayForEach(e, vocab) {
        uint32_t id = (uint32_t)e->valuedouble;
        if (t->str[id]) return cn_fail(CN_EFORMAT, "%s: model vocab: id %u used twice", t->name, id);
        t->len[id] = (uint32_t)strlen(e->string);
        if (!(t->str[id] = dupn(e->string, t->len[id]))) return cn_fail(CN_ENOMEM, "out of memory");
    }
    cn_status st = tok_map_init(&t->map, cap);
    if (st) return st;
    for (uint32_t i = 0; i < t->model_size; i++)
        if (t->len[i]) tok_map_put(&t->map, t->str, t->len, i);
    int64_t top = -1; /* the largest added id so far */
    max = (int64_t)t->model_size - 1;
    cJSON *a;
    cJSON_ArrayForEach(a, added) {
        const char *c = str_field(a, "content");
        size_t cl = strlen(c);
        int64_t id = cl ? cn_tok_id(t, c, cl) : -1;
        if (cl && id < 0) {
            id = top < 0 ? count : (top >= (int64_t)count || count == 0) ? top + 1 : count;
            /* a model vocabulary with holes in its ids can hand HF an id the
             * model already uses; the model's string stays that id's */
            if (!t->str[id]) {
                t->len[id] = (uint32_t)cl;
                if (!(t->str[id] = dupn(c, cl))) return cn_fail(CN_ENOMEM, "out of memory");
                tok_map_put(&t->map, t->str, t->len, (uint32_t)id);
            }
        }
        if (id > top) top = id;
        if (id > max) max = id;
        cJSON *idv = cJSON_GetObjectItemCaseSensitive(a, "id");
        if (idv) cJSON_SetNumberValue(idv, (double)id); /* -1: an empty content, which HF ignores */
        else if (!cJSON_AddNumberToObject(a, "id", (double)id)) return cn_fail(CN_ENOMEM, "out of memory");
    }
    t->size = (uint32_t)(max + 1);
    for (uint32_t i = 0; i < t->size; i++)
        if (!t->str[i] && !(t->str[i] = dupn("", 0))) return cn_fail(CN_ENOMEM, "out of memory");
    return CN_OK;
}

/* a model-vocabulary id, or -1 */
static int64_t model_id(const cn_tok *t, const char *s, size_t n) {
    int64_t id = cn_tok_id(t, s, n);
    return id >= 0 && (uint64_t)id < t->model_size ? id : -1;
}

static cn_status load_bpe(cn_tok *t, const cJSON *m) {
    tok_bpe *b = &t->bpe;
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(m, "dropout");
    if (drop && !cJSON_IsNull(drop) && !(cJSON_IsNumber(drop) && drop->valuedouble == 0))
        return cn_fail(CN_EFORMAT, "%s: BPE dropout is not supported (ids would be random)", t->name);
    b->byte_fallback = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "byte_fallback"));
    b->fuse_unk = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "fuse_unk"));
    b->ignore_merges = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "ignore_merges"));
    const char *unk = str_field(m, "unk_token");
    if (unk) {
        int64_t id = model_id(t, unk, strlen(unk));
        if (id < 0) return cn_fail(CN_EFORMAT, "%s: unk_token '%s' is not in the vocabulary", t->name, unk);
        b->has_unk = 1;
        b->unk_id = (uint32_t)id;
    }
    const char *pre = str_field(m, "continuing_subword_prefix"), *suf = str_field(m, "end_of_word_suffix");
    if ((pre && strlen(pre) >= sizeof b->prefix - 4) || (suf && strlen(suf) >= sizeof b->suffix - 4))
        return cn_fail(CN_EFORMAT, "%s: BPE prefix or suffix too long", t->name);
    if (pre) b->prefix_len = strlen(pre), memcpy(b->prefix, pre, b->prefix_len);
    if (suf) b->suffix_len = strlen(suf), memcpy(b->suffix, suf, b->suffix_len);
    for (int c = 0; c < 256; c++) {
        char name[8];
        snprintf(name, sizeof name, "<0x%02X>", c);
        b->byte_id[c] = (int32_t)model_id(t, name, 6);
    }
    /* may words be merged in parts split before the space marker? */
    b->split_marker = !b->ignore_merges && !b->prefix_len && !b->suffix_len && model_id(t, "\xE2\x96\x81", 3) >= 0;
    for (uint32_t i = 0; b->split_marker && i < t->model_size; i++) {
        const char *tk = t->str[i];
        for (uint32_t k = 1; k + 3 <= t->len[i]; k++)
            if ((uint8_t)tk[k] == 0xE2 && (uint8_t)tk[k + 1] == 0x96 && (uint8_t)tk[k + 2] == 0x81 &&
                !(k >= 3 && (uint8_t)tk[k - 3] == 0xE2 && (uint8_t)tk[k - 2] == 0x96 && (uint8_t)tk[k - 1] == 0x81)) {
                b->split_marker = 0;
                break;
            }
    }
    const cJSON *merges = cJSON_GetObjectItemCaseSensitive(m, "merges");
    int nm = cJSON_GetArraySize(merges);
    cn_status st = tok_merges_init(&b->merges, (size_t)nm);
    if (st) return st;
    char *joined = NULL;
    size_t jcap = 0;
    uint32_t rank = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, merges) {
        const char *l, *r;
        size_t ln, rn;
        if (cJSON_IsString(e)) {
            /* "a b": exactly two parts, as HF requires */
            const char *sp = strchr(e->valuestring, ' ');
            if (!sp || strchr(sp + 1, ' ')) {
                free(joined);
                return cn_fail(CN_EFORMAT, "%s: merge %u '%s' is not two tokens", t->name, rank, e->valuestring);
            }
            l = e->valuestring, ln = (size_t)(sp - l), r = sp + 1, rn = strlen(r);
        } else if (cJSON_IsArray(e) && cJSON_GetArraySize(e) == 2 && cJSON_IsString(e->child) &&
                   cJSON_IsString(e->child->next)) {
            l = e->child->valuestring, ln = strlen(l), r = e->child->next->valuestring, rn = strlen(r);
        } else {
            free(joined);
            return cn_fail(CN_EFORMAT, "%s: merge %u is neither \"a b\" nor [a, b]", t->name, rank);
        }
        int64_t a = model_id(t, l, ln), bb = model_id(t, r, rn);
        /* the merged token: the right part loses its continuing prefix */
        const char *r2 = r;
        size_t r2n = rn;
        if (b->prefix_len && rn >= b->prefix_len && memcmp(r, b->prefix, b->prefix_len) == 0)
            r2 += b->prefix_len, r2n -= b->prefix_len;
        if (ln + r2n + 1 > jcap) {
            jcap = 2 * (ln + r2n + 1);
            char *j = realloc(joined, jcap);
            if (!j) {
                free(joined);
                return cn_fail(CN_ENOMEM, "out of memory");
            }
            joined = j;
        }
        memcpy(joined, l, ln);
        memcpy(joined + ln, r2, r2n);
        int64_t id = model_id(t, joined, ln + r2n);
        if (a < 0 || bb < 0 || id < 0) {
            free(joined);
            return cn_fail(CN_EFORMAT, "%s: merge %u: a token is not in the vocabulary", t->name, rank);
        }
        tok_merges_put(&b->merges, (uint32_t)a, (uint32_t)bb, rank++, (uint32_t)id);
    }
    free(joined);
    return CN_OK;
}

static cn_status normalize(const cn_tok *t, cn_tok_state *ts, const char *s, size_t n, char **out, size_t *outn, int slot,
                           int no_prepend);
static cn_status index_added(cn_tok *t);

static cn_status load_wordpiece(cn_tok *t, const cJSON *m) {
    tok_bpe *b = &t->bpe;
    b->wordpiece = 1;
    const char *unk = str_field(m, "unk_token");
    int64_t id = unk ? model_id(t, unk, strlen(unk)) : -1;
    if (id < 0) return cn_fail(CN_EFORMAT, "%s: WordPiece unk_token missing from the vocabulary", t->name);
    b->has_unk = 1;
    b->unk_id = (uint32_t)id;
    const char *pre = str_field(m, "continuing_subword_prefix");
    if (!pre) pre = "##";
    if (strlen(pre) >= sizeof b->prefix) return cn_fail(CN_EFORMAT, "%s: WordPiece prefix too long", t->name);
    b->prefix_len = strlen(pre);
    memcpy(b->prefix, pre, b->prefix_len);
    /* a usize to HF: a whole number (one past 2^53 is no limit in practice) */
    b->max_chars = 100;
    if (cJSON_GetObjectItemCaseSensitive(m, "max_input_chars_per_word")) {
        int64_t mx;
        size_t n = strlen(t->name) + 8;
        char *where = malloc(n);
        if (!where) return cn_fail(CN_ENOMEM, "out of memory");
        snprintf(where, n, "%s: model", t->name);
        cn_status st = cn_json_int(m, "max_input_chars_per_word", where, 0, CN_JSON_INT_MAX, &mx);
        free(where);
        if (st) return st;
        b->max_chars = (size_t)mx;
    }
    return tok_merges_init(&b->merges, 0);
}

static cn_status load_added(cn_tok *t, const cJSON *added) {
    int n = cJSON_GetArraySize(added);
    t->added = calloc((size_t)(n ? n : 1), sizeof *t->added);
    if (!t->added) return cn_fail(CN_ENOMEM, "out of memory");
    const cJSON *e;
    cJSON_ArrayForEach(e, added) {
        double idv = cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble; /* as load_vocab assigned it */
        if (idv < 0) continue;                                                 /* empty content */
        const char *c = str_field(e, "content");
        tok_added *a = &t->added[t->nadded];
        /* the same content twice is one token; the later flags win, as in HF */
        for (size_t i = 0; i < t->nadded; i++)
            if (t->added[i].id == (uint32_t)idv && strcmp(t->added[i].content, c) == 0) {
                a = &t->added[i];
                free(a->content);
                free(a->norm);
                memset(a, 0, sizeof *a);
                t->nadded--;
                break;
            }
        t->nadded++;
        a->len = (uint32_t)strlen(c);
        a->content = dupn(c, a->len);
        if (!a->content) return cn_fail(CN_ENOMEM, "out of memory");
        a->id = (uint32_t)idv;
        a->special = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "special"));
        const cJSON *nz = cJSON_GetObjectItemCaseSensitive(e, "normalized");
        a->normalized = nz ? cJSON_IsTrue(nz) : 1; /* HF's default */
        a->lstrip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "lstrip"));
        a->rstrip = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "rstrip"));
        a->single_word = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "single_word"));
        if (a->special) t->is_special[a->id] = 1;
        if (a->normalized) {
            char *o;
            size_t on;
            cn_tok_state *ts = cn_tok_state_new(t);
            if (!ts) return CN_ENOMEM;
            cn_status st = normalize(t, ts, a->content, a->len, &o, &on, 0, 0);
            if (st) {
                cn_tok_state_free(ts);
                return st;
            }
            a->norm = dupn(o, on);
            cn_tok_state_free(ts);
            if (!a->norm) return cn_fail(CN_ENOMEM, "out of memory");
            a->norm_len = (uint32_t)on;
        }
    }
    return CN_OK;
}

cn_tok *cn_tok_parse(const char *json, size_t n, const char *name) {
    /* every string of it (tokens, patterns) must be UTF-8: the regex engine
     * and the splitting rely on it */
    size_t bad = cn_utf8_check(json, n);
    if (bad != n) return cn_fail(CN_EUTF8, "%s: invalid UTF-8 at byte %zu", name, bad + 1), NULL;
    cn_tok *t = calloc(1, sizeof *t);
    if (!t || !(t->name = dupn(name, strlen(name)))) {
        free(t);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    cn_sha256 h;
    cn_sha256_init(&h);
    cn_sha256_update(&h, json, n);
    cn_sha256_final(&h, t->sha256);
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, n, &end, 0);
    cn_status st = CN_OK;
    if (!root || !cJSON_IsObject(root)) {
        st = cn_fail(CN_EFORMAT, "%s: not a JSON object (error near byte %zu)", name, end ? (size_t)(end - json) : 0);
        goto out;
    }
    const char *keys[] = {"truncation", "padding"};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (v && !cJSON_IsNull(v)) {
            st = cn_fail(CN_EFORMAT, "%s: %s is not supported (it changes the ids); set it to null", name, keys[i]);
            goto out;
        }
    }
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!cJSON_IsObject(model)) {
        st = cn_fail(CN_EFORMAT, "%s: no model", name);
        goto out;
    }
    const char *mt = type_of(model);
    if (strcmp(mt, "BPE") != 0 && strcmp(mt, "WordPiece") != 0) {
        st = unsupported(t, "model", mt);
        goto out;
    }
    if ((st = load_vocab(t, cJSON_GetObjectItemCaseSensitive(model, "vocab"), added)) ||
        (st = strcmp(mt, "BPE") == 0 ? load_bpe(t, model) : load_wordpiece(t, model)) || (st = load_normalizer(t, cJSON_GetObjectItemCaseSensitive(root, "normalizer"))) ||
        (st = load_added(t, added)) || (st = index_added(t)) || (st = tok_pre_load(t, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"))) ||
        (st = load_post(t, cJSON_GetObjectItemCaseSensitive(root, "post_processor"))) ||
        (st = load_decoder(t, cJSON_GetObjectItemCaseSensitive(root, "decoder"))))
        goto out;
out:
    cJSON_Delete(root);
    if (st) {
        cn_tok_free(t);
        return NULL;
    }
    return t;
}

cn_tok *cn_tok_load(const char *path) {
    size_t n;
    char *buf = cn_read_all(path, &n);
    if (!buf) return NULL;
    cn_tok *t = cn_tok_parse(buf, n, path);
    free(buf);
    return t;
}

/* ---- encoding ---- */

cn_tok_state *cn_tok_state_new(const cn_tok *t) {
    cn_tok_state *s = calloc(1, sizeof *s);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    s->nlvl = t->npre;
    s->lbuf = calloc(t->npre + 1, sizeof *s->lbuf);
    s->lcap = calloc(t->npre + 1, sizeof *s->lcap);
    s->md = calloc(t->npre + 1, sizeof *s->md);
    if (!s->lbuf || !s->lcap || !s->md) {
        cn_tok_state_free(s);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    for (size_t k = 0; k < t->npre; k++)
        if (t->pre[k].re && !(s->md[k] = tok_pre_match_data(&t->pre[k]))) {
            cn_tok_state_free(s);
            return cn_fail(CN_ENOMEM, "out of memory"), NULL;
        }
    return s;
}

void cn_tok_state_free(cn_tok_state *s) {
    if (!s) return;
    tok_work_free(&s->work);
    for (int i = 0; i < 3; i++) free(s->buf[i]);
    for (size_t k = 0; k < s->nlvl; k++) {
        if (s->lbuf) free(s->lbuf[k]);
        if (s->md) tok_pre_match_data_free(s->md[k]);
    }
    free(s->lbuf);
    free(s->lcap);
    free(s->md);
    free(s);
}


/* scratch buffer `slot` of at least n bytes */
static char *scratch(cn_tok_state *st, int slot, size_t n) { return tok_grow(&st->buf[slot], &st->bufcap[slot], n); }

/* replaces every `a` in s by `b` into dst (which holds enough) */
static size_t replace_all(char *dst, const char *s, size_t n, const char *a, size_t alen, const char *b, size_t blen) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (i + alen <= n && memcmp(s + i, a, alen) == 0) {
            memcpy(dst + o, b, blen);
            o += blen;
            i += alen;
        } else {
            dst[o++] = s[i++];
        }
    }
    return o;
}

/* runs the normalizer on s into scratch `slot` (and slot + 1 as a second);
 * no_prepend: without its Prepend steps (text that continues other text) */
static cn_status normalize(const cn_tok *t, cn_tok_state *ts, const char *s, size_t n, char **out, size_t *outn, int slot,
                           int no_prepend) {
    const char *cur = s;
    size_t cn = n;
    int which = slot;
    for (size_t k = 0; k < t->nnorm; k++) {
        tok_norm *z = &t->norm[k];
        int uni = z->type != NORM_PREPEND && z->type != NORM_REPLACE;
        size_t need = uni ? 24 * cn + 64
                    : z->type == NORM_PREPEND ? cn + z->alen : cn * (z->blen > z->alen ? z->blen / z->alen + 1 : 1) + 1;
        if (z->type == NORM_PREPEND && (cn == 0 || no_prepend)) continue; /* nothing to prepend to, or continued text */
        char *dst = scratch(ts, which, need + 1);
        if (!dst) return cn_fail(CN_ENOMEM, "out of memory");
        if (uni) {
            cn_status st = tok_norm_unicode(z, dst, cur, cn, &cn);
            if (st) return st;
        } else if (z->type == NORM_PREPEND) {
            memmove(dst + z->alen, cur, cn);
            memcpy(dst, z->a, z->alen);
            cn += z->alen;
        } else {
            cn = replace_all(dst, cur, cn, z->a, z->alen, z->b, z->blen);
        }
        cur = dst;
        which = which == slot ? slot + 1 : slot;
    }
    *out = (char *)cur;
    *outn = cn;
    return CN_OK;
}

/* pre-tokenizes a normalized piece (at_start: it begins the original text)
 * and runs the model on each word */
static cn_status words(const cn_tok *t, cn_tok_state *ts, const char *s, size_t n, int at_start, cn_ids *out) {
    return tok_pre_run(t, ts, 0, s, n, at_start, out);
}

/* the earliest, then longest, added token at or after `from` in s among those
 * with normalized == norm (leftmost-longest, as HF's Aho-Corasick); returns
 * its index or -1 */
static long find_added(const cn_tok *t, const char *s, size_t n, size_t from, int norm, int literal, size_t *at) {
    for (size_t i = from; i < n; i++) {
        uint8_t c0 = (uint8_t)s[i];
        const uint32_t *cand = t->by_first[norm][c0];
        for (uint32_t j = 0; j < t->nfirst[norm][c0]; j++) {
            const tok_added *a = &t->added[cand[j]];
            if (literal && a->special) continue;
            const char *c = norm ? a->norm : a->content;
            size_t cl = norm ? a->norm_len : a->len;
            if (i + cl <= n && memcmp(s + i, c, cl) == 0) {
                *at = i;
                return (long)cand[j];
            }
        }
    }
    return -1;
}

static int longer_first(const void *x, const void *y, void *ctx) {
    const cn_tok *t = ctx;
    const tok_added *a = &t->added[*(const uint32_t *)x], *b = &t->added[*(const uint32_t *)y];
    size_t la = a->normalized ? a->norm_len : a->len, lb = b->normalized ? b->norm_len : b->len;
    return la != lb ? (la < lb ? 1 : -1) : (*(const uint32_t *)x > *(const uint32_t *)y) - (*(const uint32_t *)x < *(const uint32_t *)y);
}

/* the first-byte index of the added tokens */
static cn_status index_added(cn_tok *t) {
    for (size_t k = 0; k < t->nadded; k++) {
        const tok_added *a = &t->added[k];
        const char *c = a->normalized ? a->norm : a->content;
        size_t cl = a->normalized ? a->norm_len : a->len;
        if (!cl) continue;
        int w = a->normalized;
        uint8_t f = (uint8_t)c[0];
        uint32_t *v = realloc(t->by_first[w][f], (t->nfirst[w][f] + 1) * sizeof *v);
        if (!v) return cn_fail(CN_ENOMEM, "out of memory");
        v[t->nfirst[w][f]++] = (uint32_t)k;
        t->by_first[w][f] = v;
    }
    for (int w = 0; w < 2; w++)
        for (int f = 0; f < 256; f++)
            if (t->nfirst[w][f] > 1) qsort_r(t->by_first[w][f], t->nfirst[w][f], sizeof(uint32_t), longer_first, t);
    return CN_OK;
}

/* Rust's char::is_whitespace (Unicode White_Space) for one UTF-8 char at s */
static int white_at(const char *s, size_t n, size_t *len) {
    const unsigned char *u = (const unsigned char *)s;
    *len = 1;
    if (u[0] == ' ' || (u[0] >= 9 && u[0] <= 13)) return 1;
    if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0)) return *len = 2, 1;
    if (n >= 3 && u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) return *len = 3, 1;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
        return *len = 3, 1;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) return *len = 3, 1;
    if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return *len = 3, 1;
    return 0;
}

/* The next added token in s[floor..n) as HF's AddedVocabulary::find_matches
 * takes it: leftmost-longest (on the normalized contents when norm); a
 * single_word token only where no word character touches it (a rejected match
 * still consumes its bytes); lstrip and rstrip widen the match over
 * whitespace, lstrip not before floor (the end of the previous match).
 * Returns the token's index and its span [*start, *stop), or -1. */
static long next_added(const cn_tok *t, const char *s, size_t n, size_t floor, int norm, int literal, size_t *start,
                       size_t *stop) {
    size_t from = floor, at, wl;
    long k;
    while ((k = find_added(t, s, n, from, norm, literal, &at)) >= 0) {
        const tok_added *a = &t->added[k];
        size_t b = at, e = at + (norm ? a->norm_len : a->len);
        if (a->single_word && (tok_word_before(s, b) || tok_word_at(s + e, n - e))) {
            from = e;
            continue;
        }
        if (a->lstrip) {
            /* HF counts the whitespace characters and steps back that many bytes */
            size_t chars = 0, i = b;
            while (i > floor) {
                size_t j = i - 1;
                while (j > floor && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
                if (!white_at(s + j, i - j, &wl)) break;
                chars++;
                i = j;
            }
            b = b - chars > floor ? b - chars : floor;
        }
        if (a->rstrip)
            while (e < n && white_at(s + e, n - e, &wl)) e += wl;
        *start = b;
        *stop = e;
        return k;
    }
    return -1;
}

/* splits a normalized piece on normalized added tokens */
static cn_status normalized_piece(const cn_tok *t, cn_tok_state *ts, const char *s, size_t n, int at_start, int literal,
                                  cn_ids *out) {
    size_t pos = 0, b, e;
    long k;
    while ((k = next_added(t, s, n, pos, 1, literal, &b, &e)) >= 0) {
        if (b > pos) {
            cn_status st = words(t, ts, s + pos, b - pos, TOK_AT(at_start, pos == 0), out);
            if (st) return st;
        }
        cn_status st = cn_ids_push(out, t->added[k].id);
        if (st) return st;
        pos = e;
    }
    return pos < n ? words(t, ts, s + pos, n - pos, TOK_AT(at_start, pos == 0), out) : CN_OK;
}

/* a piece of raw text between added tokens, at byte orig of the text:
 * normalize, then the rest (cont: the text continues earlier text) */
static cn_status raw_piece(const cn_tok *t, cn_tok_state *ts, const char *s, size_t n, size_t orig, int cont, int literal,
                           cn_ids *out) {
    char *norm;
    size_t nn;
    int continued = cont && orig == 0;
    cn_status st = normalize(t, ts, s, n, &norm, &nn, 0, continued);
    if (st) return st;
    /* the normalized text lives in scratch 0 or 1 */
    return normalized_piece(t, ts, norm, nn, continued ? TOK_CONTINUED : orig == 0, literal, out);
}

cn_status cn_tok_encode(cn_tok *t, const char *text, size_t n, int flags, cn_ids *out) {
    if (!t->state && !(t->state = cn_tok_state_new(t))) return CN_ENOMEM;
    return cn_tok_encode_state(t, t->state, text, n, flags, out);
}

cn_status cn_tok_encode_state(const cn_tok *t, cn_tok_state *ts, const char *text, size_t n, int flags, cn_ids *out) {
    size_t bad = cn_utf8_check(text, n);
    if (bad != n) return cn_fail(CN_EUTF8, "invalid UTF-8 at byte %zu", bad + 1);
    int literal = (flags & CN_TOK_LITERAL_SPECIAL) != 0, cont = (flags & CN_TOK_CONTINUE) != 0;
    cn_ids seq = {0};
    cn_status st = CN_OK;
    /* raw-text added tokens (normalized == false) first */
    size_t pos = 0, start, stop;
    long k;
    while (!st && (k = next_added(t, text, n, pos, 0, literal, &start, &stop)) >= 0) {
        if (start > pos) st = raw_piece(t, ts, text + pos, start - pos, pos, cont, literal, &seq);
        if (!st) st = cn_ids_push(&seq, t->added[k].id);
        pos = stop;
    }
    if (!st && (pos < n || n == 0)) st = raw_piece(t, ts, text + pos, n - pos, pos, cont, literal, &seq);
    /* the post-processor's template */
    if (!st && (flags & CN_TOK_ADD_SPECIAL) && t->ntpl) {
        for (size_t i = 0; !st && i < t->ntpl; i++) {
            if (t->tpl[i].is_seq)
                for (size_t j = 0; !st && j < seq.n; j++) st = cn_ids_push(out, seq.v[j]);
            else
                for (size_t j = 0; !st && j < t->tpl[i].n; j++) st = cn_ids_push(out, t->tpl[i].ids[j]);
        }
    } else {
        for (size_t j = 0; !st && j < seq.n; j++) st = cn_ids_push(out, seq.v[j]);
    }
    cn_ids_free(&seq);
    return st;
}

/* qsort_r order: longer texts first, then by index (a total order) */
static int longer_text(const void *a, const void *b, void *lens) {
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const size_t *l = lens;
    if (l[i] != l[j]) return l[i] > l[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

cn_status cn_tok_pretokenize(const cn_tok *t, cn_tok_state *s, const char *text, size_t n, int flags, cn_tok_word_fn fn,
                             void *arg) {
    cn_ids sink = {0};
    s->word_fn = fn;
    s->word_arg = arg;
    cn_status st = cn_tok_encode_state(t, s, text, n, flags & ~CN_TOK_ADD_SPECIAL, &sink);
    s->word_fn = NULL;
    cn_ids_free(&sink);
    return st;
}

cn_status cn_tok_encode_model(cn_tok *t, const char *word, size_t n, cn_ids *out) {
    if (!t->state && !(t->state = cn_tok_state_new(t))) return CN_ENOMEM;
    if (n == 0) return CN_OK;
    return t->bpe.wordpiece ? tok_wordpiece_word(t, word, n, out) : tok_bpe_word(t, &t->state->work, word, n, out);
}

cn_status cn_tok_template(cn_tok *t, int64_t *bos, int64_t *eos) {
    cn_ids a = {0}, b = {0};
    cn_status st = cn_tok_encode(t, "a", 1, CN_TOK_ADD_SPECIAL, &a);
    if (!st) st = cn_tok_encode(t, "a", 1, 0, &b);
    if (!st) {
        size_t pre = 0; /* where the text's own ids start within the templated ones */
        while (pre + b.n <= a.n && (b.n && memcmp(a.v + pre, b.v, b.n * sizeof *b.v) != 0)) pre++;
        if (pre + b.n > a.n) pre = 0;
        *bos = pre > 0 ? (int64_t)a.v[pre - 1] : -1;
        *eos = a.n > pre + b.n ? (int64_t)a.v[a.n - 1] : -1;
    }
    cn_ids_free(&a), cn_ids_free(&b);
    return st;
}

cn_status cn_tok_encode_batch(const cn_tok *t, cn_tok_state **states, int threads, const char *const *texts,
                              const size_t *lens, size_t n, int flags, cn_ids *out, size_t *failed) {
    for (int k = 0; k < threads; k++)
        if (!states[k] && !(states[k] = cn_tok_state_new(t))) return CN_ENOMEM;
    cn_status first = CN_OK;
    size_t bad = n;
    char msg[512] = "";
    /* longest texts first, so that the threads finish together (the batch
     * ends when its last text does) */
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) order[i] = i;
    qsort_r(order, n, sizeof *order, longer_text, (void *)lens);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        int k = 0;
#ifdef _OPENMP
        k = omp_get_thread_num();
#endif
        out[i].n = 0;
        cn_status st = cn_tok_encode_state(t, states[k], texts[i], lens[i], flags, &out[i]);
        if (st) {
#pragma omp critical(cn_tok_batch)
            if (i < bad) {
                bad = i;
                first = st;
                snprintf(msg, sizeof msg, "%s", cn_errmsg());
            }
        }
    }
    free(order);
    if (first) {
        *failed = bad;
        return cn_fail(first, "%s", msg);
    }
    return CN_OK;
}

/* ---- decoding ---- */

typedef struct {
    char **s;
    size_t *n, count;
} strs;

static cn_status set_str(strs *v, size_t i, const char *s, size_t n) {
    char *d = dupn(s, n);
    if (!d) return cn_fail(CN_ENOMEM, "out of memory");
    free(v->s[i]);
    v->s[i] = d;
    v->n[i] = n;
    return CN_OK;
}

static int byte_token(const char *s, size_t n, unsigned *b);

int cn_tok_is_byte(const cn_tok *t, uint32_t id) {
    unsigned b;
    return id < t->size && byte_token(t->str[id], t->len[id], &b);
}

static int byte_token(const char *s, size_t n, unsigned *b) {
    if (n != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return 0;
    unsigned v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 999);
    }
    if (v > 255) return 0;
    *b = v;
    return 1;
}

static cn_status run_decoder(const tok_dec *d, strs *v) {
    cn_status st = CN_OK;
    if (d->type == DEC_REPLACE || d->type == DEC_METASPACE) {
        for (size_t i = 0; !st && i < v->count; i++) {
            const char *a = d->a, *b = d->type == DEC_REPLACE ? d->b : " ";
            size_t alen = d->alen, blen = d->type == DEC_REPLACE ? d->blen : 1;
            char *tmp = malloc(v->n[i] * (blen > alen ? blen : 1) + 1);
            if (!tmp) return cn_fail(CN_ENOMEM, "out of memory");
            /* HF's Metaspace decoder drops every marker of the first token
             * (not only its leading one) unless prepend_scheme is never */
            if (d->type == DEC_METASPACE && i == 0 && d->prepend) blen = 0;
            size_t m = replace_all(tmp, v->s[i], v->n[i], a, alen, b, blen);
            st = set_str(v, i, tmp, m);
            free(tmp);
        }
    } else if (d->type == DEC_BYTEFALLBACK) {
        /* runs of <0xXX> become their bytes when those are UTF-8, else one U+FFFD each */
        strs o = {calloc(v->count + 1, sizeof(char *)), calloc(v->count + 1, sizeof(size_t)), 0};
        char *bytes = malloc(v->count + 1);
        if (!o.s || !o.n || !bytes) {
            free(o.s), free(o.n), free(bytes);
            return cn_fail(CN_ENOMEM, "out of memory");
        }
        size_t nb = 0;
        for (size_t i = 0; !st && i <= v->count; i++) {
            unsigned b;
            if (i < v->count && byte_token(v->s[i], v->n[i], &b)) {
                bytes[nb++] = (char)b;
                continue;
            }
            if (nb) {
                if (cn_utf8_check(bytes, nb) == nb) {
                    st = set_str(&o, o.count++, bytes, nb);
                } else {
                    for (size_t j = 0; !st && j < nb; j++) st = set_str(&o, o.count++, "\xEF\xBF\xBD", 3);
                }
                nb = 0;
            }
            if (!st && i < v->count) st = set_str(&o, o.count++, v->s[i], v->n[i]);
        }
        free(bytes);
        for (size_t i = 0; i < v->count; i++) free(v->s[i]);
        free(v->s);
        free(v->n);
        *v = o;
    } else if (d->type == DEC_FUSE) {
        size_t total = 0;
        for (size_t i = 0; i < v->count; i++) total += v->n[i];
        char *all = malloc(total + 1);
        if (!all) return cn_fail(CN_ENOMEM, "out of memory");
        size_t o = 0;
        for (size_t i = 0; i < v->count; i++) {
            memcpy(all + o, v->s[i], v->n[i]);
            o += v->n[i];
            free(v->s[i]);
        }
        v->s[0] = all;
        v->n[0] = total;
        v->count = v->count ? 1 : 0;
        if (!v->count) free(all);
    } else if (d->type == DEC_BYTELEVEL) {
        /* all tokens' characters back to bytes (a token with a character
         * outside the alphabet keeps its own bytes), then lossy UTF-8 */
        size_t total = 0;
        for (size_t i = 0; i < v->count; i++) total += v->n[i];
        char *bytes = malloc(total + 1), *fixed = malloc(3 * total + 1);
        if (!bytes || !fixed) {
            free(bytes), free(fixed);
            return cn_fail(CN_ENOMEM, "out of memory");
        }
        size_t o = 0;
        for (size_t i = 0; i < v->count; i++) {
            size_t start = o, j, len;
            int ok = 1;
            for (j = 0; j < v->n[i]; j += len) {
                int b = tok_bl_byte(v->s[i] + j, v->n[i] - j, &len);
                if (b < 0) {
                    ok = 0;
                    break;
                }
                bytes[o++] = (char)b;
            }
            if (!ok) {
                o = start;
                memcpy(bytes + o, v->s[i], v->n[i]);
                o += v->n[i];
            }
            free(v->s[i]);
            v->s[i] = NULL;
        }
        size_t m = cn_utf8_repair(fixed, bytes, o);
        free(bytes);
        v->count = 0;
        st = set_str(v, 0, fixed, m);
        free(fixed);
        if (!st) v->count = 1;
    } else if (d->type == DEC_WORDPIECE) {
        /* pieces after the first: "##" dropped, or a space in front; then the cleanup */
        static const char *from[] = {" .", " ?", " !", " ,", " ' ", " n't", " 'm", " do not", " 's", " 've", " 're"};
        static const char *to[] = {".", "?", "!", ",", "'", "n't", "'m", " don't", "'s", "'ve", "'re"};
        for (size_t i = 0; !st && i < v->count; i++) {
            char *tmp = malloc(v->n[i] + 2), *tmp2;
            if (!tmp) return cn_fail(CN_ENOMEM, "out of memory");
            size_t m;
            if (i && v->n[i] >= d->alen && memcmp(v->s[i], d->a, d->alen) == 0) {
                m = v->n[i] - d->alen;
                memcpy(tmp, v->s[i] + d->alen, m);
            } else if (i) {
                tmp[0] = ' ';
                memcpy(tmp + 1, v->s[i], v->n[i]);
                m = v->n[i] + 1;
            } else {
                m = v->n[i];
                memcpy(tmp, v->s[i], m);
            }
            for (int k = 0; d->start && k < 11; k++) {
                if (!(tmp2 = malloc(2 * m + 8))) {
                    free(tmp);
                    return cn_fail(CN_ENOMEM, "out of memory");
                }
                m = replace_all(tmp2, tmp, m, from[k], strlen(from[k]), to[k], strlen(to[k]));
                free(tmp);
                tmp = tmp2;
            }
            st = set_str(v, i, tmp, m);
            free(tmp);
        }
    } else if (d->type == DEC_STRIP) {
        for (size_t i = 0; i < v->count; i++) {
            size_t a = 0, b = v->n[i];
            for (int k = 0; k < d->start && b - a >= d->alen && memcmp(v->s[i] + a, d->a, d->alen) == 0; k++) a += d->alen;
            for (int k = 0; k < d->stop && b - a >= d->alen && memcmp(v->s[i] + b - d->alen, d->a, d->alen) == 0; k++)
                b -= d->alen;
            memmove(v->s[i], v->s[i] + a, b - a);
            v->n[i] = b - a;
        }
    }
    return st;
}

cn_status cn_tok_decode(const cn_tok *t, const uint32_t *ids, size_t n, int skip_special, char **text, size_t *len) {
    strs v = {calloc(n + 1, sizeof(char *)), calloc(n + 1, sizeof(size_t)), 0};
    if (!v.s || !v.n) {
        free(v.s), free(v.n);
        return cn_fail(CN_ENOMEM, "out of memory");
    }
    cn_status st = CN_OK;
    for (size_t i = 0; !st && i < n; i++) {
        if (ids[i] >= t->size) {
            st = cn_fail(CN_ERANGE, "token id %u >= vocabulary size %u", ids[i], t->size);
            break;
        }
        if (skip_special && t->is_special[ids[i]]) continue;
        st = set_str(&v, v.count++, t->str[ids[i]], t->len[ids[i]]);
    }
    for (size_t k = 0; !st && k < t->ndec; k++) st = run_decoder(&t->dec[k], &v);
    if (!st) {
        size_t total = 0;
        for (size_t i = 0; i < v.count; i++) total += v.n[i];
        char *all = malloc(total + 1);
        if (!all) st = cn_fail(CN_ENOMEM, "out of memory");
        else {
            size_t o = 0;
            for (size_t i = 0; i < v.count; i++) memcpy(all + o, v.s[i], v.n[i]), o += v.n[i];
            all[o] = 0;
            *text = all;
            *len = o;
        }
    }
    for (size_t i = 0; i < v.count; i++) free(v.s[i]);
    free(v.s);
    free(v.n);
    return st;
}
