// Shared test helpers: run a graph on an executor and compare against an independent reference with stated tolerances.
import * as tf from '../index.js';
import type { ExecutorName } from '../session/session.js';

/**
 * The executors every op test runs on: each op test is written once and compared against hand-computed or float64
 * references, never against Kiln's own output. The WebGPU executor runs on Mesa's llvmpipe where there is no GPU, so
 * these tests really run in CI. float64 does not run on the GPU: tests of float64 use `FLOAT64_EXECUTORS`.
 */
export const EXECUTORS: ExecutorName[] = ['cpu', 'webgpu'];
export const FLOAT64_EXECUTORS: ExecutorName[] = ['cpu'];

export type Nested = number | boolean | Nested[];

/** Builds a fresh graph with `build`, runs `fetch(built)` on `executor`, returns the results and closes the session. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function evalGraph<T>(
  executor: ExecutorName,
  build: () => T,
  fetch: (built: T) => tf.Fetch,
  feeds?: (built: T) => tf.Feeds,
): Promise<any> {
  const g = new tf.Graph();
  const built = g.asDefault(build);
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return await sess.run(fetch(built), feeds?.(built));
  } finally {
    await sess.close();
  }
}

/** Shorthand: builds `fn()` in a fresh graph and evaluates the single tensor it returns. */
export async function evalTensor(executor: ExecutorName, fn: () => tf.Tensor, feeds?: tf.Feeds): Promise<tf.NDArray> {
  return (await evalGraph(executor, fn, (t) => t, feeds ? () => feeds : undefined)) as tf.NDArray;
}

function flat(x: Nested): number[] {
  if (Array.isArray(x)) return x.flatMap(flat);
  return [typeof x === 'boolean' ? +x : x];
}

export function shapeOfNested(x: Nested): number[] {
  const s: number[] = [];
  let v: Nested = x;
  while (Array.isArray(v)) { s.push(v.length); v = v[0]; if (v === undefined) break; }
  return s;
}

/**
 * Asserts `actual` has `expected`'s shape and values within |a - e| <= atol + rtol * |e| (NaN matches NaN,
 * infinities must match exactly). Pass `shape` for empty expectations whose shape a nested array cannot express.
 */
export function expectClose(
  actual: tf.NDArray, expected: Nested | ArrayLike<number>,
  opts: { rtol?: number; atol?: number; shape?: number[]; dtype?: tf.DType } = {},
): void {
  const rtol = opts.rtol ?? 1e-6, atol = opts.atol ?? 1e-6;
  const exp = Array.isArray(expected) || typeof expected !== 'object' ? flat(expected as Nested) : Array.from(expected as ArrayLike<number>);
  const shape = opts.shape ?? (Array.isArray(expected) || typeof expected !== 'object' ? shapeOfNested(expected as Nested) : undefined);
  if (shape !== undefined) expect(actual.shape).toEqual(shape);
  if (opts.dtype !== undefined) expect(actual.dtype).toBe(opts.dtype);
  expect(actual.size).toBe(exp.length);
  for (let i = 0; i < exp.length; i++) {
    const a = actual.data[i], e = exp[i];
    if (Number.isNaN(e)) { if (!Number.isNaN(a)) throw new Error(`index ${i}: expected NaN, got ${a}`); continue; }
    if (!Number.isFinite(e)) { if (a !== e) throw new Error(`index ${i}: expected ${e}, got ${a}`); continue; }
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`index ${i}: expected ${e}, got ${a} (|diff| ${Math.abs(a - e)} > atol ${atol} + rtol ${rtol} * |e|)`);
    }
  }
}

/** Deterministic pseudo-random numbers for test inputs (mulberry32), independent of Kiln's own generators. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A row-major nested array of the given shape filled by `f(flatIndex)`. */
export function makeNested(shape: number[], f: (i: number) => number): Nested {
  let i = 0;
  const build = (axis: number): Nested => {
    if (axis === shape.length) return f(i++);
    return Array.from({ length: shape[axis] }, () => build(axis + 1));
  };
  return build(0);
}
