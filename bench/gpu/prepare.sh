#!/usr/bin/env bash
# Run HERE (not on the device machine): builds what bench/gpu/run.sh needs there, in the tree to be sent.
#   bench/gpu/prepare.sh [TREE] [--no-build]
# TREE (default: the repo root this script sits in) is built (`npm run build`) and bundled; .gl/ and .gpu/ are
# written into TREE, since TREE is the checkout whose working tree travels with the `run` call.
#   .gl/               Debian's Vulkan loader and the GLVND/EGL packages (the device README's recipe): the device
#                      image has the NVIDIA driver but no libvulkan.so.1 for Dawn to load.
#   .gpu/bundle.tar.xz node (there is none there), TREE/dist, and only the runtime node_modules the check needs.
# Prints the sizes: the call sends tracked + untracked files + carried paths, 64 MiB in all.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tree=$(cd "$here/../.." && pwd)
build=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    -*) echo "prepare.sh: unknown option '$a'" >&2; exit 2 ;;
    *) tree=$(cd "$a" && pwd) ;;
  esac
done
[ -f "$tree/package.json" ] || { echo "prepare.sh: $tree has no package.json" >&2; exit 2; }
[ -d "$tree/node_modules/webgpu/dist/linux-x64" ] || { echo "prepare.sh: $tree/node_modules has no webgpu linux-x64 build (npm install first)" >&2; exit 2; }
echo "== bundling $tree"
mib() { du -sb "$@" | awk '{s += $1} END {printf "%.1f", s / 1048576}'; }

# 1. .gl/: the loader packages, downloaded once (their versions pinned by Debian's lists of the day).
debs="libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2"
missing=0
for p in $debs; do ls "$tree"/.gl/"${p}"_*.deb >/dev/null 2>&1 || missing=1; done
if [ $missing = 1 ]; then
  echo "== downloading $debs"
  mkdir -p "$tree/.gl" /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update -qq
  # shellcheck disable=SC2086
  (cd "$tree/.gl" && apt-get $o download $debs)
else
  echo "== .gl/ already holds $debs"
fi
ls -l "$tree"/.gl/*.deb

# 2. dist/ from TREE's sources.
if [ $build = 1 ]; then
  echo "== npm run build in $tree"
  (cd "$tree" && npm run build --silent)
fi
[ -f "$tree/dist/index.js" ] || { echo "prepare.sh: $tree/dist/index.js missing (build failed?)" >&2; exit 1; }

# 3. The runtime packages: webgpu (linux-x64 only) and the dependency closure of protobufjs, snappyjs and cli-progress,
# read from npm's own tree (`npm ls --prod --all --json --long`), so a new transitive dependency comes along by itself.
# webgpu's own dependency `debug` is used only by its build scripts, and @webgpu/types is types only.
stage=$(mktemp -d /tmp/kiln-gpu-stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mods=$(cd "$tree" && npm ls --prod --all --json --long 2>/dev/null | node -e '
  const tree = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const out = new Set();
  const walk = (name, node) => { if (!node || out.has(name)) return; out.add(name); for (const [n, d] of Object.entries(node.dependencies ?? {})) walk(n, d); };
  for (const root of ["protobufjs", "snappyjs", "cli-progress"]) {
    if (!tree.dependencies?.[root]) { console.error(`prepare.sh: ${root} is not installed`); process.exit(1); }
    walk(root, tree.dependencies[root]);
  }
  console.log([...out].join("\n"));')
mkdir -p "$stage/node_modules/webgpu/dist"
echo "== node_modules: webgpu (linux-x64) $(echo $mods | tr '\n' ' ')"
for m in $mods; do
  mkdir -p "$stage/node_modules/$(dirname "$m")"
  cp -rL "$tree/node_modules/$m" "$stage/node_modules/$m"
done
w="$tree/node_modules/webgpu"
cp -L "$w/package.json" "$w/index.js" "$w/types.d.ts" "$w/LICENSE.md" "$stage/node_modules/webgpu/"
cp -rL "$w/dist/linux-x64" "$stage/node_modules/webgpu/dist/"
cp -L "$(command -v node)" "$stage/node"
cp -rL "$tree/dist" "$stage/dist"
cp "$tree/package.json" "$stage/package.json" # "type": "module" for dist/, as in the tree
sha=$(git -C "$tree" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$([ -n "$(git -C "$tree" status --porcelain 2>/dev/null)" ] && echo true || echo false)
cat >"$stage/BUNDLE.json" <<EOF
{"tree": "$tree", "git": "$sha", "uncommitted": $dirty, "built": "$(date -u +%FT%TZ)", "node": "$(node --version)", "webgpu": "$(node -p "require('$w/package.json').version")"}
EOF
echo "== staged $(mib "$stage") MiB: node $(mib "$stage/node"), dist $(mib "$stage/dist"), node_modules $(mib "$stage/node_modules")"

# 4. Compress. -6 with 2 threads: -9 saves little on this mix and takes far longer on a shared 2-core machine.
mkdir -p "$tree/.gpu"
t0=$(date +%s)
tar -C "$stage" -cf - . | xz -T2 -6 >"$tree/.gpu/bundle.tar.xz.tmp"
mv "$tree/.gpu/bundle.tar.xz.tmp" "$tree/.gpu/bundle.tar.xz"
echo "== xz -T2 -6: $(( $(date +%s) - t0 )) s"

# 5. Sizes: what the `run` call will send.
gl=$(mib "$tree/.gl"); gpu=$(mib "$tree/.gpu")
wt=$(cd "$tree" && git ls-files -co --exclude-standard -z | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {printf "%.1f", s / 1048576}')
total=$(awk -v a="$gl" -v b="$gpu" -v c="$wt" 'BEGIN {printf "%.1f", a + b + c}')
echo "== sizes (MiB): .gl $gl, .gpu $gpu (carry: $(awk -v a="$gl" -v b="$gpu" 'BEGIN {printf "%.1f", a + b}')), working tree $wt, total $total of 64"
if awk -v a="$gl" -v b="$gpu" 'BEGIN {exit !(a + b > 45)}'; then
  echo "prepare.sh: .gl + .gpu exceed 45 MiB: the working tree may not fit beside them" >&2; exit 1
fi
if awk -v t="$total" 'BEGIN {exit !(t > 63)}'; then
  echo "prepare.sh: the call would send $total MiB, over the 64 MiB limit" >&2; exit 1
fi
echo "== ready: carry [\".gl\", \".gpu\"] from $tree"
