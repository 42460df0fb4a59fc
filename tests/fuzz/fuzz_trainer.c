/* libFuzzer target: a checkpoint's trainer.json: the state (step within the
 * run, counts, seed, threads), every option checked into the typed struct,
 * the packer's position in "data"; and the round trip: what parses, written
 * back and parsed again, is the same struct and the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pack.h"
#include "trainer.h"

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_trainer s, t;
    if (cn_trainer_parse((const char *)data, size, "fuzz", &s)) return 0;
    if (s.step < 0 || s.step > s.steps || s.threads < 1 || s.o.seq_len < 1 || s.o.micro_batch < 1) abort();
    cn_pack_state ps;
    if (cn_pack_state_from_json(s.data, "fuzz", &ps) == CN_OK && (ps.carry_doc > ps.docs || ps.have_carry > 1 || ps.ended > 1)) abort();
    char *text = cn_trainer_to_json(&s);
    if (!text) abort();
    if (cn_trainer_parse(text, strlen(text), "again", &t)) abort();
    char *again = cn_trainer_to_json(&t);
    if (!again || strcmp(text, again) != 0) abort();
    if (strcmp(s.tool, t.tool) || s.step != t.step || s.steps != t.steps || s.tokens != t.tokens || s.seed != t.seed ||
        s.o.seq_len != t.o.seq_len || s.o.lr != t.o.lr || s.o.keep != t.o.keep || !same_str(s.o.log, t.o.log) ||
        s.pretrain.bos != t.pretrain.bos || !same_str(s.sft.init, t.sft.init) || s.sft.lora_rank != t.sft.lora_rank)
        abort();
    free(text), free(again);
    cn_trainer_free(&s), cn_trainer_free(&t);
    return 0;
}
