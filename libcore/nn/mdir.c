/* mdir: a Hugging Face model directory, opened and written in one place. */
#include "mdir.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "io.h"
#include "jsonl.h"
#include "shard.h"
#include "st.h"

cn_status cn_mdir_check_vocab(const cn_tok *t, const char *tname, int rows, const char *model) {
    uint32_t id;
    for (size_t i = 0; i < cn_tok_added_count(t); i++) {
        const char *s = cn_tok_added(t, i, &id);
        if (id >= (uint32_t)rows)
            return cn_fail(CN_ERANGE, "%s: added token '%s' has id %u, beyond the %d embedding rows of the model (%s)", tname, s, id, rows, model);
    }
    if (cn_tok_vocab_size(t) > (uint32_t)rows)
        return cn_fail(CN_ERANGE, "%s: %u tokens, beyond the %d embedding rows of the model (%s)", tname, cn_tok_vocab_size(t), rows, model);
    return CN_OK;
}

cn_status cn_mdir_doc_ids(const cn_config *c, cn_tok *t, int64_t *bos, int64_t *eos) {
    *bos = c->bos, *eos = c->eos;
    if (!t) return CN_OK;
    cn_status st = cn_tok_template(t, bos, eos);
    if (!st && *eos < 0) *eos = c->eos;
    return st;
}

void cn_mdir_close(cn_mdir *d) {
    free(d->weights);
    free(d->tok_path);
    cn_tok_free(d->tok);
    memset(d, 0, sizeof *d);
}

cn_status cn_mdir_open(cn_mdir *d, const char *dir, const char *tokenizer, int flags) {
    memset(d, 0, sizeof *d);
    d->dir = dir;
    cn_status st = cn_config_load(dir, &d->c);
    if (st) return st;
    char *own = cn_path_join(dir, "tokenizer.json");
    if (!own || !(d->weights = cn_st_dir_weights(dir))) {
        free(own);
        cn_mdir_close(d);
        return CN_ENOMEM;
    }
    int has_own = access(own, F_OK) == 0, compare = 0;
    uint8_t mine[32]; /* DIR's own tokenizer's SHA-256, to compare with the one given */
    if (tokenizer) {
        d->tok = cn_tok_load(tokenizer);
        if (d->tok && has_own && !(flags & CN_MDIR_OTHER_TOKENIZER)) {
            if (cn_shard_tokenizer_hash(own, mine)) st = cn_last_status();
            compare = 1;
        }
        d->tok_path = strdup(tokenizer);
        if (!d->tok_path) st = cn_fail(CN_ENOMEM, "out of memory");
    } else if (has_own) {
        d->tok = cn_tok_load(own);
        d->tok_path = own, own = NULL;
    } else if (flags & CN_MDIR_TOKENIZER) {
        st = cn_fail(CN_EIO, "%s: no such file (the model's tokenizer)", own);
    }
    if (!st && d->tok_path && !d->tok) st = cn_last_status();
    if (!st && d->tok && !(flags & CN_MDIR_OTHER_TOKENIZER)) st = cn_mdir_check_vocab(d->tok, d->tok_path, d->c.vocab, dir);
    if (!st && compare && memcmp(mine, cn_tok_sha256(d->tok), 32) != 0)
        st = cn_fail(CN_EMISMATCH, "%s: not %s (their SHA-256 differ)", tokenizer, own);
    if (!st) st = cn_mdir_doc_ids(&d->c, d->tok, &d->bos, &d->eos);
    free(own);
    if (st) cn_mdir_close(d);
    return st;
}

/* ---- generation_config.json ---- */

static const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

static void add_eos(cn_mdir_gen *g, const cJSON *v) {
    if (cJSON_IsNumber(v) && g->neos < CN_MDIR_MAX_EOS) g->eos[g->neos++] = (int64_t)v->valuedouble;
}

cn_status cn_mdir_generation(const char *dir, cn_mdir_gen *g) {
    *g = (cn_mdir_gen){0, 1.0, 1.0, 1.0, 50, -1, 0, {0}, 0};
    char *path = cn_path_join(dir, "generation_config.json");
    if (!path) return CN_ENOMEM;
    size_t n;
    char *text = access(path, F_OK) == 0 ? cn_read_all(path, &n) : NULL;
    cJSON *gc = text ? cJSON_ParseWithLength(text, n) : NULL;
    int read = text != NULL;
    free(text);
    cn_status st = read && !cJSON_IsObject(gc) ? cn_fail(CN_EFORMAT, "%s: not a JSON object", path) : CN_OK;
    free(path);
    if (st || !gc) return cJSON_Delete(gc), st;
    const cJSON *v;
    g->do_sample = cJSON_IsTrue(item(gc, "do_sample"));
    if (cJSON_IsNumber(v = item(gc, "temperature"))) g->temperature = v->valuedouble;
    if (cJSON_IsNumber(v = item(gc, "top_p"))) g->top_p = v->valuedouble;
    if (cJSON_IsNumber(v = item(gc, "repetition_penalty"))) g->repetition_penalty = v->valuedouble;
    if (cJSON_IsNumber(v = item(gc, "top_k"))) g->top_k = (long)v->valuedouble;
    if (cJSON_IsNumber(v = item(gc, "max_new_tokens"))) g->max_new_tokens = (long)v->valuedouble;
    if (cJSON_IsNumber(v = item(gc, "min_new_tokens"))) g->min_new_tokens = (long)v->valuedouble;
    add_eos(g, v = item(gc, "eos_token_id"));
    if (cJSON_IsArray(v))
        for (const cJSON *x = v->child; x; x = x->next) add_eos(g, x);
    cJSON_Delete(gc);
    return CN_OK;
}

/* ---- writing ---- */

