/* eval_exact: an answer against its references, exactly (eval.h). */
#include <string.h>
#include "eval.h"

/* s[0..n) without white space at either end */
static const char *trim(const char *s, size_t *n) {
    while (*n && (s[0] == ' ' || (s[0] >= 9 && s[0] <= 13))) s++, (*n)--;
    while (*n && (s[*n - 1] == ' ' || (s[*n - 1] >= 9 && s[*n - 1] <= 13))) (*n)--;
    return s;
}

cn_status cn_eval_exact(const cJSON *rec, const char *where, int *hit, int *empty) {
    const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages"), *ref = cJSON_GetObjectItemCaseSensitive(rec, "reference");
    const cJSON *last = cJSON_IsArray(msgs) ? cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1) : NULL;
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(last, "role"), *text = cJSON_GetObjectItemCaseSensitive(last, "content");
    if (!cJSON_IsString(role) || strcmp(role->valuestring, "assistant") != 0 || !cJSON_IsString(text))
        return cn_fail(CN_EFORMAT, "%s: the last message is not an assistant's answer", where);
    if (!cJSON_IsString(ref) && !(cJSON_IsArray(ref) && cJSON_GetArraySize(ref) > 0))
        return cn_fail(CN_EFORMAT, "%s: no \"reference\" (a string, or a list of strings)", where);
    size_t an = strlen(text->valuestring);
    const char *a = trim(text->valuestring, &an);
    *hit = 0, *empty = an == 0;
    for (const cJSON *r = cJSON_IsArray(ref) ? ref->child : ref; r; r = cJSON_IsArray(ref) ? r->next : NULL) {
        if (!cJSON_IsString(r)) return cn_fail(CN_EFORMAT, "%s: a reference that is not a string", where);
        size_t rn = strlen(r->valuestring);
        const char *b = trim(r->valuestring, &rn);
        *hit |= rn == an && memcmp(a, b, an) == 0;
    }
    return CN_OK;
}
