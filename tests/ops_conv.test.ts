// Convolution and pooling against plain float64 references written here (never Kiln's own kernels): the forward ops
// by their definition, the backprop ops as adjoints of the forward reference (dx[i] = sum(conv(e_i) * dy), which
// needs no formula of its own), MaxPoolGrad by its first-max routing rule. Inputs are fed, so the GPU kernels run.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import type { ExecutorName } from '../session/session.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS, evalGraph, expectClose, rng } from './helpers.js';

type Fed = (value: number[], shape: number[], dtype?: tf.DType) => tf.Tensor;

/** Builds a graph whose `fed(values, shape)` inputs are placeholders fed with those values; fetches what `build` returns. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function evalFed(ex: ExecutorName, build: (fed: Fed) => tf.Tensor | tf.Tensor[]): Promise<any> {
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  const fed: Fed = (v, shape, dtype = 'float32') => {
    const p = tf.placeholder(dtype, shape);
    feeds.set(p, tf.ndarray(dtype === 'float64' ? Float64Array.from(v) : dtype === 'int32' ? Int32Array.from(v) : Float32Array.from(v), shape));
    return p;
  };
  return evalGraph(ex, () => build(fed), (t) => t, () => feeds);
}

const f32 = (xs: number[]): number[] => xs.map(Math.fround);
const values = (n: number, seed: number): number[] => { const r = rng(seed); return f32(Array.from({ length: n }, () => r() * 2 - 1)); };
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

// ---- float64 references (NHWC) --------------------------------------------------------------------------------------

interface Spec { stride?: number[]; dil?: number[]; padding: 'SAME' | 'VALID' }

/** TF's output size and padding before for one spatial dim. */
function dimRef(n: number, k: number, s: number, d: number, padding: 'SAME' | 'VALID'): [number, number] {
  const ek = (k - 1) * d + 1;
  if (padding === 'VALID') return [Math.floor((n - ek) / s) + 1, 0];
  const out = Math.ceil(n / s);
  return [out, Math.floor(Math.max(0, (out - 1) * s + ek - n) / 2)];
}

/** conv2d (depthwise: filter [kh, kw, c, mult], output channel ci * mult + m) by its definition, in float64. */
function refConv(x: number[], xs: number[], w: number[], ws: number[], sp: Spec, depthwise = false): { y: number[]; shape: number[] } {
  const [n, h, wd, c] = xs, [kh, kw, , wo] = ws;
  const [sh, sw] = sp.stride ?? [1, 1], [dh, dw] = sp.dil ?? [1, 1];
  const [oh, pt] = dimRef(h, kh, sh, dh, sp.padding), [ow, pl] = dimRef(wd, kw, sw, dw, sp.padding);
  const oc = depthwise ? c * wo : wo;
  const y: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < oc; o++) {
    let s = 0;
    for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
      const yy = i * sh + p * dh - pt, xx = j * sw + q * dw - pl;
      if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
      const at = (ch: number): number => x[((b * h + yy) * wd + xx) * c + ch];
      if (depthwise) s += at(Math.floor(o / wo)) * w[((p * kw + q) * c + Math.floor(o / wo)) * wo + (o % wo)];
      else for (let ch = 0; ch < c; ch++) s += at(ch) * w[((p * kw + q) * c + ch) * wo + o];
    }
    y.push(s);
  }
  return { y, shape: [n, oh, ow, oc] };
}

/** Pooling windows clipped to the input; max (first maximum) or average over the in-bounds elements. */
function refPool(x: number[], xs: number[], k: number[], s: number[], padding: 'SAME' | 'VALID', kind: 'max' | 'avg' | 'argmax'): { y: number[]; shape: number[] } {
  const [n, h, w, c] = xs;
  const [oh, pt] = dimRef(h, k[0], s[0], 1, padding), [ow, pl] = dimRef(w, k[1], s[1], 1, padding);
  const y: number[] = [];
  for (let b = 0; b < n; b++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let ch = 0; ch < c; ch++) {
    let best = -1, sum = 0, cnt = 0;
    for (let p = 0; p < k[0]; p++) for (let q = 0; q < k[1]; q++) {
      const yy = i * s[0] + p - pt, xx = j * s[1] + q - pl;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
      const at = ((b * h + yy) * w + xx) * c + ch;
      if (best < 0 || x[at] > x[best]) best = at;
      sum += x[at];
      cnt++;
    }
    y.push(kind === 'max' ? x[best] : kind === 'avg' ? sum / cnt : best);
  }
  return { y, shape: [n, oh, ow, c] };
}

