// The ops added for graphs TensorFlow wrote (FusedBatchNorm/V2 and their gradients, PadV2, MirrorPad(Grad), Split,
// SplitV, LinSpace, InvertPermutation, ParallelConcat, Select (V1), BatchMatMul (V1), LeakyRelu, Selu, Softsign):
// on both executors, with every input fed (so the kernels run on the GPU), against hand-computed values or plain-JS
// float64 references written here independently of ops/, and gradients through gradCase.
import * as tf from '../index.js';
import { addOp, getOpDef, listOpDefs } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS, evalGraph, expectClose, FLOAT64_EXECUTORS, makeNested, Nested } from './helpers.js';

type T = tf.Tensor;
const EXACT = { atol: 0, rtol: 0 };
/** A flat expectation: the shape is checked only when given. */
const F = (a: readonly number[]): Float64Array => Float64Array.from(a);

function flat(x: Nested): number[] { return Array.isArray(x) ? x.flatMap(flat) : [+x]; }
function shapeOf(x: Nested): number[] {
  const s: number[] = [];
  for (let v = x; Array.isArray(v); v = v[0]) s.push(v.length);
  return s;
}
function nd(x: Nested, dtype: tf.DType = 'float32'): tf.NDArray {
  const d = flat(x);
  const data = dtype === 'float32' ? Float32Array.from(d) : dtype === 'float64' ? Float64Array.from(d) : dtype === 'bool' ? Uint8Array.from(d) : Int32Array.from(d);
  return tf.ndarray(data, shapeOf(x));
}
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
function unravel(i: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let a = shape.length - 1; a >= 0; a--) { out[a] = i % shape[a]; i = Math.floor(i / shape[a]); }
  return out;
}
const ravel = (idx: readonly number[], shape: readonly number[]): number => idx.reduce((acc, v, a) => acc * shape[a] + v, 0);

/** Feeds `inputs` through placeholders of their shapes, builds `build(placeholders)`, runs it on `executor`. */
async function runFed(executor: ExecutorName, inputs: tf.NDArray[], build: (xs: T[]) => T | T[]): Promise<tf.NDArray[]> {
  return evalGraph(executor, () => {
    const xs = inputs.map((a, i) => tf.placeholder(a.dtype, a.shape, `in${i}`));
    const ys = build(xs);
    return { xs, ys: Array.isArray(ys) ? ys : [ys] };
  }, (b) => b.ys, (b) => new Map(b.xs.map((x, i) => [x, inputs[i]])));
}

// ---- references ------------------------------------------------------------------------------------------------

/** numpy.pad: mode 'constant' (value), 'reflect', 'symmetric'. */
function refPad(shape: number[], data: number[], pads: number[][], mode: 'constant' | 'reflect' | 'symmetric', value = 0): { shape: number[]; data: number[] } {
  const outShape = shape.map((d, i) => d + pads[i][0] + pads[i][1]);
  const out: number[] = [];
  for (let i = 0; i < numel(outShape); i++) {
    const o = unravel(i, outShape);
    let inside = true;
    const src = o.map((c, d) => {
      let r = c - pads[d][0];
      const n = shape[d];
      if (r >= 0 && r < n) return r;
      if (mode === 'constant') { inside = false; return 0; }
      if (mode === 'reflect') r = r < 0 ? -r : 2 * (n - 1) - r;
      else r = r < 0 ? -r - 1 : 2 * n - 1 - r;
      return r;
    });
    out.push(inside ? data[ravel(src, shape)] : value);
  }
  return { shape: outShape, data: out };
}

/** Batch norm in float64, one channel axis (NHWC: 3, NCHW: 1). */
function refBatchNorm(shape: number[], x: number[], scale: number[], offset: number[], eps: number, axis: number, stats?: { mean: number[]; variance: number[] }) {
  const C = shape[axis];
  const M = x.length / C;
  const ch = (i: number): number => unravel(i, shape)[axis];
  const mean = new Array<number>(C).fill(0), vb = new Array<number>(C).fill(0);
  x.forEach((v, i) => { mean[ch(i)] += v / M; });
  x.forEach((v, i) => { vb[ch(i)] += (v - mean[ch(i)]) ** 2 / M; });
  const mu = stats?.mean ?? mean, va = stats?.variance ?? vb;
  const y = x.map((v, i) => ((v - mu[ch(i)]) / Math.sqrt(va[ch(i)] + eps)) * scale[ch(i)] + offset[ch(i)]);
  return { y, mean, vb, vu: vb.map((v) => (v * M) / (M - 1)) };
}

const seq = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

// ---- declarations ---------------------------------------------------------------------------------------------------

