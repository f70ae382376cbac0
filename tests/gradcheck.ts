// Gradient checks shared by the op test suites: tf.gradients against central finite differences in float64 on the CPU
// executor (the independent reference), and the GPU executor's float32 gradients against the CPU executor's.
import * as tf from '../index.js';
import type { ExecutorName } from '../session/session.js';

/** An input of the function under test: its shape and values (row-major); differentiated unless `fixed`. */
export interface GradInput { shape: number[]; values: number[] }

export interface GradCheckOptions {
  /** Finite-difference step (float64). */
  eps?: number;
  /** Allowed |symbolic - numeric| / max(1, |numeric|). */
  tol?: number;
}

/** Deterministic values in [lo, hi) for test inputs; `avoid` keeps them away from kinks (|x| < avoid). */
export function gradValues(n: number, seed: number, lo = -2, hi = 2, avoid = 0): number[] {
  let s = seed >>> 0 || 1;
  const out: number[] = [];
  while (out.length < n) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const v = lo + (hi - lo) * (s / 4294967296);
    if (Math.abs(v) >= avoid) out.push(Math.round(v * 1000) / 1000);
  }
  return out;
}

/**
 * Builds loss = sum(f(xs) * r) for a fixed pseudo-random r (so every output element's upstream gradient differs) with
 * the xs as placeholders of `dtype`, in a fresh graph; returns what the checks need.
 */
async function buildLoss(
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: readonly GradInput[],
  dtype: tf.DType,
  executor: ExecutorName,
): Promise<{ sess: tf.Session; xs: tf.Tensor[]; loss: tf.Tensor; grads: Array<tf.Tensor | null>; feeds: Map<tf.Tensor, tf.NDArray> }> {
  const g = new tf.Graph();
  const sess = await tf.Session.create({ graph: g, executor });
  const built = g.asDefault(() => {
    const xs = inputs.map((inp, i) => tf.placeholder(dtype, inp.shape, `x${i}`));
    const out = f(xs);
    return { xs, ys: Array.isArray(out) ? out : [out] };
  });
  const feeds = new Map<tf.Tensor, tf.NDArray>();
  built.xs.forEach((x, i) => feeds.set(x, tf.ndarray(dtype === 'float64' ? Float64Array.from(inputs[i].values) : Float32Array.from(inputs[i].values), inputs[i].shape)));
  // The outputs' concrete shapes decide r's shape: run them once.
  const yvals = (await sess.run(built.ys, feeds)) as tf.NDArray[];
  const { loss, grads } = g.asDefault(() => {
    const terms = built.ys.map((y, k) => {
      const r = gradValues(yvals[k].size, 101 + k, 0.5, 1.5);
      const rt = tf.constant(tf.ndarray(dtype === 'float64' ? Float64Array.from(r) : Float32Array.from(r), yvals[k].shape));
      return tf.reduceSum(tf.mul(tf.cast(y, dtype), rt));
    });
    const loss = terms.length === 1 ? terms[0] : tf.addN(terms);
    return { loss, grads: tf.gradients(loss, built.xs) };
  });
  return { sess, xs: built.xs, loss, grads, feeds };
}

/**
 * tf.gradients of sum(f(xs) * r) against central finite differences, all in float64 on the CPU executor. An input whose
 * gradient is null must have a zero numeric gradient.
 */
export async function checkGradientsFD(
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: readonly GradInput[],
  opts: GradCheckOptions = {},
): Promise<void> {
  const eps = opts.eps ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const { sess, xs, loss, grads, feeds } = await buildLoss(f, inputs, 'float64', 'cpu');
  try {
    const present = grads.map((g, i) => (g === null ? null : i)).filter((i): i is number => i !== null);
    const symbolic = (await sess.run(present.map((i) => grads[i]!), feeds)) as tf.NDArray[];
    for (let i = 0; i < xs.length; i++) {
      const base = feeds.get(xs[i])!;
      const k = present.indexOf(i);
      for (let j = 0; j < base.size; j++) {
        const at = async (d: number): Promise<number> => {
          const data = Float64Array.from(base.data as Float64Array);
          data[j] += d;
          const fd = new Map(feeds);
          fd.set(xs[i], tf.ndarray(data, base.shape));
          return ((await sess.run(loss, fd)) as tf.NDArray).data[0] as number;
        };
        const numeric = ((await at(eps)) - (await at(-eps))) / (2 * eps);
        const sym = k < 0 ? 0 : (symbolic[k].data[j] as number);
        const err = Math.abs(sym - numeric) / Math.max(1, Math.abs(numeric));
        if (!(err <= tol)) {
          throw new Error(`d loss / d x${i}[${j}]: tf.gradients gives ${k < 0 ? 'null' : sym}, finite differences ${numeric} (relative error ${err}, tolerance ${tol})`);
        }
      }
    }
  } finally {
    await sess.close();
  }
}

/** The float32 gradients on `executor` against the CPU executor's, within tol * max(1, |cpu|). */
export async function checkGradientsAgainstCpu(
  executor: ExecutorName,
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  inputs: readonly GradInput[],
  tol = 1e-4,
): Promise<void> {
  const results: Array<Array<tf.NDArray | null>> = [];
  for (const ex of ['cpu', executor] as ExecutorName[]) {
    const { sess, grads, feeds } = await buildLoss(f, inputs, 'float32', ex);
    try {
      const present = grads.filter((g): g is tf.Tensor => g !== null);
      const vals = (await sess.run(present, feeds)) as tf.NDArray[];
      let k = 0;
      results.push(grads.map((g) => (g === null ? null : vals[k++])));
    } finally {
      await sess.close();
    }
  }
  const [ref, got] = results;
  ref.forEach((r, i) => {
    const o = got[i];
    if ((r === null) !== (o === null)) throw new Error(`x${i}: gradient is ${r === null ? 'null' : 'a tensor'} on cpu but ${o === null ? 'null' : 'a tensor'} on ${executor}`);
    if (r === null || o === null) return;
    for (let j = 0; j < r.size; j++) {
      const a = r.data[j] as number;
      const b = o.data[j] as number;
      const err = Math.abs(a - b) / Math.max(1, Math.abs(a));
      if (!(err <= tol)) throw new Error(`d loss / d x${i}[${j}]: ${executor} gives ${b}, cpu ${a} (relative error ${err}, tolerance ${tol})`);
    }
  });
}

/**
 * One gradient test case on every executor: float64 finite differences on cpu, float32 against cpu elsewhere.
 * `inputs` are shapes; values come from `gradValues` (seeded), away from kinks when `avoid` is given.
 */
export function gradCase(
  executor: ExecutorName,
  f: (xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
  shapes: ReadonlyArray<readonly number[]>,
  opts: GradCheckOptions & { lo?: number; hi?: number; avoid?: number; gpuTol?: number; values?: number[][] } = {},
): Promise<void> {
  const inputs = shapes.map((s, i) => ({
    shape: [...s],
    values: opts.values?.[i] ?? gradValues(s.reduce((a, b) => a * b, 1), 7 + 13 * i, opts.lo, opts.hi, opts.avoid),
  }));
  return executor === 'cpu' ? checkGradientsFD(f, inputs, opts) : checkGradientsAgainstCpu(executor, f, inputs, opts.gpuTol);
}
