// tf.linalg: Svd, MatrixTriangularSolve, MatrixSolve, MatrixInverse, MatrixDeterminant, LogMatrixDeterminant,
// Cholesky, Lu (TF's linalg_ops.cc), on batches of matrices [..., M, N] of float32 / float64, computed in float64.
// Gradients follow linalg_grad.py (Svd's in ./svd_grad.ts); Lu has none in TensorFlow (asking throws UnimplementedError).
//
// GPU side: these are sequential, pivoting factorizations with data-dependent control flow; there is no WGSL kernel
// for them yet, so the GPU side throws UnimplementedError naming the node (tests/registry.test.ts only requires a
// builder function). A node whose inputs are all constant is still computed on webgpu: the compiler folds it on the host.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { broadcastStatic, Dim, formatShape, isFullyDefined, Shape } from '../graph/shape.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { concat, reshape, shape as shapeOf, transpose } from './array.js';
import { empty } from './cpu.js';
import { FLOATS } from './elementwise.js';
import { GpuKernelBuilder } from './gpu.js';
import { add, matmul, mul, neg, reduceSum } from './math.js';
import { addOp, defineOp, describeInput, GradFn, ShapeContext } from './registry.js';
import { svdGrad } from './svd_grad.js';
import { constant, convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';

const noGpu: GpuKernelBuilder = (k) => {
  throw new UnimplementedError(`'${k.name}': op type ${k.type} has no GPU kernel yet (a sequential factorization); use executor: 'cpu'`);
};

const kernelFail = (type: string, name: string) => (m: string): never => { throw new InvalidArgumentError(`${type} node '${name}': ${m}`); };

// ---- shape rules --------------------------------------------------------------------------------------------------

/** A float input of rank >= 2 (square when `square`); returns its batch dims and the matrix dims. */
function matrixInput(c: ShapeContext, i: number, square: boolean): { batch: Dim[] | null; m: Dim; n: Dim } {
  const t = c.inputs[i];
  if (!FLOATS.includes(t.dtype)) c.fail(`dtype ${t.dtype} is not supported (float32 or float64): ${describeInput(t)}`);
  if (t.dtype !== c.attrs.T) c.fail(`${describeInput(t)} is ${t.dtype} but attr T is ${c.attrs.T}`);
  if (t.shape === null) return { batch: null, m: null, n: null };
  if (t.shape.length < 2) c.fail(`input must have rank >= 2, got ${describeInput(t)}`);
  const m = t.shape[t.shape.length - 2], n = t.shape[t.shape.length - 1];
  if (square && m !== null && n !== null && m !== n) c.fail(`input must be square matrices, got ${describeInput(t)}`);
  return { batch: t.shape.slice(0, -2), m: square ? m ?? n : m, n: square ? n ?? m : n };
}

const withBatch = (batch: Dim[] | null, ...dims: Dim[]): Shape => (batch === null ? null : [...batch, ...dims]);

/** matrix [..., M, M] and rhs [..., M, K]: the solution's shape (batch dims broadcast when `broadcast`). */
function solveShape(c: ShapeContext, broadcast: boolean): Shape {
  const a = matrixInput(c, 0, true), b = matrixInput(c, 1, false);
  if (a.m !== null && b.m !== null && a.m !== b.m) c.fail(`matrix ${describeInput(c.inputs[0])} and rhs ${describeInput(c.inputs[1])} must have the same number of rows`);
  if (a.batch === null || b.batch === null) return null;
  let batch: Shape | undefined;
  if (broadcast) batch = broadcastStatic(a.batch, b.batch);
  else batch = a.batch.length === b.batch.length && a.batch.every((d, i) => d === null || b.batch![i] === null || d === b.batch![i]) ? a.batch.map((d, i) => d ?? b.batch![i]) : undefined;
  if (batch === undefined) c.fail(`batch dimensions of matrix ${describeInput(c.inputs[0])} and rhs ${describeInput(c.inputs[1])} are incompatible`);
  return withBatch(batch as Dim[], a.m ?? b.m, b.n);
}

// ---- float64 matrix helpers ---------------------------------------------------------------------------------------

/** The matrices of x [..., m, n] as float64 row-major copies. */
function matrices(x: NDArray): { m: number; n: number; mats: Float64Array[] } {
  const m = x.shape[x.rank - 2], n = x.shape[x.rank - 1];
  const count = m * n === 0 ? x.shape.slice(0, -2).reduce((a, b) => a * b, 1) : x.size / (m * n);
  const mats = Array.from({ length: count }, (_, k) => Float64Array.from(x.data.subarray(k * m * n, (k + 1) * m * n)));
  return { m, n, mats };
}

function stack(dtype: DType, shape: number[], mats: readonly ArrayLike<number>[]): NDArray {
  const out = empty(dtype, shape);
  let o = 0;
  for (const a of mats) { out.data.set(a, o); o += a.length; }
  return out;
}

const transposeMat = (a: ArrayLike<number>, m: number, n: number): Float64Array => {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
};

/** LU with partial pivoting (largest |pivot|, first on ties, as Eigen's PartialPivLU): in place; perm[i] = source row. */
function luDecompose(a: Float64Array, n: number): { perm: number[]; sign: number; singular: boolean } {
  const perm = Array.from({ length: n }, (_, i) => i);
  let sign = 1, singular = false;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]) > Math.abs(a[p * n + k])) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) { const t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t; }
      [perm[k], perm[p]] = [perm[p], perm[k]];
      sign = -sign;
    }
    const piv = a[k * n + k];
    if (piv === 0) { singular = true; continue; }
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] /= piv);
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return { perm, sign, singular };
}

