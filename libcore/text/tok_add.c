/* tok_add: special tokens added to a tokenizer.json, as Hugging Face's
 * add_special_tokens records them. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "tok.h"
#include "tok_impl.h"

int cn_tok_is_added(const cn_tok *t, const char *token, size_t n) {
    for (size_t i = 0; i < t->nadded; i++)
        if (t->added[i].len == n && memcmp(t->added[i].content, token, n) == 0) return 1;
    return 0;
}

size_t cn_tok_added_count(const cn_tok *t) { return t->nadded; }

const char *cn_tok_added(const cn_tok *t, size_t i, uint32_t *id) {
    if (i >= t->nadded) return NULL;
    *id = t->added[i].id;
    return t->added[i].content;
}

cn_status cn_tok_json_add_special(const char *json, size_t n, const char *name, const char *const *tokens, const uint32_t *ids,
                                  size_t ntok, char **out) {
    *out = NULL;
    cJSON *root = cJSON_ParseWithLength(json, n);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: not a tokenizer.json object", name);
    }
    cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (!added || cJSON_IsNull(added)) {
        cJSON_DeleteItemFromObjectCaseSensitive(root, "added_tokens");
        added = cJSON_AddArrayToObject(root, "added_tokens");
    }
    if (!cJSON_IsArray(added)) {
        cJSON_Delete(root);
        return cn_fail(CN_EFORMAT, "%s: added_tokens is not an array", name);
    }
    int ok = 1;
    for (size_t i = 0; i < ntok && ok; i++) {
        cJSON *a = cJSON_CreateObject();
        ok = a && cJSON_AddNumberToObject(a, "id", ids[i]) && cJSON_AddStringToObject(a, "content", tokens[i]) &&
             cJSON_AddBoolToObject(a, "single_word", 0) && cJSON_AddBoolToObject(a, "lstrip", 0) &&
             cJSON_AddBoolToObject(a, "rstrip", 0) && cJSON_AddBoolToObject(a, "normalized", 0) &&
             cJSON_AddBoolToObject(a, "special", 1);
        if (ok) cJSON_AddItemToArray(added, a);
        else cJSON_Delete(a);
    }
    char *s = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!s) return cn_fail(CN_ENOMEM, "out of memory");
    *out = s;
    return CN_OK;
}
