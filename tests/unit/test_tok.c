/* tok: ids and decoded text equal to Hugging Face tokenizers' (reference
 * files made with its Rust library, tests/data/tok/README.md) for two
 * compositions each of a SentencePiece-style BPE, a byte-level BPE and a
 * WordPiece vocabulary;
 * decode(encode(x)) == x where HF's own decoder gives it back;
 * unsupported components are load errors naming the type. */
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "jsonl.h"
#include "tok.h"

static const char *path(const char *name) { return check_data("tok", name); }

/* the lines of a file, each without its newline */
static char **lines(const char *p, int *n) {
    FILE *f = fopen(p, "rb");
    char **v = NULL;
    *n = 0;
    if (!f) return NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        v = realloc(v, (size_t)(*n + 1) * sizeof *v);
        v[(*n)++] = strdup(line);
    }
    free(line);
    fclose(f);
    return v;
}

static char *ids_json(const cn_ids *ids) {
    char *s = malloc(16 * ids->n + 3);
    size_t o = 0;
    s[o++] = '[';
    for (size_t i = 0; i < ids->n; i++) o += (size_t)sprintf(s + o, i ? ",%u" : "%u", ids->v[i]);
    s[o++] = ']';
    s[o] = 0;
    return s;
}

static int has_special(const char *s, size_t n) {
    const char *sp[] = {"<s>", "</s>", "<unk>", "<|", "[CLS]", "[SEP]", "[MASK]"};
    for (int i = 0; i < 7; i++)
        if (memmem(s, n, sp[i], strlen(sp[i]))) return 1;
    return 0;
}

