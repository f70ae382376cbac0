// MatMul / BatchMatMulV2 (the WebGPU kernels in ops/wgsl/matmul.ts) against a float64 JS reference written
// here, on every executor. Operands are fed through placeholders: constants would be folded on the host and never
// reach a GPU kernel. The cases cover each block shape the kernel picks, operands read in place and through padded
// copies (sizes that are or are not multiples of 4), every transpose, a K tail, a column result computed as a row,
// batch broadcasting, a grid of more than 65535 workgroups, int32 wrap-around and empty dims.
import * as tf from '../index.js';
import { MatmulProblem, pickTile, Tile } from '../ops/wgsl/matmul.js';
import { EXECUTORS, evalGraph, rng } from './helpers.js';

interface Operands { a: number[]; b: number[]; ta?: boolean; tb?: boolean }

const size = (shape: number[]): number => shape.reduce((x, y) => x * y, 1);

/** The logical sizes of a case: batch shape (numpy broadcast of the operands'), M, N, K. */
function dims({ a, b, ta = false, tb = false }: Operands): { batch: number[]; m: number; n: number; k: number } {
  const ra = a.length, rb = b.length;
  const ba = a.slice(0, -2), bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => {
    const x = ba[i - rank + ba.length] ?? 1, y = bb[i - rank + bb.length] ?? 1;
    return x === 1 ? y : x;
  });
  return { batch, m: a[ta ? ra - 1 : ra - 2], k: a[ta ? ra - 2 : ra - 1], n: b[tb ? rb - 2 : rb - 1] };
}

/** v mod 2^32 in [0, 2^32), exact for |v| < 2^53. */
const mod32 = (v: number): number => v - Math.floor(v / 2 ** 32) * 2 ** 32;
/** x * y mod 2^32 for int32 x, y, exactly in float64: x split into 16-bit halves keeps each product below 2^48. */
function mulMod32(x: number, y: number): number {
  const lo = x & 0xffff, hi = (x - lo) / 65536;
  return mod32(lo * y + mod32(hi * y) * 65536);
}

/** out[z][i][j] = sum_p op(A)[z][i][p] * op(B)[z][p][j] in float64 (for int32: exactly, modulo 2^32, as int32 arithmetic wraps). */
function reference(c: Operands, A: ArrayLike<number>, B: ArrayLike<number>, int: boolean): { shape: number[]; data: number[] } {
  const { batch, m, n, k } = dims(c);
  const ta = c.ta ?? false, tb = c.tb ?? false;
  // Flat batch index z -> the operand's batch offset (its size-1 or missing dims broadcast).
  const batchOffset = (shape: number[], z: number): number => {
    const own = shape.slice(0, -2);
    let off = 0, stride = 1, rest = z;
    for (let i = batch.length - 1; i >= 0; i--) {
      const coord = rest % batch[i];
      rest = Math.floor(rest / batch[i]);
      const j = i - (batch.length - own.length);
      if (j >= 0) { if (own[j] !== 1) off += coord * stride; stride *= own[j]; }
    }
    return off * size(shape.slice(-2));
  };
  const data: number[] = [];
  for (let z = 0; z < size(batch); z++) {
    const oa = batchOffset(c.a, z), ob = batchOffset(c.b, z);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const x = A[oa + (ta ? p * m + i : i * k + p)], y = B[ob + (tb ? j * k + p : p * n + j)];
          s = int ? mod32(s + mulMod32(x, y)) : s + x * y;
        }
        data.push(int && s >= 2 ** 31 ? s - 2 ** 32 : s);
      }
    }
  }
  return { shape: [...batch, m, n], data };
}

async function runMatmul(ex: tf.ExecutorName, c: Operands, A: Float32Array | Int32Array, B: Float32Array | Int32Array): Promise<tf.NDArray> {
  const dtype = A instanceof Int32Array ? 'int32' : 'float32';
  return evalGraph(
    ex,
    () => {
      const a = tf.placeholder(dtype, c.a, 'a'), b = tf.placeholder(dtype, c.b, 'b');
      return tf.matmul(a, b, { transposeA: c.ta, transposeB: c.tb });
    },
    (t) => t,
    () => ({ a: tf.ndarray(A, c.a), b: tf.ndarray(B, c.b) }),
  );
}

