/* tool: what every cn-X program shares: its name, the error conventions of
 * DESIGN.md section 4 (usage error exit 2, runtime failure exit 1 with one
 * line), option values parsed strictly. */
#ifndef CN_TOOL_H
#define CN_TOOL_H

#include <stdint.h>
#include "chat.h"
#include "log.h"
#include "model.h"
#include "ops.h"

#define CN_VERSION "0.1.0"

extern const char *cn_prog;

/* Sets the program name used in messages. */
void cn_tool_init(const char *name);
/* "cn-X: message" + "Try 'cn-X --help'" on stderr, exit 2. */
void cn_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* "cn-X: message" on stderr, exit 1. */
void cn_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* cn_die with libcore's last error message. */
void cn_die_status(void) __attribute__((noreturn));
/* Prints "cn-X VERSION" and exits 0. */
void cn_print_version(void) __attribute__((noreturn));

/* The words as one shell command line, each quoted where the shell needs it
 * (malloc'd): for the command that continues a run. */
char *cn_shell_command(int n, const char *const *words);

/* Option values: usage error (exit 2) naming the option when malformed. */
uint64_t cn_opt_u64(const char *opt, const char *val);
double cn_opt_double(const char *opt, const char *val);

/* "WEIGHT:PATH" (a blend's source): the path, *w the weight. A weight that is
 * not a positive number is a usage error. Without a number before a colon,
 * optional gives the whole argument as the path with weight 1; otherwise it
 * is a usage error. */
const char *cn_opt_weighted(const char *arg, double *w, int optional);

/* Refuses (usage error) to write binary data to a terminal unless force. */
void cn_check_binary_stdout(const char *out_path, int force);

/* --device: "cpu", "cuda" or "cuda:N", checked (usage error, exit 2,
 * otherwise); returns val. */
const char *cn_opt_device(const char *opt, const char *val);
/* --precision: "fp32" or "bf16" (usage error otherwise) */
cn_precision cn_opt_precision(const char *opt, const char *val);
/* The backend a --device value names (libcore cn_backend; NULL is cpu).
 * Exits 1 when the program was built without CUDA or the device cannot be
 * used (no driver, no such GPU). */
const cn_ops *cn_tool_device(const char *spec);

/* The chat template: the one --template names (usage error when unknown),
 * or else the one model directory dir names (exit 1 when none). */
cn_chat_template cn_tool_template(const char *name, const char *dir);
/* --device's line for --help */
#define CN_DEVICE_HELP "      --device D         cpu (default), cuda (this rank's GPU) or cuda:N\n"

#endif