describe('declarations', () => {
  test('TF names, inputs and attrs', () => {
    const spec: Record<string, [string[], string[]]> = {
      FusedBatchNorm: [['x', 'scale', 'offset', 'mean', 'variance'], ['T', 'data_format', 'epsilon', 'exponential_avg_factor', 'is_training']],
      FusedBatchNormV2: [['x', 'scale', 'offset', 'mean', 'variance'], ['T', 'U', 'data_format', 'epsilon', 'exponential_avg_factor', 'is_training']],
      FusedBatchNormGrad: [['y_backprop', 'x', 'scale', 'reserve_space_1', 'reserve_space_2'], ['T', 'data_format', 'epsilon', 'is_training']],
      FusedBatchNormGradV2: [['y_backprop', 'x', 'scale', 'reserve_space_1', 'reserve_space_2'], ['T', 'U', 'data_format', 'epsilon', 'is_training']],
      PadV2: [['input', 'paddings', 'constant_values'], ['T', 'Tpaddings']],
      MirrorPad: [['input', 'paddings'], ['T', 'Tpaddings', 'mode']],
      MirrorPadGrad: [['input', 'paddings'], ['T', 'Tpaddings', 'mode']],
      Split: [['split_dim', 'value'], ['T', 'num_split']],
      SplitV: [['value', 'size_splits', 'split_dim'], ['T', 'Tlen', 'num_split']],
      LinSpace: [['start', 'stop', 'num'], ['T', 'Tidx']],
      InvertPermutation: [['x'], ['T']],
      ParallelConcat: [['values*'], ['N', 'T', 'shape']],
      Select: [['condition', 't', 'e'], ['T']],
      BatchMatMul: [['x', 'y'], ['T', 'adj_x', 'adj_y']],
      LeakyRelu: [['features'], ['T', 'alpha']],
      Selu: [['features'], ['T']],
      Softsign: [['features'], ['T']],
    };
    for (const [type, [inputs, attrs]] of Object.entries(spec)) {
      const def = getOpDef(type);
      expect([type, def?.inputs]).toEqual([type, inputs]);
      expect([type, Object.keys(def!.attrs ?? {}).sort()]).toEqual([type, attrs.sort()]);
      expect([type, typeof def!.gpu, def!.grad === undefined]).toEqual([type, 'function', false]);
    }
    expect(getOpDef('LeakyRelu')!.attrs!.alpha.default).toBeCloseTo(0.2);
    expect(getOpDef('SplitV')!.attrs!.Tlen.default).toBe('int64');
    expect(getOpDef('FusedBatchNorm')!.attrs!.epsilon.default).toBeCloseTo(0.0001);
    for (const t of ['LinSpace', 'InvertPermutation', 'ParallelConcat']) expect(getOpDef(t)!.grad).toBe('not-differentiable');
  });

  test('ops common in TF1 frozen graphs are registered', () => {
    const types = new Set(listOpDefs().map((d) => d.type));
    const expected = ['Range', 'Rank', 'Reciprocal', 'Log1p', 'SquaredDifference', 'Floor', 'StopGradient', 'DepthwiseConv2dNative',
      'Relu6', 'Mean', 'Squeeze', 'ConcatV2', 'Shape', 'Conv2DBackpropInput', 'Sum', 'Prod', 'Minimum', 'Maximum', 'AddV2',
      'Square', 'Max', 'ArgMax', 'Identity', 'NoOp', 'Fill', 'Cast', 'Pad', 'FusedBatchNorm', 'FusedBatchNormV2', 'PadV2',
      'MirrorPad', 'Split', 'SplitV', 'LinSpace', 'Softsign', 'InvertPermutation', 'ParallelConcat', 'Select', 'BatchMatMul',
      'LeakyRelu', 'Selu', 'ResizeBilinear', 'ResizeNearestNeighbor', 'ResizeBilinearGrad', 'ResizeNearestNeighborGrad'];
    expect(expected.filter((t) => !types.has(t))).toEqual([]);
  });

  test('builders name their nodes as TF1 does', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [4, 6], 'x');
      expect(tf.split(x, 2, 1).map((t) => t.name)).toEqual(['split:0', 'split:1']);
      expect(tf.split(x, [1, -1], 0)[0].op.type).toBe('SplitV');
      expect(tf.pad(x, [[1, 1], [0, 0]], 'reflect').op.name).toBe('MirrorPad');
      expect(tf.pad(x, [[1, 1], [0, 0]], 'CONSTANT', 3).op.name).toBe('PadV2');
      expect(tf.pad(x, [[1, 1], [0, 0]]).op.type).toBe('Pad');
      expect(tf.pad(x, [[1, 1], [0, 0]], { mode: 'symmetric', name: 'sym' }).op.name).toBe('sym');
      expect(tf.linspace(0, 1, 5).op.name).toBe('LinSpace');
      expect(tf.invertPermutation([1, 0]).op.name).toBe('InvertPermutation');
      expect(tf.parallelStack([x, x]).op.name).toBe('parallel_stack');
      expect(tf.nn.leakyRelu(x).op.name).toBe('LeakyRelu');
      expect(tf.nn.selu(x).op.name).toBe('Selu');
      expect(tf.nn.softsign(x).op.name).toBe('Softsign');
      expect(tf.select(tf.placeholder('bool', [4]), x, x).op.name).toBe('Select');
    });
  });

  test('shape rules and their errors', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [4, null, 3], 'x');
      expect(tf.split(x, 2, 0).map((t) => t.shape)).toEqual([[2, null, 3], [2, null, 3]]);
      expect(tf.split(x, [1, -1, 1], 0).map((t) => t.shape)).toEqual([[1, null, 3], [2, null, 3], [1, null, 3]]);
      expect(tf.split(x, [1, -1], 1).map((t) => t.shape)).toEqual([[4, 1, 3], [4, null, 3]]);
      expect(() => tf.split(x, 3, 0, { name: 'sp' })).toThrow(/'sp'.*evenly divide/);
      expect(() => tf.split(x, [1, 1], 0, { name: 'sv' })).toThrow(/'sv'.*Determined shape must/);
      expect(() => tf.split(x, [-1, -1], 2, { name: 'sv2' })).toThrow(/'sv2'.*Only one/);
      expect(() => tf.split(x, 1, 3, { name: 'sa' })).toThrow(/'sa'.*split_dim/);
      expect(tf.pad(x, [[1, 2], [1, 1], [3, 3]], 'SYMMETRIC').shape).toEqual([7, null, 9]);
      expect(() => tf.pad(x, [[0, 0], [0, 0], [3, 0]], 'REFLECT', 0, { name: 'mp' })).toThrow(/'mp'.*no greater than the dimension size/);
      expect(() => tf.pad(x, [[0, 0], [0, 0], [0, 0]], 'WRAP')).toThrow(/Unknown padding mode/);
      expect(tf.linspace(0, 1, 7).shape).toEqual([7]);
      expect(() => tf.linspace(0, 1, 0, { name: 'ls' })).toThrow(/'ls'.*num > 0/);
      expect(tf.parallelStack([tf.zeros([2, 3]), tf.zeros([2, 3])]).shape).toEqual([2, 2, 3]);
      const m = tf.placeholder('float32', [5, 2, 3]);
      expect(addOp('BatchMatMul', [m, tf.zeros([5, 3, 4])], { T: 'float32' }).outputs[0].shape).toEqual([5, 2, 4]);
      expect(() => addOp('BatchMatMul', [m, tf.zeros([1, 3, 4])], { T: 'float32' }, { name: 'bmm' })).toThrow(/'bmm'.*batch dimensions/);
      expect(() => tf.select(tf.placeholder('bool', [3]), m, m, { name: 'sel' })).toThrow(/'sel'/);
      expect(tf.select(tf.placeholder('bool', [5]), m, m).shape).toEqual([5, 2, 3]);
      const bn = addOp('FusedBatchNorm', [tf.placeholder('float32', [2, 3, 3, 4]), tf.zeros([4]), tf.zeros([4]), tf.zeros([0]), tf.zeros([0])], { T: 'float32' });
      expect(bn.outputs.map((t) => t.shape)).toEqual([[2, 3, 3, 4], [4], [4], [4], [4]]);
    });
  });
});

