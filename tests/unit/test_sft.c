/* sft: the answers' loss mask, whole conversations packed with segments,
 * the blend and the data position; masked tokens contribute exactly nothing
 * to the gradient. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "config.h"
#include "model.h"
#include "sft.h"

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static cn_sft *reader(int t, uint64_t seed) {
    cn_sft_opts o = {t, seed, 0};
    return cn_sft_new(&o);
}

/* every target is the next id where that id is trained, else -1; one
 * segment per conversation, positions restart */
static void check_mask(cn_tok *tok) {
    write_file("a.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"What is a latch?\"},"
                          " {\"role\": \"assistant\", \"content\": \"A level-sensitive storage element.\"},"
                          " {\"role\": \"user\", \"content\": \"And a flop?\"},"
                          " {\"role\": \"assistant\", \"content\": \"Edge-triggered.\"}]}\n");
    for (int tpl = 0; tpl < CN_CHAT_NTEMPLATES; tpl++) {
        cn_chat_pieces p;
        cn_chat *c = cn_chat_new();
        cn_chat_add(c, CN_CHAT_USER, "What is a latch?", 16);
        cn_chat_add(c, CN_CHAT_ASSISTANT, "A level-sensitive storage element.", 34);
        cn_chat_add(c, CN_CHAT_USER, "And a flop?", 11);
        cn_chat_add(c, CN_CHAT_ASSISTANT, "Edge-triggered.", 15);
        CHECK(cn_chat_render(c, (cn_chat_template)tpl, "<s>", "</s>", 0, &p) == CN_OK);
        cn_ids ids;
        uint8_t *tr;
        CHECK(cn_sft_encode(tok, &p, &ids, &tr) == CN_OK);
        /* the trained ids decode to the trained pieces' text, in order */
        char want[512] = "", *got;
        size_t glen, nt = 0;
        uint32_t sel[256];
        for (size_t i = 0; i < p.n; i++)
            if (p.piece[i].trained) strncat(want, p.text + p.piece[i].off, p.piece[i].len);
        for (size_t i = 0; i < ids.n; i++)
            if (tr[i]) sel[nt++] = ids.v[i];
        CHECK(nt > 0 && nt < ids.n);
        CHECK(cn_tok_decode(tok, sel, nt, 0, &got, &glen) == CN_OK);
        /* SentencePiece drops the leading space of the first decoded piece */
        const char *w = want[0] == ' ' && got[0] != ' ' ? want + 1 : want;
        CHECK_MSG(strcmp(got, w) == 0, "template %d: trained text '%s', expected '%s'", tpl, got, w);
        free(got);
        cn_sft *s = reader(64, 1);
        CHECK(cn_sft_read(s, "a.jsonl", 1, tok, (cn_chat_template)tpl, "<s>", "</s>") == CN_OK);
        int32_t x[64], tg[64], seg[64], pos[64];
        CHECK(cn_sft_next(s, x, tg, seg, pos) == CN_OK);
        size_t n = ids.n < 64 ? ids.n : 64;
        for (size_t k = 0; k < n; k++) {
            CHECK(x[k] == (int32_t)ids.v[k] && seg[k] == 0 && pos[k] == (int32_t)k);
            int32_t want_tg = k + 1 < n && tr[k + 1] ? (int32_t)ids.v[k + 1] : -1;
            CHECK_MSG(tg[k] == want_tg, "template %d, position %zu: target %d, expected %d", tpl, k, tg[k], want_tg);
        }
        if (n < 64) CHECK(x[n] == (int32_t)ids.v[0] && seg[n] == 1 && pos[n] == 0); /* the next conversation (the same one again) */
        cn_sft_free(s);
        free(tr);
        cn_ids_free(&ids);
        cn_chat_pieces_free(&p);
        cn_chat_free(c);
    }
}

