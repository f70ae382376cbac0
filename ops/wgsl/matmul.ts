// The GPU kernels of MatMul and BatchMatMulV2 (declared in ops/math.ts).
//
// One register-blocked kernel, generated per shape: each invocation computes a block of rm x rn outputs, looping over K
// in steps of 4 with vec4 loads only. No workgroup memory. Why, on Mesa 22.3's llvmpipe (the CI GPU): 8 invocations run
// as the lanes of one AVX2 vector, and every storage-buffer load is a loop over those 8 lanes with a branch per
// component, so a load costs several FMAs. A bigger block does more FMAs per load (rm*rn per k for rm+rn loaded values)
// and a vec4 load pays for one lane loop instead of four. Workgroup-memory tiles pay the same lane loop for their loads,
// plus barriers: a 64x64 shared tile measured 3.7 GFLOP/s at 1024^3, an 8x8 register block 14.4, 16x32 blocks 29.
// An operand whose rows cannot be read as vec4s (a contiguous dim not a multiple of 4) is first copied into a padded
// scratch by a small dispatch, and so is C when its rows are not: scalar loads take 4 lane loops per vec4 of data and
// scalar stores made the 16x32 shader compile 2.5x longer, while a copy is O(size) next to the O(M*N*K) product.
import { sizeOf } from '../../graph/shape.js';
import { binding, broadcastIndexExpr, GpuBinding, GpuDispatch, GpuKernel, GpuKernelContext, grid, WG, WType, wgslType } from '../gpu.js';

/** Outputs per invocation (rm rows x rn columns, rn a multiple of 4) and invocations per workgroup (wx x wy). */
export interface Tile { rm: number; rn: number; wx: number; wy: number }

/** out[z] = op(A)[z] x op(B)[z] for z < batch (m x k times k x n); aBatch / bBatch: an operand's batch index from `z`. */
export interface MatmulProblem {
  m: number; n: number; k: number;
  ta: boolean; tb: boolean;
  t: WType;
  batch: number;
  aBatch: string; bBatch: string;
}

// Output blocks per invocation, biggest first: pickTile takes the first that wastes under half its work on edges
// and still gives 2 workgroups (llvmpipe runs each workgroup on one thread, one per core), else the first that fits.
// A bigger block loads less per FMA. Measured minima here (ms, readback included; the other blocks were slower):
//   1024^3: 32x32 59, 16x32 70, 8x16 108-144;  [1024,784]x[784,256]: 32x32 11.6, 16x32 13.1, 8x16 25;  256^3: 2-4 all
//   [M,784]x[784,256] for M = 1, 4, 8, 16: 1x4 0.33, 4x8 0.48, 8x16 0.43, 8x16 0.52 ms (16x32 there, 1 group: 0.87);
//   its kernel alone (20 dispatches per submit) at M = 1: 1x8 0.17 ms, 1x4 0.21, 1x16 0.18 ([1,1024]x[1024,1024]:
//   1x8 0.65 ms, 1x4 0.96: each lane reads 32 contiguous bytes of B per k).
// But llvmpipe compiles a shader on its first dispatch, and big blocks compile slowly (once per shape and machine: Mesa
// caches the result on disk): 32x32 6 s, 16x32 1.7-2.3 s, 8x16 0.4 s, 4x8 0.15 s, 1x4 0.05 s. So a block needs enough
// work (batch*M*N*K) to repay its compile within about 1000 runs: 16x32 from 2^25 (about 320^3), 8x16 from 2^22; and
// 32x32 (15% faster than 16x32 at 1024^3, 3x its compile time) is not used.
const BLOCKS: Array<Pick<Tile, 'rm' | 'rn'> & { minWork: number }> = [
  { rm: 16, rn: 32, minWork: 2 ** 25 },
  { rm: 8, rn: 16, minWork: 2 ** 22 },
  { rm: 4, rn: 8, minWork: 0 },
  { rm: 1, rn: 8, minWork: 0 },
  { rm: 1, rn: 4, minWork: 0 },
];

/**
 * The block and workgroup shape of a problem. Workgroups are 8 blocks wide (the lanes of one AVX2 vector on llvmpipe,
 * which then share their A rows' cache lines) and 4 tall, narrower or shorter where the matrix has fewer blocks. The
 * shape hardly matters at 1024^3 (16x32 blocks: 8x4 74 ms, 8x8 75, 4x8 70); 32 invocations keep 2 workgroups at 256^2.
 */
