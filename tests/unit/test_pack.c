/* pack and optim: documents become [BOS] doc EOS, cut into samples of T + 1
 * tokens sharing one token, with segments and restarting positions; another
 * epoch when the data ends; the learning-rate schedules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "io.h"
#include "optim.h"
#include "pack.h"

int main(void) {
    /* two documents: [10 11 12] and [20 21] */
    cn_shard_info info;
    cn_shard_info_init(&info, 100, NULL, 0);
    cn_out *out = cn_out_open("d.tok", 0);
    cn_shard_writer *w = cn_shard_writer_new(out, &info);
    uint32_t a[3] = {10, 11, 12}, b[2] = {20, 21};
    CHECK(cn_shard_write(w, a, 3, 3) == CN_OK && cn_shard_write(w, b, 2, 2) == CN_OK);
    CHECK(cn_shard_writer_finish(w, NULL) == CN_OK && cn_out_commit(out) == CN_OK);

    cn_docsrc_opts so = {0};
    cn_docsrc *src = cn_docsrc_open("d.tok", &so);
    CHECK(src != NULL);
    cn_pack_opts po = {4, 1, 2, 1, 100};
    cn_packer *p = cn_packer_new(&src, 1, &po);
    /* the stream: 1 10 11 12 2 1 20 21 2 | 1 10 11 12 2 ... */
    int32_t ids[4], tg[4], seg[4], pos[4];
    CHECK(cn_packer_next(p, ids, tg, seg, pos) == CN_OK);
    CHECK(ids[0] == 1 && ids[1] == 10 && ids[2] == 11 && ids[3] == 12);
    CHECK(tg[0] == 10 && tg[1] == 11 && tg[2] == 12 && tg[3] == 2);
    CHECK(seg[0] == 0 && seg[3] == 0 && pos[0] == 0 && pos[3] == 3);
    CHECK(cn_packer_next(p, ids, tg, seg, pos) == CN_OK); /* 2 1 20 21 -> 1 20 21 2 */
    CHECK(ids[0] == 2 && ids[1] == 1 && ids[2] == 20 && ids[3] == 21 && tg[0] == 1 && tg[3] == 2);
    CHECK(seg[0] == 0 && seg[1] == 1 && seg[3] == 1);
    CHECK(pos[0] == 0 && pos[1] == 0 && pos[2] == 1 && pos[3] == 2); /* restarts at the new document */
    CHECK(cn_packer_next(p, ids, tg, seg, pos) == CN_OK); /* 2 | 1 10 11 -> another epoch */
    CHECK(ids[0] == 2 && ids[1] == 1 && ids[2] == 10 && tg[3] == 12 && cn_packer_epochs(p) == 1);
    CHECK(cn_packer_tokens(p) == 8);
    cn_packer_free(p);

    /* a token beyond the model's vocabulary */
    src = cn_docsrc_open("d.tok", &so);
    cn_pack_opts small = {4, -1, -1, 0, 15};
    p = cn_packer_new(&src, 1, &small);
    CHECK(cn_packer_next(p, ids, tg, seg, pos) == CN_ERANGE && strstr(cn_errmsg(), "token id 20") != NULL);
    cn_packer_free(p);

    /* schedules */
    CHECK(fabs(cn_lr(CN_LR_COSINE, 5, 100, 10, 1.0, 0.1) - 0.5) < 1e-12);      /* warm-up */
    CHECK(fabs(cn_lr(CN_LR_COSINE, 10, 100, 10, 1.0, 0.1) - 1.0) < 1e-12);
    CHECK(fabs(cn_lr(CN_LR_COSINE, 55, 100, 10, 1.0, 0.1) - 0.55) < 1e-12);    /* halfway */
    CHECK(fabs(cn_lr(CN_LR_COSINE, 100, 100, 10, 1.0, 0.1) - 0.1) < 1e-12);    /* the floor */
    CHECK(fabs(cn_lr(CN_LR_LINEAR, 55, 100, 10, 1.0, 0.1) - 0.55) < 1e-12);
    CHECK(cn_lr(CN_LR_CONSTANT, 90, 100, 10, 1.0, 0.1) == 1.0);
    CHECK(cn_lr_parse("cosine") == CN_LR_COSINE && cn_lr_parse("step") == -1);
    return check_done();
}
