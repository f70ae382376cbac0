#!/usr/bin/env bash
# Run THERE, on the device machine, from the repo root, as the `run` command (bench/gpu/README.md):
#   bash bench/gpu/run.sh
# with `.gl` and `.gpu` carried (bench/gpu/prepare.sh makes them here). Writes $OUT/gpu-check.log (everything) and
# $OUT/gpu-results.json. Every step has its own timeout (20 + 20 + 30 + 110 + 150 s): the whole run is bounded by
# about 5.7 minutes, and should take about 3 on an H200 machine.
# Environment: KILN_GPU_SIM=1 skips unpacking .gl/ into / (the rehearsal on a machine without a GPU);
# KILN_GPU_ARGS adds check.js options (the rehearsal: '--allow-software --quick --budget-s 400'); KILN_GPU_SCALE
# multiplies every timeout (the rehearsal on a loaded 2-core machine: 3); KILN_GPU_DIR (default /tmp/k).
set -u
OUT=${OUT:-/tmp/gpu-out}
mkdir -p "$OUT"
K=${KILN_GPU_DIR:-/tmp/k}
ARGS=${KILN_GPU_ARGS:-}
RESULTS="$OUT/gpu-results.json"
rm -f "$RESULTS" # merged into by each part below: start empty
SCALE=${KILN_GPU_SCALE:-1}
t() { echo $(($1 * SCALE)); }

step() { echo; echo "== $* ($(date -u +%T))"; }

main() {
  local t0=$SECONDS rc=0
  step "loaders"
  if [ -z "${KILN_GPU_SIM:-}" ]; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig
  else
    echo "KILN_GPU_SIM set: .gl/ not unpacked into /"
  fi
  ldconfig -p | grep -E 'libvulkan|libEGL\.|libGLX_nvidia|libEGL_nvidia' || echo "(no Vulkan/EGL libraries in ldconfig)"
  ls /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>/dev/null

  step "unpacking .gpu/bundle.tar.xz into $K"
  rm -rf "$K" && mkdir -p "$K" || return 1
  tar -xJf .gpu/bundle.tar.xz -C "$K" || { echo "unpacking the bundle failed"; return 1; }
  # bench/ from the tree that travelled; dist/ and node_modules from the bundle (../../dist from bench/gpu/check.js).
  cp -r bench "$K/bench"
  cat "$K/BUNDLE.json"
  local node="$K/node"
  "$node" --version || return 1
  cd "$K" || return 1

  step "GPU"
  if command -v nvidia-smi >/dev/null; then nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm --format=csv,noheader; else echo "no nvidia-smi"; fi

  step "Vulkan probe"
  if ! timeout $(t 20) "$node" bench/gpu/check.js --probe; then
    # The loader found no NVIDIA driver in its default places: point it at the driver's own files (device README).
    local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
    if [ -f "$icd" ]; then
      export VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=$egl
      echo "set VK_DRIVER_FILES=$VK_DRIVER_FILES __EGL_VENDOR_LIBRARY_FILENAMES=$__EGL_VENDOR_LIBRARY_FILENAMES"
      timeout $(t 20) "$node" bench/gpu/check.js --probe || echo "still no NVIDIA adapter through Vulkan"
    else
      echo "no $icd: cannot point the loader at NVIDIA's driver"
    fi
  fi

  step "adapter check"
  # shellcheck disable=SC2086
  timeout $(t 30) "$node" bench/gpu/check.js --part adapter --results "$RESULTS" $ARGS || { echo "adapter check failed (rc $?): stopping"; return 1; }

  step "correctness suite"
  # shellcheck disable=SC2086
  timeout $(t 110) "$node" bench/gpu/check.js --part correctness --budget-s 95 --results "$RESULTS" $ARGS || { rc=$?; echo "correctness suite failed (rc $rc)"; }

  step "benchmark"
  # shellcheck disable=SC2086
  timeout $(t 150) "$node" bench/gpu/check.js --part bench --results "$RESULTS" $ARGS || { local b=$?; echo "benchmark failed (rc $b)"; [ "$rc" = 0 ] && rc=$b; }

  step "done in $((SECONDS - t0)) s, rc $rc"
  return "$rc"
}

set -o pipefail
main 2>&1 | tee "$OUT/gpu-check.log"
