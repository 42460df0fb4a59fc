#!/usr/bin/env bash
# tests/cuda/pack.sh: builds here what tests/cuda/device.sh runs on a GPU
# machine, for machines that cannot build it themselves (the CUDA image there
# has nvcc but not this project's Debian libraries or Unicode tables), into
# build/gpu-carry: bin/ (the GPU tests, cn-pretrain and cn-tokenize for the
# command-line check) and lib/ (their shared libraries but glibc's, the
# compiler's and CUDA's, which the GPU machine has). Built without MPI (one
# rank), CUDA for sm_90 only. Then, with the device tool:
#   run(command="bash tests/cuda/device.sh", carry=["build/gpu-carry"])
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
B=build/gpu
C=build/gpu-carry
# sm_90 machine code alone (no PTX) and no host debug sections: the device
# tool carries 64 MiB at most, OpenBLAS is 35 of them (the kernels are
# rebuilt from scratch: make sees no change of CUDA_ARCH)
rm -rf $B
make --no-print-directory -j"$(nproc)" CUDA=1 BUILD=$B MPI_LIBS= MPI_CFLAGS= CUDA_ARCH="-gencode arch=compute_90,code=sm_90" \
    $B/tests/cuda/test_ops_cuda $B/tests/cuda/test_step_cuda $B/tests/cuda/bench_cuda $B/bin/cn-pretrain $B/bin/cn-tokenize
rm -rf "$C"
mkdir -p "$C/bin" "$C/lib"
cp $B/tests/cuda/test_ops_cuda $B/tests/cuda/test_step_cuda $B/tests/cuda/bench_cuda $B/bin/cn-pretrain $B/bin/cn-tokenize "$C/bin/"
strip --strip-debug "$C"/bin/*
# the libraries to bring: not the C library's, the compiler's runtime or CUDA's
skip='^(linux-vdso|ld-linux|libc\.|libm\.|libdl\.|libpthread\.|librt\.|libgcc_s\.|libstdc\+\+\.|libcuda|libcublas|libnccl)'
for b in "$C"/bin/*; do
    ldd "$b" | awk '$3 ~ /^\// {print $1, $3}'
done | sort -u | while read -r name path; do
    if ! [[ $name =~ $skip ]]; then cp -L "$path" "$C/lib/$name"; fi
done
du -sh "$C" "$C/lib"/* | sed 's/^/pack: /'
