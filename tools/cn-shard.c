/* cn-shard: inspect, verify, copy and convert token shard streams (and
 * Megatron-LM indexed datasets). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crc.h"
#include "jsonl.h"
#include "shard.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s COMMAND [options] [FILE...]\n"
           "Token shard streams (DESIGN.md section 3): FILE is plain or zstd, - for stdin.\n\n"
           "Commands:\n"
           "  stat [FILE...]        verify every record and trailer; print one JSON line per\n"
           "                        input: shards, docs, tokens, text_bytes, width, vocab_size,\n"
           "                        tokenizer_sha256, flags\n"
           "  cat [FILE...]         verify and copy the documents into one shard on stdout\n"
           "  dump [FILE...]        documents as JSONL {\"ids\": [...], \"text_bytes\": N}\n"
           "  pack [JSONL...]       JSONL {\"ids\": [...], \"text_bytes\": N} into a shard;\n"
           "                        needs --vocab-size\n"
           "  to-megatron --prefix P [FILE...]\n"
           "                        write P.bin and P.idx (Megatron-LM IndexedDataset) and\n"
           "                        the side file P.cnmeta that makes the way back exact\n"
           "  from-megatron PREFIX  a Megatron dataset as a shard stream on stdout\n\n"
           "Options:\n"
           "  -o, --output FILE     write FILE (atomically) instead of stdout\n"
           "  -z, --zstd            compress the output (implied by *.zst)\n"
           "  -f, --force-tty       write binary data even to a terminal\n"
           "      --vocab-size N    pack, from-megatron: vocabulary size\n"
           "      --tokenizer FILE  pack, from-megatron: tokenizer.json whose SHA-256 goes\n"
           "                        into the header\n"
           "      --bos, --eos-flag pack: set the BOS / EOS stored flags\n"
           "      --eos ID|none     to-megatron (required): id appended to each document;\n"
           "                        from-megatron: id stripped (default: the side file's)\n"
           "      --dtype u16|i32   to-megatron: id type (default: u16 below a vocabulary\n"
           "                        of 65500, as Megatron)\n"
           "      --prefix P        to-megatron: output prefix\n"
           "      --force           combine shards of different tokenizers\n"
           "  -q, --quiet           no progress line\n"
           "  -h, --help            this help\n"
           "      --version         print the version\n",
           cn_prog);
    exit(0);
}

typedef struct {
    const char *out_path, *prefix, *tokenizer;
    int zstd, force_tty, force, bos, eosflag, dtype, quiet;
    int64_t eos;
    int eos_set;
    uint64_t vocab;
} opts;

/* the progress line, shared by the commands */
static cn_progress prog;
static uint64_t prog_docs, prog_tokens;

static void tick(uint32_t tokens) {
    prog_tokens += tokens;
    if ((++prog_docs & 1023) == 0) {
        double dt = cn_now() - prog.t0;
        cn_progress_update(&prog, 0, "%s: %llu docs, %.1fM tokens, %.1fM tokens/s", cn_prog,
                           (unsigned long long)prog_docs, prog_tokens / 1e6, dt > 0 ? prog_tokens / 1e6 / dt : 0.0);
    }
}

static cn_out *open_out(const opts *o, int binary) {
    if (binary) cn_check_binary_stdout(o->out_path, o->force_tty);
    cn_out *out = cn_out_open(o->out_path, o->zstd ? CN_OUT_ZSTD : 0);
    if (!out) cn_die_status();
    return out;
}

static void fail_out(cn_out *out) {
    cn_out_abort(out);
    cn_die_status();
}

static void commit(cn_out *out) {
    if (cn_out_commit(out)) cn_die_status();
}

static int same_tokenizer(const cn_shard_info *a, const cn_shard_info *b) {
    return a->vocab_size == b->vocab_size && a->flags == b->flags && memcmp(a->tok_hash, b->tok_hash, 32) == 0;
}

