/* cn-export: models trained here in other programs' formats: llama.cpp's
 * GGUF (libcore gguf_llama). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"
#include "gguf_llama.h"
#include "mdir.h"
#include "tool.h"

static void usage(void) __attribute__((noreturn));
static void usage(void) {
    printf("Usage: %s gguf MODEL_DIR -o FILE.gguf [options]\n"
           "Models in other programs' formats.\n\n"
           "Commands:\n"
           "  gguf MODEL_DIR        llama.cpp's GGUF (version 3): a LLaMA-class model\n"
           "                        directory (config.json, safetensors, tokenizer.json)\n"
           "                        with its tokenizer, special ids and chat template, in\n"
           "                        llama.cpp's names; with --lora, the adapter alone as\n"
           "                        llama.cpp's LoRA adapter GGUF\n\n"
           "Options:\n"
           "  -o, --output FILE     the GGUF file (required; written atomically)\n"
           "      --type T          the matrices' type: f32, f16 (default, as llama.cpp's\n"
           "                        converter), bf16 or q8_0 (llama.cpp's 8-bit blocks);\n"
           "                        norms stay f32, and under q8_0 a matrix whose rows are\n"
           "                        not a multiple of 32 is f16\n"
           "      --lora DIR        a PEFT adapter of MODEL_DIR (cn-sft --lora): write\n"
           "                        the adapter (llama-cli --lora FILE applies it)\n"
           "      --name NAME       general.name (default: the directory's name)\n"
           "  -q, --quiet           no progress line and no summary\n"
           "  -h, --help            this help\n"
           "      --version         print the version\n\n"
           "The tokenizer is refused where llama.cpp would tokenize differently (a\n"
           "normalizer or pre-tokenizer it does not have), as is a model whose tokenizer\n"
           "has ids beyond its embedding, or one that is not LLaMA-class; nothing is\n"
           "written then. Rows of the embedding beyond the tokenizer's ids become\n"
           "[PADn] tokens.\n",
           cn_prog);
    exit(0);
}

typedef struct {
    cn_progress bar;
    int done;
} progress;

static void on_tensor(const char *name, void *arg) {
    progress *p = arg;
    p->done++;
    cn_progress_update(&p->bar, 0, "%s: %d tensors, %s", cn_prog, p->done, name);
}

int main(int argc, char **argv) {
    cn_tool_init("cn-export");
    const char *out_path = NULL, *lora = NULL, *type_s = "f16", *name = NULL;
    int quiet = 0;
    enum { O_TYPE = 256, O_LORA, O_NAME, O_VERSION };
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"type", required_argument, 0, O_TYPE}, {"lora", required_argument, 0, O_LORA},
        {"name", required_argument, 0, O_NAME}, {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, O_VERSION}, {0, 0, 0, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case O_TYPE: type_s = optarg; break;
        case O_LORA: lora = optarg; break;
        case O_NAME: name = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage();
        case O_VERSION: cn_print_version();
        default: cn_usage_error("unknown option");
        }
    }
    if (optind >= argc) cn_usage_error("a command is needed (gguf)");
    const char *cmd = argv[optind++];
    if (strcmp(cmd, "gguf") != 0) cn_usage_error("unknown command '%s' (gguf)", cmd);
    if (optind != argc - 1) cn_usage_error("gguf takes one MODEL_DIR");
    const char *dir = argv[optind];
    if (!out_path) cn_usage_error("-o FILE.gguf is required");
    cn_gguf_opts o = {.name = name};
    if (cn_ggml_type_parse(type_s, &o.type)) cn_usage_error("--type: %s", cn_errmsg());

    cn_config cfg; /* the architecture first: a BERT's tokenizer would be refused for a reason of less use */
    if (cn_config_load(dir, &cfg) || cn_gguf_check_arch(&cfg)) cn_die_status();
    cn_mdir d;
    if (cn_mdir_open(&d, dir, NULL, lora ? 0 : CN_MDIR_TOKENIZER)) cn_die_status();
    progress p = {0};
    cn_progress_begin(&p.bar, quiet);
    o.progress = on_tensor, o.arg = &p;
    double t0 = cn_now();
    cn_status st = lora ? cn_gguf_adapter(&d.c, lora, &o, out_path) : cn_gguf_model(&d, &o, out_path);
    cn_progress_end(&p.bar);
    cn_mdir_close(&d);
    if (st) cn_die_status();
    struct stat sb;
    if (!quiet && stat(out_path, &sb) == 0)
        fprintf(stderr, "%s: %s: %s%s, %d tensors, %.1f MB, %s, in %.1f s\n", cn_prog, out_path, lora ? "LoRA adapter of " : "", dir, p.done,
                (double)sb.st_size / 1e6, type_s, cn_now() - t0);
    return 0;
}