/** Solves A X = B (A n x n, B n x k) by LU; null when A is singular. */
function luSolve(a: Float64Array, b: Float64Array, n: number, k: number): Float64Array | null {
  const lu = Float64Array.from(a);
  const { perm, singular } = luDecompose(lu, n);
  if (singular) return null;
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) x[i * k + j] = b[perm[i] * k + j];
  for (let i = 0; i < n; i++) for (let r = 0; r < i; r++) { const f = lu[i * n + r]; if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[r * k + j]; }
  for (let i = n - 1; i >= 0; i--) {
    for (let r = i + 1; r < n; r++) { const f = lu[i * n + r]; if (f !== 0) for (let j = 0; j < k; j++) x[i * k + j] -= f * x[r * k + j]; }
    for (let j = 0; j < k; j++) x[i * k + j] /= lu[i * n + i];
  }
  return x;
}

const identity = (n: number): Float64Array => { const e = new Float64Array(n * n); for (let i = 0; i < n; i++) e[i * n + i] = 1; return e; };

/** Matrix index of batch element `k` of an output with batch dims `out` in an input with batch dims `inp` (broadcast). */
function batchIndex(k: number, out: readonly number[], inp: readonly number[]): number {
  let idx = 0, stride = 1, rem = k;
  const off = out.length - inp.length;
  const coords = new Array<number>(out.length);
  for (let d = out.length - 1; d >= 0; d--) { coords[d] = rem % out[d]; rem = Math.floor(rem / out[d]); }
  for (let d = inp.length - 1; d >= 0; d--) { if (inp[d] !== 1) idx += coords[d + off] * stride; stride *= inp[d]; }
  return idx;
}

/**
 * One-sided Jacobi SVD of a (m x n, m >= n), in float64: returns s (descending), u (m x ucols) and v (n x n).
 * Columns of u for zero singular values, and the extra columns of a full u, complete an orthonormal basis.
 */
