/* attention: tiled forward and backward (flash-attention style) that never
 * hold a T x T matrix. B sequences, T tokens (tq queries over tk keys for
 * the cached form), Hq query heads over Hkv key/value heads (grouped-query),
 * D head size padded to DP (32, 64, 128 or 256) in shared memory.
 *
 * A block takes a tile of BR queries (forward, dQ) or BC keys (dK, dV);
 * BR/4 x 16 threads, each a 4-row strip and every 16th column of a tile:
 *   ty = thread / 16 owns rows 4 ty .. 4 ty + 3, tx = thread % 16 columns
 *   tx, tx + 16, ...; a row's 16 threads sit in one half-warp, so its max and
 *   sum are 4 shuffles. Row-major tiles read along a row are padded to DP + 1
 *   columns, transposed ones to BR + 1 (or BC + 1): every shared-memory read
 *   in the inner loops is a broadcast or conflict-free.
 * Forward: online softmax over key tiles, S = q k^T / sqrt(D) in registers,
 *   P through shared memory into O += P V; lse = m + log(l) saved ([B, Hq, T];
 *   +inf where a query sees nothing, its output 0, as the CPU).
 * Backward, deterministic (no atomics): Di = rowsum(dO o) first; then one
 *   kernel for dQ (a block per query tile, over the key tiles) and one for dK
 *   and dV (a block per key tile and key head, over its query heads in order
 *   and their query tiles), each recomputing P from lse.
 * Masks: causal (key position <= query position; the cached form shifts the
 *   queries by past), segment (equal ids), valid (keys with 0 never seen);
 *   whole key (or query) tiles past the causal limit are skipped. */
#include <math.h>
#include "cuda_common.cuh"

#define TX 16

struct attn_args {
    const float *q, *k, *v, *o, *dout, *lse, *di;
    float *out, *lse_out, *dq, *dk, *dv;
    int b, tq, tk, hq, hkv, d, q_off, causal;
    const int32_t *seg;
    const uint8_t *valid;
    float scale;
};

/* ---- forward ---- */

template <int DP, int BR, int BC> static size_t fwd_smem(void) {
    return sizeof(float) * ((size_t)BR * (DP + 1) + 2 * (size_t)DP * (BC + 1) + (size_t)BR * (BC + 1)) + sizeof(int) * (BR + 2 * BC);
}