/* packing, the blend by weight, skip and rewind */
static void check_pack(cn_tok *tok) {
    write_file("b.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"q1\"}, {\"role\": \"assistant\", \"content\": \"a1\"}]}\n"
                          "{\"messages\": [{\"role\": \"user\", \"content\": \"q2 longer question\"}, {\"role\": \"assistant\", \"content\": \"a2\"}]}\n"
                          "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n");
    write_file("c.jsonl", "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"q3\"},"
                          " {\"role\": \"assistant\", \"content\": \"a much longer answer than the others, to take tokens\"}]}\n");
    cn_sft *s = reader(128, 7);
    CHECK(cn_sft_read(s, "b.jsonl", 3, tok, CN_CHAT_CHATML, "", "") == CN_OK);
    CHECK(cn_sft_read(s, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "") == CN_OK);
    cn_sft_stats b, c;
    cn_sft_stats_of(s, 0, &b);
    cn_sft_stats_of(s, 1, &c);
    CHECK(b.conversations == 2 && b.skipped == 1 && c.conversations == 1);
    int32_t x[128], tg[128], seg[128], pos[128], y[128], tg2[128], seg2[128], pos2[128];
    uint64_t by_src[2] = {0, 0};
    for (int k = 0; k < 40; k++) {
        CHECK(cn_sft_next(s, x, tg, seg, pos) == CN_OK);
        for (int i = 0; i < 128; i++) {
            CHECK(i == 0 || seg[i] >= seg[i - 1]);
            if (i > 0 && seg[i] == seg[i - 1]) CHECK(pos[i] == pos[i - 1] + 1);
            if (i == 0 || seg[i] != seg[i - 1]) {
                CHECK(pos[i] == 0);
                if (x[i] == 0) continue; /* padding */
                /* c.jsonl's starts with its system turn */
                cn_ids sys = {0};
                cn_tok_encode(tok, "<|im_start|>system", 18, 0, &sys);
                int is_c = sys.n > 0 && i + sys.n <= 128;
                for (size_t k = 0; is_c && k < sys.n; k++) is_c = x[i + k] == (int32_t)sys.v[k];
                by_src[is_c]++;
                cn_ids_free(&sys);
            }
        }
    }
    /* shares of tokens 3:1, about; b's conversations are shorter, so it gives
     * more of them */
    CHECK_MSG(by_src[0] > 2 * by_src[1], "%llu %llu", (unsigned long long)by_src[0], (unsigned long long)by_src[1]);
    /* the position: a fresh reader skipped to it gives the same next sequence */
    uint64_t at = cn_sft_position(s);
    CHECK(at == 40);
    CHECK(cn_sft_next(s, x, tg, seg, pos) == CN_OK);
    cn_sft *r = reader(128, 7);
    cn_sft_read(r, "b.jsonl", 3, tok, CN_CHAT_CHATML, "", "");
    cn_sft_read(r, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "");
    CHECK(cn_sft_skip(r, at) == CN_OK);
    CHECK(cn_sft_next(r, y, tg2, seg2, pos2) == CN_OK);
    CHECK(memcmp(x, y, sizeof x) == 0 && memcmp(tg, tg2, sizeof tg) == 0 && memcmp(seg, seg2, sizeof seg) == 0);
    /* rewind: the first sequence again */
    cn_sft_rewind(r);
    cn_sft *f = reader(128, 7);
    cn_sft_read(f, "b.jsonl", 3, tok, CN_CHAT_CHATML, "", "");
    cn_sft_read(f, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "");
    cn_sft_next(r, x, tg, seg, pos);
    cn_sft_next(f, y, tg2, seg2, pos2);
    CHECK(memcmp(x, y, sizeof x) == 0);
    /* another seed, another order */
    cn_sft *g = reader(128, 8);
    cn_sft_read(g, "b.jsonl", 3, tok, CN_CHAT_CHATML, "", "");
    cn_sft_read(g, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "");
    int differ = 0;
    cn_sft_rewind(f);
    for (int k = 0; k < 5; k++) {
        cn_sft_next(f, x, tg, seg, pos);
        cn_sft_next(g, y, tg2, seg2, pos2);
        differ |= memcmp(x, y, sizeof x) != 0;
    }
    CHECK(differ);
    /* a conversation longer than T is cut to T; one whose answer is cut off
     * entirely is skipped */
    uint64_t whole = c.tokens;
    cn_sft *t = reader((int)whole - 3, 1);
    CHECK(cn_sft_read(t, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "") == CN_OK);
    cn_sft_stats_of(t, -1, &c);
    CHECK(c.truncated == 1 && c.tokens == whole - 3 && c.conversations == 1);
    cn_sft *u = reader(8, 1);
    CHECK(cn_sft_read(u, "c.jsonl", 1, tok, CN_CHAT_CHATML, "", "") == CN_OK);
    cn_sft_stats_of(u, -1, &c);
    CHECK(c.conversations == 0 && c.skipped == 1);
    cn_sft_free(u);
    /* errors carry file:line */
    write_file("bad.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"q\"}]}\n{\"messages\": 3}\n");
    CHECK(cn_sft_read(t, "bad.jsonl", 1, tok, CN_CHAT_CHATML, "", "") == CN_EFORMAT);
    CHECK_MSG(strstr(cn_errmsg(), "bad.jsonl:2") != NULL, "%s", cn_errmsg());
    cn_sft_free(s), cn_sft_free(r), cn_sft_free(f), cn_sft_free(g), cn_sft_free(t);
}

/* The gradient of an SFT batch does not depend on the masked tokens that no
 * trained target sees: a trailing user turn, changed, gives the same bits. */
