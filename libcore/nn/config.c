/* config: Hugging Face config.json for LLaMA/Mistral and BERT. */
#include "config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "io.h"

static const cJSON *key(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* a positive integer key; def < 0: required */
static cn_status int_key(const cJSON *o, const char *name, const char *k, long def, long max, int *out) {
    const cJSON *v = key(o, k);
    if (!v || cJSON_IsNull(v)) {
        if (def < 0) return cn_fail(CN_EFORMAT, "%s: missing '%s'", name, k);
        *out = (int)def;
        return CN_OK;
    }
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < 1 || v->valuedouble > (double)max)
        return cn_fail(CN_EFORMAT, "%s: '%s' must be an integer from 1 to %ld", name, k, max);
    *out = (int)v->valuedouble;
    return CN_OK;
}

static cn_status num_key(const cJSON *o, const char *name, const char *k, double def, double *out) {
    const cJSON *v = key(o, k);
    if (!v || cJSON_IsNull(v)) {
        if (isnan(def)) return cn_fail(CN_EFORMAT, "%s: missing '%s'", name, k);
        *out = def;
        return CN_OK;
    }
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble))
        return cn_fail(CN_EFORMAT, "%s: '%s' must be a positive number", name, k);
    *out = v->valuedouble;
    return CN_OK;
}

/* a token id key: -1 when absent, null or negative (as some configs say
 * "none"); an error for a number that is no integer id */
static cn_status id_key(const cJSON *o, const char *name, const char *k, int64_t *out) {
    const cJSON *v = key(o, k);
    if (cJSON_IsArray(v)) v = cJSON_GetArrayItem(v, 0); /* eos_token_id may be a list */
    *out = -1;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0) return CN_OK;
    if (v->valuedouble != floor(v->valuedouble) || v->valuedouble > INT32_MAX)
        return cn_fail(CN_EFORMAT, "%s: '%s' %g is not a token id", name, k, v->valuedouble);
    *out = (int64_t)v->valuedouble;
    return CN_OK;
}

/* a key that must be absent, null, false or the given string */
static cn_status must_be(const cJSON *o, const char *name, const char *k, const char *want, const char *what) {
    const cJSON *v = key(o, k);
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v)) return CN_OK;
    if (want && cJSON_IsString(v) && strcmp(v->valuestring, want) == 0) return CN_OK;
    char *s = cJSON_PrintUnformatted(v);
    cn_status st = cn_fail(CN_EFORMAT, "%s: %s %s is not supported%s", name, k, s ? s : "?", what);
    free(s);
    return st;
}

