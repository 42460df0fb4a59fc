/* eval_gen: generated text against references: exact match, token F1,
 * ROUGE-L (eval.h) */
#include <stdlib.h>
#include <string.h>
#include "eval.h"

cn_status cn_eval_answer(const cJSON *rec, const char *where, const char **answer, const cJSON **refs) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(rec, "answer"), *ref = cJSON_GetObjectItemCaseSensitive(rec, "reference");
    if (!a) {
        const cJSON *msgs = cJSON_GetObjectItemCaseSensitive(rec, "messages");
        const cJSON *last = cJSON_IsArray(msgs) ? cJSON_GetArrayItem(msgs, cJSON_GetArraySize(msgs) - 1) : NULL;
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(last, "role");
        if (cJSON_IsString(role) && strcmp(role->valuestring, "assistant") == 0) a = cJSON_GetObjectItemCaseSensitive(last, "content");
    }
    if (!cJSON_IsString(a)) return cn_fail(CN_EFORMAT, "%s: no answer (an \"answer\" string, or an assistant's message last)", where);
    if (!refs) {
        *answer = a->valuestring;
        return CN_OK;
    }
    if (!cJSON_IsString(ref) && !(cJSON_IsArray(ref) && cJSON_GetArraySize(ref) > 0))
        return cn_fail(CN_EFORMAT, "%s: no \"reference\" (a string, or a list of strings)", where);
    for (const cJSON *r = cJSON_IsArray(ref) ? ref->child : ref; r; r = cJSON_IsArray(ref) ? r->next : NULL)
        if (!cJSON_IsString(r)) return cn_fail(CN_EFORMAT, "%s: a reference that is not a string", where);
    *answer = a->valuestring, *refs = ref;
    return CN_OK;
}

typedef struct {
    char *s;      /* the lowercased text, words NUL-ended in place */
    char **w;     /* [n] the words */
    size_t n;
} words;

static int word_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static cn_status split(const char *t, words *o) {
    size_t len = strlen(t);
    o->s = malloc(len + 1), o->w = malloc((len / 2 + 1) * sizeof *o->w), o->n = 0;
    if (!o->s || !o->w) return cn_fail(CN_ENOMEM, "out of memory");
    for (size_t i = 0; i <= len; i++) {
        char c = t[i];
        o->s[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    for (size_t i = 0; i < len;) {
        while (i < len && !word_char(o->s[i])) o->s[i++] = 0;
        if (i == len) break;
        o->w[o->n++] = o->s + i;
        while (i < len && word_char(o->s[i])) i++;
        if (i < len) o->s[i++] = 0;
    }
    return CN_OK;
}

static void words_free(words *w) { free(w->s), free(w->w); }

static int cmp_word(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* the size of the multiset intersection of a's and b's words */
static size_t common(const words *a, const words *b, char **sa, char **sb) {
    memcpy(sa, a->w, a->n * sizeof *sa), memcpy(sb, b->w, b->n * sizeof *sb);
    qsort(sa, a->n, sizeof *sa, cmp_word), qsort(sb, b->n, sizeof *sb, cmp_word);
    size_t i = 0, j = 0, k = 0;
    while (i < a->n && j < b->n) {
        int c = strcmp(sa[i], sb[j]);
        if (c == 0) k++, i++, j++;
        else if (c < 0) i++;
        else j++;
    }
    return k;
}

/* the longest common subsequence of the two word sequences (row: scratch of b->n + 1) */
static size_t lcs(const words *a, const words *b, size_t *row) {
    memset(row, 0, (b->n + 1) * sizeof *row);
    for (size_t i = 0; i < a->n; i++) {
        size_t diag = 0; /* row[j] of the previous i */
        for (size_t j = 1; j <= b->n; j++) {
            size_t up = row[j];
            row[j] = strcmp(a->w[i], b->w[j - 1]) == 0 ? diag + 1 : up > row[j - 1] ? up : row[j - 1];
            diag = up;
        }
    }
    return row[b->n];
}

cn_status cn_eval_textsim(const char *answer, const cJSON *refs, cn_textsim *out) {
    *out = (cn_textsim){0, 0, 0};
    words a = {0};
    cn_status st = split(answer, &a);
    for (const cJSON *r = cJSON_IsArray(refs) ? refs->child : refs; r && !st; r = cJSON_IsArray(refs) ? r->next : NULL) {
        words b = {0};
        char **sa = NULL, **sb = NULL;
        size_t *row = NULL;
        if (!(st = split(r->valuestring, &b))) {
            sa = malloc((a.n + 1) * sizeof *sa), sb = malloc((b.n + 1) * sizeof *sb), row = malloc((b.n + 1) * sizeof *row);
            if (!sa || !sb || !row) st = cn_fail(CN_ENOMEM, "out of memory");
        }
        if (!st) {
            int same = a.n == b.n;
            for (size_t i = 0; same && i < a.n; i++) same = strcmp(a.w[i], b.w[i]) == 0;
            double em = same, f1, rl = 0;
            if (!a.n || !b.n) f1 = a.n == b.n;
            else {
                size_t k = common(&a, &b, sa, sb);
                double p = (double)k / (double)a.n, q = (double)k / (double)b.n;
                f1 = k ? 2 * p * q / (p + q) : 0;
                size_t l = lcs(&a, &b, row);
                p = (double)l / (double)a.n, q = (double)l / (double)b.n;
                rl = p + q > 0 ? 2 * p * q / (p + q) : 0;
            }
            if (em > out->exact_match) out->exact_match = em;
            if (f1 > out->token_f1) out->token_f1 = f1;
            if (rl > out->rouge_l) out->rouge_l = rl;
        }
        free(sa), free(sb), free(row);
        words_free(&b);
    }
    words_free(&a);
    return st;
}
