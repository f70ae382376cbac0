// Rewrites clang 14's pre-standard `f32x4.fma` (0xfd 0xaf 0x01) into the standard relaxed-SIMD
// `f32x4.relaxed_madd` (0xfd 0x85 0x02), same length, at the offsets llvm-objdump lists (relative to the code
// section's payload), so no byte that merely looks like the opcode is touched.
//   node patch_fma.mjs IN.wasm OUT.wasm  < llvm-objdump -d IN.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(input));
const listing = readFileSync(0, 'utf8');
const offsets = [...listing.matchAll(/^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\b/gm)].map((m) => parseInt(m[1], 16));

// The code section (id 10): its payload follows the id byte and a LEB128 size.
let code = -1;
for (let p = 8; p < bytes.length;) {
  const id = bytes[p++];
  let size = 0, shift = 0, b;
  do { b = bytes[p++]; size |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80);
  if (id === 10) { code = p; break; }
  p += size;
}
if (code < 0) throw new Error(`${input}: no code section`);
if (offsets.length === 0) throw new Error(`${input}: llvm-objdump lists no f32x4.fma`);
for (const off of offsets) {
  const at = code + off;
  if (bytes[at] !== 0xfd || bytes[at + 1] !== 0xaf || bytes[at + 2] !== 0x01) throw new Error(`${input}: no f32x4.fma at code offset ${off.toString(16)}`);
  bytes.set([0xfd, 0x85, 0x02], at);
}
writeFileSync(output, bytes);
console.log(`patched ${offsets.length} f32x4.fma -> f32x4.relaxed_madd`);
