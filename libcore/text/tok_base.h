/* tok_base: the tokenizer's internals that the BPE trainer shares (internal
 * to libcore): the hash of a byte string, the string -> id map, the
 * byte-level alphabet. */
#ifndef CN_TOK_BASE_H
#define CN_TOK_BASE_H

#include <stddef.h>
#include <stdint.h>
#include "log.h"

/* the hash of a byte string (FNV-1a, high bits folded in): the token map's, and
 * the BPE trainer's tables' */
uint64_t tok_hash(const char *s, size_t n);

/* string -> id, by open addressing over a table of strings the caller owns
 * (str[id], len[id]); the first id put for a string wins */
typedef struct {
    uint32_t *slot; /* id + 1, 0 empty */
    size_t mask;
} tok_map;
cn_status tok_map_init(tok_map *m, size_t n);
void tok_map_free(tok_map *m);
int64_t tok_map_get(const tok_map *m, char *const *str, const uint32_t *len, const char *s, size_t n);
void tok_map_put(tok_map *m, char *const *str, const uint32_t *len, uint32_t id);

/* the byte-level alphabet (GPT-2's bytes_to_unicode): the UTF-8 of a byte's
 * character (1 or 2 bytes), and back (-1: not a character of the alphabet) */
const char *tok_bl_char(uint8_t b, size_t *len);
int tok_bl_byte(const char *s, size_t n, size_t *len);

#endif