static void check_tokenizer(const char *name, int roundtrip) {
    char file[256];
    snprintf(file, sizeof file, "%s.json", name);
    cn_tok *t = cn_tok_load(path(file));
    CHECK_MSG(t != NULL, "%s", cn_errmsg());
    if (!t) return;
    int nedge, nref[2], ndec[2];
    char **ref[2], **dec[2];
    for (int add = 0; add < 2; add++) {
        snprintf(file, sizeof file, "%s.add%d.ref", name, add);
        ref[add] = lines(path(file), &nref[add]);
        snprintf(file, sizeof file, add ? "%s.decskip.ref" : "%s.dec.ref", name);
        dec[add] = lines(path(file), &ndec[add]);
    }
    cn_in *in = cn_in_open(path("edge.jsonl"));
    cn_jsonl *j = cn_jsonl_new(in, 0);
    cJSON *o;
    nedge = 0;
    while (cn_jsonl_next(j, &o) == CN_OK) {
        const char *s;
        size_t n;
        CHECK(cn_jsonl_text(j, "text", &s, &n) == CN_OK);
        for (int add = 0; add < 2; add++) {
            cn_ids ids = {0};
            CHECK(cn_tok_encode(t, s, n, add ? CN_TOK_ADD_SPECIAL : 0, &ids) == CN_OK);
            char *got = ids_json(&ids);
            CHECK_MSG(nedge < nref[add] && strcmp(got, ref[add][nedge]) == 0, "%s line %d add %d:\n  ours %s\n  hf   %s", name,
                      nedge + 1, add, got, nedge < nref[add] ? ref[add][nedge] : "-");
            free(got);
            if (add) {
                /* decoding, keeping and skipping special tokens */
                for (int skip = 0; skip < 2; skip++) {
                    char *text;
                    size_t tn;
                    CHECK(cn_tok_decode(t, ids.v, ids.n, skip, &text, &tn) == CN_OK);
                    cJSON *want = nedge < ndec[skip] ? cJSON_Parse(dec[skip][nedge]) : NULL;
                    const cJSON *wt = cJSON_GetObjectItemCaseSensitive(want, "text");
                    CHECK_MSG(cJSON_IsString(wt) && strlen(wt->valuestring) == tn && memcmp(wt->valuestring, text, tn) == 0,
                              "%s line %d decode skip=%d: '%s'", name, nedge + 1, skip, text);
                    cJSON_Delete(want);
                    free(text);
                }
            } else if (roundtrip && !has_special(s, n) && !memmem(s, n, "\xE2\x96\x81", 3)) {
                /* the round trip decode(encode(x)) == x, for the LLaMA2-style
                 * composition and text without U+2581 (the space marker itself
                 * decodes to a space, in HF too); Metaspace with
                 * prepend_scheme first drops a leading space, in HF too */
                char *text;
                size_t tn;
                CHECK(cn_tok_decode(t, ids.v, ids.n, 1, &text, &tn) == CN_OK);
                CHECK_MSG(tn == n && memcmp(text, s, n) == 0, "%s line %d round trip: '%s'", name, nedge + 1, text);
                free(text);
            }
            cn_ids_free(&ids);
        }
        nedge++;
    }
    CHECK(nedge == nref[0] && nedge == nref[1] && nedge == ndec[0] && nedge == ndec[1]);
    /* special tokens as plain text */
    {
        int nlit;
        snprintf(file, sizeof file, "%s.lit.ref", name);
        char **lit = lines(path(file), &nlit);
        cn_in *in2 = cn_in_open(path("edge.jsonl"));
        cn_jsonl *j2 = cn_jsonl_new(in2, 0);
        int k = 0;
        while (cn_jsonl_next(j2, &o) == CN_OK) {
            const char *s;
            size_t n;
            cn_ids ids = {0};
            CHECK(cn_jsonl_text(j2, "text", &s, &n) == CN_OK && cn_tok_encode(t, s, n, CN_TOK_LITERAL_SPECIAL, &ids) == CN_OK);
            char *got = ids_json(&ids);
            CHECK_MSG(k < nlit && strcmp(got, lit[k]) == 0, "%s line %d literal:\n  ours %s\n  hf   %s", name, k + 1, got,
                      k < nlit ? lit[k] : "-");
            free(got);
            cn_ids_free(&ids);
            k++;
        }
        CHECK(k == nlit);
        for (int i = 0; i < nlit; i++) free(lit[i]);
        free(lit);
        cn_jsonl_free(j2);
        cn_in_close(in2);
    }
    cn_jsonl_free(j);
    cn_in_close(in);
    for (int add = 0; add < 2; add++) {
        for (int i = 0; i < nref[add]; i++) free(ref[add][i]);
        for (int i = 0; i < ndec[add]; i++) free(dec[add][i]);
        free(ref[add]);
        free(dec[add]);
    }

    /* one word of 200 KB (no pre-tokenizer splits it): merged in O(n log n) */
    size_t big = 200000;
    char *w = malloc(big);
    for (size_t i = 0; i < big; i++) w[i] = "moduleclkalways"[i % 15];
    cn_ids ids = {0};
    double t0 = cn_now();
    CHECK(cn_tok_encode(t, w, big, 0, &ids) == CN_OK && ids.n > 0 && ids.n < big);
    double dt = cn_now() - t0;
    CHECK_MSG(dt < 5.0, "200 KB word took %.2f s", dt);
    char *text;
    size_t tn;
    CHECK(cn_tok_decode(t, ids.v, ids.n, 1, &text, &tn) == CN_OK);
    CHECK(!roundtrip || (tn == big && memcmp(text, w, big) == 0));
    free(text);
    cn_ids_free(&ids);
    free(w);

    /* invalid UTF-8 is an error */
    CHECK(cn_tok_encode(t, "ab\xC3", 3, 0, &ids) == CN_EUTF8);
    cn_ids_free(&ids);
    cn_tok_free(t);
}

/* CN_TOK_CONTINUE: a text encoded in two parts, cut before a space (a token
 * boundary of the whole for these tokenizers), gives the whole's ids.
 * Returns the count of cuts where the plain encoding of the second part
 * (which gets the tokenizer's prefix) differs instead, plus 100 when "world"
 * continued differs from "world" alone (the prefix left out) */
static int check_continue(const char *name) {
    char file[256];
    snprintf(file, sizeof file, "%s.json", name);
    cn_tok *t = cn_tok_load(path(file));
    CHECK_MSG(t != NULL, "%s", cn_errmsg());
    if (!t) return 0;
    const char *texts[] = {"hello world, this is it", "a  b\nc d", "The quick brown fox", " lead space", "tab\t and  two"};
    int plain_differs = 0;
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++) {
        const char *s = texts[k];
        size_t n = strlen(s);
        cn_ids whole = {0};
        CHECK(cn_tok_encode(t, s, n, 0, &whole) == CN_OK);
        for (size_t i = 1; i < n; i++) {
            if (s[i] != ' ') continue;
            cn_ids a = {0}, b = {0};
            CHECK(cn_tok_encode(t, s, i, 0, &a) == CN_OK && cn_tok_encode(t, s + i, n - i, CN_TOK_CONTINUE, &a) == CN_OK);
            CHECK_MSG(a.n == whole.n && memcmp(a.v, whole.v, a.n * sizeof *a.v) == 0, "%s: '%.*s' + '%s' continued: not the whole's ids",
                      name, (int)i, s, s + i);
            CHECK(cn_tok_encode(t, s, i, 0, &b) == CN_OK && cn_tok_encode(t, s + i, n - i, 0, &b) == CN_OK);
            plain_differs += b.n != whole.n || memcmp(b.v, whole.v, b.n * sizeof *b.v) != 0;
            cn_ids_free(&a);
            cn_ids_free(&b);
        }
        cn_ids_free(&whole);
    }
    /* a word continued gets no prefix: its ids differ from the word's alone */
    cn_ids a = {0}, b = {0};
    CHECK(cn_tok_encode(t, "world", 5, 0, &a) == CN_OK && cn_tok_encode(t, "world", 5, CN_TOK_CONTINUE, &b) == CN_OK);
    plain_differs += 100 * (a.n != b.n || memcmp(a.v, b.v, a.n * sizeof *a.v) != 0);
    cn_ids_free(&a);
    cn_ids_free(&b);
    cn_tok_free(t);
    return plain_differs;
}