/* stat: read every input through the verifying reader */
static int cmd_stat(const opts *o, int n, char **files) {
    cn_out *out = open_out(o, 0);
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) fail_out(out);
        cn_shard_reader *r = cn_shard_reader_new(in);
        if (!r) fail_out(out);
        cn_doc d;
        cn_status st;
        uint64_t docs = 0, toks = 0, bytes = 0;
        while ((st = cn_shard_next(r, &d)) == CN_OK) {
            tick(d.n);
            docs++;
            toks += d.n;
            bytes += d.text_bytes;
        }
        if (st != CN_EOF) fail_out(out);
        const cn_shard_info *info = cn_shard_reader_info(r);
        char hex[65], line[512];
        cn_hex32(info->tok_hash, hex);
        const char *name = cn_in_name(in);
        if (cn_out_write(out, "{\"file\": ", 9) || cn_json_write_string(out, name, strlen(name))) fail_out(out);
        int len = snprintf(line, sizeof line,
                           ", \"shards\": %llu, \"docs\": %llu, \"tokens\": %llu, \"text_bytes\": %llu, "
                           "\"width\": %u, \"vocab_size\": %u, \"tokenizer_sha256\": \"%s\", \"flags\": %u}\n",
                           (unsigned long long)cn_shard_reader_shards(r), (unsigned long long)docs,
                           (unsigned long long)toks, (unsigned long long)bytes, info->width, info->vocab_size, hex,
                           info->flags);
        if (cn_out_write(out, line, (size_t)len)) fail_out(out);
        cn_shard_reader_free(r);
        cn_in_close(in);
    }
    commit(out);
    return 0;
}

/* cat: verify and copy into one shard */
static int cmd_cat(const opts *o, int n, char **files) {
    cn_out *out = open_out(o, 1);
    cn_shard_writer *w = NULL;
    cn_shard_info first;
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) fail_out(out);
        cn_shard_reader *r = cn_shard_reader_new(in);
        if (!r) fail_out(out);
        cn_doc d;
        cn_status st;
        uint64_t shards = 0;
        while ((st = cn_shard_next(r, &d)) == CN_OK) {
            if (cn_shard_reader_shards(r) != shards) {
                shards = cn_shard_reader_shards(r);
                const cn_shard_info *info = cn_shard_reader_info(r);
                if (!w) {
                    first = *info;
                    if (!(w = cn_shard_writer_new(out, &first))) fail_out(out);
                } else if (info->vocab_size > first.vocab_size) {
                    cn_fail(CN_EMISMATCH, "%s: vocab_size %u is larger than the first input's %u: one shard cannot hold both",
                            cn_in_name(in), info->vocab_size, first.vocab_size);
                    fail_out(out);
                } else if (!same_tokenizer(info, &first) && !o->force) {
                    cn_fail(CN_EMISMATCH, "%s: made by a different tokenizer than the first input (--force to combine)",
                            cn_in_name(in));
                    fail_out(out);
                }
            }
            if (cn_shard_write_doc(w, &d)) fail_out(out);
            tick(d.n);
        }
        if (st != CN_EOF) fail_out(out);
        cn_shard_reader_free(r);
        cn_in_close(in);
    }
    if (!w) {
        cn_shard_info_init(&first, o->vocab ? (uint32_t)o->vocab : 65536, NULL, 0);
        if (!(w = cn_shard_writer_new(out, &first))) fail_out(out);
    }
    if (cn_shard_writer_finish(w, NULL)) fail_out(out);
    commit(out);
    return 0;
}

static int cmd_dump(const opts *o, int n, char **files) {
    cn_out *out = open_out(o, 0);
    char buf[64];
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) fail_out(out);
        cn_shard_reader *r = cn_shard_reader_new(in);
        if (!r) fail_out(out);
        cn_doc d;
        cn_status st;
        while ((st = cn_shard_next(r, &d)) == CN_OK) {
            if (cn_out_write(out, "{\"ids\": [", 9)) fail_out(out);
            for (uint32_t k = 0; k < d.n; k++) {
                int len = snprintf(buf, sizeof buf, k ? ", %u" : "%u", cn_doc_id(&d, k));
                if (cn_out_write(out, buf, (size_t)len)) fail_out(out);
            }
            int len = snprintf(buf, sizeof buf, "], \"text_bytes\": %u}\n", d.text_bytes);
            if (cn_out_write(out, buf, (size_t)len)) fail_out(out);
            tick(d.n);
        }
        if (st != CN_EOF) fail_out(out);
        cn_shard_reader_free(r);
        cn_in_close(in);
    }
    commit(out);
    return 0;
}

static void header_info(const opts *o, cn_shard_info *info, uint32_t flags) {
    uint8_t hash[32] = {0};
    if (o->tokenizer && cn_shard_tokenizer_hash(o->tokenizer, hash)) cn_die_status();
    cn_shard_info_init(info, (uint32_t)o->vocab, hash, flags);
}