function svdTall(a0: Float64Array, m: number, n: number, fullU: boolean): { s: Float64Array; u: Float64Array; v: Float64Array; ucols: number } {
  const a = Float64Array.from(a0), v = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) {
      let alpha = 0, beta = 0, gamma = 0;
      for (let i = 0; i < m; i++) { const x = a[i * n + p], y = a[i * n + q]; alpha += x * x; beta += y * y; gamma += x * y; }
      if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
      rotated = true;
      const zeta = (beta - alpha) / (2 * gamma);
      const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
      const c = 1 / Math.sqrt(1 + t * t), s = c * t;
      for (let i = 0; i < m; i++) { const x = a[i * n + p], y = a[i * n + q]; a[i * n + p] = c * x - s * y; a[i * n + q] = s * x + c * y; }
      for (let i = 0; i < n; i++) { const x = v[i * n + p], y = v[i * n + q]; v[i * n + p] = c * x - s * y; v[i * n + q] = s * x + c * y; }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => { let s = 0; for (let i = 0; i < m; i++) s += a[i * n + j] ** 2; return Math.sqrt(s); });
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const ucols = fullU ? m : n;
  const s = Float64Array.from(order.map((j) => norms[j]));
  const u = new Float64Array(m * ucols), vs = new Float64Array(n * n);
  const tiny = (s[0] || 1) * 1e-13;
  const have: number[] = [];
  order.forEach((j, col) => {
    for (let i = 0; i < n; i++) vs[i * n + col] = v[i * n + j];
    if (s[col] > tiny) { for (let i = 0; i < m; i++) u[i * ucols + col] = a[i * n + j] / s[col]; have.push(col); }
  });
  // Complete u: Gram-Schmidt of the unit vectors against the columns found so far.
  const missing = Array.from({ length: ucols }, (_, c) => c).filter((c) => !have.includes(c));
  let e = 0;
  for (const col of missing) {
    for (; e < m; e++) {
      const w = new Float64Array(m); w[e] = 1;
      for (const h of have) { let d = 0; for (let i = 0; i < m; i++) d += u[i * ucols + h] * w[i]; for (let i = 0; i < m; i++) w[i] -= d * u[i * ucols + h]; }
      const nrm = Math.sqrt(w.reduce((acc, x) => acc + x * x, 0));
      if (nrm > 1e-8) { for (let i = 0; i < m; i++) u[i * ucols + col] = w[i] / nrm; have.push(col); e++; break; }
    }
  }
  return { s, u, v: vs, ucols };
}

// ---- Svd ----------------------------------------------------------------------------------------------------------

defineOp({
  type: 'Svd',
  inputs: ['input'],
  attrs: { compute_uv: { type: 'bool', default: true }, full_matrices: { type: 'bool', default: false }, T: { type: 'type' } },
  shape: (c) => {
    const { batch, m, n } = matrixInput(c, 0, false);
    const dt = c.inputs[0].dtype;
    const p: Dim = m !== null && n !== null ? Math.min(m, n) : null;
    const full = c.attrs.full_matrices as boolean;
    if (!(c.attrs.compute_uv as boolean)) return [{ dtype: dt, shape: withBatch(batch, p) }, { dtype: dt, shape: [0] }, { dtype: dt, shape: [0] }];
    return [
      { dtype: dt, shape: withBatch(batch, p) },
      { dtype: dt, shape: withBatch(batch, m, full ? m : p) },
      { dtype: dt, shape: withBatch(batch, n, full ? n : p) },
    ];
  },
  cpu: ([x], attrs) => {
    const { m, n, mats } = matrices(x);
    const batch = x.shape.slice(0, -2), p = Math.min(m, n);
    const full = attrs.full_matrices as boolean, uv = attrs.compute_uv as boolean;
    const ss: Float64Array[] = [], us: Float64Array[] = [], vs: Float64Array[] = [];
    for (const a of mats) {
      // A tall matrix directly; a wide one through its transpose (A^T = U' S V'^T, so U = V', V = U').
      const tall = m >= n;
      const r = tall ? svdTall(a, m, n, full) : svdTall(transposeMat(a, m, n), n, m, full);
      ss.push(r.s.subarray(0, p));
      if (!uv) continue;
      us.push(tall ? r.u : r.v);
      vs.push(tall ? r.v : r.u);
    }
    const s = stack(x.dtype, [...batch, p], ss);
    if (!uv) return [s, empty(x.dtype, [0]), empty(x.dtype, [0])];
    return [s, stack(x.dtype, [...batch, m, full ? m : p], us), stack(x.dtype, [...batch, n, full ? n : p], vs)];
  },
  gpu: noGpu,
  grad: ((op, grads) => [svdGrad(op, grads, (a) => svd(a) as [Tensor, Tensor, Tensor])]) as GradFn,
});

// ---- solves -------------------------------------------------------------------------------------------------------

/** Upper-triangle (lower: false) or lower-triangle mask of an n x n matrix, as a constant of `dtype`. */
function triangleMask(n: number, lower: boolean, dtype: DType, diag = 1): Tensor {
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v.push(i === j ? diag : (lower ? i > j : i < j) ? 1 : 0);
  return constant(v, { dtype, shape: [n, n] });
}