export function pickTile(p: MatmulProblem): Tile {
  const pow2 = (x: number): number => 2 ** Math.ceil(Math.log2(x));
  const work = p.batch * p.m * p.n * p.k;
  const shapes = BLOCKS.filter((blk) => work >= blk.minWork).map(({ rm, rn }) => {
    const cols = Math.ceil(p.n / rn), rows = Math.ceil(p.m / rm);
    const wx = Math.min(8, pow2(cols));
    let wy = Math.min(32 / wx, pow2(rows));
    while (wy > 1 && Math.ceil(cols / wx) * Math.ceil(rows / wy) * p.batch < 2) wy /= 2;
    const groups = Math.ceil(cols / wx) * Math.ceil(rows / wy) * p.batch;
    return { tile: { rm, rn, wx, wy }, fits: (p.m * p.n) / (rows * rm * cols * rn) > 0.5, groups };
  });
  return (shapes.find((s) => s.fits && s.groups >= 2) ?? shapes.find((s) => s.fits) ?? shapes[shapes.length - 1]).tile;
}

export function matmulGpu(k: GpuKernelContext, transposeA: boolean, transposeB: boolean): GpuKernel {
  const [a, b] = k.inputs;
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const ra = a.shape.length, ro = out.shape.length;
  const m = out.shape[ro - 2], n = out.shape[ro - 1], kk = a.shape[transposeA ? ra - 2 : ra - 1];
  const t = wgslType(out.dtype);
  if (kk === 0) return { dispatches: [fillZero(out.size, t)] };
  const batch = out.shape.slice(0, -2), batchA = a.shape.slice(0, -2), batchB = b.shape.slice(0, -2);
  const nb = sizeOf(batch);
  let p: MatmulProblem = {
    m, n, k: kk, ta: transposeA, tb: transposeB, t, batch: nb,
    aBatch: broadcastIndexExpr('z', batchA, batch), bBatch: broadcastIndexExpr('z', batchB, batch),
  };
  // A batch of A rows times one B is one taller matmul (a Dense layer on [batch, steps, features]): bigger blocks.
  if (nb > 1 && !transposeA && sizeOf(batchB) === 1 && sizeOf(batchA) === nb) p = { ...p, m: m * nb, batch: 1, aBatch: '0u', bBatch: '0u' };
  // A column result is also a row (same bytes): C^T = B^T A^T puts the long side along N, where blocks are 4+ wide.
  const swap = p.n === 1 && p.m > 1;
  if (swap) p = { ...p, m: p.n, n: p.m, ta: !p.tb, tb: !p.ta, aBatch: p.bBatch, bBatch: p.aBatch };
  const [ia, ib] = swap ? [1, 0] : [0, 1];
  const sizeA = sizeOf(k.inputs[ia].shape), sizeB = sizeOf(k.inputs[ib].shape);
  return blockedMatmul(p, pickTile(p), { input: ia }, sizeA / (p.m * p.k), { input: ib }, sizeB / (p.k * p.n));
}

/**
 * How the kernel reads an operand: `rows` = stored [outer, stride] with the k index along the rows (A as [m, k], B^T
 * as [n, k]); `cols` = stored [k, stride] (A^T as [k, m], B as [k, n]). `stride` is a multiple of 4 (vec4 loads).
 */
interface Layout { mode: 'rows' | 'cols'; stride: number; matrix: number; bind: GpuBinding }
const XYZW = 'xyzw';

/**
 * The product as dispatches: a padding copy for each operand that cannot be read as vec4s, then the blocked kernel.
 * `a`/`b`: the operands' bindings and batch counts (their own, before broadcasting).
 */
export function blockedMatmul(p: MatmulProblem, tile: Tile, a: GpuBinding, aCount: number, b: GpuBinding, bCount: number): GpuKernel {
  const { m, n, k, ta, tb, t } = p;
  const dispatches: GpuDispatch[] = [];
  const pad4 = (x: number): number => Math.ceil(x / 4) * 4;
  // A is read along k (rows of [m, k]) or, transposed, along m in groups of 4 rows of the block.
  let A: Layout;
  if (!ta && k % 4 === 0) A = { mode: 'rows', stride: k, matrix: m * k, bind: a };
  else if (ta && m % 4 === 0 && tile.rm % 4 === 0) A = { mode: 'cols', stride: m, matrix: k * m, bind: a };
  else {
    A = { mode: 'rows', stride: pad4(k), matrix: m * pad4(k), bind: { scratch: 0, bytes: aCount * m * pad4(k) * 4 } };
    dispatches.push(padCopy(t, a, A.bind, aCount, m, k, ta));
  }
  let B: Layout;
  if (tb && k % 4 === 0) B = { mode: 'rows', stride: k, matrix: n * k, bind: b };
  else if (!tb && n % 4 === 0) B = { mode: 'cols', stride: n, matrix: k * n, bind: b };
  else if (tb) {
    B = { mode: 'rows', stride: pad4(k), matrix: n * pad4(k), bind: { scratch: 1, bytes: bCount * n * pad4(k) * 4 } };
    dispatches.push(padCopy(t, b, B.bind, bCount, n, k, false));
  } else {
    B = { mode: 'cols', stride: pad4(n), matrix: k * pad4(n), bind: { scratch: 1, bytes: bCount * k * pad4(n) * 4 } };
    dispatches.push(padCopy(t, b, B.bind, bCount, k, n, false));
  }
  // Rows of C that do not start on 16 bytes: vec4 stores to a padded scratch, then a copy (scalar stores compiled slowly).
  if (n % 4 === 0) dispatches.push(blockedKernel(p, tile, A, B, { output: 0 }, n));
  else {
    const np = pad4(n), rows = p.batch * m;
    dispatches.push(blockedKernel(p, tile, A, B, { scratch: 2, bytes: rows * np * 4 }, np), unpad(t, rows, n));
  }
  return { dispatches };
}

