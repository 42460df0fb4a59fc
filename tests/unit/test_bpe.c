/* bpe: training gives loadable, deterministic tokenizers of the asked size
 * that round-trip text; the word counts stay within max_memory; augmentation
 * appends tokens after the base without changing the base's encodings. */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <string.h>
#include "bpe.h"
#include "check.h"
#include "rng.h"
#include "tok.h"
#include "utf8.h"

/* deterministic text: sentences drawn from a small vocabulary of words */
static const char *general_words[] = {"the", "of", "and", "to", "in", "is", "was", "for", "that", "with", "on", "as",
                                      "by", "at", "from", "this", "which", "are", "be", "it", "an", "or", "have", "not",
                                      "city", "river", "music", "history", "school", "water", "people", "year"};
static const char *domain_words[] = {"the", "of", "and", "to", "in", "is", "clk", "posedge", "negedge", "always",
                                     "module", "endmodule", "wire", "reg", "assign", "synth", "netlist", "timing",
                                     "setup", "hold", "slack", "flipflop", "latch", "verilog", "yosys", "placement"};

static char *make_text(cn_rng *r, const char **words, size_t nw, size_t nbytes) {
    char *s = malloc(nbytes + 64);
    size_t n = 0;
    while (n < nbytes) {
        const char *w = words[cn_rng_below(r, nw)];
        size_t l = strlen(w);
        memcpy(s + n, w, l);
        n += l;
        uint64_t p = cn_rng_below(r, 20);
        s[n++] = p == 0 ? '\n' : p == 1 ? '.' : ' ';
        if (p == 1) s[n++] = ' ';
    }
    s[n] = 0;
    return s;
}

typedef struct {
    char **docs;
    size_t n;
} mem_corpus;

static cn_status mem_each(void *src, cn_status (*each)(const char *text, size_t n, void *ctx), void *ctx) {
    mem_corpus *c = src;
    for (size_t i = 0; i < c->n; i++) {
        cn_status st = each(c->docs[i], strlen(c->docs[i]), ctx);
        if (st) return st;
    }
    return CN_OK;
}

static char *train(cn_bpe_type type, uint32_t vocab, size_t max_memory, mem_corpus *c, uint64_t *dropped) {
    cn_bpe_opts o;
    cn_bpe_opts_init(&o, type, vocab);
    o.max_memory = max_memory;
    cn_bpe_trainer *tr = cn_bpe_trainer_new(&o);
    CHECK(tr != NULL);
    for (size_t i = 0; i < c->n; i++) CHECK(cn_bpe_add_text(tr, c->docs[i], strlen(c->docs[i])) == CN_OK);
    char *json = NULL;
    size_t len;
    CHECK_MSG(cn_bpe_train(tr, &json, &len, NULL) == CN_OK, "%s", cn_errmsg());
    uint64_t docs, words;
    cn_bpe_counts(tr, &docs, &words, dropped);
    CHECK(docs == c->n);
    cn_bpe_trainer_free(tr);
    return json;
}

/* decode(encode(x)) == x for each document */
static void roundtrip(cn_tok *t, mem_corpus *c, const char *what) {
    for (size_t i = 0; i < c->n; i++) {
        cn_ids ids = {0};
        char *back;
        size_t bn, n = strlen(c->docs[i]);
        CHECK(cn_tok_encode(t, c->docs[i], n, 0, &ids) == CN_OK);
        CHECK(cn_tok_decode(t, ids.v, ids.n, 1, &back, &bn) == CN_OK);
        CHECK_MSG(bn == n && memcmp(back, c->docs[i], n) == 0, "%s: document %zu does not round-trip", what, i);
        free(back);
        cn_ids_free(&ids);
    }
}

static uint64_t count_tokens(cn_tok *t, mem_corpus *c) {
    uint64_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        cn_ids ids = {0};
        CHECK(cn_tok_encode(t, c->docs[i], strlen(c->docs[i]), 0, &ids) == CN_OK);
        n += ids.n;
        cn_ids_free(&ids);
    }
    return n;
}