template <int DP, int BR, int BC>
__global__ void __launch_bounds__(BR * 4) attn_fwd_kernel(attn_args a) {
    constexpr int NT = BR * 4, SC = BC / TX, OC = DP / TX;
    extern __shared__ float smem[];
    float *Qs = smem;                        /* [BR][DP + 1] */
    float *Kt = Qs + BR * (DP + 1);          /* [DP][BC + 1] */
    float *Vt = Kt + DP * (BC + 1);          /* [DP][BC + 1] */
    float *Ps = Vt + DP * (BC + 1);          /* [BR][BC + 1] */
    int *segq = (int *)(Ps + BR * (BC + 1)); /* [BR] */
    int *segk = segq + BR, *okk = segk + BC; /* [BC] [BC] */
    const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
    const int i0 = blockIdx.x * BR, h = blockIdx.y, b = blockIdx.z, g = h / (a.hq / a.hkv), d = a.d;
    const size_t qs = (size_t)a.hq * d, ks = (size_t)a.hkv * d;
    const float *qb = a.q + (size_t)b * a.tq * qs + (size_t)h * d;
    const float *kb = a.k + (size_t)b * a.tk * ks + (size_t)g * d, *vb = a.v + (size_t)b * a.tk * ks + (size_t)g * d;

    for (int idx = tid; idx < DP * (BC + 1); idx += NT) Kt[idx] = 0, Vt[idx] = 0; /* the padding stays 0 */
    for (int idx = tid; idx < BR * d; idx += NT) {
        int r = idx / d, e = idx % d;
        Qs[r * (DP + 1) + e] = i0 + r < a.tq ? qb[(size_t)(i0 + r) * qs + e] : 0.f;
    }
    for (int r = tid; r < BR; r += NT) segq[r] = a.seg && i0 + r < a.tq ? a.seg[(size_t)b * a.tq + i0 + r] : 0;

    float acc[4][OC], m[4], l[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        m[i] = -INFINITY, l[i] = 0;
#pragma unroll
        for (int c = 0; c < OC; c++) acc[i][c] = 0;
    }
    int kend = a.tk;
    if (a.causal) kend = min(kend, a.q_off + min(i0 + BR, a.tq));
    for (int j0 = 0; j0 < kend; j0 += BC) {
        __syncthreads();
        for (int idx = tid; idx < BC * d; idx += NT) {
            int j = idx / d, e = idx % d;
            bool in = j0 + j < a.tk;
            Kt[e * (BC + 1) + j] = in ? kb[(size_t)(j0 + j) * ks + e] : 0.f;
            Vt[e * (BC + 1) + j] = in ? vb[(size_t)(j0 + j) * ks + e] : 0.f;
        }
        for (int j = tid; j < BC; j += NT) {
            int kj = j0 + j;
            bool in = kj < a.tk;
            segk[j] = a.seg && in ? a.seg[(size_t)b * a.tk + kj] : 0;
            okk[j] = in && (!a.valid || a.valid[(size_t)b * a.tk + kj]);
        }
        __syncthreads();
        float s[4][SC];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int jj = 0; jj < SC; jj++) s[i][jj] = 0;
        for (int e = 0; e < d; e++) {
            float qv[4], kv[SC];
#pragma unroll
            for (int i = 0; i < 4; i++) qv[i] = Qs[(ty * 4 + i) * (DP + 1) + e];
#pragma unroll
            for (int jj = 0; jj < SC; jj++) kv[jj] = Kt[e * (BC + 1) + tx + TX * jj];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int jj = 0; jj < SC; jj++) s[i][jj] += qv[i] * kv[jj];
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int r = ty * 4 + i, qi = i0 + r;
            float mx = -INFINITY;
#pragma unroll
            for (int jj = 0; jj < SC; jj++) {
                int j = tx + TX * jj, kj = j0 + j;
                bool ok = qi < a.tq && okk[j] && (!a.causal || kj <= qi + a.q_off) && (!a.seg || segq[r] == segk[j]);
                s[i][jj] = ok ? s[i][jj] * a.scale : -INFINITY;
                mx = fmaxf(mx, s[i][jj]);
            }
#pragma unroll
            for (int o = TX / 2; o > 0; o >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, o));
            float mnew = fmaxf(m[i], mx), corr = 1, rs = 0;
            if (mnew != -INFINITY) {
                corr = expf(m[i] - mnew);
#pragma unroll
                for (int jj = 0; jj < SC; jj++) {
                    float p = s[i][jj] == -INFINITY ? 0.f : expf(s[i][jj] - mnew);
                    s[i][jj] = p;
                    rs += p;
                }
            } else {
#pragma unroll
                for (int jj = 0; jj < SC; jj++) s[i][jj] = 0;
            }
#pragma unroll
            for (int o = TX / 2; o > 0; o >>= 1) rs += __shfl_xor_sync(0xffffffffu, rs, o);
            l[i] = l[i] * corr + rs;
            m[i] = mnew;
#pragma unroll
            for (int c = 0; c < OC; c++) acc[i][c] *= corr;
#pragma unroll
            for (int jj = 0; jj < SC; jj++) Ps[r * (BC + 1) + tx + TX * jj] = s[i][jj];
        }
        __syncthreads();
        int jn = min(BC, a.tk - j0);
        for (int j = 0; j < jn; j++) {
            float pv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) pv[i] = Ps[(ty * 4 + i) * (BC + 1) + j];
