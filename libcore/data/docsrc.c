/* docsrc: shard streams, shard files and Megatron datasets behind one
 * document interface, for consumers such as cn-mix. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "shard.h"

struct cn_docsrc {
    char *path;
    cn_docsrc_opts opts;
    /* exactly one of these */
    cn_shard_file *file;
    cn_megatron *meg;
    cn_in *in;
    cn_shard_reader *rd;
    cn_shard_info info;
    int has_info;
    uint64_t next; /* sequential position for random-access sources */
};

static char *dup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int exists(const char *prefix, const char *ext) {
    size_t n = strlen(prefix);
    char *p = malloc(n + strlen(ext) + 1);
    if (!p) return 0;
    memcpy(p, prefix, n);
    strcpy(p + n, ext);
    struct stat st;
    int ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

/* every shard against the first: vocabulary always, tokenizer and flags
 * unless forced */
static cn_status agree(const cn_docsrc *s, const cn_shard_info *i, uint64_t k) {
    if (i->vocab_size != s->info.vocab_size)
        return cn_fail(CN_EMISMATCH, "%s: shard %llu has vocab_size %u, the first %u", cn_docsrc_name(s),
                       (unsigned long long)k, i->vocab_size, s->info.vocab_size);
    if (!s->opts.force && (memcmp(i->tok_hash, s->info.tok_hash, 32) != 0 || i->flags != s->info.flags))
        return cn_fail(CN_EMISMATCH, "%s: shard %llu differs from the first in tokenizer or flags (--force to use it anyway)",
                       cn_docsrc_name(s), (unsigned long long)k);
    return CN_OK;
}

static cn_status on_header(void *ctx, const cn_shard_info *info) {
    cn_docsrc *s = ctx;
    return agree(s, info, cn_shard_reader_shards(s->rd));
}

/* opens the stream and peeks at its first header */
static cn_status open_stream(cn_docsrc *s) {
    s->in = cn_in_open(s->path); /* read ahead on another thread */
    if (!s->in) return CN_EIO;
    s->rd = cn_shard_reader_new(s->in);
    if (!s->rd) return CN_ENOMEM;
    cn_shard_reader_on_header(s->rd, on_header, s);
    size_t avail;
    const uint8_t *p = cn_in_get(s->in, CN_SHARD_HEADER, &avail);
    if (!p) return CN_EIO;
    if (avail == 0) return CN_OK; /* empty: no shard, no documents */
    if (avail < CN_SHARD_HEADER) {
        if (avail >= 8 && memcmp(p, CN_SHARD_MAGIC, 8) == 0)
            return cn_fail(CN_ETRUNC, "%s: byte 0: truncated shard (input ends inside a header)", cn_in_name(s->in));
        return cn_shard_bad_magic(p, avail, cn_in_name(s->in));
    }
    cn_shard_info info;
    cn_status st = cn_shard_header_parse(p, &info, cn_in_name(s->in));
    if (st) return st;
    if (!s->has_info) s->info = info;
    s->has_info = 1;
    return CN_OK;
}

cn_docsrc *cn_docsrc_open(const char *path, const cn_docsrc_opts *opts) {
    cn_docsrc *s = calloc(1, sizeof *s);
    if (!s || !(s->path = dup(path))) {
        free(s);
        return cn_fail(CN_ENOMEM, "out of memory"), NULL;
    }
    if (opts) s->opts = *opts;
    else s->opts.eos = CN_MEGATRON_EOS_AUTO;
    struct stat st;
    int is_file = strcmp(path, "-") != 0 && stat(path, &st) == 0;
    if (!is_file && strcmp(path, "-") != 0 && exists(path, ".idx") && exists(path, ".bin")) {
        s->meg = cn_megatron_open(path, s->opts.eos);
        if (!s->meg) goto fail;
        uint64_t docs;
        const cn_shard_info *mi = cn_megatron_shard_info(s->meg, 0, &docs);
        if (!mi && s->opts.eos == CN_MEGATRON_EOS_AUTO) {
            cn_fail(CN_EINVAL, "%s: a Megatron dataset without a .cnmeta side file: say which end-of-document id its .bin holds (--eos ID, or --eos none)", path);
            goto fail;
        }
        if (mi) {
            s->info = *mi;
            for (uint64_t k = 1; k < cn_megatron_shards(s->meg); k++)
                if (agree(s, cn_megatron_shard_info(s->meg, k, NULL), k)) goto fail;
            s->info.width = cn_megatron_dtype(s->meg) == CN_MEGATRON_U16 ? 2 : 4;
        } else {
            uint32_t v = s->opts.vocab_size;
            if (!v) v = cn_megatron_dtype(s->meg) == CN_MEGATRON_U16 ? 65536 : 0x7FFFFFFF;
            cn_shard_info_init(&s->info, v, NULL, 0);
            s->info.width = cn_megatron_dtype(s->meg) == CN_MEGATRON_U16 ? 2 : 4;
        }
        s->has_info = 1;
        return s;
    }
    if (s->opts.random && is_file && S_ISREG(st.st_mode) && st.st_size > 0) {
        /* an uncompressed file gets random access */
        cn_in *probe = cn_in_open_flags(path, CN_IN_MAP);
        if (!probe) goto fail;
        int mapped = cn_in_mapped(probe);
        cn_in_close(probe);
        if (mapped) {
            s->file = cn_shard_file_open(path);
            if (!s->file) goto fail;
            s->info = *cn_shard_file_info(s->file);
            s->has_info = 1;
            if (cn_shard_file_mixed(s->file) && !s->opts.force) {
                cn_fail(CN_EMISMATCH, "%s: its shards differ in tokenizer or flags (--force to use it anyway)", path);
                goto fail;
            }
            return s;
        }
    }
    if (open_stream(s)) goto fail;
    return s;
fail:
    cn_docsrc_close(s);
    return NULL;
}

void cn_docsrc_close(cn_docsrc *s) {
    if (!s) return;
    cn_shard_file_close(s->file);
    cn_megatron_close(s->meg);
    cn_shard_reader_free(s->rd);
    cn_in_close(s->in);
    free(s->path);
    free(s);
}

const char *cn_docsrc_name(const cn_docsrc *s) { return strcmp(s->path, "-") ? s->path : "<stdin>"; }
const cn_shard_info *cn_docsrc_info(const cn_docsrc *s, int *has_info) {
    if (has_info) *has_info = s->has_info;
    return &s->info;
}
int cn_docsrc_random(const cn_docsrc *s) { return s->file || s->meg; }
int cn_docsrc_rewindable(const cn_docsrc *s) { return strcmp(s->path, "-") != 0; }

uint64_t cn_docsrc_count(const cn_docsrc *s) {
    if (s->file) return cn_shard_file_docs(s->file);
    if (s->meg) return cn_megatron_docs(s->meg);
    return UINT64_MAX;
}

cn_status cn_docsrc_get(cn_docsrc *s, uint64_t i, cn_doc *doc) {
    if (s->file) return cn_shard_file_doc(s->file, i, doc);
    if (s->meg) {
        cn_status st = cn_megatron_doc(s->meg, i, doc);
        if (!st && doc->n && (doc->width == 4 || s->info.vocab_size < 65536))
            st = cn_doc_check(doc, s->info.vocab_size, s->path, 0, i);
        return st;
    }
    return cn_fail(CN_EINVAL, "%s: no random access to a stream", cn_docsrc_name(s));
}

cn_status cn_docsrc_next(cn_docsrc *s, cn_doc *doc) {
    if (s->file || s->meg) {
        for (;;) {
            if (s->next >= cn_docsrc_count(s)) return CN_EOF;
            cn_status st = cn_docsrc_get(s, s->next++, doc);
            if (st || doc->n) return st; /* an empty Megatron document is no document */
        }
    }
    return cn_shard_next(s->rd, doc);
}

cn_status cn_docsrc_rewind(cn_docsrc *s) {
    if (s->file || s->meg) {
        s->next = 0;
        return CN_OK;
    }
    if (!cn_docsrc_rewindable(s)) return cn_fail(CN_EINVAL, "<stdin>: cannot be read twice");
    cn_shard_reader_free(s->rd);
    cn_in_close(s->in);
    s->rd = NULL;
    s->in = NULL;
    return open_stream(s);
}