/** A static n of the square matrix input, needed by the gradients that build triangle masks. */
function staticN(op: Operation, what: string): number {
  const s = op.inputs[0].shape;
  const n = s === null ? null : s[s.length - 1];
  if (n === null) throw new UnimplementedError(`'${op.name}': the gradient of ${op.type} needs the matrix size known while building (${what})`);
  return n;
}

/** Sums a gradient computed over broadcast batch dims back to `like`'s shape (static shapes). */
function sumBatchTo(g: Tensor, like: Tensor): Tensor {
  if (g.shape === null || like.shape === null || g.shape.length === like.shape.length && g.shape.every((d, i) => d === like.shape![i])) return g;
  if (!isFullyDefined(g.shape) || !isFullyDefined(like.shape)) throw new UnimplementedError(`gradient of a broadcast matrix solve needs static shapes: ${formatShape(g.shape)} to ${formatShape(like.shape)}`);
  const off = g.shape.length - like.shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.shape.length - 2; i++) if (i < off || like.shape[i - off] === 1 && g.shape[i] !== 1) axes.push(i);
  return reshape(reduceSum(g, axes), like.shape);
}

defineOp({
  type: 'MatrixTriangularSolve',
  inputs: ['matrix', 'rhs'],
  attrs: { lower: { type: 'bool', default: true }, adjoint: { type: 'bool', default: false }, T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: solveShape(c, true) }],
  cpu: ([a, b], attrs, ctx) => {
    const n = a.shape[a.rank - 1], k = b.shape[b.rank - 1];
    const aB = a.shape.slice(0, -2), bB = b.shape.slice(0, -2);
    const outB = broadcastStatic(aB, bB) as number[];
    if (b.shape[b.rank - 2] !== n) kernelFail('MatrixTriangularSolve', ctx.name)(`matrix [${a.shape}] and rhs [${b.shape}] must have the same number of rows`);
    const A = matrices(a).mats, B = matrices(b).mats;
    const lower = attrs.lower as boolean, adj = attrs.adjoint as boolean;
    const count = outB.reduce((x, y) => x * y, 1);
    const outs: Float64Array[] = [];
    for (let t = 0; t < count; t++) {
      const m0 = A[batchIndex(t, outB, aB)], rhs = B[batchIndex(t, outB, bB)];
      // Only the named triangle is read; solving with A^T swaps which triangle that is.
      const at = (i: number, j: number): number => (adj ? m0[j * n + i] : m0[i * n + j]);
      const low = lower !== adj;
      for (let i = 0; i < n; i++) if (at(i, i) === 0) kernelFail('MatrixTriangularSolve', ctx.name)('Input matrix is not invertible.');
      const x = new Float64Array(n * k);
      for (let step = 0; step < n; step++) {
        const i = low ? step : n - 1 - step;
        for (let j = 0; j < k; j++) {
          let s = rhs[i * k + j];
          if (low) for (let r = 0; r < i; r++) s -= at(i, r) * x[r * k + j];
          else for (let r = i + 1; r < n; r++) s -= at(i, r) * x[r * k + j];
          x[i * k + j] = s / at(i, i);
        }
      }
      outs.push(x);
    }
    return [stack(a.dtype, [...outB, n, k], outs)];
  },
  gpu: noGpu,
  // linalg_grad.py's _MatrixTriangularSolveGrad; band_part as a constant triangle mask.
  grad: ((op, [grad]) => {
    const [a, b] = op.inputs, c = op.outputs[0];
    const lower = op.attrs.lower as boolean, adj = op.attrs.adjoint as boolean;
    const gradB = matrixTriangularSolve(a, grad!, { lower, adjoint: !adj });
    let gradA = neg(adj ? matmul(c, gradB, { transposeB: true }) : matmul(gradB, c, { transposeB: true }));
    gradA = mul(gradA, triangleMask(staticN(op, 'matrix'), lower, a.dtype));
    return [sumBatchTo(gradA, a), sumBatchTo(gradB, b)];
  }) as GradFn,
});

