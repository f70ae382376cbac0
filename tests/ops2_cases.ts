// Cases TensorFlow computed (tests/testdata/ops2/make.py, tf.raw_ops on small random inputs): one op node with the
// case's attrs, its inputs fed through placeholders (so the GPU kernels run, nothing is folded), its outputs compared
// with TensorFlow's within the stated tolerances.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { readNpy } from '../serialization/npy.js';
import type { ExecutorName } from '../session/session.js';
import { expectClose } from './helpers.js';

const DIR = path.resolve(process.cwd(), 'tests/testdata/ops2');

export interface Ops2Case {
  name: string;
  family: string;
  op: string;
  attrs: Record<string, tf.AttrValue>;
  inputs: Array<{ file: string; dtype: tf.DType }>;
  outputs: Array<{ file: string; dtype: tf.DType }>;
  /** 'svd': s as values; u and v checked by their absolute values, orthonormality and the reconstruction. */
  compare: 'values' | 'svd';
}

export function ops2Cases(family: string): Ops2Case[] {
  const all = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Ops2Case[];
  return all.filter((c) => c.family === family);
}

export const load = (file: string): tf.NDArray => readNpy(fs.readFileSync(path.join(DIR, file)), file);

/** Type attrs as TF's OpDefs name them: T is the first float input's dtype (else the first input's). */
function typeAttrs(c: Ops2Case): Record<string, tf.AttrValue> {
  const float = c.inputs.find((x) => x.dtype === 'float32' || x.dtype === 'float64');
  // (NonMaxSuppression V1 has no T.)
  const a: Record<string, tf.AttrValue> = c.op === 'NonMaxSuppression' ? {} : { T: (float ?? c.inputs[0]).dtype };
  if (c.op === 'MaxPool3DGrad') a.TInput = c.inputs[0].dtype;
  if (c.op === 'Conv3DBackpropInputV2') a.Tshape = c.inputs[0].dtype;
  if (c.op === 'MaxPoolGradWithArgmax' || c.op === 'MaxPoolGradGradWithArgmax') a.Targmax = c.inputs[2].dtype;
  return { ...a, ...c.attrs };
}

/** Shape inputs (input_sizes, filter_sizes, orig_input_shape) stay constants: webgpu needs shapes when it compiles. */
const SHAPE_INPUTS: Record<string, number[]> = {
  Conv3DBackpropInputV2: [0], Conv3DBackpropFilterV2: [1], AvgPool3DGrad: [0], ResizeBicubic: [1], ResizeArea: [1], Bincount: [1],
  CropAndResize: [3], CropAndResizeGradImage: [3],
};

/** Runs the case's op on `executor` with its inputs fed (shape inputs as constants); returns the outputs. */
export async function runOps2Case(c: Ops2Case, executor: ExecutorName): Promise<tf.NDArray[]> {
  const g = new tf.Graph();
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  const op = g.asDefault(() => {
    const xs = c.inputs.map((inp, i) => {
      const v = load(inp.file);
      if (SHAPE_INPUTS[c.op]?.includes(i)) return tf.constant(v);
      const p = tf.placeholder(v.dtype, v.shape, `in${i}`);
      feeds.set(p, v);
      return p;
    });
    return addOp(c.op, xs, typeAttrs(c), { name: c.op });
  });
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return (await sess.run(op.outputs, feeds)) as tf.NDArray[];
  } finally {
    await sess.close();
  }
}

export interface Tol { atol: number; rtol: number }

/** Compares a case's outputs with TensorFlow's (dtype and shape exactly, values within `tol`; ints exactly). */
export function expectOps2(c: Ops2Case, got: tf.NDArray[], tol: Tol): void {
  c.outputs.forEach((o, i) => {
    const want = load(o.file);
    expect(got[i].dtype).toBe(want.dtype);
    if (c.compare === 'svd' && i > 0) return;
    const exact = want.dtype === 'int32' || want.dtype === 'int64' || want.dtype === 'bool';
    expectClose(got[i], want.data, { shape: [...want.shape], ...(exact ? { atol: 0, rtol: 0 } : tol) });
  });
  if (c.compare === 'svd') expectSvd(c, got, tol);
}

/** u and v: |u|, |v| equal TensorFlow's in the first p columns (signs are not unique), orthonormal, and u s v^T = a. */
function expectSvd(c: Ops2Case, [s, u, v]: tf.NDArray[], tol: Tol): void {
  const a = load(c.inputs[0].file);
  const [tu, tv] = [load(c.outputs[1].file), load(c.outputs[2].file)];
  expect(u.shape).toEqual(tu.shape);
  expect(v.shape).toEqual(tv.shape);
  const m = a.shape[a.rank - 2], n = a.shape[a.rank - 1], p = Math.min(m, n);
  const uc = u.shape[u.rank - 1], vc = v.shape[v.rank - 1];
  const batches = a.size / (m * n);
  const close = (x: number, y: number, what: string): void => {
    if (!(Math.abs(x - y) <= tol.atol * 10 + tol.rtol * 10 * Math.abs(y))) throw new Error(`${c.name}: ${what}: got ${x}, expected ${y}`);
  };
  for (let b = 0; b < batches; b++) {
    const U = (i: number, j: number): number => u.data[b * m * uc + i * uc + j];
    const V = (i: number, j: number): number => v.data[b * n * vc + i * vc + j];
    for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) close(Math.abs(U(i, j)), Math.abs(tu.data[b * m * uc + i * uc + j]), `|u[${b}][${i}][${j}]|`);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) close(Math.abs(V(i, j)), Math.abs(tv.data[b * n * vc + i * vc + j]), `|v[${b}][${i}][${j}]|`);
    for (let i = 0; i < uc; i++) for (let j = 0; j < uc; j++) {
      let d = 0;
      for (let r = 0; r < m; r++) d += U(r, i) * U(r, j);
      close(d, i === j ? 1 : 0, `(u^T u)[${i}][${j}]`);
    }
    for (let i = 0; i < vc; i++) for (let j = 0; j < vc; j++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += V(r, i) * V(r, j);
      close(d, i === j ? 1 : 0, `(v^T v)[${i}][${j}]`);
    }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let d = 0;
      for (let k = 0; k < p; k++) d += U(i, k) * s.data[b * p + k] * V(j, k);
      close(d, a.data[b * m * n + i * n + j], `(u s v^T)[${b}][${i}][${j}]`);
    }
  }
}