function blockedKernel(p: MatmulProblem, tile: Tile, A: Layout, B: Layout, C: GpuBinding, cs: number): GpuDispatch {
  const { m, n, k, t } = p;
  const { rm, rn, wx, wy } = tile;
  const ng = rn / 4, V = `vec4<${t}>`;
  const gx = Math.ceil(n / (rn * wx)), gy = Math.ceil(m / (rm * wy)), total = gx * gy * p.batch;
  const range = (len: number): number[] => Array.from({ length: len }, (_, i) => i);
  const L: string[] = [];

  // Where each block row / column starts in A / B (in vec4s), clamped into the matrix: edge blocks load valid data and
  // only their stores are guarded, so the K loop has no branches.
  const oa = `(${p.aBatch}) * ${A.matrix}u`, ob = `(${p.bBatch}) * ${B.matrix}u`;
  if (A.mode === 'rows') for (const r of range(rm)) L.push(`let ia${r} = (${oa} + min(row + ${r}u, ${m - 1}u) * ${A.stride}u) / 4u;`);
  else for (const g of range(rm / 4)) L.push(`let ia${g} = (${oa} + min(row + ${4 * g}u, ${m - 4}u)) / 4u;`);
  if (B.mode === 'rows') for (const c of range(rn)) L.push(`let ib${c} = (${ob} + min(col + ${c}u, ${n - 1}u) * ${B.stride}u) / 4u;`);
  else for (const g of range(ng)) L.push(`let ib${g} = (${ob} + min(col + ${4 * g}u, ${B.stride - 4}u)) / 4u;`);
  for (const r of range(rm)) for (const g of range(ng)) L.push(`var c${r}_${g} = ${V}();`);

  // One step of the K loop: the loads and products of k values k + q, q < kc. Main steps take 4 (kc = 4); the K % 4
  // tail runs single steps (kc = 1) in a loop, where `rows` operands take component k % 4 of the vec4 holding k.
  const step = (kc: number): string[] => {
    const S: string[] = [];
    const qs = range(kc);
    const comp = (q: number): string => (kc === 4 ? `.${XYZW[q]}` : '[k % 4u]');
    const aLoads: string[][] = range(rm).map(() => []);
    let aAt: (r: number, q: number) => string, bAt: (q: number, c: number) => string;
    if (A.mode === 'rows') {
      for (const r of range(rm)) aLoads[r].push(`let a${r} = A[ia${r} + k / 4u];`);
      aAt = (r, q) => `a${r}${comp(q)}`;
    } else {
      for (const q of qs) for (const g of range(rm / 4)) S.push(`let a${q}_${g} = A[ia${g} + (k + ${q}u) * ${A.stride / 4}u];`);
      aAt = (r, q) => `a${q}_${r >> 2}.${XYZW[r & 3]}`;
    }
    if (B.mode === 'rows') {
      for (const c of range(rn)) S.push(`let b${c} = B[ib${c} + k / 4u];`);
      bAt = (q, c) => `b${c}${comp(q)}`;
    } else {
      for (const q of qs) for (const g of range(ng)) S.push(`let b${q}_${g} = B[ib${g} + (k + ${q}u) * ${B.stride / 4}u];`);
      bAt = (q, c) => `b${q}_${c >> 2}.${XYZW[c & 3]}`;
    }
    const bVec = (q: number, g: number): string => (B.mode === 'cols' ? `b${q}_${g}` : `${V}(${range(4).map((j) => bAt(q, 4 * g + j)).join(', ')})`);
    // Each A row is loaded right before its products: fewer live values (1024^3 with 16x32 blocks: 70 vs 75 ms).
    for (const r of range(rm)) {
      S.push(...aLoads[r]);
      for (const g of range(ng)) for (const q of qs) {
        const acc = `c${r}_${g}`, x = `${V}(${aAt(r, q)})`;
        S.push(t === 'f32' ? `${acc} = fma(${x}, ${bVec(q, g)}, ${acc});` : `${acc} = ${acc} + ${x} * ${bVec(q, g)};`);
      }
    }
    return S.map((x) => `  ${x}`);
  };
  const k4 = k - (k % 4);
  if (k4 > 0) L.push(`for (var k = 0u; k < ${k4}u; k += 4u) {`, ...step(4), '}');
  if (k4 < k) L.push(`for (var k = ${k4}u; k < ${k}u; k++) {`, ...step(1), '}');

  // Stores, guarded only where a block can reach past the matrix edge (C's rows are `cs` long, a multiple of 4).
  for (const r of range(rm)) {
    const at = `z * ${m * cs}u + (row + ${r}u) * ${cs}u + col`;
    const S = range(ng).map((g) => `${n % rn !== 0 ? `if (col + ${4 * g}u < ${n}u) ` : ''}{ C[(${at} + ${4 * g}u) / 4u] = c${r}_${g}; }`);
    L.push(m % rm !== 0 ? `if (row + ${r}u < ${m}u) {` : '{', ...S.map((s) => `  ${s}`), '}');
  }

  const folded = total > 65535;
  const code = `${binding(0, 'A', V)}
${binding(1, 'B', V)}
${binding(2, 'C', V, true)}
@compute @workgroup_size(${wx * wy}) fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let w = ${folded ? 'wid.x + wid.y * 65535u' : 'wid.x'};${folded ? `\n  if (w >= ${total}u) { return; }` : ''}
  let z = w / ${gx * gy}u;
  let row = ((w % ${gx * gy}u) / ${gx}u * ${wy}u + li / ${wx}u) * ${rm}u;
  let col = (w % ${gx}u * ${wx}u + li % ${wx}u) * ${rn}u;
  if (row >= ${m}u || col >= ${n}u) { return; }
${L.map((s) => `  ${s}`).join('\n')}
}`;
  const workgroups: [number, number, number] = folded ? [65535, Math.ceil(total / 65535), 1] : [total, 1, 1];
  return { code, bindings: [A.bind, B.bind, C], workgroups };
}

