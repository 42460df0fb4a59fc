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
    const char *text;
    const cJSON *ref;
    cn_status st = cn_eval_answer(rec, where, &text, &ref);
    if (st) return st;
    size_t an = strlen(text);
    const char *a = trim(text, &an);
    *hit = 0, *empty = an == 0;
    for (const cJSON *r = cJSON_IsArray(ref) ? ref->child : ref; r; r = cJSON_IsArray(ref) ? r->next : NULL) {
        size_t rn = strlen(r->valuestring);
        const char *b = trim(r->valuestring, &rn);
        *hit |= rn == an && memcmp(a, b, an) == 0;
    }
    return CN_OK;
}