#pragma unroll
            for (int c = 0; c < OC; c++) {
                float vv = Vt[(tx + TX * c) * (BC + 1) + j];
#pragma unroll
                for (int i = 0; i < 4; i++) acc[i][c] += pv[i] * vv;
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int qi = i0 + ty * 4 + i;
        if (qi >= a.tq) continue;
        float inv = l[i] > 0 ? 1.0f / l[i] : 0.f;
        float *orow = a.out + ((size_t)b * a.tq + qi) * qs + (size_t)h * d;
#pragma unroll
        for (int c = 0; c < OC; c++)
            if (tx + TX * c < d) orow[tx + TX * c] = acc[i][c] * inv;
        if (a.lse_out && tx == 0) a.lse_out[((size_t)b * a.hq + h) * a.tq + qi] = l[i] > 0 ? m[i] + logf(l[i]) : INFINITY;
    }
}

/* ---- backward: Di = rowsum(dO o), a warp per (token, head) ---- */
__global__ void attn_di_kernel(float *di, const float *dout, const float *o, int b, int t, int hq, int d) {
    size_t warps = (size_t)b * t * hq, w = (blockIdx.x * (size_t)blockDim.x + threadIdx.x) / 32;
    int lane = threadIdx.x & 31;
    for (; w < warps; w += (size_t)gridDim.x * blockDim.x / 32) {
        size_t tok = w / hq;
        int h = (int)(w % hq);
        const float *a = dout + tok * hq * d + (size_t)h * d, *c = o + tok * hq * d + (size_t)h * d;
        float s = 0;
        for (int e = lane; e < d; e += 32) s += a[e] * c[e];
        s = warp_sum(s);
        size_t bb = tok / t, i = tok % t;
        if (lane == 0) di[(bb * hq + h) * t + i] = s;
    }
}

/* ---- backward: dQ, a block per query tile ---- */

template <int DP, int BR, int BC> static size_t dq_smem(void) {
    return sizeof(float) * (2 * (size_t)BR * (DP + 1) + 2 * (size_t)DP * (BC + 1) + (size_t)BR * (BC + 1) + 2 * BR) +
           sizeof(int) * (BR + 2 * BC);
}