int main(void) {
    cn_rng r;
    const uint64_t key = 42;
    cn_rng_seed(&r, &key, 1);
    char *gdocs[40], *ddocs[40];
    for (int i = 0; i < 40; i++) {
        gdocs[i] = make_text(&r, general_words, sizeof general_words / sizeof *general_words, 3000);
        ddocs[i] = make_text(&r, domain_words, sizeof domain_words / sizeof *domain_words, 3000);
    }
    /* non-ASCII and emoji in a few documents; one character appears once */
    free(gdocs[0]);
    gdocs[0] = strdup("café naïve résumé 汉字 😀 tab\there ▁marker\n\nend ✓ rare");
    mem_corpus g = {gdocs, 40}, d = {ddocs, 40};

    /* SentencePiece-style: the size asked, deterministic, loadable, round trip */
    uint64_t dropped;
    char *a = train(CN_BPE_SPM, 400, 0, &g, &dropped), *b = train(CN_BPE_SPM, 400, 0, &g, &dropped);
    CHECK(a && b && strcmp(a, b) == 0);
    CHECK(dropped == 0);
    cn_tok *t = cn_tok_parse(a, strlen(a), "spm");
    CHECK_MSG(t != NULL, "%s", cn_errmsg());
    CHECK(cn_tok_vocab_size(t) == 400);
    CHECK(cn_tok_id(t, "<unk>", 5) == 0 && cn_tok_id(t, "<s>", 3) == 1 && cn_tok_id(t, "<0x00>", 6) == 3);
    CHECK(cn_tok_id(t, "\xE2\x96\x81the", 6) >= 0); /* ▁the */
    for (uint32_t id = 0; id < cn_tok_vocab_size(t); id++) { /* at most 16 characters */
        const char *s = cn_tok_token(t, id);
        size_t chars = 0;
        for (size_t i = 0; s[i]; i++) chars += ((unsigned char)s[i] & 0xC0) != 0x80;
        CHECK(chars <= 16);
    }
    /* no marker inside a token: words are cut before it */
    for (uint32_t id = 0; id < cn_tok_vocab_size(t); id++) {
        const char *s = cn_tok_token(t, id), *m = strstr(s + 1, "\xE2\x96\x81");
        if (m) CHECK_MSG(m == s + 3 * (size_t)((m - s) / 3) && strspn(s, "\xE2\x96\x81") >= (size_t)(m - s), "token '%s'", s);
    }
    mem_corpus g1 = {gdocs + 1, 39};
    roundtrip(t, &g1, "spm");
    /* a rare character falls back to bytes: ✓ appears once */
    {
        cn_ids ids = {0};
        CHECK(cn_tok_encode(t, "\xE2\x9C\x93", 3, 0, &ids) == CN_OK);
        CHECK(ids.n >= 3);
        cn_ids_free(&ids);
    }
    cn_tok_free(t);

    /* byte-level: 256 symbols + merges + <|endoftext|>; exact round trip of anything */
    char *c = train(CN_BPE_BYTE, 300, 0, &g, &dropped);
    t = cn_tok_parse(c, strlen(c), "byte");
    CHECK_MSG(t != NULL, "%s", cn_errmsg());
    CHECK(cn_tok_vocab_size(t) == 300);
    CHECK(cn_tok_id(t, "<|endoftext|>", 13) == 299);
    CHECK(cn_tok_id(t, "\xC4\xA0the", 5) >= 0); /* Ġthe */
    roundtrip(t, &g, "byte");
    cn_tok_free(t);
    free(c);

    /* too small a vocabulary for the fixed tokens: an error that says so */
    {
        cn_bpe_opts o;
        cn_bpe_opts_init(&o, CN_BPE_SPM, 100);
        cn_bpe_trainer *tr = cn_bpe_trainer_new(&o);
        CHECK(cn_bpe_add_text(tr, "hello world", 11) == CN_OK);
        char *j = NULL;
        size_t l;
        CHECK(cn_bpe_train(tr, &j, &l, NULL) == CN_EINVAL);
        CHECK_MSG(strstr(cn_errmsg(), "below the") != NULL, "%s", cn_errmsg());
        cn_bpe_trainer_free(tr);
    }

    /* bounded memory: many distinct words, a small budget: the rarest go */
    {
        char *many[20];
        for (int i = 0; i < 20; i++) {
            many[i] = malloc(20000);
            size_t n = 0;
            while (n < 19000) n += (size_t)snprintf(many[i] + n, 20000 - n, "w%llx ", (unsigned long long)cn_rng_u64(&r));
        }
        mem_corpus m = {many, 20};
        char *j = train(CN_BPE_SPM, 300, 64 << 10, &m, &dropped);
        CHECK(dropped > 0);
        cn_tok *tm = cn_tok_parse(j, strlen(j), "small");
        CHECK(tm != NULL);
        cn_tok_free(tm);
        free(j);
        for (int i = 0; i < 20; i++) free(many[i]);
    }

    /* augmentation: the base is a tokenizer of general text with a little
     * domain text in it (as LLaMA2 saw some code) */
    {
        char *mix[50];
        for (int i = 0; i < 40; i++) mix[i] = gdocs[i];
        for (int i = 0; i < 10; i++) mix[40 + i] = ddocs[i];
        mem_corpus mc = {mix, 50};
        free(a);
        a = train(CN_BPE_SPM, 400, 0, &mc, &dropped);
        cn_bpe_augment_opts o;
        cn_bpe_augment_opts_init(&o, 20);
        o.domain_vocab = 500;
        cn_bpe_corpus dc = {mem_each, &d}, gc = {mem_each, &g};
        char *json, *map;
        size_t jl, ml;
        cn_bpe_augment_stats s;
        CHECK_MSG(cn_bpe_augment(&o, a, strlen(a), NULL, 0, &dc, &gc, &json, &jl, &map, &ml, &s) == CN_OK, "%s", cn_errmsg());
        CHECK(s.base_size == 400 && s.added == 20 && s.fired >= 16);
        cn_tok *base = cn_tok_parse(a, strlen(a), "base"), *aug = cn_tok_parse(json, jl, "aug");
        CHECK_MSG(aug != NULL, "%s", cn_errmsg());
        CHECK(cn_tok_vocab_size(aug) == 420);
        /* the base's merges come first, unchanged; no added tokens */
        cJSON *ja = cJSON_Parse(a), *jb = cJSON_Parse(json);
        cJSON *ma = cJSON_GetObjectItem(cJSON_GetObjectItem(ja, "model"), "merges");
        cJSON *mb = cJSON_GetObjectItem(cJSON_GetObjectItem(jb, "model"), "merges");
        CHECK(cJSON_GetArraySize(mb) > cJSON_GetArraySize(ma));
        for (int i = 0; i < cJSON_GetArraySize(ma); i++)
            CHECK(strcmp(cJSON_GetArrayItem(ma, i)->valuestring, cJSON_GetArrayItem(mb, i)->valuestring) == 0);
        CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(jb, "added_tokens")) == 3);
        cJSON_Delete(ja), cJSON_Delete(jb);
        /* the map: exactly id, piece, base_ids; ids in order; base_ids the base model's */
        int lines = 0;
        for (char *line = map, *nl; *line; line = nl + 1, lines++) {
            nl = strchr(line, '\n');
            *nl = 0;
            cJSON *e = cJSON_Parse(line);
            CHECK(cJSON_GetArraySize(e) == 3);
            CHECK(cJSON_GetObjectItem(e, "id")->valuedouble == 400 + lines);
            const char *piece = cJSON_GetObjectItem(e, "piece")->valuestring;
            CHECK(cn_tok_id(aug, piece, strlen(piece)) == 400 + lines);
            cn_ids ids = {0};
            CHECK(cn_tok_encode_model(base, piece, strlen(piece), &ids) == CN_OK);
            cJSON *bi = cJSON_GetObjectItem(e, "base_ids");
            CHECK(cJSON_GetArraySize(bi) == (int)ids.n && ids.n >= 2);
            for (size_t k = 0; k < ids.n && k < (size_t)cJSON_GetArraySize(bi); k++)
                CHECK(cJSON_GetArrayItem(bi, (int)k)->valuedouble == ids.v[k]);
            cn_ids_free(&ids);
            cJSON_Delete(e);
        }
        CHECK(lines == 20);
        /* fewer tokens on domain text; text the new tokens miss encodes as before */
        CHECK(count_tokens(aug, &d) < count_tokens(base, &d));
        for (size_t i = 0; i < g.n; i++) {
            cn_ids x = {0}, y = {0};
            size_t n = strlen(g.docs[i]);
            CHECK(cn_tok_encode(base, g.docs[i], n, 0, &x) == CN_OK && cn_tok_encode(aug, g.docs[i], n, 0, &y) == CN_OK);
            int fresh = 0;
            for (size_t k = 0; k < y.n; k++) fresh |= y.v[k] >= 400;
            if (!fresh) CHECK(x.n == y.n && memcmp(x.v, y.v, x.n * sizeof *x.v) == 0);
            cn_ids_free(&x), cn_ids_free(&y);
        }
        roundtrip(aug, &d, "augmented");
        cn_tok_free(base), cn_tok_free(aug);
        free(json), free(map);
    }
    free(a), free(b);
    for (int i = 0; i < 40; i++) free(gdocs[i]), free(ddocs[i]);
    return check_done();
}