static int cmd_pack(const opts *o, int n, char **files) {
    if (!o->vocab) cn_usage_error("pack needs --vocab-size");
    cn_shard_info info;
    header_info(o, &info, (o->bos ? CN_SHARD_BOS : 0) | (o->eosflag ? CN_SHARD_EOS : 0));
    cn_out *out = open_out(o, 1);
    cn_shard_writer *w = cn_shard_writer_new(out, &info);
    if (!w) fail_out(out);
    uint32_t *ids = NULL;
    size_t cap = 0;
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) fail_out(out);
        cn_jsonl *j = cn_jsonl_new(in, 0);
        cJSON *obj;
        cn_status st;
        while ((st = cn_jsonl_next(j, &obj)) == CN_OK) {
            uint32_t len, bytes;
            if (cn_jsonl_ids(j, o->vocab, &ids, &cap, &len, &bytes)) fail_out(out);
            if (cn_shard_write(w, ids, len, bytes)) fail_out(out);
            tick(len);
        }
        if (st != CN_EOF) fail_out(out);
        cn_jsonl_free(j);
        cn_in_close(in);
    }
    free(ids);
    if (cn_shard_writer_finish(w, NULL)) fail_out(out);
    commit(out);
    return 0;
}

/* to-megatron: each shard header (empty shards too) starts a shard of the side file */
typedef struct {
    const opts *o;
    cn_megatron_writer *w;
    cn_shard_info first;
    int64_t eos;
    const char *name;
} to_meg;

static cn_status to_meg_header(void *ctx, const cn_shard_info *info) {
    to_meg *t = ctx;
    if (!t->w) {
        t->first = *info;
        int dtype = t->o->dtype ? t->o->dtype : cn_megatron_dtype_for(info->vocab_size);
        if (!(t->w = cn_megatron_writer_new(t->o->prefix, dtype))) return CN_EIO;
    } else if (!same_tokenizer(info, &t->first) && !t->o->force) {
        return cn_fail(CN_EMISMATCH, "%s: made by a different tokenizer than the first input (--force to combine)", t->name);
    }
    return cn_megatron_begin_shard(t->w, info, t->eos);
}

static int cmd_to_megatron(const opts *o, int n, char **files) {
    if (!o->prefix) cn_usage_error("to-megatron needs --prefix");
    if (!o->eos_set || o->eos == CN_MEGATRON_EOS_AUTO)
        cn_usage_error("to-megatron needs --eos ID (the end-of-document id appended to each document, as Megatron's "
                       "preprocessing does) or --eos none");
    to_meg t = {o, NULL, {0}, o->eos, NULL};
    uint32_t *ids = NULL;
    size_t cap = 0;
    for (int i = 0; i < n; i++) {
        cn_in *in = cn_in_open(files[i]);
        if (!in) goto fail;
        t.name = cn_in_name(in);
        cn_shard_reader *r = cn_shard_reader_new(in);
        if (!r) goto fail;
        cn_shard_reader_on_header(r, to_meg_header, &t);
        cn_doc d;
        cn_status st;
        while ((st = cn_shard_next(r, &d)) == CN_OK) {
            if (d.n + 1 > cap) {
                cap = 2 * ((size_t)d.n + 1);
                if (!(ids = realloc(ids, cap * sizeof *ids))) cn_die("out of memory");
            }
            for (uint32_t k = 0; k < d.n; k++) ids[k] = cn_doc_id(&d, k);
            uint32_t len = d.n;
            if (t.eos >= 0) ids[len++] = (uint32_t)t.eos;
            if (cn_megatron_add(t.w, ids, len) || cn_megatron_end_doc(t.w, d.text_bytes)) goto fail;
            tick(len);
        }
        if (st != CN_EOF) goto fail;
        cn_shard_reader_free(r);
        cn_in_close(in);
    }
    if (!t.w && !(t.w = cn_megatron_writer_new(o->prefix, o->dtype ? o->dtype : CN_MEGATRON_U16))) goto fail;
    free(ids);
    if (cn_megatron_finish(t.w)) cn_die_status();
    return 0;
fail:
    cn_megatron_abort(t.w);
    cn_die_status();
}