template <int DP, int BR, int BC>
__global__ void __launch_bounds__(BR * 4) attn_dq_kernel(attn_args a) {
    constexpr int NT = BR * 4, SC = BC / TX, OC = DP / TX;
    extern __shared__ float smem[];
    float *Qs = smem;                  /* [BR][DP + 1] */
    float *dOs = Qs + BR * (DP + 1);   /* [BR][DP + 1] */
    float *Kt = dOs + BR * (DP + 1);   /* [DP][BC + 1] */
    float *Vt = Kt + DP * (BC + 1);    /* [DP][BC + 1] */
    float *dSs = Vt + DP * (BC + 1);   /* [BR][BC + 1] */
    float *lse_s = dSs + BR * (BC + 1), *di_s = lse_s + BR; /* [BR] [BR] */
    int *segq = (int *)(di_s + BR), *segk = segq + BR, *okk = segk + BC;
    const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
    const int i0 = blockIdx.x * BR, h = blockIdx.y, b = blockIdx.z, g = h / (a.hq / a.hkv), d = a.d, t = a.tq;
    const size_t qs = (size_t)a.hq * d, ks = (size_t)a.hkv * d;
    const size_t qoff = (size_t)b * t * qs + (size_t)h * d;
    const float *kb = a.k + (size_t)b * t * ks + (size_t)g * d, *vb = a.v + (size_t)b * t * ks + (size_t)g * d;

    for (int idx = tid; idx < DP * (BC + 1); idx += NT) Kt[idx] = 0, Vt[idx] = 0;
    for (int idx = tid; idx < BR * d; idx += NT) {
        int r = idx / d, e = idx % d;
        bool in = i0 + r < t;
        Qs[r * (DP + 1) + e] = in ? a.q[qoff + (size_t)(i0 + r) * qs + e] : 0.f;
        dOs[r * (DP + 1) + e] = in ? a.dout[qoff + (size_t)(i0 + r) * qs + e] : 0.f;
    }
    for (int r = tid; r < BR; r += NT) {
        bool in = i0 + r < t;
        size_t li = ((size_t)b * a.hq + h) * t + i0 + r;
        lse_s[r] = in ? a.lse[li] : INFINITY;
        di_s[r] = in ? a.di[li] : 0.f;
        segq[r] = a.seg && in ? a.seg[(size_t)b * t + i0 + r] : 0;
    }
    float acc[4][OC];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int c = 0; c < OC; c++) acc[i][c] = 0;
    int kend = a.causal ? min(t, i0 + BR) : t;
    for (int j0 = 0; j0 < kend; j0 += BC) {
        __syncthreads();
        for (int idx = tid; idx < BC * d; idx += NT) {
            int j = idx / d, e = idx % d;
            bool in = j0 + j < t;
            Kt[e * (BC + 1) + j] = in ? kb[(size_t)(j0 + j) * ks + e] : 0.f;
            Vt[e * (BC + 1) + j] = in ? vb[(size_t)(j0 + j) * ks + e] : 0.f;
        }
        for (int j = tid; j < BC; j += NT) {
            int kj = j0 + j;
            bool in = kj < t;
            segk[j] = a.seg && in ? a.seg[(size_t)b * t + kj] : 0;
            okk[j] = in && (!a.valid || a.valid[(size_t)b * t + kj]);
        }
        __syncthreads();
        float s[4][SC], dp[4][SC];
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int jj = 0; jj < SC; jj++) s[i][jj] = 0, dp[i][jj] = 0;
        for (int e = 0; e < d; e++) {
            float qv[4], ov[4], kv[SC], vv[SC];
#pragma unroll
            for (int i = 0; i < 4; i++) qv[i] = Qs[(ty * 4 + i) * (DP + 1) + e], ov[i] = dOs[(ty * 4 + i) * (DP + 1) + e];
#pragma unroll
            for (int jj = 0; jj < SC; jj++) kv[jj] = Kt[e * (BC + 1) + tx + TX * jj], vv[jj] = Vt[e * (BC + 1) + tx + TX * jj];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int jj = 0; jj < SC; jj++) s[i][jj] += qv[i] * kv[jj], dp[i][jj] += ov[i] * vv[jj];
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            int r = ty * 4 + i, qi = i0 + r;
#pragma unroll
            for (int jj = 0; jj < SC; jj++) {
                int j = tx + TX * jj, kj = j0 + j;
                bool ok = qi < t && okk[j] && (!a.causal || kj <= qi) && (!a.seg || segq[r] == segk[j]) && lse_s[r] != INFINITY;
                float p = ok ? expf(s[i][jj] * a.scale - lse_s[r]) : 0.f;
                dSs[r * (BC + 1) + j] = p * (dp[i][jj] - di_s[r]);
            }
        }
        __syncthreads();
        int jn = min(BC, t - j0);
        for (int j = 0; j < jn; j++) {
            float dsv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) dsv[i] = dSs[(ty * 4 + i) * (BC + 1) + j];
#pragma unroll
            for (int c = 0; c < OC; c++) {
                float kk = Kt[(tx + TX * c) * (BC + 1) + j];
#pragma unroll
                for (int i = 0; i < 4; i++) acc[i][c] += dsv[i] * kk;
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int qi = i0 + ty * 4 + i;
        if (qi >= t) continue;
        float *row = a.dq + qoff + (size_t)qi * qs;
#pragma unroll
        for (int c = 0; c < OC; c++)
            if (tx + TX * c < d) row[tx + TX * c] = acc[i][c] * a.scale;
    }
}

/* ---- backward: dK and dV, a block per key tile of one key head ---- */

template <int DP, int BR, int BC> static size_t dkdv_smem(void) {
    return sizeof(float) * (2 * (size_t)BC * (DP + 1) + 2 * (size_t)DP * (BR + 1) + 2 * (size_t)BC * (BR + 1) + 2 * BR) +
           sizeof(int) * (2 * BR + 2 * BC);
}

