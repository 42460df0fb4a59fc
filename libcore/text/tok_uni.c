/* tok_uni: the normalizers and the pre-tokenizer that need Unicode tables
 * (utf8proc): NFC/NFD/NFKC/NFKD, Lowercase, StripAccents, BertNormalizer
 * (clean text, Chinese characters, accents, lowercase) and
 * BertPreTokenizer's whitespace and punctuation, with the character classes
 * that Hugging Face tokenizers uses (Rust's char methods). */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include "tok_impl.h"

typedef struct {
    int32_t lo, hi, v;
} range;

/* code points assigned after Unicode 8.0 and the version (in tenths) that
 * assigned them, sorted ranges (generated) */
static const range newer_ranges[] = {
#include "tok_age.h"
};

/* Rust regex's \w, sorted merged ranges (generated from the UCD) */
static const range word_ranges[] = {
#include "tok_word.h"
};

/* the range of r (n sorted ranges) holding c, or NULL */
static const range *in_ranges(int32_t c, const range *r, size_t n) {
    size_t a = 0, b = n;
    while (a < b) {
        size_t m = (a + b) / 2;
        if (c < r[m].lo) b = m;
        else if (c > r[m].hi) a = m + 1;
        else return &r[m];
    }
    return NULL;
}

/* Rust regex's \w: Alphabetic, marks, decimal digits, connector punctuation,
 * Join_Control (HF's word test for single_word added tokens) */
static int is_word(int32_t c) { return in_ranges(c, word_ranges, sizeof word_ranges / sizeof word_ranges[0]) != NULL; }

int tok_word_at(const char *s, size_t n) {
    utf8proc_int32_t c;
    return n && utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &c) > 0 && is_word(c);
}

int tok_word_before(const char *s, size_t n) {
    if (!n) return 0;
    size_t j = n - 1;
    while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80) j--;
    return tok_word_at(s + j, n - j);
}

/* 1 when Hugging Face's Unicode 8 tables do not know c (it is unassigned to them) */
/* 1 when c was assigned after Unicode version v (in tenths, v >= 80) */
static int newer_than(int32_t c, int v) {
    const range *r = in_ranges(c, newer_ranges, sizeof newer_ranges / sizeof newer_ranges[0]);
    return r && r->v > v;
}
static int newer(int32_t c) { return newer_than(c, 80); }

/* the general category as HF's BERT pieces see it: Unicode 8's. Characters
 * added later are unassigned, and these changed category after 8.0 (found
 * by encoding every code point with HF, make test-tok-full) */
static int category(int32_t c) {
    static const struct { int32_t c; int cat; } was[] = {
        {0x166D, UTF8PROC_CATEGORY_PO}, {0x1734, UTF8PROC_CATEGORY_MN}, {0x1885, UTF8PROC_CATEGORY_LO},
        {0x1886, UTF8PROC_CATEGORY_LO}, {0xA9BD, UTF8PROC_CATEGORY_MC}, {0x111C9, UTF8PROC_CATEGORY_PO},
    };
    for (size_t i = 0; i < sizeof was / sizeof was[0]; i++)
        if (was[i].c == c) return was[i].cat;
    return newer(c) ? UTF8PROC_CATEGORY_CN : utf8proc_category(c);
}

/* the StripAccents normalizer's combining marks: General_Category Mark as
 * Unicode 9.0 has it (the tables of HF's unicode-normalization crate; the
 * BertNormalizer strips Unicode 8's Mn instead) */
static int mark9(int32_t c) {
    if (newer_than(c, 90)) return 0;
    /* changed since 9.0 (found by encoding every code point with HF) */
    if (c == 0x1CF2 || c == 0x1CF3) return 1; /* Mc in 9.0, Lo now */
    if (c == 0x111C9) return 0;               /* Po in 9.0, Mn now */
    int k = utf8proc_category(c);
    return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME;
}