function randomFloats(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/**
 * Which block the GPU kernel uses for a case: matmulGpu folds a batch of A rows times one B into M and computes a
 * column result as a row, then asks pickTile.
 */
function tileOf(c: Operands): Tile {
  const { batch, m, n, k } = dims(c);
  const nb = size(batch);
  const fold = nb > 1 && !c.ta && c.b.length === 2 && size(c.a.slice(0, -2)) === nb;
  const rows = fold ? m * nb : m, swap = n === 1 && rows > 1; // a column result is computed as a row
  const p: MatmulProblem = { m: swap ? n : rows, n: swap ? rows : n, k, ta: false, tb: false, t: 'f32', batch: fold ? 1 : nb, aBatch: '', bBatch: '' };
  return pickTile(p);
}

// [operands, the block (rows x columns per invocation) the GPU kernel picks for them]. Blocks grow with the work, so
// each block gets aligned cases (vec4 reads straight from the inputs) and unaligned ones (padding copies, a K tail).
const FLOAT_CASES: Array<[Operands, string]> = [
  // 16x32 (work from 2^25): every transpose; then odd M, N, K: padded operands and output, edge blocks, a K tail.
  [{ a: [384, 256], b: [256, 384] }, '16x32'],
  [{ a: [256, 384], b: [256, 384], ta: true }, '16x32'],
  [{ a: [384, 256], b: [384, 256], tb: true }, '16x32'],
  [{ a: [383, 255], b: [255, 385] }, '16x32'],
  [{ a: [255, 383], b: [385, 255], ta: true, tb: true }, '16x32'],
  [{ a: [4, 96, 256], b: [256, 384] }, '16x32'], // a batch of rows times one matrix: one 384-row product
  // 8x16 (from 2^22).
  [{ a: [256, 256], b: [256, 256] }, '8x16'],
  [{ a: [256, 130], b: [201, 256], ta: true, tb: true }, '8x16'],
  [{ a: [4, 100, 128], b: [4, 128, 100] }, '8x16'],
  // 4x8.
  [{ a: [127, 65], b: [65, 63] }, '4x8'],
  [{ a: [64, 64], b: [64, 64], ta: true, tb: true }, '4x8'],
  [{ a: [63, 65], b: [63, 65], ta: true }, '4x8'],
  [{ a: [63, 64], b: [63, 64], ta: true }, '4x8'], // A^T read in place, with a K tail
  [{ a: [17, 33], b: [33, 31] }, '4x8'],
  // 1x8 and 1x4: a batch-1 Dense layer (matrix-vector) and its transposes, a column result (computed as a row), tiny
  // sizes.
  [{ a: [1, 784], b: [784, 256] }, '1x8'],
  [{ a: [784, 1], b: [256, 784], ta: true, tb: true }, '1x8'],
  [{ a: [1, 65], b: [63, 65], tb: true }, '1x4'],
  [{ a: [256, 65], b: [65, 1] }, '1x8'],
  [{ a: [3, 3], b: [3, 3] }, '1x4'],
  [{ a: [1, 1], b: [1, 1] }, '1x4'],
  [{ a: [1, 7], b: [7, 1] }, '1x4'],
  // BatchMatMulV2: equal batches, broadcast batch dims (numpy rules), rank 4, rank 2 against rank 3.
  [{ a: [3, 33, 17], b: [3, 17, 65] }, '4x8'],
  [{ a: [2, 1, 64, 32], b: [3, 32, 48] }, '4x8'],
  [{ a: [1, 31, 9], b: [4, 9, 5] }, '4x8'],
  [{ a: [2, 3, 9, 31], b: [1, 3, 5, 9], ta: true, tb: true }, '4x8'],
  [{ a: [64, 5], b: [3, 64, 64], ta: true }, '4x8'],
  [{ a: [4, 50, 63], b: [32, 63], tb: true }, '4x8'],
  [{ a: [2, 3, 40, 9], b: [3, 9, 1] }, '1x8'],
  // More than 65535 workgroups: the grid folds into two dimensions.
  [{ a: [65537, 1, 2], b: [65537, 2, 1] }, '1x4'],
];

describe.each(EXECUTORS)('matmul kernels on %s', (ex) => {
  test.each(FLOAT_CASES)('float32 %j', async (c) => {
    const { batch, m, n, k } = dims(c);
    const A = randomFloats(size(c.a), 1), B = randomFloats(size(c.b), 2);
    const got = await runMatmul(ex, c, A, B);
    const ref = reference(c, A, B, false);
    expect(got.shape).toEqual([...batch, m, n]);
    expect(got.dtype).toBe('float32');
    // float32 accumulation over K terms: errors grow like sqrt(K) times the products' scale max|a| max|b|; 1e-5 of that
    // is over 10x the errors seen and far below a wrong term (a missed or doubled product is off by about |a||b|).
    const maxAbs = (x: Float32Array): number => x.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
    const tol = 1e-5 * Math.sqrt(k) * maxAbs(A) * maxAbs(B);
    let worst = 0;
    for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - ref.data[i]));
    expect(worst).toBeLessThanOrEqual(tol);
  });

  test.each<Operands>([
    { a: [8, 12], b: [12, 16] },
    { a: [5, 7], b: [7, 3] },
    { a: [12, 33], b: [16, 12], ta: true, tb: true },
    { a: [1, 64], b: [64, 96] },
    { a: [256, 130], b: [201, 256], ta: true, tb: true },
    { a: [2, 1, 9, 4], b: [3, 4, 5] },
  ])('int32 wraps around like two\'s complement arithmetic %j', async (c) => {
    const r = rng(7);
    // Full-range values: nearly every product and sum overflows int32.
    const A = Int32Array.from({ length: size(c.a) }, () => Math.floor(r() * 2 ** 32) - 2 ** 31);
    const B = Int32Array.from({ length: size(c.b) }, () => Math.floor(r() * 2 ** 32) - 2 ** 31);
    const got = await runMatmul(ex, c, A, B);
    const ref = reference(c, A, B, true);
    expect(got.dtype).toBe('int32');
    expect(got.shape).toEqual(ref.shape);
    expect(Array.from(got.data)).toEqual(ref.data);
  });

  test('int32 with the largest block (16x32) is exact', async () => {
    // Values small enough that no sum wraps (|sum| <= 256 * 1000^2), so a float64 sum is the exact reference.
    const c = { a: [384, 256], b: [256, 384] };
    const r = rng(11);
    const A = Int32Array.from({ length: 384 * 256 }, () => Math.floor(r() * 2001) - 1000);
    const B = Int32Array.from({ length: 256 * 384 }, () => Math.floor(r() * 2001) - 1000);
    expect(tileOf(c).rm).toBe(16);
    const got = await runMatmul(ex, c, A, B);
    expect(got.dtype).toBe('int32');
    expect(Array.from(got.data)).toEqual(reference(c, A, B, false).data);
  });

  test.each<[Operands, number[]]>([
    [{ a: [3, 0], b: [0, 5] }, [3, 5]],
    [{ a: [0, 3], b: [0, 5], ta: true }, [3, 5]],
    [{ a: [2, 4, 0], b: [1, 0, 6] }, [2, 4, 6]],
    [{ a: [0, 4], b: [4, 5] }, [0, 5]],
    [{ a: [3, 4], b: [4, 0] }, [3, 0]],
    [{ a: [0, 3, 4], b: [4, 5] }, [0, 3, 5]],
  ])('empty dims %j: K = 0 gives zeros, M, N or batch = 0 an empty result', async (c, shape) => {
    for (const dtype of ['float32', 'int32'] as const) {
      const make = (n: number): Float32Array | Int32Array => (dtype === 'int32' ? new Int32Array(n).fill(3) : new Float32Array(n).fill(3));
      const got = await runMatmul(ex, c, make(size(c.a)), make(size(c.b)));
      expect(got.shape).toEqual(shape);
      expect(got.dtype).toBe(dtype);
      expect(Array.from(got.data)).toEqual(new Array(size(shape)).fill(0));
    }
  });

  test('float32 specials: Inf and NaN propagate like IEEE products', async () => {
    const c = { a: [2, 4], b: [4, 2] };
    const A = Float32Array.from([1, 2, 3, 4, Infinity, 0, 0, 0]);
    const B = Float32Array.from([1, 0, 1, 0, 1, 0, 1, NaN]);
    const got = await runMatmul(ex, c, A, B);
    expect(got.data[0]).toBe(10);
    expect(got.data[1]).toBeNaN();
    expect(got.data[2]).toBe(Infinity);
    expect(got.data[3]).toBeNaN(); // Inf * 0
  });
});

test('each float case exercises the block shape it is listed under', () => {
  for (const [c, tile] of FLOAT_CASES) {
    const t = tileOf(c);
    expect(`${JSON.stringify(c)} ${t.rm}x${t.rn}`).toBe(`${JSON.stringify(c)} ${tile}`);
  }
});