template <int DP, int BR, int BC>
__global__ void __launch_bounds__(BC * 4) attn_dkdv_kernel(attn_args a) {
    constexpr int NT = BC * 4, QC = BR / TX, OC = DP / TX;
    extern __shared__ float smem[];
    float *Ks = smem;                 /* [BC][DP + 1] */
    float *Vs = Ks + BC * (DP + 1);   /* [BC][DP + 1] */
    float *Qt = Vs + BC * (DP + 1);   /* [DP][BR + 1] */
    float *dOt = Qt + DP * (BR + 1);  /* [DP][BR + 1] */
    float *Ps = dOt + DP * (BR + 1);  /* [BC][BR + 1] P^T */
    float *dSs = Ps + BC * (BR + 1);  /* [BC][BR + 1] dS^T */
    float *lse_s = dSs + BC * (BR + 1), *di_s = lse_s + BR;
    int *segq = (int *)(di_s + BR), *okq = segq + BR, *segk = okq + BR, *okk = segk + BC;
    const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
    const int j0 = blockIdx.x * BC, g = blockIdx.y, b = blockIdx.z, group = a.hq / a.hkv, d = a.d, t = a.tq;
    const size_t qs = (size_t)a.hq * d, ks = (size_t)a.hkv * d, koff = (size_t)b * t * ks + (size_t)g * d;

    for (int idx = tid; idx < DP * (BR + 1); idx += NT) Qt[idx] = 0, dOt[idx] = 0;
    for (int idx = tid; idx < BC * d; idx += NT) {
        int j = idx / d, e = idx % d;
        bool in = j0 + j < t;
        Ks[j * (DP + 1) + e] = in ? a.k[koff + (size_t)(j0 + j) * ks + e] : 0.f;
        Vs[j * (DP + 1) + e] = in ? a.v[koff + (size_t)(j0 + j) * ks + e] : 0.f;
    }
    for (int j = tid; j < BC; j += NT) {
        int kj = j0 + j;
        bool in = kj < t;
        segk[j] = a.seg && in ? a.seg[(size_t)b * t + kj] : 0;
        okk[j] = in && (!a.valid || a.valid[(size_t)b * t + kj]);
    }
    float dk[4][OC], dv[4][OC];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int c = 0; c < OC; c++) dk[i][c] = 0, dv[i][c] = 0;
    int istart = a.causal ? j0 / BR * BR : 0;
    for (int h = g * group; h < (g + 1) * group; h++) {
        const size_t qoff = (size_t)b * t * qs + (size_t)h * d;
        for (int i0 = istart; i0 < t; i0 += BR) {
            __syncthreads();
            for (int idx = tid; idx < BR * d; idx += NT) {
                int r = idx / d, e = idx % d;
                bool in = i0 + r < t;
                Qt[e * (BR + 1) + r] = in ? a.q[qoff + (size_t)(i0 + r) * qs + e] : 0.f;
                dOt[e * (BR + 1) + r] = in ? a.dout[qoff + (size_t)(i0 + r) * qs + e] : 0.f;
            }
            for (int r = tid; r < BR; r += NT) {
                bool in = i0 + r < t;
                size_t li = ((size_t)b * a.hq + h) * t + i0 + r;
                lse_s[r] = in ? a.lse[li] : INFINITY;
                di_s[r] = in ? a.di[li] : 0.f;
                segq[r] = a.seg && in ? a.seg[(size_t)b * t + i0 + r] : 0;
                okq[r] = in;
            }
            __syncthreads();
            float st[4][QC], dpt[4][QC];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int ii = 0; ii < QC; ii++) st[i][ii] = 0, dpt[i][ii] = 0;
            for (int e = 0; e < d; e++) {
                float kv[4], vv[4], qv[QC], ov[QC];
#pragma unroll
                for (int i = 0; i < 4; i++) kv[i] = Ks[(ty * 4 + i) * (DP + 1) + e], vv[i] = Vs[(ty * 4 + i) * (DP + 1) + e];
#pragma unroll
                for (int ii = 0; ii < QC; ii++) qv[ii] = Qt[e * (BR + 1) + tx + TX * ii], ov[ii] = dOt[e * (BR + 1) + tx + TX * ii];
#pragma unroll
                for (int i = 0; i < 4; i++)
#pragma unroll
                    for (int ii = 0; ii < QC; ii++) st[i][ii] += kv[i] * qv[ii], dpt[i][ii] += vv[i] * ov[ii];
            }
#pragma unroll
            for (int i = 0; i < 4; i++) {
                int j = ty * 4 + i, kj = j0 + j;
#pragma unroll
                for (int ii = 0; ii < QC; ii++) {
                    int r = tx + TX * ii, qi = i0 + r;
                    bool ok = okq[r] && okk[j] && (!a.causal || kj <= qi) && (!a.seg || segq[r] == segk[j]) && lse_s[r] != INFINITY;
                    float p = ok ? expf(st[i][ii] * a.scale - lse_s[r]) : 0.f;
                    Ps[j * (BR + 1) + r] = p;
                    dSs[j * (BR + 1) + r] = p * (dpt[i][ii] - di_s[r]);
                }
            }
            __syncthreads();
            int rn = min(BR, t - i0);
            for (int r = 0; r < rn; r++) {
                float pv[4], dsv[4];
#pragma unroll
                for (int i = 0; i < 4; i++) pv[i] = Ps[(ty * 4 + i) * (BR + 1) + r], dsv[i] = dSs[(ty * 4 + i) * (BR + 1) + r];
#pragma unroll
                for (int c = 0; c < OC; c++) {
                    float ov = dOt[(tx + TX * c) * (BR + 1) + r], qv = Qt[(tx + TX * c) * (BR + 1) + r];
#pragma unroll
                    for (int i = 0; i < 4; i++) dv[i][c] += pv[i] * ov, dk[i][c] += dsv[i] * qv;
                }
            }
        }
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int kj = j0 + ty * 4 + i;
        if (kj >= t) continue;
        float *krow = a.dk + koff + (size_t)kj * ks, *vrow = a.dv + koff + (size_t)kj * ks;
