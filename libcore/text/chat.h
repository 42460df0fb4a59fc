/* chat: conversations for SFT and chat, and the prompt templates that turn
 * them into text.
 *
 * A conversation is the DESIGN.md chat record,
 *   {"messages": [{"role": "system|user|assistant", "content": "..."}, ...]}
 * with an optional system message first, then user and assistant messages
 * alternating, user first; the last may be either (a trailing user message
 * is a prompt awaiting an answer).
 *
 * Three templates, each rendered here in C byte for byte as its Jinja source
 * (cn_chat_template_jinja) renders under Hugging Face's apply_chat_template:
 *
 *   llama2    Meta's Llama-2-chat template, the official chat_template of
 *             Llama-2-*-chat-hf, text unchanged:
 *               BOS[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} EOS
 *               BOS[INST] {user} [/INST] ...
 *             Each turn is .strip()ped (Python's strip: the characters
 *             str.isspace() calls white, so U+001C..U+001F and U+0085 too),
 *             the first user turn together with the system block before it.
 *             A system message is shown even when empty, as Python's Jinja
 *             renders the template (and Meta's reference code builds it).
 *             It has no generation prompt: a prompt ends with " [/INST]"
 *             either way. (@huggingface/jinja differs on two points: its
 *             strip is JavaScript's trim, and its loose != drops a system
 *             message that JavaScript's == equates with false: "", blank,
 *             "0".)
 *   chatml    ChatML, the common chat_template text, unchanged:
 *               <|im_start|>{role}\n{content}<|im_end|>\n
 *             generation prompt "<|im_start|>assistant\n"; no strip; BOS and
 *             EOS unused (<|im_end|> is written as such).
 *   chipnemo  the ChipNeMo paper's SFT format (arXiv 2311.00176), which is
 *             NeMo's SFT chat format without SteerLM labels:
 *               BOS<extra_id_0>System\n{system}\n
 *               <extra_id_1>User\n{user}\n
 *               <extra_id_1>Assistant\n{answer}\n
 *               <extra_id_1>
 *             The System block is always there (empty content when the
 *             conversation has no system message), as NeMo writes it.
 *             Content is not stripped. A conversation that ends with an
 *             answer ends with "<extra_id_1>", the next turn's start, as
 *             NeMo's dataset appends it so that the model learns to end its
 *             turn; the generation prompt is "<extra_id_1>Assistant\n"
 *             (which starts with that same marker).
 *             BOS comes first, as Meta's template puts it, because LLaMA
 *             models are trained with it (NeMo's own dataset adds none: pass
 *             an empty bos for NeMo's exact bytes); EOS is unused.
 *
 * Trained text (the loss mask of SFT): what a model must learn to emit for
 * each assistant turn, exactly the bytes that rendering the conversation up
 * to and including that answer adds to rendering it up to the answer's
 * generation prompt, except for chatml's newline:
 *   llama2    " {answer, stripped} EOS" (the leading space too:
 *             SentencePiece joins a space to the word after it, so the
 *             boundary "[/INST]" | " x" falls between tokens)
 *   chatml    "{answer}<|im_end|>" (the newline after <|im_end|> is not: a
 *             model stops at <|im_end|>)
 *   chipnemo  "{answer}\n<extra_id_1>": the turn start that follows the
 *             answer, as NeMo's loss mask keeps it
 * Everything else (system, user turns, role headers, BOS, generation
 * prompt) is context.
 *
 * tokenizer_config.json: a model directory written here names its template
 * under CN_CHAT_TEMPLATE_KEY ("chat_template_name": "chipnemo") beside the
 * usual "chat_template" holding its Jinja source, so that transformers
 * renders what we train on. */
#ifndef CN_CHAT_H
#define CN_CHAT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include "log.h"

typedef enum { CN_CHAT_SYSTEM, CN_CHAT_USER, CN_CHAT_ASSISTANT } cn_chat_role;

typedef struct {
    cn_chat_role role;
    char *text; /* owned by the conversation; NUL-terminated, valid UTF-8 */
    size_t len; /* bytes of text */
} cn_chat_msg;

/* A conversation. Read msg[0..n-1] freely; change it only through
 * cn_chat_add, which keeps the role order valid. */
typedef struct {
    cn_chat_msg *msg; /* (n) owned */
    size_t n, cap;
} cn_chat;

/* An empty conversation; NULL when out of memory. Free with cn_chat_free. */
cn_chat *cn_chat_new(void);
/* Frees c and its messages (NULL is fine). */
void cn_chat_free(cn_chat *c);

/* "system", "user", "assistant". */
const char *cn_chat_role_name(cn_chat_role r);

/* Appends a copy of text (len bytes, valid UTF-8) as a message of role r.
 * CN_EINVAL, with c unchanged, when the role breaks the order (a system
 * message after the first message, two user or two assistant messages in a
 * row, an assistant message first) or the text is not valid UTF-8;
 * CN_ENOMEM. */
cn_status cn_chat_add(cn_chat *c, cn_chat_role r, const char *text, size_t len);

/* Builds a conversation from a chat record (a parsed JSONL line). Extra keys
 * are ignored. On success *out is a new conversation the caller frees with
 * cn_chat_free. On failure *out is NULL and the status is CN_EFORMAT (or
 * CN_ENOMEM) with a message "WHERE: what" (just "what" when where is NULL):
 * not an object, no "messages" array, an empty one, a message that is not an
 * object, a role other than system/user/assistant, a content that is not a
 * string, roles out of order, no user message. The message names the
 * offending message by its index, "messages[2]: ...". where is usually
 * "FILE:LINE" of the record. */
