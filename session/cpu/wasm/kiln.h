// Shared declarations of Kiln's WebAssembly kernels (session/cpu/wasm/*.c, built by build.sh).
//
// Why C with Debian's clang/lld rather than AssemblyScript: the kernels live or die by what reaches V8 as wasm SIMD,
// and clang's <wasm_simd128.h> maps one intrinsic to one instruction (v128.load32_splat, f32x4.mul ...) with LLVM's
// register allocation and unrolling on top; AssemblyScript's SIMD builtins are the same instructions with a weaker
// optimiser and its own runtime/GC in the binary. No libc (-nostdlib): the kernels need none, and the binary stays a
// few KB with nothing but the kernels in it.
//
// Calling convention: every exported kernel is `void name(const args_t *args, int tid, int nthreads)`. The host writes
// the argument struct into the shared memory, and each of `nthreads` threads calls the kernel with its own `tid`; the
// kernel computes only its share of the output. Which share is a pure function of the output's shape, never of
// timing, and every output element is computed by exactly one thread with the same instruction sequence whatever the
// thread count, so results do not depend on it.
#pragma once
#include <stdint.h>
#include <wasm_simd128.h>

#define KILN_EXPORT __attribute__((visibility("default")))
#define KILN_INLINE static inline __attribute__((always_inline))

// Activations of TF's fused ops (_FusedMatMul / _FusedConv2D fused_ops after BiasAdd). Numbers are part of the
// host ABI (session/cpu/kernels.ts: ACTIVATIONS).
enum { ACT_NONE = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_ELU = 3, ACT_LEAKY_RELU = 4, ACT_SIGMOID = 5, ACT_TANH = 6 };

// The half-open range [*lo, *hi) of `total` units that thread `tid` of `n` owns (contiguous, sizes differ by <= 1).
KILN_INLINE void kiln_share(int total, int tid, int n, int *lo, int *hi) {
  *lo = (int)(((int64_t)total * tid) / n);
  *hi = (int)(((int64_t)total * (tid + 1)) / n);
}

#define KILN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KILN_MAX(a, b) ((a) > (b) ? (a) : (b))
