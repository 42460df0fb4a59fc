/* io: byte streams over files, stdin/stdout and pipes.
 *
 * Reading: cn_in_open detects zstd by its frame magic and decompresses
 * transparently (several concatenated frames are one stream). A regular,
 * uncompressed file is memory-mapped, so cn_in_get hands out pointers into the
 * page cache without copying.
 *
 * Writing: cn_out_open writes to stdout ("-" or NULL) or atomically to a file:
 * the bytes go to "FILE.tmp.PID", which cn_out_commit fsyncs and renames over
 * FILE. A file not committed (an error path, exit(), SIGINT/SIGTERM/SIGHUP) is
 * removed, so a failed run never leaves a partial output behind. Output is
 * zstd-compressed when the name ends in ".zst" or CN_OUT_ZSTD is given. */
#ifndef CN_IO_H
#define CN_IO_H

#include <stddef.h>
#include <stdint.h>
#include "log.h"

typedef struct cn_in cn_in;

enum {
    CN_IN_MAP = 1,       /* memory-map a regular uncompressed file */
    CN_IN_SMALL = 2,     /* a file read whole (a config, a tokenizer): zstd decompressed by the caller, no
                            reader thread, and frames limited to zstd's default window (128 MiB) */
};

/* Opens path ("-" for stdin). Returns NULL on error with cn_errmsg() set. The
 * caller owns the stream and frees it with cn_in_close. */
cn_in *cn_in_open(const char *path);
cn_in *cn_in_open_flags(const char *path, int flags);
/* A stream over n bytes in memory (not copied: they must outlive the stream);
 * zstd is detected as for files. */
cn_in *cn_in_mem(const void *data, size_t n, const char *name);

/* Makes at least `want` bytes available from the current position and returns a
 * pointer to them, with *avail set to the bytes available (>= want, or fewer
 * only at end of input). The pointer is valid until the next cn_in call. On a
 * read or decompression error returns NULL with cn_errmsg() set; at end of
 * input returns a non-NULL pointer with *avail < want. */
const uint8_t *cn_in_get(cn_in *in, size_t want, size_t *avail);

/* Moves the position n bytes forward (n <= the last *avail). */
void cn_in_skip(cn_in *in, size_t n);

/* Copies exactly n bytes into dst. CN_OK, CN_EOF when no byte was left at all,
 * CN_ETRUNC when the input ended after some but not all bytes, or an I/O error. */
cn_status cn_in_read(cn_in *in, void *dst, size_t n);

/* The status of the last failed cn_in_get (CN_ETRUNC, CN_EFORMAT, CN_EIO...). */
cn_status cn_in_status(const cn_in *in);
/* Bytes consumed so far (of the decompressed stream). */
uint64_t cn_in_pos(const cn_in *in);
/* The name given to cn_in_open ("-" shows as "<stdin>"). */
const char *cn_in_name(const cn_in *in);
/* 1 when the input is zstd-compressed. */
int cn_in_zstd(const cn_in *in);
/* 1 when the whole input is mapped in memory (an uncompressed regular file):
 * then cn_in_map returns it and its size. */
int cn_in_mapped(const cn_in *in);
const uint8_t *cn_in_map(const cn_in *in, uint64_t *size);
void cn_in_close(cn_in *in);

enum {
    CN_OUT_ZSTD = 1,      /* compress whatever the name */
    CN_OUT_NO_ATOMIC = 2, /* write the file in place (for /dev/... and fifos) */
};

typedef struct cn_out cn_out;

/* Opens path for writing ("-" or NULL: stdout). Non-regular targets such as
 * /dev/null or a fifo are written in place. Returns NULL on error. */
cn_out *cn_out_open(const char *path, int flags);
cn_status cn_out_write(cn_out *out, const void *buf, size_t n);
/* Like cn_out_write, but the bytes may be written later, straight from buf
 * (no copy): buf must stay valid and unchanged until cn_out_flush, commit or
 * abort. For blocks in long-lived memory such as a mapped input. */
cn_status cn_out_write_ref(cn_out *out, const void *buf, size_t n);
/* Writes everything pending (releasing the blocks given to cn_out_write_ref). */
cn_status cn_out_flush(cn_out *out);
/* Flushes, ends the zstd frame, fsyncs and renames into place; frees out
 * whatever the result. On error the temporary file is removed. */
cn_status cn_out_commit(cn_out *out);
/* Commits n outputs as one (NULL entries skipped): each is flushed and
 * fsynced before any is renamed into place, so that a failure such as a full
 * disk leaves none of them. Frees them all, whatever the result. */
