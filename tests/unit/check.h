/* check: the smallest test harness. CHECK records a failure with file and line
 * and goes on; main returns check_done(), the exit status that is the verdict. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>

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

static inline int check_done(void) {
    printf("%d checks, %d failed\n", check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