// ---- per executor ---------------------------------------------------------------------------------------------------

describe.each(EXECUTORS)('on %s', (executor: ExecutorName) => {
  describe('FusedBatchNorm and FusedBatchNormV2', () => {
    const shape = [2, 3, 2, 4];
    const xv = seq(48, (i) => Math.sin(i * 1.3) * 2 + (i % 4));
    const sv = [1.5, -0.5, 2, 0.7], ov = [0.1, 0.2, -0.3, 1];
    const mv = [0.5, 1, 1.5, 2], vv = [1, 2, 0.5, 3];

    test.each(['FusedBatchNorm', 'FusedBatchNormV2'])('%s in training and inference, NHWC and NCHW', async (type) => {
      const attrs = (training: boolean, format: string): Record<string, tf.AttrValue> => ({
        T: 'float32', ...(type === 'FusedBatchNormV2' ? { U: 'float32' } : {}), epsilon: 0.001, is_training: training, data_format: format,
      });
      const r = await runFed(executor, [nd(makeNested(shape, (i) => xv[i])), nd(sv), nd(ov), nd(mv), nd(vv)], ([x, s, o, m, v]) => {
        const train = addOp(type, [x, s, o, m, v], attrs(true, 'NHWC')).outputs;
        const infer = addOp(type, [x, s, o, m, v], attrs(false, 'NHWC')).outputs;
        const nchw = addOp(type, [tf.transpose(x, [0, 3, 1, 2]), s, o, m, v], attrs(true, 'NCHW')).outputs;
        expect(train.length).toBe(5);
        return [...train, infer[0], infer[1], nchw[0], nchw[2]];
      });
      const ref = refBatchNorm(shape, xv, sv, ov, 0.001, 3);
      expectClose(r[0], F(ref.y), { rtol: 1e-4, atol: 1e-4, shape });
      expectClose(r[1], ref.mean, { rtol: 1e-5, atol: 1e-5 });
      expectClose(r[2], ref.vu, { rtol: 1e-5, atol: 1e-5 });
      expectClose(r[3], ref.mean, { rtol: 1e-5, atol: 1e-5 });
      expectClose(r[4], ref.vb, { rtol: 1e-5, atol: 1e-5 });
      expectClose(r[5], F(refBatchNorm(shape, xv, sv, ov, 0.001, 3, { mean: mv, variance: vv }).y), { rtol: 1e-4, atol: 1e-4 });
      expectClose(r[6], mv);
      // NCHW: the same values with channels on axis 1.
      const xt: number[] = [];
      for (let n = 0; n < 2; n++) for (let c = 0; c < 4; c++) for (let h = 0; h < 3; h++) for (let w = 0; w < 2; w++) xt.push(xv[((n * 3 + h) * 2 + w) * 4 + c]);
      expectClose(r[7], F(refBatchNorm([2, 4, 3, 2], xt, sv, ov, 0.001, 1).y), { rtol: 1e-4, atol: 1e-4 });
      expectClose(r[8], ref.vu, { rtol: 1e-5, atol: 1e-5 });
    });

    test.each(['FusedBatchNorm', 'FusedBatchNormV2'])('%s gradients (training and inference)', async (type) => {
      for (const training of [true, false]) {
        await gradCase(executor, ([x, s, o]) => {
          const dt = x.dtype;
          const op = addOp(type, [x, s, o, tf.constant(mv.slice(0, 3), { dtype: dt }), tf.constant(vv.slice(0, 3), { dtype: dt })],
            { T: dt, ...(type === 'FusedBatchNormV2' ? { U: dt } : {}), epsilon: 0.01, is_training: training } as tf.Attrs);
          expect(tf.gradients(op.outputs[0], [x])[0]!.op.type).toBe(type === 'FusedBatchNorm' ? 'FusedBatchNormGrad' : 'FusedBatchNormGradV2');
          return op.outputs[0];
        }, [[2, 2, 2, 3], [3], [3]], { tol: 1e-5, gpuTol: 1e-3 });
      }
    });
  });

  describe('PadV2 and MirrorPad', () => {
    const shape = [3, 4];
    const xv = seq(12, (i) => i * 1.5 - 4);
    test('PadV2 against numpy.pad constant, float32 and int32', async () => {
      const pads = [[1, 2], [3, 0]];
      const r = await runFed(executor, [nd(makeNested(shape, (i) => xv[i])), nd(makeNested(shape, (i) => i), 'int32'), nd(2.5)],
        ([x, xi, c]) => [tf.pad(x, pads, 'CONSTANT', -7.25), tf.pad(xi, pads, 'constant', 9), tf.pad(x, pads, 'CONSTANT', c)]);
      const ref = refPad(shape, xv, pads, 'constant', -7.25);
      expectClose(r[0], F(ref.data), { ...EXACT, shape: ref.shape });
      expectClose(r[1], F(refPad(shape, seq(12, (i) => i), pads, 'constant', 9).data), { ...EXACT, dtype: 'int32' });
      expectClose(r[2], F(refPad(shape, xv, pads, 'constant', 2.5).data), EXACT);
      expect(r[0].dtype).toBe('float32');
    });
    test('MirrorPad by hand (1-D) and against numpy.pad (3-D)', async () => {
      const s3 = [2, 3, 4];
      const v3 = seq(24, (i) => (i * 7) % 11);
      const p3 = [[1, 1], [2, 1], [3, 0]];
      const r = await runFed(executor, [nd([1, 2, 3]), nd(makeNested(s3, (i) => v3[i]), 'int32')], ([x, y]) => [
        tf.pad(x, [[2, 2]], 'REFLECT'), tf.pad(x, [[2, 3]], 'SYMMETRIC'),
        tf.pad(y, [[0, 1], [2, 2], [3, 3]], 'SYMMETRIC'), tf.pad(y, p3, 'REFLECT'),
      ]);
      expectClose(r[0], [3, 2, 1, 2, 3, 2, 1], EXACT);
      expectClose(r[1], [2, 1, 1, 2, 3, 3, 2, 1], EXACT);
      const sym = refPad(s3, v3, [[0, 1], [2, 2], [3, 3]], 'symmetric');
      expectClose(r[2], F(sym.data), { ...EXACT, shape: sym.shape, dtype: 'int32' });
      const refl = refPad(s3, v3, p3, 'reflect');
      expectClose(r[3], F(refl.data), { ...EXACT, shape: refl.shape });
    });
    test('MirrorPadGrad by hand (TF doc example) and as the sum over the mirror map', async () => {
      const s = [3, 4];
      const pads = [[2, 1], [1, 3]];
      const inShape = [6, 8];
      const gv = seq(48, (i) => (i % 7) - 2.5);
      const r = await runFed(executor, [nd([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), nd(makeNested(inShape, (i) => gv[i]))], ([a, b]) => [
        addOp('MirrorPadGrad', [a, tf.constant([[0, 1], [0, 1]], { dtype: 'int32' })], { T: 'float32', mode: 'SYMMETRIC' }).outputs[0],
        addOp('MirrorPadGrad', [b, tf.constant(pads.flat(), { dtype: 'int32', shape: [2, 2] })], { T: 'float32', mode: 'REFLECT' }).outputs[0],
      ]);
      expectClose(r[0], [[1, 5], [11, 28]], EXACT);
      // Reference: every padded position adds its value to the position it was reflected from.
      const exp = new Array<number>(12).fill(0);
      for (let i = 0; i < 48; i++) {
        const [a, b] = unravel(i, inShape);
        const refl = (c: number, before: number, n: number): number => { const q = c - before; return q < 0 ? -q : q >= n ? 2 * (n - 1) - q : q; };
        exp[refl(a, 2, 3) * 4 + refl(b, 1, 4)] += gv[i];
      }
      expectClose(r[1], F(exp), { atol: 1e-5, shape: s });
    });
    test('gradients', async () => {
      // As TF's _PadV2Grad: none for constant_values.
      await gradCase(executor, ([x]) => tf.pad(x, [[1, 0], [2, 1]], 'CONSTANT', 1.5), [[2, 3]]);
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [2]), c = tf.placeholder('float32', []);
        expect(tf.gradients(tf.pad(x, [[1, 1]], 'CONSTANT', c), [c])[0]).toBeNull();
      });
      await gradCase(executor, ([x]) => tf.pad(x, [[1, 2], [2, 1]], 'REFLECT'), [[3, 4]]);
      await gradCase(executor, ([x]) => tf.pad(x, [[2, 2], [0, 3]], 'SYMMETRIC'), [[3, 3]]);
      await gradCase(executor, ([x]) => addOp('MirrorPadGrad', [x, tf.constant([[1, 1], [0, 2]], { dtype: 'int32' })],
        { T: x.dtype, mode: 'SYMMETRIC' }).outputs[0], [[5, 6]]);
    });
    test('a padding too large for REFLECT fails at run time with a fed paddings tensor', async () => {
      await expect(runFed('cpu', [nd([1, 2]), nd([[2, 0]], 'int32')], ([x, p]) => tf.pad(x, p, 'REFLECT', 0, { name: 'mpr' })))
        .rejects.toThrow(/'mpr'.*no greater than the dimension size/);
    });
  });

  describe('Split and SplitV', () => {
    const shape = [2, 6, 3];
    const xv = seq(36, (i) => i);
    const part = (axis: number, start: number, size: number): number[] => {
      const out: number[] = [];
      for (let i = 0; i < 36; i++) {
        const c = unravel(i, shape);
        if (c[axis] >= start && c[axis] < start + size) out.push(xv[i]);
      }
      return out;
    };
    test('equal parts on axes 0, 1 and -1', async () => {
      const r = await runFed(executor, [nd(makeNested(shape, (i) => xv[i]))], ([x]) => [...tf.split(x, 3, 1), ...tf.split(x, 2), ...tf.split(x, 3, -1)]);
      for (let k = 0; k < 3; k++) expectClose(r[k], F(part(1, 2 * k, 2)), { ...EXACT, shape: [2, 2, 3] });
      for (let k = 0; k < 2; k++) expectClose(r[3 + k], F(part(0, k, 1)), { ...EXACT, shape: [1, 6, 3] });
      for (let k = 0; k < 3; k++) expectClose(r[5 + k], F(part(2, k, 1)), { ...EXACT, shape: [2, 6, 1] });
    });
    test('sizes with a -1, int32 values, a zero-size part, int64 sizes', async () => {
      const r = await runFed(executor, [nd(makeNested(shape, (i) => xv[i]), 'int32')], ([x]) => [
        ...tf.split(x, [1, -1, 2], 1), ...tf.split(x, [0, 3], 2), ...tf.split(x, tf.constant([4, 2], { dtype: 'int64' }), 1),
      ]);
      expectClose(r[0], F(part(1, 0, 1)), { ...EXACT, shape: [2, 1, 3], dtype: 'int32' });
      expectClose(r[1], F(part(1, 1, 3)), { ...EXACT, shape: [2, 3, 3] });
      expectClose(r[2], F(part(1, 4, 2)), { ...EXACT, shape: [2, 2, 3] });
      expect(r[3].shape).toEqual([2, 6, 0]);
      expectClose(r[4], F(xv), { ...EXACT, shape });
      expectClose(r[5], F(part(1, 0, 4)), EXACT);
      expectClose(r[6], F(part(1, 4, 2)), EXACT);
    });
    test('gradients, with some parts unused', async () => {
      await gradCase(executor, ([x]) => { const p = tf.split(x, 3, 1); return [p[0], tf.mul(p[2], p[2])]; }, [[2, 6]]);
      await gradCase(executor, ([x]) => { const p = tf.split(x, [2, -1], 0); return tf.mul(p[1], 3); }, [[5, 2]]);
    });
    test('a bad split at run time (fed sizes)', async () => {
      await expect(runFed('cpu', [nd([1, 2, 3]), nd([1, 1], 'int32')], ([x, s]) => tf.split(x, s, 0, { name: 'bad' })))
        .rejects.toThrow(/'bad'.*Determined shape/);
    });
  });

  test('LinSpace', async () => {
    const r = await runFed(executor, [nd(-1), nd(2)], ([a, b]) => [tf.linspace(a, b, 7), tf.linspace(a, b, 1), tf.linspace(3, -3, 4)]);
    expectClose(r[0], seq(7, (i) => -1 + i * 0.5), { rtol: 1e-6, atol: 1e-6, dtype: 'float32' });
    expect(r[0].data[6]).toBe(2);
    expectClose(r[1], [-1], EXACT);
    expectClose(r[2], [3, 1, -1, -3], { rtol: 1e-6, atol: 1e-6 });
  });

  test('InvertPermutation, and its errors', async () => {
    const [r] = await runFed(executor, [nd([3, 4, 0, 2, 1], 'int32')], ([p]) => tf.invertPermutation(p));
    expectClose(r, [2, 4, 3, 0, 1], { ...EXACT, dtype: 'int32' });
    await expect(runFed(executor, [nd([0, 2, 2], 'int32')], ([p]) => tf.invertPermutation(p, { name: 'dup' }))).rejects.toThrow(/'dup'.*duplicated/);
    await expect(runFed(executor, [nd([0, 3, 1], 'int32')], ([p]) => tf.invertPermutation(p, { name: 'oor' }))).rejects.toThrow(/'oor'/);
  });

  test('ParallelConcat through parallelStack', async () => {
    const [r] = await runFed(executor, [nd([[1, 2], [3, 4]]), nd([[5, 6], [7, 8]]), nd([[9, 10], [11, 12]])], (xs) => tf.parallelStack(xs));
    expectClose(r, [[[1, 2], [3, 4]], [[5, 6], [7, 8]], [[9, 10], [11, 12]]], EXACT);
  });

  describe('Select (V1)', () => {
    const t = [[1, 2, 3], [4, 5, 6]], e = [[-1, -2, -3], [-4, -5, -6]];
    test('scalar, row-vector and elementwise conditions', async () => {
      const r = await runFed(executor, [nd(t), nd(e), nd([false, true], 'bool'), nd([[true, false, true], [false, false, true]], 'bool'), nd(true, 'bool'), nd([[1], [2]], 'int32'), nd([[3], [4]], 'int32')],
        ([a, b, rows, el, s, ia, ib]) => [tf.select(rows, a, b), tf.select(el, a, b), tf.select(s, a, b), tf.select(rows, ia, ib)]);
      expectClose(r[0], [[-1, -2, -3], [4, 5, 6]], EXACT);
      expectClose(r[1], [[1, -2, 3], [-4, -5, 6]], EXACT);
      expectClose(r[2], t, EXACT);
      expectClose(r[3], [[3], [2]], { ...EXACT, dtype: 'int32' });
    });
    test('gradients', async () => {
      const cond = tf.ndarray(Uint8Array.from([1, 0, 1]), [3]);
      await gradCase(executor, ([a, b]) => tf.select(tf.constant(cond), a, b), [[3, 2], [3, 2]]);
      await gradCase(executor, ([a, b]) => tf.select(tf.greater(a, b), a, b), [[2, 3], [2, 3]]);
    });
  });

  describe('BatchMatMul (V1)', () => {
    test('against a float64 reference, with adjoints', async () => {
      const A = seq(2 * 3 * 4, (i) => Math.cos(i)), B = seq(2 * 4 * 5, (i) => Math.sin(i * 0.7));
      const r = await runFed(executor, [nd(makeNested([2, 3, 4], (i) => A[i])), nd(makeNested([2, 4, 5], (i) => B[i]))], ([a, b]) => [
        addOp('BatchMatMul', [a, b], { T: 'float32' }).outputs[0],
        addOp('BatchMatMul', [tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1])], { T: 'float32', adj_x: true, adj_y: true }).outputs[0],
      ]);
      const exp: number[] = [];
      for (let bi = 0; bi < 2; bi++) for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += A[(bi * 3 + i) * 4 + k] * B[(bi * 4 + k) * 5 + j];
        exp.push(s);
      }
      expectClose(r[0], F(exp), { rtol: 1e-5, atol: 1e-5, shape: [2, 3, 5] });
      expectClose(r[1], F(exp), { rtol: 1e-5, atol: 1e-5, shape: [2, 3, 5] });
    });
    test('gradients', async () => {
      for (const [adjX, adjY] of [[false, false], [true, false], [false, true], [true, true]]) {
        await gradCase(executor, ([a, b]) => addOp('BatchMatMul', [a, b], { T: a.dtype, adj_x: adjX, adj_y: adjY }).outputs[0],
          [adjX ? [2, 3, 2] : [2, 2, 3], adjY ? [2, 4, 3] : [2, 3, 4]]);
      }
    });
  });

  describe('LeakyRelu, Selu, Softsign', () => {
    const xs = [-3, -1, -0.25, -1e-3, 0, 1e-3, 0.5, 2, 10];
    const selu = (x: number): number => (x > 0 ? 1.0507009873554805 * x : 1.0507009873554805 * 1.6732632423543772 * Math.expm1(x));
    test('values', async () => {
      const r = await runFed(executor, [nd(xs)], ([x]) => [tf.nn.leakyRelu(x), tf.nn.leakyRelu(x, 0.01), tf.nn.selu(x), tf.nn.softsign(x)]);
      expectClose(r[0], xs.map((x) => (x > 0 ? x : 0.2 * x)), { rtol: 1e-6, atol: 0 });
      expectClose(r[1], xs.map((x) => (x > 0 ? x : 0.01 * x)), { rtol: 1e-6, atol: 0 });
      expectClose(r[2], xs.map(selu), { rtol: 2e-6, atol: 0 });
      expectClose(r[3], xs.map((x) => x / (1 + Math.abs(x))), { rtol: 1e-6, atol: 0 });
    });
    test('gradients', async () => {
      await gradCase(executor, ([x]) => tf.nn.leakyRelu(x, 0.3), [[2, 5]], { avoid: 0.05 });
      await gradCase(executor, ([x]) => tf.nn.selu(x), [[2, 5]], { avoid: 0.05 });
      await gradCase(executor, ([x]) => tf.nn.softsign(x), [[2, 5]], { avoid: 0.05 });
    });
  });
});