cn_status cn_config_parse(const char *json, size_t n, const char *name, cn_config *c) {
    memset(c, 0, sizeof *c);
    cJSON *o = cJSON_ParseWithLength(json, n);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return cn_fail(CN_EFORMAT, "%s: not a JSON object", name);
    }
    cn_status st = CN_OK;
    const cJSON *arch = cJSON_GetArrayItem(key(o, "architectures"), 0), *mt = key(o, "model_type");
    const char *a = cJSON_IsString(arch) ? arch->valuestring : "";
    const char *m = cJSON_IsString(mt) ? mt->valuestring : "";
    if (strcmp(a, "LlamaForCausalLM") == 0 || strcmp(a, "MistralForCausalLM") == 0 ||
        (!*a && (strcmp(m, "llama") == 0 || strcmp(m, "mistral") == 0))) {
        c->arch = CN_ARCH_LLAMA;
    } else if (strcmp(a, "BertModel") == 0 || strcmp(a, "BertForMaskedLM") == 0 || (!*a && strcmp(m, "bert") == 0)) {
        c->arch = CN_ARCH_BERT;
    } else {
        st = cn_fail(CN_EFORMAT, "%s: architecture '%s' (model_type '%s') is not supported (LlamaForCausalLM, "
                                 "MistralForCausalLM, BertModel)", name, *a ? a : "?", *m ? m : "?");
        goto out;
    }
    snprintf(c->architecture, sizeof c->architecture, "%s", *a ? a : c->arch == CN_ARCH_BERT ? "BertModel" : "LlamaForCausalLM");
    snprintf(c->model_type, sizeof c->model_type, "%s", *m ? m : c->arch == CN_ARCH_BERT ? "bert" : "llama");
    if ((st = int_key(o, name, "hidden_size", -1, 1 << 16, &c->d_model)) ||
        (st = int_key(o, name, "num_hidden_layers", -1, 1024, &c->n_layer)) ||
        (st = int_key(o, name, "num_attention_heads", -1, 1024, &c->n_head)) ||
        (st = int_key(o, name, "intermediate_size", -1, 1 << 20, &c->d_ff)) ||
        (st = int_key(o, name, "vocab_size", -1, 1 << 24, &c->vocab)) ||
        (st = int_key(o, name, "max_position_embeddings", c->arch == CN_ARCH_BERT ? -1 : 2048, 1 << 24, &c->max_pos)))
        goto out;
    if ((st = id_key(o, name, "bos_token_id", &c->bos)) || (st = id_key(o, name, "eos_token_id", &c->eos)) ||
        (st = id_key(o, name, "pad_token_id", &c->pad)))
        goto out;
    if (c->arch == CN_ARCH_LLAMA) {
        if ((st = int_key(o, name, "num_key_value_heads", c->n_head, 1024, &c->n_kv_head)) ||
            (st = int_key(o, name, "head_dim", c->d_model / c->n_head, 1 << 12, &c->head_dim)) ||
            (st = num_key(o, name, "rms_norm_eps", 1e-6, &c->eps)) || (st = num_key(o, name, "rope_theta", 10000.0, &c->rope_theta)))
            goto out;
        if (c->d_model % c->n_head && !key(o, "head_dim")) {
            st = cn_fail(CN_EFORMAT, "%s: hidden_size %d is not a multiple of num_attention_heads %d", name, c->d_model, c->n_head);
            goto out;
        }
        if (c->n_head % c->n_kv_head) {
            st = cn_fail(CN_EFORMAT, "%s: num_attention_heads %d is not a multiple of num_key_value_heads %d", name, c->n_head,
                         c->n_kv_head);
            goto out;
        }
        if (c->head_dim % 2) {
            st = cn_fail(CN_EFORMAT, "%s: head_dim %d is odd (RoPE rotates pairs)", name, c->head_dim);
            goto out;
        }
        c->tied = cJSON_IsTrue(key(o, "tie_word_embeddings"));
        if ((st = must_be(o, name, "rope_scaling", NULL, "")) || (st = must_be(o, name, "attention_bias", NULL, "")) ||
            (st = must_be(o, name, "mlp_bias", NULL, "")) || (st = must_be(o, name, "hidden_act", "silu", " (only silu)")))
            goto out;
        const cJSON *sw = key(o, "sliding_window");
        if (sw && !cJSON_IsNull(sw) && (st = int_key(o, name, "sliding_window", 0, 1 << 24, &c->window))) goto out;
        const cJSON *dr = key(o, "attention_dropout");
        if (cJSON_IsNumber(dr) && dr->valuedouble != 0) {
            st = cn_fail(CN_EFORMAT, "%s: attention_dropout %g is not supported", name, dr->valuedouble);
            goto out;
        }
    } else {
        c->n_kv_head = c->n_head;
        c->head_dim = c->d_model / c->n_head;
        if (c->d_model % c->n_head) {
            st = cn_fail(CN_EFORMAT, "%s: hidden_size %d is not a multiple of num_attention_heads %d", name, c->d_model, c->n_head);
            goto out;
        }
        if ((st = int_key(o, name, "type_vocab_size", 2, 1 << 16, &c->type_vocab)) ||
            (st = num_key(o, name, "layer_norm_eps", 1e-12, &c->eps)) || (st = must_be(o, name, "hidden_act", "gelu", " (only gelu, erf form)")))
            goto out;
        const cJSON *pe = key(o, "position_embedding_type");
        if (pe && !(cJSON_IsString(pe) && strcmp(pe->valuestring, "absolute") == 0)) {
            st = cn_fail(CN_EFORMAT, "%s: position_embedding_type %s is not supported (only absolute)", name,
                         cJSON_IsString(pe) ? pe->valuestring : "?");
            goto out;
        }
    }
out:
    cJSON_Delete(o);
    return st;
}

