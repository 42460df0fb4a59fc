/* embed: the embedding's gather and its deterministic scatter-add. N tokens,
 * C channels, V rows.
 * The backward sorts the token indices by id (CUB's radix sort, stable: a
 * row's tokens stay in index order), then one block per run of equal ids
 * adds that run's gradient rows into the table's row, token after token,
 * from the row's current value: the CPU's additions in the CPU's order, so
 * the same bits, with no atomics and nothing depending on the schedule. */
#include <cub/cub.cuh>
#include "cuda_common.cuh"

__global__ void embed_fwd_kernel(float *out, const float *table, const int32_t *ids, size_t nn, int c, int accumulate) {
    GRID_STRIDE(idx, nn) {
        size_t i = idx / c, j = idx % c;
        float v = table[(size_t)ids[i] * c + j];
        out[idx] = accumulate ? out[idx] + v : v;
    }
}
void cu_embed_fwd(float *out, const float *table, const int32_t *ids, int n, int c, int accumulate) {
    size_t nn = (size_t)n * c;
    if (!nn) return;
    embed_fwd_kernel<<<cn_grid(nn, 256), 256>>>(out, table, ids, nn, c, accumulate);
    CN_LAUNCHED();
}

__global__ void embed_bf16_kernel(float *out, const uint16_t *table, const int32_t *ids, size_t nn, int c) {
    GRID_STRIDE(idx, nn) {
        size_t i = idx / c, j = idx % c;
        out[idx] = __uint_as_float((uint32_t)table[(size_t)ids[i] * c + j] << 16);
    }
}
void cu_embed_bf16_fwd(float *out, const uint16_t *table, const int32_t *ids, int n, int c) {
    size_t nn = (size_t)n * c;
    if (!nn) return;
    embed_bf16_kernel<<<cn_grid(nn, 256), 256>>>(out, table, ids, nn, c);
    CN_LAUNCHED();
}

__global__ void iota_kernel(int32_t *x, int n) {
    GRID_STRIDE(i, (size_t)n) x[i] = (int32_t)i;
}

/* block k: when sorted position k starts a run of equal ids, the run's rows
 * of dout in token order into dtable[id] */
__global__ void embed_runs_kernel(float *dtable, const float *dout, const int32_t *sid, const int32_t *tok, int n, int c) {
    int k = blockIdx.x;
    int id = sid[k];
    if (k > 0 && sid[k - 1] == id) return;
    int e = k + 1;
    while (e < n && sid[e] == id) e++;
    float *row = dtable + (size_t)id * c;
    for (int j = threadIdx.x; j < c; j += blockDim.x) {
        float s = row[j];
        for (int r = k; r < e; r++) s = __fadd_rn(s, dout[(size_t)tok[r] * c + j]);
        row[j] = s;
    }
}

void cu_embed_bwd(float *dtable, const float *dout, const int32_t *ids, int n, int c, int vocab) {
    if (n <= 0 || c <= 0) return;
    int bits = 1;
    while (bits < 31 && (1u << bits) < (unsigned)vocab) bits++;
    size_t temp = 0;
    /* the ids as unsigned keys (they are >= 0), only their low bits sorted */
    CN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp, (const uint32_t *)nullptr, (uint32_t *)nullptr,
                                                  (const int32_t *)nullptr, (int32_t *)nullptr, n, 0, bits, (cudaStream_t)0));
    size_t arr = ((size_t)n * sizeof(int32_t) + 255) & ~(size_t)255;
    char *s = (char *)cn_cuda_scratch(3 * arr + temp);
    int32_t *sid = (int32_t *)s, *tok_in = (int32_t *)(s + arr), *tok = (int32_t *)(s + 2 * arr);
    iota_kernel<<<cn_grid((size_t)n, 256), 256>>>(tok_in, n);
    CN_LAUNCHED();
    CN_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(s + 3 * arr, temp, (const uint32_t *)ids, (uint32_t *)sid, tok_in, tok, n, 0, bits,
                                                  (cudaStream_t)0));
    embed_runs_kernel<<<n, c < 128 ? 32 * ((c + 31) / 32) : 128>>>(dtable, dout, sid, tok, n, c);
    CN_LAUNCHED();
}