/* Rust's char::is_whitespace: Unicode White_Space */
int tok_is_space(int32_t c) {
    return (c >= 9 && c <= 13) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

/* BERT's punctuation: ASCII punctuation or a Unicode P* category */
int tok_is_punct(int32_t c) {
    if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return 1;
    switch (category(c)) {
    case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS: case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF: case UTF8PROC_CATEGORY_PO:
        return 1;
    default:
        return 0;
    }
}

/* control, format, private use (HF keeps unassigned code points, Cn) */
static int is_other(int32_t c) {
    switch (category(c)) {
    case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CO: case UTF8PROC_CATEGORY_CS:
        return 1;
    default:
        return 0;
    }
}

static int is_chinese(int32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* appends code point c as UTF-8 */
static size_t put(char *d, int32_t c) { return (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)d); }

/* Rust's char::to_lowercase: the simple mapping, and U+0130's two characters */
static size_t lower(char *d, int32_t c) {
    if (c == 0x130) return put(d, 'i') + put(d + 1, 0x307);
    /* case pairs of Unicode 16.0 and 17.0, which Rust's to_lowercase (HF's
     * Lowercase) has and Debian's utf8proc (Unicode 15) lacks; found by
     * encoding every code point with HF */
    if (c >= 0x1C89) {
        static const struct { int32_t lo, hi, to; } newer_pairs[] = {
            {0x1C89, 0x1C89, 0x1C8A}, {0xA7CB, 0xA7CB, 0x0264}, {0xA7CC, 0xA7CC, 0xA7CD}, {0xA7CE, 0xA7CE, 0xA7CF},
            {0xA7D2, 0xA7D2, 0xA7D3}, {0xA7D4, 0xA7D4, 0xA7D5}, {0xA7DA, 0xA7DA, 0xA7DB}, {0xA7DC, 0xA7DC, 0x019B},
            {0x10D50, 0x10D65, 0x10D70}, {0x16EA0, 0x16EB8, 0x16EBB},
        };
        for (size_t i = 0; i < sizeof newer_pairs / sizeof newer_pairs[0]; i++)
            if (c >= newer_pairs[i].lo && c <= newer_pairs[i].hi) return put(d, newer_pairs[i].to + (c - newer_pairs[i].lo));
    }
    return put(d, utf8proc_tolower(c));
}

/* one character-wise step into dst (room: 4 * 3 bytes per input byte); returns its length */
static size_t map_chars(const tok_norm *z, char *dst, const char *s, size_t n) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        int32_t c;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
        if (l <= 0) c = 0xFFFD, l = 1;
        i += (size_t)l;
        switch (z->type) {
        case NORM_LOWERCASE:
            o += lower(dst + o, c);
            break;
        case NORM_STRIP_ACCENTS:
            if (category(c) != UTF8PROC_CATEGORY_MN) o += put(dst + o, c);
            break;
        case NORM_STRIP_MARKS:
            if (!mark9(c)) o += put(dst + o, c);
            break;
        case NORM_BERT_CLEAN:
            if (c == 0 || c == 0xFFFD || (c != '\t' && c != '\n' && c != '\r' && is_other(c))) break;
            o += put(dst + o, tok_is_space(c) ? ' ' : c);
            break;
        case NORM_BERT_CHINESE:
            if (is_chinese(c)) dst[o++] = ' ', o += put(dst + o, c), dst[o++] = ' ';
            else o += put(dst + o, c);
            break;
        }
    }
    return o;
}

/* one NF* form of s through utf8proc into dst */
static cn_status nf(int type, char *dst, const char *s, size_t n, size_t *outn) {
    int opt = UTF8PROC_STABLE | (type == NORM_NFC || type == NORM_NFKC ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE);
    if (type == NORM_NFKC || type == NORM_NFKD) opt |= UTF8PROC_COMPAT;
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t m = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &r, (utf8proc_option_t)opt);
    if (m < 0) {
        free(r);
        return cn_fail(CN_EUTF8, "normalization failed: %s", utf8proc_errmsg(m));
    }
    memcpy(dst, r, (size_t)m);
    free(r);
    *outn = (size_t)m;
    return CN_OK;
}

/* runs one Unicode step of the normalizer from s into dst (holds 12 * n + 16) */
cn_status tok_norm_unicode(const tok_norm *z, char *dst, const char *s, size_t n, size_t *outn) {
    if (z->type == NORM_NFC || z->type == NORM_NFD || z->type == NORM_NFKC || z->type == NORM_NFKD ||
        z->type == NORM_BERT_NFD) {
        /* HF's NF* tables are Unicode 9.0's: a character assigned later has no
         * decomposition and no combining class to it, so it passes unchanged
         * and nothing composes or reorders across it */
        size_t o = 0, from = 0, i = 0;
        while (i < n) {
            if ((unsigned char)s[i] < 0x80) {
                i++;
                continue;
            }
            int32_t c;
            utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &c);
            if (l <= 0) l = 1, c = 0;
            if (c > 0 && newer_than(c, 90)) {
                size_t m;
                cn_status st = nf(z->type, dst + o, s + from, i - from, &m);
                if (st) return st;
                o += m;
                memcpy(dst + o, s + i, (size_t)l);
                o += (size_t)l;
                from = i + (size_t)l;
            }
            i += (size_t)l;
        }
        size_t m = 0;
        cn_status st = from < n || from == 0 ? nf(z->type, dst + o, s + from, n - from, &m) : CN_OK;
        *outn = o + m;
        return st;
    }
    *outn = map_chars(z, dst, s, n);
    return CN_OK;
}


/* WordPiece: the longest vocabulary prefix, then "##"-continued pieces; a
 * word that cannot be covered, or is longer than the limit, is the unknown token */
cn_status tok_wordpiece_word(const cn_tok *t, const char *s, size_t n, cn_ids *out) {
    const tok_bpe *b = &t->bpe;
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (chars > b->max_chars) return cn_ids_push(out, b->unk_id);
    size_t mark = out->n, start = 0;
    char buf[1024];
    while (start < n) {
        size_t end = n;
        int64_t found = -1;
        while (start < end) {
            const char *key = s + start;
            size_t kn = end - start;
            if (start > 0) {
                if (b->prefix_len + kn > sizeof buf) {
                    found = -1;
                } else {
                    memcpy(buf, b->prefix, b->prefix_len);
                    memcpy(buf + b->prefix_len, s + start, kn);
                    key = buf;
                    kn += b->prefix_len;
                }
            }
            if (kn <= sizeof buf || start == 0) {
                int64_t id = tok_id(t, key, kn);
                if (id >= 0 && (uint64_t)id < t->model_size) {
                    found = id;
                    break;
                }
            }
            /* one character back */
            end--;
            while (end > start && ((unsigned char)s[end] & 0xC0) == 0x80) end--;
        }
        if (found < 0) {
            out->n = mark;
            return cn_ids_push(out, b->unk_id);
        }
        cn_status st = cn_ids_push(out, (uint32_t)found);
        if (st) return st;
        start = end;
    }
    return CN_OK;
}