#pragma unroll
        for (int c = 0; c < OC; c++)
            if (tx + TX * c < d) krow[tx + TX * c] = dk[i][c] * a.scale, vrow[tx + TX * c] = dv[i][c];
    }
}

/* ---- launching: the tile for the head size, 64 x 64 where the device's
 * shared memory takes it (Hopper: up to D = 128), else 32 x 32 ---- */

/* raises a kernel's dynamic shared memory limit once; 0 when the device
 * cannot give bytes */
template <typename K> static int smem_ready(K kernel, size_t bytes, int *done) {
    if (bytes > cn_cuda.smem_optin) return 0;
    if (!*done) {
        CN_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
        *done = 1;
    }
    return 1;
}

enum { ATT_FWD, ATT_DQ, ATT_DKDV };

template <int DP, int T> static int launch_tile(int which, const attn_args &a) {
    static int done[3];
    size_t bytes;
    if (which == ATT_FWD) {
        bytes = fwd_smem<DP, T, T>();
        if (!smem_ready(attn_fwd_kernel<DP, T, T>, bytes, &done[0])) return 0;
        dim3 grid((unsigned)cn_ceil_div((size_t)a.tq, T), (unsigned)a.hq, (unsigned)a.b);
        attn_fwd_kernel<DP, T, T><<<grid, T * 4, bytes>>>(a);
    } else if (which == ATT_DQ) {
        bytes = dq_smem<DP, T, T>();
        if (!smem_ready(attn_dq_kernel<DP, T, T>, bytes, &done[1])) return 0;
        dim3 grid((unsigned)cn_ceil_div((size_t)a.tq, T), (unsigned)a.hq, (unsigned)a.b);
        attn_dq_kernel<DP, T, T><<<grid, T * 4, bytes>>>(a);
    } else {
        bytes = dkdv_smem<DP, T, T>();
        if (!smem_ready(attn_dkdv_kernel<DP, T, T>, bytes, &done[2])) return 0;
        dim3 grid((unsigned)cn_ceil_div((size_t)a.tk, T), (unsigned)a.hkv, (unsigned)a.b);
        attn_dkdv_kernel<DP, T, T><<<grid, T * 4, bytes>>>(a);
    }
    CN_LAUNCHED();
    return 1;
}

