/* sft: chat conversations as training samples for supervised fine-tuning.
 * Each conversation is rendered with a chat template (chat.h), tokenized
 * piece by piece as the model will be prompted (cn_sft_encode), and its
 * tokens flagged where the template says the text is trained (the answers);
 * a target counts only when the token it predicts is trained, so the loss
 * covers the answers alone.
 *
 * Conversations are packed whole, in order, into sequences of T tokens with
 * a segment per conversation and positions restarting at each (a
 * conversation longer than T is cut to T; the rest of a sequence that the
 * next one does not fit is padding, target -1). Sources (files) are blended
 * by weight as shares of tokens, each next conversation from the source
 * furthest below its share (ties to the first); a source's conversations
 * are shuffled anew each pass over it, from the seed. All is in memory:
 * SFT sets are small. */
#ifndef CN_SFT_H
#define CN_SFT_H
#include <stddef.h>
#include <stdint.h>
#include "chat.h"
#include "log.h"
#include "tok.h"

typedef struct cn_sft cn_sft;

typedef struct {
    int t;          /* tokens per sequence */
    uint64_t seed;  /* the shuffles */
    int32_t pad;    /* the id of padding positions (never a target) */
} cn_sft_opts;

cn_sft *cn_sft_new(const cn_sft_opts *o);
void cn_sft_free(cn_sft *s);

/* Tokenizes rendered pieces as a model trains on them and is prompted with
 * them: each piece on its own (special tokens in it recognised, nothing
 * added around it), every piece after the first as text that continues the
 * one before (CN_TOK_CONTINUE), the ids appended in order to *ids. A token
 * never spans two pieces, so a generation prompt (a rendering that ends
 * before an answer) is a prefix, token for token, of the conversation that
 * trains that answer; encoded whole, its last token ("\n", say) could be
 * one that training only ever sees merged with the answer's first ("\n-"),
 * as NeMo avoids by tokenizing each turn apart. trained, when not NULL,
 * receives (malloc'd) one flag per id, 1 for the ids of trained pieces. */
cn_status cn_sft_encode(cn_tok *tok, const cn_chat_pieces *p, cn_ids *ids, uint8_t **trained);

/* Reads a chat JSONL file (plain or zstd, "-" for stdin) as a new source of
 * the blend with weight (> 0): every conversation rendered with template t
 * (bos, eos: the token strings) and encoded. Errors carry "FILE:LINE". A
 * conversation without an answer, or whose answers are all cut off by T, is
 * skipped and counted. */
cn_status cn_sft_read(cn_sft *s, const char *path, double weight, cn_tok *tok, cn_chat_template t, const char *bos, const char *eos);

/* skipped: conversations without an answer to train, of which skipped_cut
 * had answers that T cut off entirely; skip_line the lines of the first
 * CN_SFT_SKIP_LINES of them (one source) */
#define CN_SFT_SKIP_LINES 5
typedef struct {
    uint64_t conversations, tokens, trained, skipped, truncated, skipped_cut;
    uint64_t skip_line[CN_SFT_SKIP_LINES];
} cn_sft_stats;
/* What was read: all sources (src -1) or one. */
void cn_sft_stats_of(const cn_sft *s, int src, cn_sft_stats *st);
int cn_sft_sources(const cn_sft *s);

/* The next sequence: ids, targets, segment, pos each [T]. CN_EOF when there
 * are no conversations. */
cn_status cn_sft_next(cn_sft *s, int32_t *ids, int32_t *tg, int32_t *seg, int32_t *pos);
/* Sequences given so far: the data position; cn_sft_skip on a fresh one
 * over the same sources (in the same order) goes back to it. */
uint64_t cn_sft_position(const cn_sft *s);
/* Conversations of source src given so far, in passes over it. */
double cn_sft_epochs(const cn_sft *s, int src);
cn_status cn_sft_skip(cn_sft *s, uint64_t sequences);
/* The data position as a checkpoint's trainer.json keeps it ("sequences"
 * into o), and back: a fresh s over the same sources skips to the position
 * in o (where: the file, for messages). */
struct cJSON;
void cn_sft_position_to_json(const cn_sft *s, struct cJSON *o);
cn_status cn_sft_position_from_json(cn_sft *s, const struct cJSON *o, const char *where);
/* Back to the first sequence (held-out data read again from its start). */
void cn_sft_rewind(cn_sft *s);
#endif