defineOp({
  type: 'MatrixSolve',
  inputs: ['matrix', 'rhs'],
  attrs: { adjoint: { type: 'bool', default: false }, T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: solveShape(c, false) }],
  cpu: ([a, b], attrs, ctx) => {
    const A = matrices(a), B = matrices(b);
    if (B.m !== A.n || A.mats.length !== B.mats.length) kernelFail('MatrixSolve', ctx.name)(`matrix [${a.shape}] and rhs [${b.shape}] must have the same batch dimensions and number of rows`);
    const outs = A.mats.map((m0, t) => {
      const x = luSolve(attrs.adjoint as boolean ? transposeMat(m0, A.n, A.n) : m0, B.mats[t], A.n, B.n);
      if (x === null) kernelFail('MatrixSolve', ctx.name)('Input matrix is not invertible.');
      return x!;
    });
    return [stack(a.dtype, [...b.shape], outs)];
  },
  gpu: noGpu,
  // linalg_grad.py's _MatrixSolveGrad.
  grad: ((op, [grad]) => {
    const [a] = op.inputs, c = op.outputs[0];
    const adj = op.attrs.adjoint as boolean;
    const gradB = matrixSolve(a, grad!, { adjoint: !adj });
    const gradA = neg(adj ? matmul(c, gradB, { transposeB: true }) : matmul(gradB, c, { transposeB: true }));
    return [gradA, gradB];
  }) as GradFn,
});

// ---- inverse, determinants, factorizations ------------------------------------------------------------------------

defineOp({
  type: 'MatrixInverse',
  inputs: ['input'],
  attrs: { adjoint: { type: 'bool', default: false }, T: { type: 'type' } },
  shape: (c) => {
    const { batch, n } = matrixInput(c, 0, true);
    return [{ dtype: c.inputs[0].dtype, shape: withBatch(batch, n, n) }];
  },
  cpu: ([x], attrs, ctx) => {
    const { n, mats } = matrices(x);
    const outs = mats.map((a) => {
      const inv = luSolve(attrs.adjoint as boolean ? transposeMat(a, n, n) : a, identity(n), n, n);
      if (inv === null) kernelFail('MatrixInverse', ctx.name)('Input is not invertible.');
      return inv!;
    });
    return [stack(x.dtype, [...x.shape], outs)];
  },
  gpu: noGpu,
  // linalg_grad.py's _MatrixInverseGrad.
  grad: ((op, [grad]) => {
    const ainv = op.outputs[0], adj = op.attrs.adjoint as boolean;
    const inner = matmul(grad!, ainv, { transposeA: adj, transposeB: !adj });
    return [neg(matmul(ainv, inner, { transposeA: !adj }))];
  }) as GradFn,
});

/** Swaps the last two axes (linalg's adjoint, for real matrices). */
function transposeLast(x: Tensor): Tensor {
  if (x.rank === null) throw new UnimplementedError(`gradient needs the rank of '${x.name}' known while building`);
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

/** The n x n identity for a square matrix tensor of static size n. */
function identityLike(x: Tensor): Tensor {
  const s = x.shape;
  const n = s === null ? null : s[s.length - 1];
  if (n === null) throw new UnimplementedError(`gradient needs the matrix size of '${x.name}' known while building`);
  return constant(identity(n), { dtype: x.dtype, shape: [n, n] });
}

/** grad * c reshaped to [..., 1, 1] (linalg_grad.py's `multipliers`), times inv(a)^H. */
function determinantGrad(a: Tensor, scale: Tensor): Tensor {
  const multipliers = reshape(scale, concat([shapeOf(scale), constant([1, 1], { dtype: 'int32' })], 0));
  return mul(multipliers, matrixInverse(a, { adjoint: true }));
}

function determinantShape(c: ShapeContext): Shape {
  const { batch } = matrixInput(c, 0, true);
  return batch;
}

defineOp({
  type: 'MatrixDeterminant',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => [{ dtype: c.inputs[0].dtype, shape: determinantShape(c) }],
  cpu: ([x]) => {
    const { n, mats } = matrices(x);
    const dets = mats.map((a) => {
      const lu = Float64Array.from(a);
      const { sign } = luDecompose(lu, n);
      let d = sign;
      for (let i = 0; i < n; i++) d *= lu[i * n + i];
      return d;
    });
    return [stack(x.dtype, x.shape.slice(0, -2), [dets])];
  },
  gpu: noGpu,
  // linalg_grad.py's _MatrixDeterminantGrad.
  grad: ((op, [grad]) => [determinantGrad(op.inputs[0], mul(grad!, op.outputs[0]))]) as GradFn,
});

defineOp({
  type: 'LogMatrixDeterminant',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const s = determinantShape(c);
    return [{ dtype: c.inputs[0].dtype, shape: s }, { dtype: c.inputs[0].dtype, shape: s }];
  },
  cpu: ([x]) => {
    const { n, mats } = matrices(x);
    const signs: number[] = [], logs: number[] = [];
    for (const a of mats) {
      const lu = Float64Array.from(a);
      let { sign } = luDecompose(lu, n);
      let l = 0;
      for (let i = 0; i < n; i++) { const d = lu[i * n + i]; l += Math.log(Math.abs(d)); sign *= Math.sign(d); }
      signs.push(sign); logs.push(sign === 0 ? -Infinity : l);
    }
    const b = x.shape.slice(0, -2);
    return [stack(x.dtype, b, [signs]), stack(x.dtype, b, [logs])];
  },
  gpu: noGpu,
  // linalg_grad.py's _LogMatrixDeterminantGrad: nothing through the sign.
  grad: ((op, [, gradLog]) => [determinantGrad(op.inputs[0], gradLog!)]) as GradFn,
});

