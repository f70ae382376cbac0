#!/usr/bin/env bash
# Builds session/cpu/wasm/kernels.wasm from the C sources beside this script (npm run build:wasm).
#   build.sh [OUT]      OUT defaults to kernels.wasm next to this script
#   build.sh --check    rebuilds into a temporary file and fails if it differs from the committed kernels.wasm
#                       (npm run check:wasm; prints "skipped: no clang" where there is no compiler)
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
  command -v clang >/dev/null && command -v wasm-ld >/dev/null || { echo "no clang"; return; }
  local v; v="$(clang --version | head -n1)"
  [[ "$v" == "$PINNED"* ]] || echo "$v is not the pinned '$PINNED'"
}

problem="$(compiler_problem)"
if [[ "${1:-}" == "--check" ]]; then
  [[ -z "$problem" ]] || { echo "skipped: $problem"; exit 0; }
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  clang "${FLAGS[@]}" -o "$tmp/kernels.wasm" "${SOURCES[@]}"
  if cmp -s "$tmp/kernels.wasm" kernels.wasm; then
    echo "ok: session/cpu/wasm/kernels.wasm matches its sources ($(wc -c < kernels.wasm) bytes)"
  else
    echo "session/cpu/wasm/kernels.wasm is stale or was not built by build.sh: run npm run build:wasm and commit it" >&2
    exit 1
  fi
else
  [[ -z "$problem" ]] || { echo "build:wasm: $problem; it needs $PINNED and wasm-ld (Debian 12: apt-get install clang lld)" >&2; exit 1; }
  out="${1:-kernels.wasm}"
  clang "${FLAGS[@]}" -o "$out" "${SOURCES[@]}"
  echo "wrote $out ($(wc -c < "$out") bytes)"
fi