cn_status cn_config_load(const char *path, cn_config *c) {
    char *buf = NULL;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        if (!(buf = cn_path_join(path, "config.json"))) return CN_ENOMEM;
        path = buf;
    }
    size_t n;
    char *text = cn_read_all(path, &n);
    if (!text) return free(buf), cn_last_status();
    cn_status st = cn_config_parse(text, n, path, c);
    free(text), free(buf);
    return st;
}

char *cn_config_to_json(const cn_config *c) {
    cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();
    if (!o || !a) {
        cJSON_Delete(o), cJSON_Delete(a);
        return NULL;
    }
    cJSON_AddItemToArray(a, cJSON_CreateString(c->architecture));
    cJSON_AddItemToObject(o, "architectures", a);
    cJSON_AddStringToObject(o, "model_type", c->model_type);
    cJSON_AddNumberToObject(o, "hidden_size", c->d_model);
    cJSON_AddNumberToObject(o, "intermediate_size", c->d_ff);
    cJSON_AddNumberToObject(o, "num_hidden_layers", c->n_layer);
    cJSON_AddNumberToObject(o, "num_attention_heads", c->n_head);
    cJSON_AddNumberToObject(o, "vocab_size", c->vocab);
    cJSON_AddNumberToObject(o, "max_position_embeddings", c->max_pos);
    if (c->arch == CN_ARCH_LLAMA) {
        cJSON_AddNumberToObject(o, "num_key_value_heads", c->n_kv_head);
        cJSON_AddNumberToObject(o, "head_dim", c->head_dim);
        cJSON_AddNumberToObject(o, "rms_norm_eps", c->eps);
        cJSON_AddNumberToObject(o, "rope_theta", c->rope_theta);
        cJSON_AddBoolToObject(o, "tie_word_embeddings", c->tied);
        cJSON_AddStringToObject(o, "hidden_act", "silu");
        cJSON_AddBoolToObject(o, "attention_bias", 0);
        cJSON_AddBoolToObject(o, "mlp_bias", 0);
        cJSON_AddNullToObject(o, "rope_scaling");
        if (c->window) cJSON_AddNumberToObject(o, "sliding_window", c->window);
    } else {
        cJSON_AddNumberToObject(o, "type_vocab_size", c->type_vocab);
        cJSON_AddNumberToObject(o, "layer_norm_eps", c->eps);
        cJSON_AddStringToObject(o, "hidden_act", "gelu");
        cJSON_AddStringToObject(o, "position_embedding_type", "absolute");
    }
    if (c->bos >= 0) cJSON_AddNumberToObject(o, "bos_token_id", (double)c->bos);
    if (c->eos >= 0) cJSON_AddNumberToObject(o, "eos_token_id", (double)c->eos);
    if (c->pad >= 0) cJSON_AddNumberToObject(o, "pad_token_id", (double)c->pad);
    cJSON_AddStringToObject(o, "torch_dtype", "float32");
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    return s;
}

cn_status cn_config_check_seq(const cn_config *c, int64_t t) {
    if (c->window && t > c->window)
        return cn_fail(CN_EINVAL, "sequences of %lld tokens are longer than the sliding window of %d, which is not supported",
                       (long long)t, c->window);
    if (t > c->max_pos)
        return cn_fail(CN_EINVAL, "sequences of %lld tokens are longer than max_position_embeddings %d", (long long)t, c->max_pos);
    return CN_OK;
}

uint64_t cn_config_params(const cn_config *c) {
    uint64_t d = (uint64_t)c->d_model, f = (uint64_t)c->d_ff, v = (uint64_t)c->vocab, L = (uint64_t)c->n_layer;
    if (c->arch == CN_ARCH_LLAMA) {
        uint64_t q = (uint64_t)c->n_head * (uint64_t)c->head_dim, kv = (uint64_t)c->n_kv_head * (uint64_t)c->head_dim;
        uint64_t layer = d * q + 2 * d * kv + q * d + 3 * d * f + 2 * d;
        return v * d * (c->tied ? 1 : 2) + L * layer + d;
    }
    uint64_t layer = 4 * (d * d + d) + 2 * d + (d * f + f) + (f * d + d) + 2 * d;
    return (v + (uint64_t)c->max_pos + (uint64_t)c->type_vocab) * d + 2 * d + L * layer;
}