/**
 * Copies `count` matrices of `rows` x `cols` (stored transposed, as [cols, rows], when `transposed`) into row-major
 * [rows, pad4(cols)] with zeros after each row: a layout the blocked kernel reads as vec4s.
 */
function padCopy(t: WType, src: GpuBinding, dst: GpuBinding, count: number, rows: number, cols: number, transposed: boolean): GpuDispatch {
  const cp = Math.ceil(cols / 4) * 4;
  const total = (count * rows * cp) / 4;
  const g = grid(total);
  const at = (j: number): string => `select(${t}(), S[min(base + ${transposed ? `(c + ${j}u) * ${rows}u + r` : `r * ${cols}u + c + ${j}u`}, ${count * rows * cols - 1}u)], c + ${j}u < ${cols}u)`;
  const code = `${binding(0, 'S', t)}
${binding(1, 'D', `vec4<${t}>`, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${total}u) { return; }
  let r = i / ${cp / 4}u % ${rows}u;
  let c = i % ${cp / 4}u * 4u;
  let base = i / ${(rows * cp) / 4}u * ${rows * cols}u;
  D[i] = vec4<${t}>(${[0, 1, 2, 3].map(at).join(', ')});
}`;
  return { code, bindings: [src, dst], workgroups: g.workgroups };
}

/** Copies `rows` rows of pad4(cols) elements (scratch 2) into the output's rows of `cols`. */
function unpad(t: WType, rows: number, cols: number): GpuDispatch {
  const g = grid(rows * cols);
  const code = `${binding(0, 'S', t)}
${binding(1, 'D', t, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i < ${rows * cols}u) { D[i] = S[i / ${cols}u * ${Math.ceil(cols / 4) * 4}u + i % ${cols}u]; }
}`;
  return { code, bindings: [{ scratch: 2, bytes: rows * Math.ceil(cols / 4) * 16 }, { output: 0 }], workgroups: g.workgroups };
}

/** K = 0: every output is an empty sum. */
function fillZero(size: number, t: WType): GpuDispatch {
  const g = grid(size);
  const code = `${binding(0, 'C', t, true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i < ${size}u) { C[i] = ${t}(); }
}`;
  return { code, bindings: [{ output: 0 }], workgroups: g.workgroups };
}