cn_status cn_chat_parse(const cJSON *rec, const char *where, cn_chat **out);
/* Conversation record rec (as cn_chat_parse reads it) with one message
 * {"role": "assistant", "content": answer} appended to its "messages" (rec
 * is changed), as one line of JSONL with its newline (malloc'd; *n its
 * length). NULL when out of memory. */
char *cn_chat_answer_line(cJSON *rec, const char *answer, size_t *n);
/* 1 when line (n bytes) is such a line for rec: rec and one assistant
 * message more, whatever the answer. */
int cn_chat_answers(const char *line, size_t n, const cJSON *rec);

typedef enum { CN_CHAT_LLAMA2, CN_CHAT_CHATML, CN_CHAT_CHIPNEMO, CN_CHAT_NTEMPLATES } cn_chat_template;

/* The template's name ("llama2", "chatml", "chipnemo"); NULL for a bad id. */
const char *cn_chat_template_name(cn_chat_template t);
/* The template called name: CN_OK with *t, or CN_EINVAL naming the known ones. */
cn_status cn_chat_template_by_name(const char *name, cn_chat_template *t);
/* The template's Jinja source, the text for tokenizer_config.json's
 * "chat_template" (static storage; NULL for a bad id). Rendered by Hugging
 * Face with bos_token, eos_token and add_generation_prompt, it gives what
 * cn_chat_render gives. */
const char *cn_chat_template_jinja(cn_chat_template t);

/* The template's markers, the strings a tokenizer must hold as added
 * (special) tokens for a model to see turns start and end as single tokens:
 * chatml's <|im_start|> and <|im_end|>, chipnemo's <extra_id_0> and
 * <extra_id_1>. Fills m, returns their count: 2, or 0 for llama2 (its
 * [INST] is text, its turns end with EOS) and a bad id. Left as text, a
 * marker is several pieces (chipnemo's end is 7 with a 2,000-token
 * vocabulary) that a small model learns poorly. */
int cn_chat_template_markers(cn_chat_template t, const char *m[2]);
/* The marker that ends an answer (<|im_end|>, <extra_id_1>); NULL for
 * llama2 (EOS) and a bad id. */
const char *cn_chat_template_end(cn_chat_template t);

/* The key of tokenizer_config.json that names the template. */
#define CN_CHAT_TEMPLATE_KEY "chat_template_name"

/* The template of a tokenizer_config.json (its n bytes of JSON): the one
 * named under CN_CHAT_TEMPLATE_KEY, or else the one whose Jinja source equals
 * "chat_template" byte for byte (a list of named templates counts by its
 * "default" one). Errors, with "NAME: what" (name: the file, for messages):
 * CN_EFORMAT for JSON that is not an object, no template at all, an unknown
 * name, or a chat_template that is none of ours; CN_EMISMATCH when the name
 * and a chat_template given beside it disagree. */
cn_status cn_chat_template_find(const char *json, size_t n, const char *name, cn_chat_template *t);

/* The Jinja source of a tokenizer_config.json's "chat_template" (a string,
 * or the "default" of a list of named templates), whatever template it is:
 * *out malloc'd, or NULL when there is none. CN_EFORMAT ("NAME: what") for
 * JSON that is not an object. */
cn_status cn_chat_config_jinja(const char *json, size_t n, const char *name, char **out);

/* The text of special token key ("bos_token", "eos_token") in a
 * tokenizer_config.json: a string or an AddedToken object's "content"; ""
 * when the key is missing or null. *out is malloc'd, the caller frees it.
 * CN_EFORMAT ("NAME: what") for JSON that is not an object or a value of
 * another kind; CN_ENOMEM. */
cn_status cn_chat_config_token(const char *json, size_t n, const char *name, const char *key, char **out);

/* The template a model directory names: DIR/tokenizer_config.json through
 * cn_chat_template_find, and, where bos or eos is not NULL, its BOS and EOS
 * strings (cn_chat_config_token; malloc'd, the caller frees them). Errors as
 * those, and CN_EIO naming the file when it cannot be read. */
cn_status cn_chat_dir_template(const char *dir, cn_chat_template *t, char **bos, char **eos);

enum {
    CN_CHAT_GEN_PROMPT = 1, /* end with the prompt for the next answer (add_generation_prompt) */
};

/* A span of the rendered text. */
typedef struct {
    size_t off, len; /* bytes of cn_chat_pieces.text */
    int trained;     /* 1: an answer's text the model learns to emit (the loss covers it) */
} cn_chat_piece;

/* Rendered text cut into pieces: in order, back to back, covering text
 * exactly, none empty, neighbours differing in trained. */
typedef struct {
    char *text; /* owned; NUL-terminated (content may hold NULs: use len) */
    size_t len;
    cn_chat_piece *piece; /* (n) owned */
    size_t n;
} cn_chat_pieces;

/* Renders c with template t. bos and eos are the tokenizer's BOS and EOS
 * token strings ("<s>", "</s>"; NULL means ""), flags CN_CHAT_GEN_PROMPT or
 * 0. On success fills *out, which the caller frees with
 * cn_chat_pieces_free. On failure *out is zeroed and the status is CN_EINVAL
 * (a conversation with no user message, a bad template id) or CN_ENOMEM. */
cn_status cn_chat_render(const cn_chat *c, cn_chat_template t, const char *bos, const char *eos, int flags,
                         cn_chat_pieces *out);
/* Frees what cn_chat_render filled and zeroes *p (a zeroed *p is fine). */
void cn_chat_pieces_free(cn_chat_pieces *p);

#endif
