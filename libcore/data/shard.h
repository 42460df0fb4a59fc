/* shard: token shards (DESIGN.md section 3) and Megatron-LM indexed datasets.
 *
 * A shard is a 64-byte header, records (u32 n, u32 text bytes, u32 CRC-32C of
 * the ids as stored, n ids of 2 or 4 bytes), and a trailer (u32 0xFFFFFFFF, u64
 * documents, u64 tokens, u64 text bytes, u32 CRC-32C of every byte of the shard
 * before it). A stream is one or more shards back to back. */
#ifndef CN_SHARD_H
#define CN_SHARD_H

#include <stdint.h>
#include "io.h"

#define CN_SHARD_MAGIC "CNTOKSH1"
#define CN_SHARD_HEADER 64
#define CN_SHARD_TRAILER 32
#define CN_SHARD_MAX_RECORD (1ull << 30) /* bytes of ids in one record, at most */
#define CN_SHARD_BOS 1u /* flag: BOS stored at the start of each record */
#define CN_SHARD_EOS 2u /* flag: EOS stored at the end of each record */

typedef struct {
    uint32_t width;      /* bytes per token id: 2 or 4 */
    uint32_t vocab_size; /* every id < vocab_size */
    uint8_t tok_hash[32];/* SHA-256 of the tokenizer.json bytes (all zero: unknown) */
    uint32_t flags;      /* CN_SHARD_BOS | CN_SHARD_EOS */
} cn_shard_info;

typedef struct {
    uint64_t docs, tokens, text_bytes;
} cn_shard_counts;

/* One document as stored: n ids of `width` bytes at `ids` (little-endian,
 * possibly unaligned), the length of its text in UTF-8 bytes, the record CRC. */
typedef struct {
    const void *ids;
    uint32_t n, text_bytes, crc, width;
    int stable; /* ids stay valid until the source is closed (mapped input) */
} cn_doc;