cn_status cn_out_commit_all(cn_out **outs, int n);
/* Commits the n files of a set whose last (outs[n - 1], none NULL) marks it
 * whole: as cn_out_commit_all, and the marker's old file is removed before
 * the others are renamed, the new one renamed last. A reader that finds the
 * marker finds the set it belongs to; a set cut short between the renames
 * has no marker. */
cn_status cn_out_commit_set(cn_out **outs, int n);
/* dir (NULL: none; kept by the caller until it clears it) is a directory
 * made for the outputs being written: on exit or SIGINT, SIGTERM or SIGHUP
 * it is removed with their temporary files when that leaves it empty. One at
 * a time. */
void cn_out_own_dir(const char *dir);
/* Discards everything written: removes the temporary file; frees out. */
void cn_out_abort(cn_out *out);
const char *cn_out_name(const cn_out *out);
/* Bytes written so far (before compression). */
uint64_t cn_out_pos(const cn_out *out);

/* The whole (decompressed) content of path, malloc'd and NUL-terminated
 * (*n bytes before the NUL); NULL on error. For configs, tokenizers and
 * other files read whole. */
char *cn_read_all(const char *path, size_t *n);
/* Writes text and a newline to path, atomically (as cn_out): JSON files. */
cn_status cn_write_text(const char *path, const char *text);
/* Copies the content of from into to (written atomically, as cn_out). */
cn_status cn_copy_file(const char *from, const char *to);
/* "DIR/NAME" (malloc'd, the caller frees it; one slash between, none added
 * after a DIR that ends in one; "" as DIR gives NAME). NULL when out of memory. */
char *cn_path_join(const char *dir, const char *name);

/* Metrics JSONL (a trainer's --log): one line a step, each handed to the
 * kernel with write(2) as it comes, so that `tail -f` follows the run and a
 * killed run keeps every line it wrote. Unlike the other outputs a log is not
 * atomic: it is kept as it grows. With resume_step >= 0 an existing log is
 * continued: its lines up to that step ("step" of each) are kept, whatever
 * follows (later steps, a line cut short) is cut off, and new lines go after
 * them; a log that is not there is started. With resume_step < 0 the file
 * starts empty. NULL on error, with the file named in cn_errmsg(). */
typedef struct cn_metrics cn_metrics;
cn_metrics *cn_metrics_open(const char *path, int64_t resume_step);
cn_status cn_metrics_write(cn_metrics *m, const char *line, size_t n);
/* Syncs a regular file and closes; frees m whatever the result. */
cn_status cn_metrics_close(cn_metrics *m);

/* A results file written as the run goes (cn-rag chat's answers): the lines
 * go to "FILE.part" as they come, each handed whole to the kernel, so that
 * `tail -f` follows the run and a killed run keeps every line it finished.
 * The first line is a header, the run's settings (JSON), for the run that
 * continues it to compare; cn_part_commit writes the lines after it
 * atomically to FILE (as cn_out) and removes FILE.part. FILE.part is locked
 * while open (flock), so that two runs never write one. */
typedef struct cn_part cn_part;
/* Opens FILE.part. A new one starts with header (one line, no newline). One
 * left by an earlier run is continued with resume != 0: its whole lines are
 * kept (cn_part_line) and a line cut short is cut off; without resume it is
 * refused while it holds a line after its header. NULL on error, with the
 * file named in cn_errmsg(). */
cn_part *cn_part_open(const char *path, const char *header, int resume);
/* The header of the FILE.part continued (owned by p), or NULL when it was
 * begun here. */
const char *cn_part_header(const cn_part *p);
/* Lines kept from an earlier run; line i of them, without its newline (n
 * bytes, owned by p). */
size_t cn_part_kept(const cn_part *p);
const char *cn_part_line(const cn_part *p, size_t i, size_t *n);
/* Lines after the header: kept and written. */
size_t cn_part_count(const cn_part *p);
const char *cn_part_name(const cn_part *p);
/* Appends one line (n bytes, its newline last). On error the file is cut
 * back to its last whole line. */
cn_status cn_part_write(cn_part *p, const char *line, size_t n);
/* Leaves FILE.part for a later run: cuts it back to its last whole line, and
 * removes it when no line follows the header. Returns the lines it keeps.
 * Async-signal-safe, for a signal handler or an exit handler; p stays open. */
size_t cn_part_cut(cn_part *p);
/* Moves the lines onto FILE (atomically) and removes FILE.part. On error
 * FILE.part is left as it was. */
cn_status cn_part_commit(cn_part *p);
void cn_part_free(cn_part *p);

/* Writes all n bytes to fd (a write cut short or interrupted goes on); on
 * error "name: write error: ..." */
cn_status cn_write_fd(int fd, const void *buf, size_t n, const char *name);

/* Sets the zstd compression level of outputs opened later (default 3). */
void cn_out_set_level(int level);

#endif
