/* cn-mix: blend token shard streams by weight into one shard stream. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mix.h"
#include "num.h"
#include "shard.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s [options] WEIGHT:PATH ...\n"
           "Blend documents of token shard streams into one shard stream on stdout.\n"
           "WEIGHT is a share of output tokens (normalised to sum 1); PATH is a shard\n"
           "stream (plain or zstd), a Megatron prefix (PATH.idx + PATH.bin), or - for stdin\n"
           "(read once: one epoch at most).\n\n"
           "  -o, --output FILE    write FILE (atomically) instead of stdout\n"
           "  -z, --zstd           compress the output with zstd (implied by *.zst)\n"
           "  -f, --force-tty      write binary data even to a terminal\n"
           "      --tokens N       stop after N output tokens (K, M, B suffixes); sources\n"
           "                       that run out start a new epoch\n"
           "      --epochs N       let sources repeat up to N epochs; without --tokens\n"
           "                       or --epochs the blend ends when a source would repeat\n"
           "      --shuffle        shuffle documents within each source, anew each epoch\n"
           "      --seed N         seed for --shuffle (default 1234)\n"
           "      --skip-docs N    start the identical stream N documents in (resume)\n"
           "      --eos ID|none|auto  Megatron inputs: the end-of-document id their .bin\n"
           "                       holds (stripped from each document), or none; auto\n"
           "                       (the default) takes it from the .cnmeta side file,\n"
           "                       and none without one\n"
           "      --vocab-size N   Megatron inputs without side file: the vocabulary\n"
           "      --force          mix shards of different tokenizers or flags\n"
           "  -q, --quiet          no progress line and no summary\n"
           "  -h, --help           this help\n"
           "      --version        print the version\n\n"
           "On exit the summary on stderr gives, per source: documents, tokens, epochs\n"
           "and the realised share of output tokens.\n",
           cn_prog);
    exit(0);
}

static void summary(const cn_mix *m) {
    uint64_t total = 0;
    for (size_t i = 0; i < cn_mix_sources(m); i++) {
        cn_mix_stats s;
        cn_mix_stat(m, i, &s);
        total += s.tokens;
    }
    for (size_t i = 0; i < cn_mix_sources(m); i++) {
        cn_mix_stats s;
        cn_mix_stat(m, i, &s);
        char ep[64];
        if (s.sized) snprintf(ep, sizeof ep, "%.2f epochs", s.epochs);
        else snprintf(ep, sizeof ep, "under 1 epoch (size not known yet)");
        fprintf(stderr, "%s: %s: weight %.4f, %llu docs, %llu tokens, %s, share %.4f\n", cn_prog, s.name, s.weight,
                (unsigned long long)s.docs, (unsigned long long)s.tokens, ep, total ? (double)s.tokens / (double)total : 0.0);
    }
}

int main(int argc, char **argv) {
    cn_tool_init("cn-mix");
    cn_mix_opts o;
    cn_mix_opts_init(&o);
    const char *out_path = NULL;
    int zstd = 0, force_tty = 0, quiet = 0;
    enum { O_TOKENS = 256, O_EPOCHS, O_SHUFFLE, O_SEED, O_SKIP, O_EOS, O_VOCAB, O_FORCE, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"zstd", no_argument, 0, 'z'},
        {"force-tty", no_argument, 0, 'f'}, {"tokens", required_argument, 0, O_TOKENS},
        {"epochs", required_argument, 0, O_EPOCHS}, {"shuffle", no_argument, 0, O_SHUFFLE},
        {"seed", required_argument, 0, O_SEED}, {"skip-docs", required_argument, 0, O_SKIP},
        {"eos", required_argument, 0, O_EOS}, {"vocab-size", required_argument, 0, O_VOCAB},
        {"force", no_argument, 0, O_FORCE}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:zfqh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'z': zstd = 1; break;
        case 'f': force_tty = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage();
        case O_TOKENS: o.tokens = cn_opt_u64("--tokens", optarg); break;
        case O_EPOCHS:
            o.epochs = cn_opt_u64("--epochs", optarg);
            if (!o.epochs) cn_usage_error("option --epochs: must be at least 1");
            break;
        case O_SHUFFLE: o.shuffle = 1; break;
        case O_SEED: o.seed = cn_opt_u64("--seed", optarg); break;
        case O_SKIP: o.skip_docs = cn_opt_u64("--skip-docs", optarg); break;
        case O_EOS:
            if (strcmp(optarg, "auto") == 0) o.src.eos = CN_MEGATRON_EOS_AUTO;
            else if (strcmp(optarg, "none") == 0) o.src.eos = -1;
            else o.src.eos = (int64_t)cn_opt_u64("--eos", optarg);
            break;
        case O_VOCAB: {
            uint64_t v = cn_opt_u64("--vocab-size", optarg);
            if (v == 0 || v > 0x7FFFFFFF) cn_usage_error("option --vocab-size: out of range");
            o.src.vocab_size = (uint32_t)v;
            break;
        }
        case O_FORCE: o.force = 1; break;
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (optind >= argc) cn_usage_error("no input: give WEIGHT:PATH arguments");
    cn_check_binary_stdout(out_path, force_tty);

    cn_mix *m = cn_mix_new(&o);
    if (!m) cn_die_status();
    for (int i = optind; i < argc; i++) {
        double w;
        const char *path = cn_opt_weighted(argv[i], &w, 0);
        cn_status st = cn_mix_add(m, w, path);
        if (st == CN_EINVAL) cn_usage_error("%s", cn_errmsg());
        if (st) cn_die_status();
    }

    cn_out *out = cn_out_open(out_path, zstd ? CN_OUT_ZSTD : 0);
    if (!out) cn_die_status();
    cn_progress prog;
    cn_progress_begin(&prog, quiet);
    cn_status st = cn_mix_run(m, out, &prog);
    cn_progress_end(&prog);
    if (st) {
        cn_out_abort(out);
        cn_die_status();
    }
    if (cn_out_commit(out)) cn_die_status();
    if (!quiet) summary(m);
    cn_mix_free(m);
    return 0;
}