/* loads the tiny tokenizer with one substring replaced; returns the error */
static const char *mutated(const char *from, const char *to) {
    FILE *f = fopen(path("tiny-spm.json"), "rb");
    fseek(f, 0, SEEK_END);
    size_t n = (size_t)ftell(f);
    rewind(f);
    char *s = malloc(n + 1), *out = malloc(n + strlen(to) + 1);
    CHECK(fread(s, 1, n, f) == n);
    fclose(f);
    s[n] = 0;
    char *at = strstr(s, from);
    CHECK_MSG(at != NULL, "'%s' not in tiny-spm.json", from);
    size_t k = (size_t)(at - s);
    memcpy(out, s, k);
    strcpy(out + k, to);
    strcat(out, at + strlen(from));
    cn_tok *t = cn_tok_parse(out, strlen(out), "mutated.json");
    free(s);
    free(out);
    if (t) {
        cn_tok_free(t);
        return "(loaded)";
    }
    return cn_errmsg();
}

int main(void) {
    check_tokenizer("tiny-spm", 1);
    check_tokenizer("tiny-metaspace", 0);
    check_tokenizer("tiny-bytelevel", 1);
    check_tokenizer("tiny-gpt2", 0); /* its decoder keeps the prefix space, in HF too */
    check_tokenizer("tiny-bert", 0);  /* WordPiece does not give the text back, in HF either */
    check_tokenizer("tiny-bert-cased", 0);
    /* continued text: the Prepend normalizer (tiny-spm) and Metaspace's
     * prefix would be put in front of a second part, but not with the flag */
    CHECK(check_continue("tiny-spm") > 100);
    CHECK(check_continue("tiny-metaspace") >= 100);
    check_continue("tiny-bytelevel");
    check_continue("tiny-gpt2");
    CHECK(check_continue("tiny-bert") == 0); /* WordPiece puts nothing in front */
    /* components not implemented are load errors naming them */
    const char *e;
    e = mutated("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Whitespace\"}");
    CHECK_MSG(strstr(e, "pre_tokenizer type 'Whitespace' is not supported"), "%s", e);
    e = mutated("\"type\": \"Prepend\"", "\"type\": \"Precompiled\"");
    CHECK_MSG(strstr(e, "normalizer type 'Precompiled' is not supported"), "%s", e);
    e = mutated("\"type\": \"BPE\"", "\"type\": \"Unigram\"");
    CHECK_MSG(strstr(e, "model type 'Unigram' is not supported"), "%s", e);
    e = mutated("\"type\": \"Fuse\"", "\"type\": \"CTC\"");
    CHECK_MSG(strstr(e, "decoder type 'CTC' is not supported"), "%s", e);
    e = mutated("\"type\": \"TemplateProcessing\"", "\"type\": \"FancyProcessing\"");
    CHECK_MSG(strstr(e, "post_processor type 'FancyProcessing' is not supported"), "%s", e);
    e = mutated("\"truncation\": null", "\"truncation\": {\"max_length\": 5}");
    CHECK_MSG(strstr(e, "truncation is not supported"), "%s", e);
    e = mutated("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}");
    CHECK_MSG(strstr(e, "pre_tokenizer regex at offset"), "%s", e);
    e = mutated("\"pre_tokenizer\": null", "\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"String\": \"x\"}, \"behavior\": \"Sideways\"}");
    CHECK_MSG(strstr(e, "Split behavior 'Sideways' unknown"), "%s", e);
    e = mutated("\"dropout\": null", "\"dropout\": 0.1");
    CHECK_MSG(strstr(e, "dropout is not supported"), "%s", e);
    return check_done();
}
