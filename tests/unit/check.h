/* check: the smallest test harness. CHECK records a failure with file and line
 * and goes on; main returns check_done(), the exit status that is the verdict. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>

static int check_failures, check_count;

#define CHECK(c)                                                                   \
    do {                                                                           \
        check_count++;                                                             \
        if (!(c)) {                                                                \
            check_failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
        }                                                                          \
    } while (0)

#define CHECK_MSG(c, ...)                                                          \
    do {                                                                           \
        check_count++;                                                             \
        if (!(c)) {                                                                \
            check_failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #c);  \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
        }                                                                          \
    } while (0)

/* the path of a test data file: $DATA (default tests/data) / sub / name; the
 * result lives until four more calls */
static inline const char *check_data(const char *sub, const char *name) {
    static char buf[4][1024];
    static int k;
    const char *d = getenv("DATA");
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s/%s", d ? d : "tests/data", sub, name);
    return buf[k];
}

static inline int check_done(void) {
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