static void check_zero_grad(cn_tok *tok) {
    write_file("x.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"What does opt_clean do?\"},"
                          " {\"role\": \"assistant\", \"content\": \"It removes unused cells and wires.\"},"
                          " {\"role\": \"user\", \"content\": \"Thanks, and abc?\"}]}\n");
    write_file("y.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"What does opt_clean do?\"},"
                          " {\"role\": \"assistant\", \"content\": \"It removes unused cells and wires.\"},"
                          " {\"role\": \"user\", \"content\": \"Something else entirely, longer than before!\"}]}\n");
    const char *cfg = "{\"model_type\": \"llama\", \"hidden_size\": 16, \"intermediate_size\": 24, \"num_hidden_layers\": 2,"
                      " \"num_attention_heads\": 2, \"vocab_size\": 650, \"max_position_embeddings\": 96}";
    cn_config c;
    CHECK(cn_config_parse(cfg, strlen(cfg), "cfg", &c) == CN_OK);
    float *g[2] = {NULL, NULL};
    double loss[2];
    size_t ng = 0;
    for (int v = 0; v < 2; v++) {
        cn_sft *s = reader(96, 1);
        CHECK(cn_sft_read(s, v ? "y.jsonl" : "x.jsonl", 1, tok, CN_CHAT_CHIPNEMO, "<s>", "</s>") == CN_OK);
        int32_t ids[96], tg[96], seg[96], pos[96];
        CHECK(cn_sft_next(s, ids, tg, seg, pos) == CN_OK);
        cn_model *m = cn_model_new(&c, cn_ops_cpu());
        cn_model_init_random(m, 3, 0.2f);
        CHECK(cn_model_batch(m, 1, 96) == CN_OK);
        cn_batch b = {ids, pos, seg, NULL, NULL, tg};
        cn_model_zero_grad(m);
        CHECK(cn_model_forward(m, &b, &loss[v]) == CN_OK && cn_model_backward(m, NULL) == CN_OK);
        float *gd = cn_model_grad_data(m, &ng);
        g[v] = malloc(ng * sizeof(float));
        memcpy(g[v], gd, ng * sizeof(float));
        cn_model_free(m);
        cn_sft_free(s);
    }
    CHECK(loss[0] == loss[1] && isfinite(loss[0]) && loss[0] > 0);
    CHECK(memcmp(g[0], g[1], ng * sizeof(float)) == 0);
    double norm = 0;
    for (size_t i = 0; i < ng; i++) norm += (double)g[0][i] * g[0][i];
    CHECK(norm > 0);
    free(g[0]), free(g[1]);
}

/* A generation prompt is a prefix, token for token, of the conversation that
 * trains its answer, also with a tokenizer whose "\n-" spans the prompt's
 * end and the answer's start (encoded whole, the prompt would end in a "\n"
 * that training never shows alone) */
static void check_prompt_prefix(void) {
    cJSON *j = cJSON_CreateObject(), *m = cJSON_AddObjectToObject(j, "model"), *v = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "BPE");
    char ch[2] = {0, 0};
    int id = 0;
    for (int c = 32; c < 127; c++) ch[0] = (char)c, cJSON_AddNumberToObject(v, ch, id++);
    cJSON_AddNumberToObject(v, "\n", id++);
    cJSON_AddNumberToObject(v, "\n-", id++);
    cJSON_AddItemToObject(m, "vocab", v);
    cJSON *merges = cJSON_AddArrayToObject(m, "merges");
    cJSON_AddItemToArray(merges, cJSON_CreateString("\n -"));
    char *text = cJSON_PrintUnformatted(j);
    cn_tok *tok = cn_tok_parse(text, strlen(text), "newline-dash.json");
    CHECK_MSG(tok != NULL, "%s", cn_errmsg());
    free(text);
    cJSON_Delete(j);
    if (!tok) return;
    int32_t nl_dash = (int32_t)cn_tok_id(tok, "\n-", 2);
    for (int tpl = 0; tpl < CN_CHAT_NTEMPLATES; tpl++) {
        cn_chat *c = cn_chat_new();
        cn_chat_add(c, CN_CHAT_USER, "List two.", 9);
        cn_chat_pieces gp, full;
        CHECK(cn_chat_render(c, (cn_chat_template)tpl, "", "", CN_CHAT_GEN_PROMPT, &gp) == CN_OK);
        cn_chat_add(c, CN_CHAT_ASSISTANT, "- one\n- two", 11);
        CHECK(cn_chat_render(c, (cn_chat_template)tpl, "", "", 0, &full) == CN_OK);
        cn_ids a, b;
        uint8_t *tr;
        CHECK(cn_sft_encode(tok, &gp, &a, NULL) == CN_OK && cn_sft_encode(tok, &full, &b, &tr) == CN_OK);
        CHECK_MSG(a.n < b.n && memcmp(a.v, b.v, a.n * sizeof *a.v) == 0, "template %d: the prompt's ids are not a prefix", tpl);
        CHECK(a.n < b.n && tr[a.n] == 1 && tr[a.n - 1] == 0);
        /* inside the answer, "\n-" is still one token */
        int inside = 0;
        for (size_t k = a.n; k < b.n; k++) inside += (int32_t)b.v[k] == nl_dash;
        CHECK(inside == 1);
        cn_ids_free(&a), cn_ids_free(&b), free(tr);
        cn_chat_pieces_free(&gp), cn_chat_pieces_free(&full);
        cn_chat_free(c);
    }
    cn_tok_free(tok);
}

int main(void) {
    check_prompt_prefix();
    cn_tok *tok = cn_tok_load(check_data("tok", "tiny-spm.json"));
    CHECK(tok != NULL);
    if (!tok) return check_done();
    check_mask(tok);
    check_pack(tok);
    check_zero_grad(tok);
    cn_tok_free(tok);
    return check_done();
}
