/* backend: the ops table a device name chooses (cpu, cuda, cuda:N). */
#include <stdlib.h>
#include <string.h>
#include "dist.h"
#include "num.h"
#include "ops.h"
#ifdef CN_HAVE_CUDA
#include "ops_cuda.h"
/* weak: only the numeric tools are linked with the CUDA backend (its cuBLAS
 * costs every program that loads it ~0.1 s at start); elsewhere these are
 * NULL */
#pragma weak cn_ops_cuda
#pragma weak cn_cuda_devices
#pragma weak cn_cuda_coll
#endif

/* -1 for "cuda", N for "cuda:N", -2 for "cpu" (or NULL); -3 when malformed */
static int device_index(const char *spec) {
    if (!spec || strcmp(spec, "cpu") == 0) return -2;
    if (strcmp(spec, "cuda") == 0) return -1;
    uint64_t v;
    if (strncmp(spec, "cuda:", 5) != 0 || !spec[5] || strspn(spec + 5, "0123456789") != strlen(spec + 5) || cn_parse_u64(spec + 5, &v) ||
        v > 1024)
        return -3;
    return (int)v;
}

cn_status cn_device_check(const char *spec) {
    return device_index(spec) == -3 ? cn_fail(CN_EINVAL, "'%s': cpu, cuda or cuda:N (N a GPU's index)", spec) : CN_OK;
}

const cn_ops *cn_backend(const char *spec) {
    int dev = device_index(spec);
    if (dev == -2) return cn_ops_cpu();
    if (dev == -3) return cn_device_check(spec), NULL;
#ifdef CN_HAVE_CUDA
    if (cn_ops_cuda && cn_cuda_devices) {
        if (dev < 0) {
            int n = cn_cuda_devices();
            dev = n > 0 ? cn_dist_local_rank() % n : 0;
        }
        const cn_ops *o = cn_ops_cuda(dev);
        if (!o || cn_dist_use_device(cn_cuda_coll ? cn_cuda_coll() : NULL, dev)) return NULL;
        return o;
    }
#endif
    cn_fail(CN_EINVAL, "built without CUDA (make finds nvcc, or CUDA=1)");
    return NULL;
}
