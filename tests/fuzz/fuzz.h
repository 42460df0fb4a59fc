/* What the fuzz targets that go through files share: a scratch directory in
 * memory where there is one (/dev/shm), so that each input costs no disk. */
#ifndef CN_FUZZ_H
#define CN_FUZZ_H
#include <unistd.h>

static inline const char *fuzz_tmp(void) { return access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"; }
#endif