/* Token id i of a document. */
static inline uint32_t cn_doc_id(const cn_doc *d, uint32_t i) {
    const uint8_t *p = (const uint8_t *)d->ids + (size_t)i * d->width;
    return d->width == 2 ? (uint32_t)p[0] | (uint32_t)p[1] << 8
                         : (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Fills info for a vocabulary: width 2 when vocab_size <= 65536, else 4. */
void cn_shard_info_init(cn_shard_info *info, uint32_t vocab_size, const uint8_t tok_hash[32], uint32_t flags);
/* Parses and checks a 64-byte header; `name` is used in messages. */
cn_status cn_shard_header_parse(const uint8_t *p, cn_shard_info *info, const char *name);
/* The error for bytes p (n of them) that do not start with the magic: a hint
 * to run cn-tokenize when they read as JSONL text. */
cn_status cn_shard_bad_magic(const uint8_t *p, size_t n, const char *name);
void cn_shard_header_write(uint8_t p[CN_SHARD_HEADER], const cn_shard_info *info);

/* SHA-256 of a tokenizer.json file's bytes, for the header. */
cn_status cn_shard_tokenizer_hash(const char *path, uint8_t out[32]);

/* ---- writer ---- */

typedef struct cn_shard_writer cn_shard_writer;

/* Starts a shard on out (not owned; the caller commits it after
 * cn_shard_writer_finish). Returns NULL on error. */
cn_shard_writer *cn_shard_writer_new(cn_out *out, const cn_shard_info *info);
/* Appends a document of n >= 1 ids (n == 0 is skipped: an empty document has
 * no record). Fails with CN_ERANGE on an id >= vocab_size. */
cn_status cn_shard_write(cn_shard_writer *w, const uint32_t *ids, uint32_t n, uint32_t text_bytes);
/* Appends a stored document as it is (ids in doc->width bytes, doc->crc
 * trusted when the widths agree): the fast path for copying records. */
cn_status cn_shard_write_doc(cn_shard_writer *w, const cn_doc *doc);
/* Writes the trailer and frees w (also on error). */
cn_status cn_shard_writer_finish(cn_shard_writer *w, cn_shard_counts *counts);
/* Frees w without writing a trailer. */
void cn_shard_writer_free(cn_shard_writer *w);

/* ---- streaming reader ---- */

typedef struct cn_shard_reader cn_shard_reader;

/* Reads the shard stream in (not owned). */
cn_shard_reader *cn_shard_reader_new(cn_in *in);
void cn_shard_reader_free(cn_shard_reader *r);
/* Next document of the stream, across shard boundaries. CN_OK and *doc (valid
 * until the next call), CN_EOF after the last trailer (an empty input is a
 * stream of no shards), or an error: bad magic or header, a record whose CRC or
 * an id is wrong (detected before the record is handed on), a trailer whose
 * counts or CRC disagree, input ending before a trailer. */
cn_status cn_shard_next(cn_shard_reader *r, cn_doc *doc);
/* Calls fn(ctx, header) for every shard header as it is read (before its
 * documents, and for shards with none); a status other than CN_OK from fn
 * stops the reader with that status. */
void cn_shard_reader_on_header(cn_shard_reader *r, cn_status (*fn)(void *ctx, const cn_shard_info *info), void *ctx);
/* Header of the shard being read (valid after the first cn_shard_next). */
const cn_shard_info *cn_shard_reader_info(const cn_shard_reader *r);
/* Number of shards started so far. */
uint64_t cn_shard_reader_shards(const cn_shard_reader *r);

/* ---- random access to an uncompressed shard file ---- */

typedef struct cn_shard_file cn_shard_file;

/* Maps path and indexes its documents by one scan of the record headers (all
 * shards of the stream). Checks headers, record lengths and trailer counts; a
 * record's CRC and ids are checked when cn_shard_file_doc hands it out. The
 * trailer CRCs are not checked (that needs every byte: use the reader). Fails on
 * a zstd-compressed file (CN_EINVAL: decompress it first). */
cn_shard_file *cn_shard_file_open(const char *path);
void cn_shard_file_close(cn_shard_file *f);
uint64_t cn_shard_file_docs(const cn_shard_file *f);
/* Header of the first shard (all shards must agree on width and vocabulary). */
const cn_shard_info *cn_shard_file_info(const cn_shard_file *f);
/* 1 when the file's shards differ in tokenizer hash or flags. */
int cn_shard_file_mixed(const cn_shard_file *f);
cn_status cn_shard_file_doc(const cn_shard_file *f, uint64_t i, cn_doc *doc);

/* Checks a record: n >= 1, CRC of the ids, every id < vocab_size. name,
 * offset (of the record) and index (of the document) go into the message. */
cn_status cn_doc_check(const cn_doc *doc, uint32_t vocab_size, const char *name, uint64_t offset, uint64_t index);

/* ---- Megatron-LM / NeMo indexed datasets (prefix.idx + prefix.bin) ---- */

enum { CN_MEGATRON_U16 = 8, CN_MEGATRON_I32 = 4 };

typedef struct cn_megatron cn_megatron;

/* The side file PREFIX.cnmeta that this project writes next to a dataset made
 * from a shard stream: the shard headers, documents per shard, text bytes per
 * document and the EOS id, so that shards -> Megatron -> shards is byte for
 * byte. Megatron ignores it; a dataset without one reads as plain ids. */
#define CN_MEGATRON_EOS_AUTO (-2) /* the side file's EOS, or none */

/* Opens prefix.idx and prefix.bin (mmap) and checks the index against the data
 * size. Documents are the concatenation of their sequences. eos >= 0: a
 * trailing eos id is stripped from each document (Megatron's builder appends
 * one); -1: documents are returned as stored; CN_MEGATRON_EOS_AUTO: as the side
 * file says. */
cn_megatron *cn_megatron_open(const char *prefix, int64_t eos);
/* Shard headers from the side file: the number of shards (0 without a side
 * file), and for shard k its header and number of documents. */
uint64_t cn_megatron_shards(const cn_megatron *m);
const cn_shard_info *cn_megatron_shard_info(const cn_megatron *m, uint64_t k, uint64_t *docs);
void cn_megatron_close(cn_megatron *m);
uint64_t cn_megatron_docs(const cn_megatron *m);
uint64_t cn_megatron_seqs(const cn_megatron *m);
int cn_megatron_dtype(const cn_megatron *m);
/* Document i as ids of width 2 (u16) or 4 (i32): doc->ids points into the
 * mapped .bin; its CRC is computed here and text_bytes comes from the side file
 * (0 without one). Fails on a negative int32 id. */
cn_status cn_megatron_doc(const cn_megatron *m, uint64_t i, cn_doc *doc);

typedef struct cn_megatron_writer cn_megatron_writer;

/* Starts prefix.bin and prefix.idx (atomic) with dtype CN_MEGATRON_U16 or
 * CN_MEGATRON_I32 (cn_megatron_dtype_for(vocab) picks as Megatron does: u16
 * below a vocabulary of 65500). */
cn_megatron_writer *cn_megatron_writer_new(const char *prefix, int dtype);
int cn_megatron_dtype_for(uint64_t vocab_size);
/* Adds one sequence (Megatron's add_item); ids must fit the dtype. */
cn_status cn_megatron_add(cn_megatron_writer *w, const uint32_t *ids, uint64_t n);
/* Ends the current document (Megatron's end_document); text_bytes goes to the
 * side file when there is one. */
cn_status cn_megatron_end_doc(cn_megatron_writer *w, uint32_t text_bytes);
/* Records that the documents from here on came from a shard with this header,
 * and asks for the side file PREFIX.cnmeta; eos: the id appended to each
 * document by the caller (-1: none), recorded for the reader. */
cn_status cn_megatron_begin_shard(cn_megatron_writer *w, const cn_shard_info *info, int64_t eos);
/* Writes the index and commits both files; frees w. */
cn_status cn_megatron_finish(cn_megatron_writer *w);
void cn_megatron_abort(cn_megatron_writer *w);

/* ---- document sources: one interface over the stores above ---- */

typedef struct cn_docsrc cn_docsrc;

typedef struct {
    int64_t eos;         /* Megatron: id stripped from document ends (CN_MEGATRON_EOS_AUTO: side file) */
    uint32_t vocab_size; /* Megatron without side file: the vocabulary (0: the dtype's range) */
    int random;          /* random access wanted: index an uncompressed shard file (else stream it) */
    int force;           /* shards of one source may differ in tokenizer hash and flags */
} cn_docsrc_opts;

/* Opens path as: "-" (stdin, a shard stream read once), a shard file (a
 * stream that can be restarted; with opts->random and uncompressed, indexed
 * for random access instead), or a Megatron prefix (path.idx and path.bin
 * exist; random access). Every shard of a source must have the vocabulary of
 * the first, and its tokenizer hash and flags unless opts->force. A Megatron
 * prefix without a side file needs opts->eos set (an id, or -1 for none).
 * Documents with no tokens (possible in Megatron data) are skipped. Returns
 * NULL on error. */
cn_docsrc *cn_docsrc_open(const char *path, const cn_docsrc_opts *opts);
void cn_docsrc_close(cn_docsrc *s);
const char *cn_docsrc_name(const cn_docsrc *s);
/* Header of the source (of its first shard); has_info is 0 for an empty stream. */
const cn_shard_info *cn_docsrc_info(const cn_docsrc *s, int *has_info);
/* 1 when cn_docsrc_get works (then cn_docsrc_count is the number of documents). */
int cn_docsrc_random(const cn_docsrc *s);
uint64_t cn_docsrc_count(const cn_docsrc *s);
cn_status cn_docsrc_get(cn_docsrc *s, uint64_t i, cn_doc *doc);
/* Next document in stored order (random-access sources too); CN_EOF at the end. */
cn_status cn_docsrc_next(cn_docsrc *s, cn_doc *doc);
/* Starts again from the first document; CN_EINVAL for stdin. */
cn_status cn_docsrc_rewind(cn_docsrc *s);
/* 1 when the source can be read again (everything but stdin). */
int cn_docsrc_rewindable(const cn_docsrc *s);

#endif