/** The adjoint of a linear map f: R^size -> R^m applied to dy: out[i] = sum(f(e_i) * dy). */
function adjoint(f: (v: number[]) => number[], inSize: number, dy: number[]): number[] {
  return Array.from({ length: inSize }, (_, i) => {
    const e = new Array<number>(inSize).fill(0);
    e[i] = 1;
    return f(e).reduce((a, v, j) => a + v * dy[j], 0);
  });
}

/** NHWC data of shape s as NCHW, and back. */
function toNchw(x: number[], s: number[]): number[] {
  const [n, h, w, c] = s;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out.push(x[((b * h + i) * w + j) * c + ch]);
  return out;
}
const nchwShape = (s: number[]): number[] => [s[0], s[3], s[1], s[2]];

// float32 on both executors: sums of up to a few hundred products of values in [-1, 1].
const TOL = { rtol: 1e-5, atol: 2e-5 };

interface ConvCase { xs: number[]; ws: number[]; sp: Spec; nchw?: boolean }
const CONV_CASES: ConvCase[] = [
  { xs: [2, 7, 6, 3], ws: [3, 3, 3, 5], sp: { padding: 'SAME' } },
  { xs: [2, 9, 8, 4], ws: [3, 2, 4, 8], sp: { padding: 'VALID', stride: [2, 2] } },
  { xs: [1, 9, 9, 2], ws: [3, 3, 2, 6], sp: { padding: 'SAME', dil: [2, 2] } },
  { xs: [2, 7, 7, 3], ws: [3, 3, 3, 4], sp: { padding: 'SAME', stride: [2, 1] }, nchw: true },
  { xs: [3, 12, 12, 1], ws: [5, 5, 1, 8], sp: { padding: 'SAME' } },
  { xs: [2, 10, 10, 8], ws: [5, 5, 8, 16], sp: { padding: 'SAME' } },
  { xs: [2, 6, 11, 8], ws: [3, 3, 8, 20], sp: { padding: 'VALID', dil: [1, 2] } },
  { xs: [1, 5, 5, 5], ws: [2, 2, 5, 3], sp: { padding: 'SAME', stride: [2, 2] }, nchw: true },
];
const BACKPROP_CASES = CONV_CASES.map((c) => (c.ws[3] === 16 ? { ...c, xs: [2, 6, 7, 8], ws: [3, 3, 8, 16] } : c));
const caseName = (c: ConvCase): string => `x [${c.xs}] w [${c.ws}] ${c.sp.padding} s[${c.sp.stride ?? [1, 1]}] d[${c.sp.dil ?? [1, 1]}]${c.nchw ? ' NCHW' : ''}`;
const four = (v: number[] | undefined, nchw?: boolean): number[] => { const [a, b] = v ?? [1, 1]; return nchw ? [1, 1, a, b] : [1, a, b, 1]; };

// Gradient checks build sum(f(x) * r): they need Sum's and Mul's gradients (ops/math.ts) and wait for them.
const gradTest = tf.getOpDef('Sum')?.grad !== undefined && tf.getOpDef('Mul')?.grad !== undefined ? test : test.skip;

