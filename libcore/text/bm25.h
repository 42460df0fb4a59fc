/* bm25: the classic lexical retriever, Okapi BM25 as Lucene (and so
 * Pyserini) scores it, over a set of passages held in memory.
 *
 * Words: runs of ASCII letters, digits and '_' and of the UTF-8 characters
 * of other scripts, ASCII lowercased; the white space, punctuation and
 * symbols of Latin-1, General Punctuation (en and em dashes, curly quotes,
 * the typographic spaces), CJK punctuation and full-width ASCII split words
 * as ASCII punctuation does. No tokenizer, stemmer or stop words, the same
 * split for passages and queries. A passage's score
 * for a query is the sum over the query's words w (each as often as it
 * occurs in the query) of
 *   idf(w) * tf / (tf + k1 * (1 - b + b * dl / avgdl)),
 *   idf(w) = ln(1 + (N - df + 0.5) / (df + 0.5))
 * with tf w's count in the passage, dl its words, avgdl their mean over the
 * N passages, df the passages holding w (Lucene's BM25Similarity; Lucene
 * keeps dl in a lossy one-byte form, here it is exact). Pyserini's defaults:
 * k1 0.9, b 0.4. */
#ifndef CN_BM25_H
#define CN_BM25_H
#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef struct cn_bm25 cn_bm25;

/* The index of n passages (text[i], len[i] bytes); NULL on failure (memory). */
cn_bm25 *cn_bm25_new(const char *const *text, const size_t *len, size_t n, double k1, double b);
void cn_bm25_free(cn_bm25 *ix);
/* the distinct words of the passages */
size_t cn_bm25_words(const cn_bm25 *ix);

/* The k passages of highest score for the query (q, n bytes), best first, a
 * tie to the lower passage: ids[k] and scores[k]; only passages sharing a
 * word with the query are given, the rest of the k slots id -1 and score
 * -inf. CN_ENOMEM. One query at a time per index. */
cn_status cn_bm25_search(cn_bm25 *ix, const char *q, size_t n, int k, int64_t *ids, float *scores);
#endif