defineOp({
  type: 'Cholesky',
  inputs: ['input'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const { batch, n } = matrixInput(c, 0, true);
    return [{ dtype: c.inputs[0].dtype, shape: withBatch(batch, n, n) }];
  },
  // Reads the lower triangle only, as TF's kernel (Eigen's LLT) does.
  cpu: ([x], _, ctx) => {
    const { n, mats } = matrices(x);
    const outs = mats.map((a) => {
      const l = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        let d = a[j * n + j];
        for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
        if (!(d > 0)) kernelFail('Cholesky', ctx.name)('Cholesky decomposition was not successful. The input might not be valid.');
        l[j * n + j] = Math.sqrt(d);
        for (let i = j + 1; i < n; i++) {
          let s = a[i * n + j];
          for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
          l[i * n + j] = s / l[j * n + j];
        }
      }
      return l;
    });
    return [stack(x.dtype, [...x.shape], outs)];
  },
  gpu: noGpu,
  // linalg_grad.py's _CholeskyGrad: middle's diagonal halved and its upper part zeroed by one constant mask.
  grad: ((op, [grad]) => {
    const l = op.outputs[0];
    const n = staticN(op, 'input');
    const lInv = matrixTriangularSolve(l, identityLike(l), { lower: true });
    const middle = mul(matmul(l, grad!, { transposeA: true }), triangleMask(n, true, l.dtype, 0.5));
    const gradA = matmul(matmul(lInv, middle, { transposeA: true }), lInv);
    return [mul(add(gradA, transposeLast(gradA)), 0.5)];
  }) as GradFn,
});

defineOp({
  type: 'Lu',
  inputs: ['input'],
  attrs: { T: { type: 'type' }, output_idx_type: { type: 'type', default: 'int32' } },
  shape: (c) => {
    const { batch, n } = matrixInput(c, 0, true);
    const idx = c.attrs.output_idx_type as DType;
    if (idx !== 'int32' && idx !== 'int64') c.fail(`output_idx_type must be int32 or int64, got ${idx}`);
    return [{ dtype: c.inputs[0].dtype, shape: withBatch(batch, n, n) }, { dtype: idx, shape: withBatch(batch, n) }];
  },
  // P_mat * input = L * U, with p[i] the input row that row i of L * U comes from.
  cpu: ([x], attrs, ctx) => {
    const { n, mats } = matrices(x);
    const lus: Float64Array[] = [], ps: number[][] = [];
    for (const a of mats) {
      const lu = Float64Array.from(a);
      const { perm, singular } = luDecompose(lu, n);
      if (singular) kernelFail('Lu', ctx.name)('Input is not invertible.');
      lus.push(lu); ps.push(perm);
    }
    return [stack(x.dtype, [...x.shape], lus), stack(attrs.output_idx_type as DType, x.shape.slice(0, -1), ps)];
  },
  gpu: noGpu,
  grad: (op) => { throw new UnimplementedError(`'${op.name}': Lu has no gradient (TensorFlow registers none)`); },
});

// ---- builders -----------------------------------------------------------------------------------------------------

const floatInput = (x: TensorLike): Tensor => convertToTensor(x);