cn_status cn_mdir_write_tokenizer(const char *dir, const char *path) {
    char *to = cn_path_join(dir, "tokenizer.json");
    cn_status st = to ? cn_copy_file(path, to) : CN_ENOMEM;
    free(to);
    return st;
}

cn_status cn_mdir_carry(const char *to, const char *from, int what) {
    static const char *const names[] = {"generation_config.json", "tokenizer_config.json"};
    struct stat a, b;
    if (!from || (stat(to, &a) == 0 && stat(from, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)) return CN_OK;
    cn_status st = CN_OK;
    for (int i = 0; !st && i < 2; i++) {
        if (!(what & (1 << i))) continue;
        char *src = cn_path_join(from, names[i]), *dst = cn_path_join(to, names[i]);
        if (!src || !dst) st = cn_fail(CN_ENOMEM, "out of memory");
        else if (access(src, F_OK) == 0 || errno != ENOENT) st = cn_copy_file(src, dst);
        free(src), free(dst);
    }
    return st;
}

cn_status cn_mdir_write_sentence_transformers(const char *dir, int dim, int max_seq, const char *query_prompt, const char *passage_prompt) {
    char *pool = cn_path_join(dir, "1_Pooling"), *norm = cn_path_join(dir, "2_Normalize");
    cn_status st = pool && norm ? CN_OK : cn_fail(CN_ENOMEM, "out of memory");
    for (int i = 0; !st && i < 2; i++) {
        const char *d = i ? norm : pool;
        if (mkdir(d, 0755) != 0 && errno != EEXIST) st = cn_fail(CN_EIO, "%s: %s", d, strerror(errno));
    }
    cJSON *m = st ? NULL : cJSON_CreateArray();
    static const char *const name[3] = {"0", "1", "2"}, *const path[3] = {"", "1_Pooling", "2_Normalize"},
                             *const type[3] = {"sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                                               "sentence_transformers.models.Normalize"};
    for (int i = 0; m && i < 3; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "idx", i);
        cJSON_AddStringToObject(e, "name", name[i]);
        cJSON_AddStringToObject(e, "path", path[i]);
        cJSON_AddStringToObject(e, "type", type[i]);
        cJSON_AddItemToArray(m, e);
    }
    if (!st) st = m ? cn_json_write_file(dir, "modules.json", m) : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *p = st ? NULL : cJSON_CreateObject();
    if (p) {
        cJSON_AddNumberToObject(p, "word_embedding_dimension", dim);
        cJSON_AddBoolToObject(p, "pooling_mode_cls_token", 0);
        cJSON_AddBoolToObject(p, "pooling_mode_mean_tokens", 1);
        cJSON_AddBoolToObject(p, "pooling_mode_max_tokens", 0);
        cJSON_AddBoolToObject(p, "pooling_mode_mean_sqrt_len_tokens", 0);
        cJSON_AddBoolToObject(p, "pooling_mode_weightedmean_tokens", 0);
        cJSON_AddBoolToObject(p, "pooling_mode_lasttoken", 0);
        cJSON_AddBoolToObject(p, "include_prompt", 1);
    }
    if (!st) st = p ? cn_json_write_file(pool, "config.json", p) : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *b = st ? NULL : cJSON_CreateObject();
    if (b) cJSON_AddNumberToObject(b, "max_seq_length", max_seq), cJSON_AddBoolToObject(b, "do_lower_case", 0);
    if (!st) st = b ? cn_json_write_file(dir, "sentence_bert_config.json", b) : cn_fail(CN_ENOMEM, "out of memory");
    cJSON *c = st ? NULL : cJSON_CreateObject();
    if (c) {
        cJSON *pr = cJSON_AddObjectToObject(c, "prompts");
        cJSON_AddStringToObject(pr, "query", query_prompt);
        cJSON_AddStringToObject(pr, "passage", passage_prompt);
        cJSON_AddNullToObject(c, "default_prompt_name");
        cJSON_AddStringToObject(c, "similarity_fn_name", "cosine");
    }
    if (!st) st = c ? cn_json_write_file(dir, "config_sentence_transformers.json", c) : cn_fail(CN_ENOMEM, "out of memory");
    free(pool), free(norm);
    return st;
}

cn_status cn_mdir_write_tokenizer_config(const char *dir, const cn_mdir_tokcfg *tc) {
    cJSON *j = cJSON_CreateObject();
    if (!j) return cn_fail(CN_ENOMEM, "out of memory");
    cJSON_AddStringToObject(j, "bos_token", tc->bos);
    cJSON_AddStringToObject(j, "eos_token", tc->eos);
    cJSON_AddStringToObject(j, "chat_template", cn_chat_template_jinja(tc->tpl));
    cJSON_AddStringToObject(j, CN_CHAT_TEMPLATE_KEY, cn_chat_template_name(tc->tpl));
    cJSON_AddStringToObject(j, "tokenizer_class", "PreTrainedTokenizerFast");
    if (tc->nadded) { /* as transformers lists added tokens */
        cJSON *d = cJSON_AddObjectToObject(j, "added_tokens_decoder");
        for (int i = 0; d && i < tc->nadded; i++) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)tc->added_ids[i]);
            cJSON *a = cJSON_AddObjectToObject(d, id);
            if (!a) break;
            cJSON_AddStringToObject(a, "content", tc->added[i]);
            cJSON_AddBoolToObject(a, "lstrip", 0), cJSON_AddBoolToObject(a, "normalized", 0);
            cJSON_AddBoolToObject(a, "rstrip", 0), cJSON_AddBoolToObject(a, "single_word", 0);
            cJSON_AddBoolToObject(a, "special", 1);
        }
    }
    return cn_json_write_file(dir, "tokenizer_config.json", j);
}
