#!/usr/bin/env bash
# Builds session/cpu/wasm/kernels.wasm from the C sources beside this script (npm run build:wasm).
#   build.sh            writes kernels.wasm and kernels_fma.wasm next to this script
#   build.sh --check    rebuilds both into a temporary folder and fails if either differs from the committed one
#                       (npm run check:wasm; prints "skipped: no clang" where there is no compiler)
# kernels_fma.wasm is the same sources with the GEMM micro-kernel on relaxed-SIMD FMA (-DKILN_RELAXED_FMA), its
# opcodes rewritten to the standard ones by patch_fma.mjs (clang 14 predates them); kernels.ts loads it only where
# the engine validates relaxed SIMD.
# Reproducible: the sources are passed by relative path from this folder, there is no debug info (so no paths) and
# clang/lld write no timestamps; the binary depends only on the sources, these flags and the compiler version, which
# is pinned below because another LLVM schedules and allocates differently.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
PINNED='Debian clang version 14.0.6'
SOURCES=(runtime.c pack_f32.c gemm_f32_4x8.c gemm_f32.c conv2d_f32.c elementwise_f32.c reduce_f32.c softmax_f32.c)
# The memory is imported, shared (worker threads), starts at 1 MiB (the host creates it with that size) and may
# grow to the wasm32 limit of 4 GiB. The main thread's 64 KiB stack comes first (--stack-first), below the data, so
# an overflow runs off address 0 instead of over the statics; workers get stacks from the host's heap.
FLAGS=(--target=wasm32 -msimd128 -matomics -mbulk-memory -mmutable-globals -O3 -nostdlib -ffreestanding
  -fno-builtin -Wall -Wextra -Werror -Wno-unused-parameter
  -Wl,--no-entry,--export-dynamic,--import-memory,--shared-memory,--max-memory=4294967296
  -Wl,--stack-first,-z,stack-size=65536,--initial-memory=1048576,--export=__heap_base,--strip-debug)

# Prints why this machine cannot reproduce the committed binary ("no clang", another version), or nothing.
compiler_problem() {
  command -v clang >/dev/null && command -v wasm-ld >/dev/null && command -v llvm-objdump >/dev/null || { echo "no clang"; return; }
  local v; v="$(clang --version | head -n1)"
  [[ "$v" == "$PINNED"* ]] || echo "$v is not the pinned '$PINNED'"
}

# build DIR: both binaries into DIR.
build() {
  clang "${FLAGS[@]}" -o "$1/kernels.wasm" "${SOURCES[@]}"
  clang "${FLAGS[@]}" -mrelaxed-simd -DKILN_RELAXED_FMA -o "$1/kernels_fma.prototype.wasm" "${SOURCES[@]}"
  llvm-objdump -d "$1/kernels_fma.prototype.wasm" | node patch_fma.mjs "$1/kernels_fma.prototype.wasm" "$1/kernels_fma.wasm" >/dev/null
  rm "$1/kernels_fma.prototype.wasm"
}

problem="$(compiler_problem)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
if [[ "${1:-}" == "--check" ]]; then
  [[ -z "$problem" ]] || { echo "skipped: $problem"; exit 0; }
  build "$tmp"
  for f in kernels.wasm kernels_fma.wasm; do
    cmp -s "$tmp/$f" "$f" || { echo "session/cpu/wasm/$f is stale or was not built by build.sh: run npm run build:wasm and commit it" >&2; exit 1; }
  done
  echo "ok: session/cpu/wasm/kernels.wasm and kernels_fma.wasm match their sources"
else
  [[ -z "$problem" ]] || { echo "build:wasm: $problem; it needs $PINNED, wasm-ld and llvm-objdump (Debian 12: apt-get install clang lld)" >&2; exit 1; }
  build "$tmp"
  cp "$tmp/kernels.wasm" "$tmp/kernels_fma.wasm" .
  echo "wrote kernels.wasm ($(wc -c < kernels.wasm) bytes), kernels_fma.wasm ($(wc -c < kernels_fma.wasm) bytes)"
fi