/** TF's resize rules in float64 (the kernels compute coordinates in float32: compare with a tolerance). */
function refResize(shape: number[], data: number[], oh: number, ow: number, kind: 'bilinear' | 'nearest', align: boolean, half: boolean): number[] {
  const [N, H, W, C] = shape;
  const scale = (i: number, o: number): number => (align && o > 1 ? (i - 1) / (o - 1) : i / o);
  const sy = scale(H, oh), sx = scale(W, ow);
  const bil = (o: number, s: number, n: number): [number, number, number] => {
    const v = half ? (o + 0.5) * s - 0.5 : o * s;
    return [Math.max(Math.floor(v), 0), Math.min(Math.ceil(v), n - 1), v - Math.floor(v)];
  };
  const nn = (o: number, s: number, n: number): number => {
    const v = half ? (o + 0.5) * s : o * s;
    const i = Math.min(align ? Math.round(v) : Math.floor(v), n - 1);
    return half ? Math.max(i, 0) : i;
  };
  const px = (n: number, y: number, x: number, c: number): number => data[((n * H + y) * W + x) * C + c];
  const out: number[] = [];
  for (let n = 0; n < N; n++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let c = 0; c < C; c++) {
    if (kind === 'nearest') { out.push(px(n, nn(y, sy, H), nn(x, sx, W), c)); continue; }
    const [y0, y1, ly] = bil(y, sy, H), [x0, x1, lx] = bil(x, sx, W);
    const top = px(n, y0, x0, c) * (1 - lx) + px(n, y0, x1, c) * lx;
    const bot = px(n, y1, x0, c) * (1 - lx) + px(n, y1, x1, c) * lx;
    out.push(top * (1 - ly) + bot * ly);
  }
  return out;
}