template <int DP> static int launch_dp(int which, const attn_args &a) {
    if constexpr (DP <= 128) {
        if (launch_tile<DP, 64>(which, a)) return 1;
    }
    return launch_tile<DP, 32>(which, a);
}

static void launch(int which, const attn_args &a) {
    int ok = a.d <= 32 ? launch_dp<32>(which, a) : a.d <= 64 ? launch_dp<64>(which, a) : a.d <= 128 ? launch_dp<128>(which, a)
           : a.d <= 256 ? launch_dp<256>(which, a) : 0;
    if (!ok) {
        char why[160];
        snprintf(why, sizeof why, "head size %d: the attention kernels take D <= 256 within %zu bytes of shared memory a block", a.d,
                 cn_cuda.smem_optin);
        cn_cuda_fail("attention", why, __FILE__, __LINE__);
    }
}

void cu_attn_fwd(float *o, float *lse, const float *q, const float *k, const float *v, int b, int t, int hq, int hkv, int d,
                 const cn_attn_mask *mask) {
    if (b <= 0 || t <= 0 || hq <= 0 || d <= 0) return;
    attn_args a = {};
    a.q = q, a.k = k, a.v = v, a.out = o, a.lse_out = lse;
    a.b = b, a.tq = t, a.tk = t, a.hq = hq, a.hkv = hkv, a.d = d, a.q_off = 0;
    a.causal = mask->causal, a.seg = mask->segment, a.valid = mask->valid;
    a.scale = 1.0f / sqrtf((float)d);
    launch(ATT_FWD, a);
}

void cu_attn_bwd(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k, const float *v, const float *o,
                 const float *lse, int b, int t, int hq, int hkv, int d, const cn_attn_mask *mask) {
    if (b <= 0 || t <= 0 || hq <= 0 || d <= 0) return;
    size_t rows = (size_t)b * t * hq;
    float *di = (float *)cn_cuda_scratch(rows * sizeof(float));
    attn_di_kernel<<<cn_grid(rows * 32, 256), 256>>>(di, dout, o, b, t, hq, d);
    CN_LAUNCHED();
    attn_args a = {};
    a.q = q, a.k = k, a.v = v, a.o = o, a.dout = dout, a.lse = lse, a.di = di, a.dq = dq, a.dk = dk, a.dv = dv;
    a.b = b, a.tq = t, a.tk = t, a.hq = hq, a.hkv = hkv, a.d = d, a.q_off = 0;
    a.causal = mask->causal, a.seg = mask->segment, a.valid = mask->valid;
    a.scale = 1.0f / sqrtf((float)d);
    launch(ATT_DQ, a);
    launch(ATT_DKDV, a);
}

/* n new queries at positions past.. over past + n cached keys: the forward
 * kernel with the causal limit shifted by past, no lse */
void cu_attn_cached_fwd(float *o, const float *q, const float *kc, const float *vc, int n, int past, int hq, int hkv, int d) {
    if (n <= 0 || hq <= 0 || d <= 0) return;
    attn_args a = {};
    a.q = q, a.k = kc, a.v = vc, a.out = o, a.lse_out = NULL;
    a.b = 1, a.tq = n, a.tk = past + n, a.hq = hq, a.hkv = hkv, a.d = d, a.q_off = past, a.causal = 1;
    a.scale = 1.0f / sqrtf((float)d);
    launch(ATT_FWD, a);
}