/**
 * `tf.linalg.svd(tensor, {fullMatrices?, computeUv?, name?})` (TF1's tf.svd): [s, u, v] with s descending, or s alone
 * when computeUv is false. Columns of u and v are unique only up to sign.
 */
export function svd(tensor: TensorLike, opts: NameOpt & { fullMatrices?: boolean; computeUv?: boolean } = {}): Tensor | [Tensor, Tensor, Tensor] {
  const x = floatInput(tensor);
  const uv = opts.computeUv ?? true;
  const op = addOp('Svd', [x], { T: x.dtype, compute_uv: uv, full_matrices: opts.fullMatrices ?? false }, { name: opts.name ?? 'Svd' });
  return uv ? [op.outputs[0], op.outputs[1], op.outputs[2]] : op.outputs[0];
}

/** `tf.linalg.triangularSolve(matrix, rhs, {lower?, adjoint?})` (TF1's tf.matrix_triangular_solve). */
export function matrixTriangularSolve(matrix: TensorLike, rhs: TensorLike, opts: NameOpt & { lower?: boolean; adjoint?: boolean } = {}): Tensor {
  const [a, b] = convertSameType([matrix, rhs], `tf.linalg.triangularSolve '${opts.name ?? 'MatrixTriangularSolve'}'`);
  return addOp('MatrixTriangularSolve', [a, b], { T: a.dtype, lower: opts.lower ?? true, adjoint: opts.adjoint ?? false }, { name: opts.name ?? 'MatrixTriangularSolve' }).outputs[0];
}
export const triangularSolve = matrixTriangularSolve;

/** `tf.linalg.solve(matrix, rhs, {adjoint?})` (TF1's tf.matrix_solve). */
export function matrixSolve(matrix: TensorLike, rhs: TensorLike, opts: NameOpt & { adjoint?: boolean } = {}): Tensor {
  const [a, b] = convertSameType([matrix, rhs], `tf.linalg.solve '${opts.name ?? 'MatrixSolve'}'`);
  return addOp('MatrixSolve', [a, b], { T: a.dtype, adjoint: opts.adjoint ?? false }, { name: opts.name ?? 'MatrixSolve' }).outputs[0];
}
export const solve = matrixSolve;

/** `tf.linalg.inv(input, {adjoint?})` (TF1's tf.matrix_inverse). */
export function matrixInverse(input: TensorLike, opts: NameOpt & { adjoint?: boolean } = {}): Tensor {
  const x = floatInput(input);
  return addOp('MatrixInverse', [x], { T: x.dtype, adjoint: opts.adjoint ?? false }, { name: opts.name ?? 'MatrixInverse' }).outputs[0];
}
export const inv = matrixInverse;

/** `tf.linalg.det(input)` (TF1's tf.matrix_determinant). */
export function matrixDeterminant(input: TensorLike, opts: NameOpt = {}): Tensor {
  const x = floatInput(input);
  return addOp('MatrixDeterminant', [x], { T: x.dtype }, { name: opts.name ?? 'MatrixDeterminant' }).outputs[0];
}
export const det = matrixDeterminant;

/** `tf.linalg.slogdet(input)`: [sign, log |det|]. */
export function slogdet(input: TensorLike, opts: NameOpt = {}): [Tensor, Tensor] {
  const x = floatInput(input);
  const op = addOp('LogMatrixDeterminant', [x], { T: x.dtype }, { name: opts.name ?? 'LogMatrixDeterminant' });
  return [op.outputs[0], op.outputs[1]];
}

/** `tf.linalg.cholesky(input)` (TF1's tf.cholesky): the lower factor; only the input's lower triangle is read. */
export function cholesky(input: TensorLike, opts: NameOpt = {}): Tensor {
  const x = floatInput(input);
  return addOp('Cholesky', [x], { T: x.dtype }, { name: opts.name ?? 'Cholesky' }).outputs[0];
}

/** `tf.linalg.lu(input, {outputIdxType?})`: [lu, p] with P_mat * input = L * U. */
export function lu(input: TensorLike, opts: NameOpt & { outputIdxType?: 'int32' | 'int64' } = {}): [Tensor, Tensor] {
  const x = floatInput(input);
  const op = addOp('Lu', [x], { T: x.dtype, output_idx_type: opts.outputIdxType ?? 'int32' }, { name: opts.name ?? 'Lu' });
  return [op.outputs[0], op.outputs[1]];
}