describe.each(EXECUTORS)('conv and pool ops on %s', (ex) => {
  test.each(CONV_CASES.map((c) => [caseName(c), c] as const))('conv2d %s', async (_, c) => {
    const x = values(size(c.xs), 1), w = values(size(c.ws), 2);
    const ref = refConv(x, c.xs, w, c.ws, c.sp);
    const fmt = c.nchw ? 'NCHW' : 'NHWC';
    const got: tf.NDArray = await evalFed(ex, (fed) => tf.nn.conv2d(
      c.nchw ? fed(toNchw(x, c.xs), nchwShape(c.xs)) : fed(x, c.xs), fed(w, c.ws), four(c.sp.stride, c.nchw), c.sp.padding,
      { dataFormat: fmt, dilations: c.sp.dil }));
    expectClose(got, c.nchw ? toNchw(ref.y, ref.shape) : ref.y, { shape: c.nchw ? nchwShape(ref.shape) : ref.shape, ...TOL });
  });

  // The adjoint references cost a forward convolution per input element: smaller filters for the 8 -> 16 case.
  test.each(BACKPROP_CASES.map((c) => [caseName(c), c] as const))('conv2dBackpropInput and conv2dBackpropFilter %s', async (_, c) => {
    const x = values(size(c.xs), 3), w = values(size(c.ws), 4);
    const out = refConv(x, c.xs, w, c.ws, c.sp).shape;
    const dy = values(size(out), 5);
    const dx = adjoint((v) => refConv(v, c.xs, w, c.ws, c.sp).y, x.length, dy);
    const dw = adjoint((v) => refConv(x, c.xs, v, c.ws, c.sp).y, w.length, dy);
    const fmt = c.nchw ? 'NCHW' : 'NHWC';
    const L = (v: number[], s: number[]): [number[], number[]] => (c.nchw ? [toNchw(v, s), nchwShape(s)] : [v, s]);
    const [gx, gw]: tf.NDArray[] = await evalFed(ex, (fed) => {
      const opts = { dataFormat: fmt as 'NHWC' | 'NCHW', dilations: c.sp.dil };
      const dyT = fed(...L(dy, out));
      return [
        tf.nn.conv2dBackpropInput(L(x, c.xs)[1], fed(w, c.ws), dyT, four(c.sp.stride, c.nchw), c.sp.padding, opts),
        tf.nn.conv2dBackpropFilter(fed(...L(x, c.xs)), c.ws, dyT, four(c.sp.stride, c.nchw), c.sp.padding, opts),
      ];
    });
    expectClose(gx, L(dx, c.xs)[0], { shape: L(dx, c.xs)[1], ...TOL });
    expectClose(gw, dw, { shape: c.ws, rtol: 1e-5, atol: 1e-4 });
  });

  test('conv2d with explicit padding, and the LeNet shapes at batch 5 (many invocation blocks)', async () => {
    const xs = [2, 6, 5, 3], ws = [3, 3, 3, 4];
    const x = values(size(xs), 6), w = values(size(ws), 7);
    // Explicit [1, 2] rows and [0, 1] columns equal VALID on a zero-padded input.
    const padded: number[] = [];
    for (let b = 0; b < 2; b++) for (let i = -1; i < 8; i++) for (let j = 0; j < 6; j++) for (let ch = 0; ch < 3; ch++) {
      padded.push(i >= 0 && i < 6 && j < 5 ? x[((b * 6 + i) * 5 + j) * 3 + ch] : 0);
    }
    const ref = refConv(padded, [2, 9, 6, 3], w, ws, { padding: 'VALID' });
    const got: tf.NDArray = await evalFed(ex, (fed) => tf.nn.conv2d(fed(x, xs), fed(w, ws), 1, [[0, 0], [1, 2], [0, 1], [0, 0]]));
    expectClose(got, ref.y, { shape: ref.shape, ...TOL });

    const x1 = values(5 * 28 * 28, 8), w1 = values(200, 9), w2 = values(5 * 5 * 8 * 16, 10);
    const r1 = refConv(x1, [5, 28, 28, 1], w1, [5, 5, 1, 8], { padding: 'SAME' });
    const r2 = refConv(r1.y, r1.shape, w2, [5, 5, 8, 16], { padding: 'SAME', stride: [2, 2] });
    const [g1, g2]: tf.NDArray[] = await evalFed(ex, (fed) => {
      const h = tf.nn.conv2d(fed(x1, [5, 28, 28, 1]), fed(w1, [5, 5, 1, 8]), 1, 'SAME');
      return [h, tf.nn.conv2d(h, fed(w2, [5, 5, 8, 16]), 2, 'SAME')];
    });
    expectClose(g1, r1.y, { shape: r1.shape, ...TOL });
    expectClose(g2, r2.y, { shape: r2.shape, rtol: 1e-4, atol: 1e-4 });
  });

  test('LeNet shapes at batch 4: the backprops agree with the CPU kernels (many blocks and reduction chunks)', async () => {
    const x = values(4 * 14 * 14 * 8, 21), w = values(5 * 5 * 8 * 16, 22), dy = values(4 * 14 * 14 * 16, 23);
    const run = (e: ExecutorName): Promise<tf.NDArray[]> => evalFed(e, (fed) => {
      const dyT = fed(dy, [4, 14, 14, 16]);
      return [tf.nn.conv2dBackpropInput([4, 14, 14, 8], fed(w, [5, 5, 8, 16]), dyT, 1, 'SAME'), tf.nn.conv2dBackpropFilter(fed(x, [4, 14, 14, 8]), [5, 5, 8, 16], dyT, 1, 'SAME')];
    });
    const [ref, got] = [await run('cpu'), await run(ex)];
    expectClose(got[0], ref[0].data, { shape: [4, 14, 14, 8], rtol: 1e-5, atol: 1e-4 });
    expectClose(got[1], ref[1].data, { shape: [5, 5, 8, 16], rtol: 1e-5, atol: 1e-3 });
  });

  test('depthwiseConv2d and its backprops (multiplier 1 and 3, NHWC and NCHW, strides, dilations)', async () => {
    for (const c of [
      { xs: [2, 7, 6, 3], ws: [3, 3, 3, 2], sp: { padding: 'SAME' as const, stride: [2, 2] } },
      { xs: [1, 8, 8, 4], ws: [3, 3, 4, 1], sp: { padding: 'VALID' as const, dil: [2, 2] } },
      { xs: [2, 5, 6, 2], ws: [2, 3, 2, 3], sp: { padding: 'SAME' as const }, nchw: true },
    ]) {
      const x = values(size(c.xs), 11), w = values(size(c.ws), 12);
      const ref = refConv(x, c.xs, w, c.ws, c.sp, true);
      const dy = values(size(ref.shape), 13);
      const dx = adjoint((v) => refConv(v, c.xs, w, c.ws, c.sp, true).y, x.length, dy);
      const dw = adjoint((v) => refConv(x, c.xs, v, c.ws, c.sp, true).y, w.length, dy);
      const L = (v: number[], s: number[]): [number[], number[]] => (c.nchw ? [toNchw(v, s), nchwShape(s)] : [v, s]);
      const strides = four(c.sp.stride, c.nchw);
      const [y, gx, gw]: tf.NDArray[] = await evalFed(ex, (fed) => {
        const opts = { dataFormat: (c.nchw ? 'NCHW' : 'NHWC') as 'NHWC' | 'NCHW', dilations: c.sp.dil };
        const xT = fed(...L(x, c.xs)), wT = fed(w, c.ws);
        const yT = tf.nn.depthwiseConv2d(xT, wT, strides, c.sp.padding, { ...opts, rate: c.sp.dil });
        const dyT = fed(...L(dy, ref.shape));
        // The backprop ops as the forward op's GradFn builds them.
        const [gxT, gwT] = callGrad(yT, [dyT]);
        return [yT, gxT!, gwT!];
      });
      expectClose(y, L(ref.y, ref.shape)[0], { shape: L(ref.y, ref.shape)[1], ...TOL });
      expectClose(gx, L(dx, c.xs)[0], { shape: L(dx, c.xs)[1], ...TOL });
      expectClose(gw, dw, { shape: c.ws, rtol: 1e-5, atol: 1e-4 });
    }
  });

  test.each([
    ['2x2 stride 2 VALID', [2, 6, 6, 3], [2, 2], [2, 2], 'VALID', false],
    ['3x3 stride 2 SAME, odd sizes (padded windows)', [2, 7, 5, 5], [3, 3], [2, 2], 'SAME', false],
    ['3x2 stride 1 SAME NCHW', [2, 5, 4, 3], [3, 2], [1, 1], 'SAME', true],
    ['2x2 stride 2 VALID NCHW, leftover rows and columns', [1, 7, 5, 4], [2, 2], [2, 2], 'VALID', true],
    ['3x3 stride 3 SAME (tiles, padded)', [2, 8, 7, 3], [3, 3], [3, 3], 'SAME', false],
    ['6x6 stride 6 VALID (a window too big to unroll)', [1, 13, 12, 2], [6, 6], [6, 6], 'VALID', false],
    ['2x2 stride 2 SAME, LeNet pool (8 channels)', [3, 14, 14, 8], [2, 2], [2, 2], 'SAME', false],
  ] as const)('maxPool, avgPool and their gradients: %s', async (_, xs, k, s, padding, nchw) => {
    const xsA = [...xs], kA = [...k], sA = [...s];
    const x = values(size(xsA), 14);
    // Ties: a few windows get repeated values, so the first-max rule is exercised.
    for (let i = 0; i < x.length; i += 7) x[i + 1] = x[i];
    const mx = refPool(x, xsA, kA, sA, padding, 'max'), av = refPool(x, xsA, kA, sA, padding, 'avg');
    const arg = refPool(x, xsA, kA, sA, padding, 'argmax').y;
    const dy = values(size(mx.shape), 15);
    const gin = values(size(xsA), 16);
    const dxMax = new Array<number>(x.length).fill(0);
    arg.forEach((a, o) => { dxMax[a] += dy[o]; });
    const dxAvg = adjoint((v) => refPool(v, xsA, kA, sA, padding, 'avg').y, x.length, dy);
    const ggMax = arg.map((a) => gin[a]);
    const L = (v: number[], sh: number[]): [number[], number[]] => (nchw ? [toNchw(v, sh), nchwShape(sh)] : [v, sh]);
    const got: tf.NDArray[] = await evalFed(ex, (fed) => {
      const opts = { dataFormat: (nchw ? 'NCHW' : 'NHWC') as 'NHWC' | 'NCHW' };
      const ks = four(kA, nchw), ss = four(sA, nchw);
      const xT = fed(...L(x, xsA));
      const m = tf.nn.maxPool(xT, ks, ss, padding, opts);
      const a = tf.nn.avgPool(xT, ks, ss, padding, opts);
      const dyT = fed(...L(dy, mx.shape));
      const attrs = { T: 'float32', ksize: ks, strides: ss, padding, data_format: opts.dataFormat };
      const add = (type: string, inputs: tf.Tensor[]): tf.Tensor => addOpForTest(type, inputs, attrs);
      const mg = add('MaxPoolGrad', [xT, m, dyT]);
      return [m, a, mg, add('AvgPoolGrad', [tf.shape(xT), dyT]), add('MaxPoolGradGrad', [xT, m, fed(...L(gin, xsA))])];
    });
    expectClose(got[0], L(mx.y, mx.shape)[0], { shape: L(mx.y, mx.shape)[1], rtol: 0, atol: 0 });
    expectClose(got[1], L(av.y, av.shape)[0], { shape: L(av.y, av.shape)[1], ...TOL });
    expectClose(got[2], L(dxMax, xsA)[0], { shape: L(dxMax, xsA)[1], ...TOL });
    expectClose(got[3], L(dxAvg, xsA)[0], { shape: L(dxAvg, xsA)[1], ...TOL });
    expectClose(got[4], L(ggMax, mx.shape)[0], { shape: L(ggMax, mx.shape)[1], rtol: 0, atol: 0 });
  });

  test('the gradient functions build TF\'s graphs (Conv2D -> Conv2DBackpropInput(Shape(x), w, dy) and Conv2DBackpropFilter)', () => {
    new tf.Graph().asDefault(() => {
      const x = tf.placeholder('float32', [2, 8, 8, 3]), w = tf.placeholder('float32', [3, 3, 3, 4]);
      const y = tf.nn.conv2d(x, w, 2, 'SAME', { dilations: 1 });
      const [gx, gw] = callGrad(y, [tf.placeholder('float32', [2, 4, 4, 4])]);
      expect(gx!.op.type).toBe('Conv2DBackpropInput');
      expect(gx!.op.inputs[0].op.type).toBe('Shape');
      expect(gx!.op.attrs.strides).toEqual([1, 2, 2, 1]);
      expect(gx!.shape).toEqual([2, 8, 8, 3]);
      expect(gw!.op.type).toBe('Conv2DBackpropFilter');
      expect(gw!.shape).toEqual([3, 3, 3, 4]);
      const [n0, gw2, gdy] = callGrad(gx!, [tf.placeholder('float32', [2, 8, 8, 3])]);
      expect(n0).toBeNull();
      expect([gw2!.op.type, gdy!.op.type]).toEqual(['Conv2DBackpropFilter', 'Conv2D']);
      const m = tf.nn.maxPool(x, 2, 2, 'VALID');
      expect(callGrad(m, [m])[0]!.op.type).toBe('MaxPoolGrad');
      const a = tf.nn.avgPool(x, 2, 2, 'VALID');
      const ga = callGrad(a, [a])[0]!;
      expect(ga.op.type).toBe('AvgPoolGrad');
      expect(callGrad(ga, [x])).toEqual([null, expect.objectContaining({})]);
    });
  });

  test('shape rules name the node', () => {
    new tf.Graph().asDefault(() => {
      const x = tf.placeholder('float32', [2, 8, 8, 3], 'x');
      const w = tf.placeholder('float32', [3, 3, 4, 5], 'w');
      expect(() => tf.nn.conv2d(x, w, 1, 'SAME', { name: 'c1' })).toThrow(/Conv2D node 'c1'.*depth.*3.*4/);
      const w3 = tf.placeholder('float32', [3, 3, 3, 5]);
      expect(() => tf.nn.conv2d(x, w3, [2, 1, 1, 1], 'SAME', { name: 'c2' })).toThrow(/Conv2D node 'c2'.*strides.*batch/);
      expect(() => tf.nn.conv2d(x, w3, [1, 2, 2], 'SAME', { name: 'c3' })).toThrow(/strides must have 1, 2 or 4/);
      expect(() => tf.nn.conv2d(x, w3, 1, 'FULL' as 'SAME', { name: 'c4' })).toThrow(/Conv2D node 'c4'.*padding/);
      const big = tf.placeholder('float32', [10, 10, 3, 1]); // (8 - 10 + 1) / 1 < 0 (9 would give 0 rows, which TF allows)
      expect(() => tf.nn.conv2d(x, big, 1, 'VALID', { name: 'c5' })).toThrow(/Conv2D node 'c5'.*negative/);
      expect(() => tf.nn.conv2d(tf.placeholder('float32', [8, 8, 3]), w3, 1, 'SAME', { name: 'c6' })).toThrow(/c6.*4-dimensional/);
      expect(() => tf.nn.conv2d(x, w3, 1, 'SAME', { dataFormat: 'NHCW' as 'NHWC', name: 'c7' })).toThrow(/c7.*data_format/);
      expect(() => tf.nn.conv2d(tf.placeholder('int32', [1, 4, 4, 3]), tf.placeholder('int32', [1, 1, 3, 1]), 1, 'SAME', { name: 'c8' })).toThrow(/c8.*int32/);
      expect(() => tf.nn.conv2dBackpropInput([2, 8, 8, 3], w3, tf.placeholder('float32', [2, 7, 8, 5]), 1, 'SAME', { name: 'bi' })).toThrow(/Conv2DBackpropInput node 'bi'.*out_backprop/);
      expect(() => tf.nn.conv2dBackpropFilter(x, [3, 3, 3], tf.placeholder('float32', [2, 8, 8, 5]), 1, 'SAME', { name: 'bf' })).toThrow(/bf.*filter_sizes/);
      expect(() => tf.nn.maxPool(x, [2, 2, 2, 1], [1, 2, 2, 1], 'VALID', { name: 'mp' })).toThrow(/MaxPool node 'mp'.*ksize.*batch/);
      expect(() => tf.nn.avgPool(x, 2, 2, 'EXPLICIT' as 'SAME', { name: 'ap' })).toThrow(/AvgPool node 'ap'.*padding/);
      expect(() => tf.nn.depthwiseConv2d(x, w, [1, 1, 1, 1], 'SAME', { name: 'dw' })).toThrow(/DepthwiseConv2dNative node 'dw'.*depth/);
      // Shapes: SAME keeps ceil(in / stride), VALID drops the filter's reach, unknown dims stay unknown.
      expect(tf.nn.conv2d(x, w3, 2, 'SAME').shape).toEqual([2, 4, 4, 5]);
      expect(tf.nn.conv2d(x, w3, 1, 'VALID', { dilations: 2 }).shape).toEqual([2, 4, 4, 5]);
      expect(tf.nn.conv2d(tf.placeholder('float32', [null, 8, null, 3]), w3, 2, 'SAME').shape).toEqual([null, 4, null, 5]);
      expect(tf.nn.maxPool(tf.placeholder('float32', [1, 3, 7, 7]), 2, 2, 'VALID', { dataFormat: 'NCHW' }).shape).toEqual([1, 3, 3, 3]);
      expect(tf.nn.conv2d(x, w3, 1, 'SAME').op.attrs.use_cudnn_on_gpu).toBe(true);
    });
  });

  // Gradients through tf.gradients: float64 finite differences on cpu, float32 against cpu on the GPU.
  gradTest('gradients of conv2d (SAME, VALID strided, dilated, NCHW) and of depthwiseConv2d', async () => {
    await gradCase(ex, ([x, w]) => tf.nn.conv2d(x, w, 1, 'SAME'), [[1, 4, 5, 2], [3, 3, 2, 3]]);
    await gradCase(ex, ([x, w]) => tf.nn.conv2d(x, w, 2, 'VALID'), [[2, 5, 5, 3], [2, 3, 3, 2]]);
    await gradCase(ex, ([x, w]) => tf.nn.conv2d(x, w, 1, 'SAME', { dilations: 2, dataFormat: 'NCHW' }), [[1, 2, 5, 4], [2, 2, 2, 3]]);
    await gradCase(ex, ([x, w]) => tf.nn.depthwiseConv2d(x, w, [1, 2, 2, 1], 'SAME'), [[1, 5, 4, 2], [3, 3, 2, 2]]);
  });

  gradTest('second-order: gradients of the backprop ops (nn_grad.py\'s rules)', async () => {
    const sp = { s: [1, 2, 2, 1], p: 'SAME' as const };
    // x [1,5,4,2], w [3,3,2,3] -> y [1,3,2,3]
    await gradCase(ex, ([w, dy]) => tf.nn.conv2dBackpropInput([1, 5, 4, 2], w, dy, sp.s, sp.p), [[3, 3, 2, 3], [1, 3, 2, 3]]);
    await gradCase(ex, ([x, dy]) => tf.nn.conv2dBackpropFilter(x, [3, 3, 2, 3], dy, sp.s, sp.p), [[1, 5, 4, 2], [1, 3, 2, 3]]);
    await gradCase(ex, ([w, dy]) => addOpForTest('DepthwiseConv2dNativeBackpropInput', [tf.constant([1, 5, 4, 2], { dtype: 'int32' }), w, dy],
      { T: w.dtype, strides: sp.s, padding: sp.p }), [[3, 3, 2, 2], [1, 3, 2, 4]]);
    await gradCase(ex, ([x, dy]) => addOpForTest('DepthwiseConv2dNativeBackpropFilter', [x, tf.constant([3, 3, 2, 2], { dtype: 'int32' }), dy],
      { T: x.dtype, strides: sp.s, padding: sp.p }), [[1, 5, 4, 2], [1, 3, 2, 4]]);
  });

  gradTest('gradients of maxPool and avgPool, and of their gradients', async () => {
    // Distinct values (a permutation): no ties, so the max is differentiable where finite differences probe it.
    const perm = Array.from({ length: 2 * 5 * 5 * 2 }, (_, i) => ((i * 37) % 100) / 50 - 1);
    await gradCase(ex, ([x]) => tf.nn.maxPool(x, 2, 2, 'SAME'), [[2, 5, 5, 2]], { values: [perm] });
    await gradCase(ex, ([x]) => tf.nn.avgPool(x, 3, 2, 'SAME'), [[2, 5, 5, 2]]);
    await gradCase(ex, ([x]) => tf.nn.avgPool(x, [2, 3], 1, 'VALID', { dataFormat: 'NCHW' }), [[1, 2, 4, 5]]);
    const attrs = (dt: tf.DType): tf.Attrs => ({ T: dt, ksize: [1, 3, 3, 1], strides: [1, 2, 2, 1], padding: 'SAME', data_format: 'NHWC' });
    await gradCase(ex, ([dy]) => addOpForTest('AvgPoolGrad', [tf.constant([2, 5, 5, 2], { dtype: 'int32' }), dy], attrs(dy.dtype)), [[2, 3, 3, 2]]);
    // MaxPoolGrad as a function of the incoming gradient (the original input and output get no gradient).
    await gradCase(ex, ([x, dy]) => addOpForTest('MaxPoolGrad', [x, tf.nn.maxPool(x, [1, 3, 3, 1], [1, 2, 2, 1], 'SAME'), dy], attrs(dy.dtype)),
      [[2, 5, 5, 2], [2, 3, 3, 2]], { values: [perm, values(36, 17)] });
  });
});

/** The gradient function declared beside y's op, called directly: d(sum(y * dys))/d(inputs). */
function callGrad(y: tf.Tensor, dys: tf.Tensor[]): Array<tf.Tensor | null> {
  const fn = tf.getOpDef(y.op.type)!.grad;
  if (typeof fn !== 'function') throw new Error(`${y.op.type} has no gradient function`);
  return fn(y.op, dys);
}

/** Adds a node of an op type that has no builder (the gradient-only ops). */
function addOpForTest(type: string, inputs: tf.Tensor[], attrs: tf.Attrs): tf.Tensor {
  return addOp(type, inputs, attrs).outputs[0];
}