describe.each(EXECUTORS)('image resizing on %s', (executor: ExecutorName) => {
  const img = [[[[1], [2]], [[3], [4]]]];
  test('by hand: bilinear legacy, align_corners, half_pixel_centers; nearest', async () => {
    const r = await runFed(executor, [nd(img)], ([x]) => [
      tf.image.resizeBilinear(x, [4, 4]), tf.image.resizeBilinear(x, [3, 3], true), tf.image.resizeBilinear(x, [4, 4], false, { halfPixelCenters: true }),
      tf.image.resizeNearestNeighbor(x, [4, 4]), tf.image.resizeNearestNeighbor(x, [3, 3], true),
    ]);
    const sq = (rows: number[][]): Nested => [rows.map((row) => row.map((v) => [v]))];
    expectClose(r[0], sq([[1, 1.5, 2, 2], [2, 2.5, 3, 3], [3, 3.5, 4, 4], [3, 3.5, 4, 4]]), { rtol: 1e-6, dtype: 'float32' });
    expectClose(r[1], sq([[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]), { rtol: 1e-6 });
    expectClose(r[2], sq([[1, 1.25, 1.75, 2], [1.5, 1.75, 2.25, 2.5], [2.5, 2.75, 3.25, 3.5], [3, 3.25, 3.75, 4]]), { rtol: 1e-6 });
    expectClose(r[3], sq([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]), EXACT);
    expectClose(r[4], sq([[1, 2, 2], [3, 4, 4], [3, 4, 4]]), EXACT);
  });
  test('against a float64 reference: up and down, every mode, int32 images', async () => {
    const shape = [2, 5, 7, 3];
    const v = seq(numel(shape), (i) => ((i * 37) % 29) - 9);
    const cases: Array<[number, number, 'bilinear' | 'nearest', boolean, boolean]> = [
      [9, 4, 'bilinear', false, false], [3, 11, 'bilinear', true, false], [8, 13, 'bilinear', false, true],
      [9, 4, 'nearest', false, false], [3, 11, 'nearest', true, false], [8, 5, 'nearest', false, true],
    ];
    const r = await runFed(executor, [nd(makeNested(shape, (i) => v[i]), 'int32')], ([x]) => cases.map(([h, w, kind, align, half]) => (kind === 'bilinear'
      ? tf.image.resizeBilinear(x, [h, w], align, { halfPixelCenters: half })
      : tf.image.resizeNearestNeighbor(x, [h, w], align, { halfPixelCenters: half }))));
    cases.forEach(([h, w, kind, align, half], j) => {
      expect(r[j].dtype).toBe(kind === 'bilinear' ? 'float32' : 'int32');
      expectClose(r[j], F(refResize(shape, v, h, w, kind, align, half)), { rtol: 1e-5, atol: 1e-4, shape: [2, h, w, 3] });
    });
  });
  test('gradients', async () => {
    // ResizeBilinear's output is float32 whatever the input (as in TF), and linear in it: large finite-difference steps.
    const lin = { eps: 0.25, tol: 1e-5 };
    await gradCase(executor, ([x]) => tf.image.resizeBilinear(x, [5, 3]), [[1, 3, 4, 2]], lin);
    await gradCase(executor, ([x]) => tf.image.resizeBilinear(x, [7, 2], true), [[2, 3, 4, 1]], lin);
    await gradCase(executor, ([x]) => tf.image.resizeBilinear(x, [2, 9], false, { halfPixelCenters: true }), [[1, 4, 3, 2]], lin);
    await gradCase(executor, ([x]) => tf.image.resizeNearestNeighbor(x, [5, 3]), [[1, 3, 4, 2]]);
    await gradCase(executor, ([x]) => tf.image.resizeNearestNeighbor(x, [7, 2], true), [[2, 3, 4, 1]]);
    await gradCase(executor, ([x]) => tf.image.resizeNearestNeighbor(x, [2, 9], false, { halfPixelCenters: true }), [[1, 4, 3, 2]]);
  });
  test('a larger upsampling gradient (range loops) against the CPU', async () => {
    if (executor === 'cpu') return;
    await gradCase(executor, ([x]) => tf.image.resizeBilinear(x, [40, 33], false, { halfPixelCenters: true }), [[1, 9, 7, 2]], { gpuTol: 1e-3 });
    await gradCase(executor, ([x]) => tf.image.resizeNearestNeighbor(x, [31, 40]), [[1, 8, 11, 1]]);
  });
  test('shape rule and errors', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [null, 5, 5, 3]);
      const y = tf.image.resizeBilinear(x, [10, 8]);
      expect(y.shape).toEqual([null, 10, 8, 3]);
      expect(y.op.name).toBe('ResizeBilinear');
      expect(() => tf.image.resizeNearestNeighbor(x, [2, 2], true, { halfPixelCenters: true, name: 'rn' })).toThrow(/'rn'.*half_pixel_centers/);
      expect(() => tf.image.resizeBilinear(tf.placeholder('float32', [5, 5]), [2, 2], false, { name: 'r2' })).toThrow(/'r2'.*4-dimensional/);
    });
  });
});

describe.each(FLOAT64_EXECUTORS)('float64 on %s', (executor: ExecutorName) => {
  test('LinSpace, MirrorPad, Split, LeakyRelu in float64', async () => {
    const r = await evalGraph(executor, () => {
      const x = tf.constant([1, 2, 3, 4], { dtype: 'float64' });
      return [tf.linspace(tf.constant(0, { dtype: 'float64' }), tf.constant(1, { dtype: 'float64' }), 4), tf.pad(x, [[1, 1]], 'REFLECT'),
        tf.split(x, 2)[1], tf.nn.leakyRelu(tf.neg(x))];
    }, (t) => t);
    expectClose(r[0], [0, 1 / 3, 2 / 3, 1], { rtol: 1e-15, atol: 1e-15, dtype: 'float64' });
    expectClose(r[1], [2, 1, 2, 3, 4, 3], EXACT);
    expectClose(r[2], [3, 4], EXACT);
    expectClose(r[3], [-0.2, -0.4, -0.6, -0.8], { rtol: 1e-15, atol: 0 });
  });
});
