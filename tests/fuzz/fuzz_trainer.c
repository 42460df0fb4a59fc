/* libFuzzer target: a checkpoint's trainer.json: the state (step within the
 * run, counts, seed, threads), every option read back as a checked number,
 * and the packer's position in "data". */
#include <stdint.h>
#include <stdlib.h>
#include "ckpt.h"
#include "pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cn_trainer_state s;
    if (cn_ckpt_trainer_parse((const char *)data, size, "fuzz", &s)) return 0;
    if (s.step < 0 || s.step > s.steps || s.threads < 1) abort();
    const cJSON *e;
    cJSON_ArrayForEach(e, s.options) {
        double d;
        int64_t v;
        cn_json_num(s.options, e->string, "fuzz", &d);
        cn_json_int(s.options, e->string, "fuzz", -1, INT32_MAX, &v);
    }
    cn_pack_state ps;
    if (cn_pack_state_from_json(s.data, "fuzz", &ps) == CN_OK && (ps.carry_doc > ps.docs || ps.have_carry > 1 || ps.ended > 1)) abort();
    cn_ckpt_trainer_free(&s);
    return 0;
}