static int cmd_from_megatron(const opts *o, int n, char **files) {
    if (n != 1) cn_usage_error("from-megatron takes one PREFIX");
    cn_megatron *m = cn_megatron_open(files[0], o->eos_set ? o->eos : CN_MEGATRON_EOS_AUTO);
    if (!m) cn_die_status();
    uint64_t nshards = cn_megatron_shards(m), k = 0, left = cn_megatron_docs(m);
    cn_shard_info info;
    if (nshards) {
        info = *cn_megatron_shard_info(m, 0, &left);
    } else {
        if (!o->vocab || !o->eos_set || o->eos == CN_MEGATRON_EOS_AUTO)
            cn_usage_error("%s has no .cnmeta side file: give --vocab-size and --eos ID|none", files[0]);
        header_info(o, &info, 0);
    }
    cn_out *out = open_out(o, 1);
    cn_shard_writer *w = cn_shard_writer_new(out, &info);
    if (!w) fail_out(out);
    for (uint64_t i = 0; i < cn_megatron_docs(m); i++) {
        while (nshards && left == 0 && k + 1 < nshards) {
            if (cn_shard_writer_finish(w, NULL)) fail_out(out);
            info = *cn_megatron_shard_info(m, ++k, &left);
            if (!(w = cn_shard_writer_new(out, &info))) fail_out(out);
        }
        cn_doc d;
        if (cn_megatron_doc(m, i, &d)) fail_out(out);
        if (d.n && (d.width == 4 || info.vocab_size < 65536) &&
            cn_doc_check(&d, info.vocab_size, files[0], 0, i))
            fail_out(out);
        if (cn_shard_write_doc(w, &d)) fail_out(out);
        tick(d.n);
        left--;
    }
    /* trailing shards with no documents */
    while (nshards && k + 1 < nshards) {
        if (cn_shard_writer_finish(w, NULL)) fail_out(out);
        info = *cn_megatron_shard_info(m, ++k, &left);
        if (!(w = cn_shard_writer_new(out, &info))) fail_out(out);
    }
    if (cn_shard_writer_finish(w, NULL)) fail_out(out);
    commit(out);
    cn_megatron_close(m);
    return 0;
}

int main(int argc, char **argv) {
    cn_tool_init("cn-shard");
    if (argc < 2) cn_usage_error("no command (stat, cat, dump, pack, to-megatron, from-megatron)");
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) usage();
    if (strcmp(argv[1], "--version") == 0) cn_print_version();
    const char *cmd = argv[1];
    opts o = {0};
    enum { O_VOCAB = 256, O_TOK, O_BOS, O_EOSFLAG, O_EOS, O_DTYPE, O_PREFIX, O_FORCE, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"zstd", no_argument, 0, 'z'},
        {"force-tty", no_argument, 0, 'f'}, {"vocab-size", required_argument, 0, O_VOCAB},
        {"tokenizer", required_argument, 0, O_TOK}, {"bos", no_argument, 0, O_BOS},
        {"eos-flag", no_argument, 0, O_EOSFLAG}, {"eos", required_argument, 0, O_EOS},
        {"dtype", required_argument, 0, O_DTYPE}, {"prefix", required_argument, 0, O_PREFIX},
        {"force", no_argument, 0, O_FORCE}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {"quiet", no_argument, 0, 'q'}, {0, 0, 0, 0},
    };
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "o:zfqh", longs, NULL)) != -1) {
        switch (c) {
        case 'q': o.quiet = 1; break;
        case 'o': o.out_path = optarg; break;
        case 'z': o.zstd = 1; break;
        case 'f': o.force_tty = 1; break;
        case 'h': usage();
        case O_VOCAB:
            o.vocab = cn_opt_u64("--vocab-size", optarg);
            if (o.vocab == 0 || o.vocab > 0x7FFFFFFF) cn_usage_error("option --vocab-size: out of range");
            break;
        case O_TOK: o.tokenizer = optarg; break;
        case O_BOS: o.bos = 1; break;
        case O_EOSFLAG: o.eosflag = 1; break;
        case O_EOS:
            o.eos_set = 1;
            if (strcmp(optarg, "none") == 0) o.eos = -1;
            else if (strcmp(optarg, "auto") == 0) o.eos = CN_MEGATRON_EOS_AUTO;
            else o.eos = (int64_t)cn_opt_u64("--eos", optarg);
            break;
        case O_DTYPE:
            if (strcmp(optarg, "u16") == 0) o.dtype = CN_MEGATRON_U16;
            else if (strcmp(optarg, "i32") == 0) o.dtype = CN_MEGATRON_I32;
            else cn_usage_error("option --dtype: expected u16 or i32");
            break;
        case O_PREFIX: o.prefix = optarg; break;
        case O_FORCE: o.force = 1; break;
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    int n = argc - optind;
    char **files = argv + optind;
    static char *stdin_only[] = {"-"};
    if (n == 0 && strcmp(cmd, "from-megatron") != 0) {
        n = 1;
        files = stdin_only;
    }
    cn_progress_begin(&prog, o.quiet);
    atexit(cn_progress_interrupt);
    if (strcmp(cmd, "stat") == 0) return cmd_stat(&o, n, files);
    if (strcmp(cmd, "cat") == 0) return cmd_cat(&o, n, files);
    if (strcmp(cmd, "dump") == 0) return cmd_dump(&o, n, files);
    if (strcmp(cmd, "pack") == 0) return cmd_pack(&o, n, files);
    if (strcmp(cmd, "to-megatron") == 0) return cmd_to_megatron(&o, n, files);
    if (strcmp(cmd, "from-megatron") == 0) return cmd_from_megatron(&o, n, files);
    cn_usage_error("unknown command '%s'", cmd);
}
