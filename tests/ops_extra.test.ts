// The ops of ops/math_extra.ts, ops/array_extra.ts, ops/sort_select.ts and ops/segment.ts against values TensorFlow
// computed (tests/testdata/ops_extra/make.py): each case is a TF1 GraphDef holding the op, imported and run on every
// executor (float64 cases on cpu only) with the case's tolerance.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';
import { EXECUTORS, FLOAT64_EXECUTORS, expectClose } from './helpers.js';

const DIR = path.resolve('tests/testdata/ops_extra');

interface Case {
  name: string; op: string; graph: string; fetch: string[]; atol: number; rtol: number;
  inputs: Array<{ name: string; file: string }>;
  outputs: string[];
  /** The output's shape depends on fed values: the webgpu executor refuses the case by name. */
  gpu_refused: boolean;
  /** The order along the last dim is unspecified (TopKV2 with sorted=false): rows compared as sorted lists. */
  unordered: boolean;
}

/** A copy with every last-dim row sorted ascending. */
function sortRows(x: tf.NDArray): tf.NDArray {
  const n = x.shape[x.shape.length - 1];
  const data = x.data.slice();
  for (let r = 0; r < x.size / n; r++) data.subarray(r * n, (r + 1) * n).sort();
  return tf.ndarray(data, x.shape, x.dtype);
}

const CASES = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Case[];
const npy = (f: string): tf.NDArray => readNpy(fs.readFileSync(path.join(DIR, f)), f);


export async function runCase(c: Case, executor: tf.ExecutorName): Promise<tf.NDArray[]> {
  const g = await tf.io.readGraph(path.join(DIR, c.graph));
  const feeds: Record<string, tf.NDArray> = {};
  for (const x of c.inputs) feeds[`${x.name}:0`] = npy(x.file);
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return (await sess.run(c.fetch, feeds)) as tf.NDArray[];
  } finally {
    await sess.close();
  }
}

describe('ops against TensorFlow', () => {
  for (const c of CASES) {
    const f64 = [...c.inputs.map((x) => x.file), ...c.outputs].some((f) => npy(f).dtype === 'float64');
    for (const executor of f64 ? FLOAT64_EXECUTORS : EXECUTORS) {
      test(`${c.name} (${c.op}) on ${executor}`, async () => {
        if (executor === 'webgpu' && c.gpu_refused) {
          await expect(runCase(c, executor)).rejects.toThrow(new RegExp(`(${c.op}).*(run time|webgpu)`));
          return;
        }
        const got = await runCase(c, executor);
        c.outputs.forEach((f, i) => {
          let want = npy(f);
          if (c.unordered) { want = sortRows(want); got[i] = sortRows(got[i]); }
          expect(got[i].dtype).toBe(want.dtype);
          expectClose(got[i], want.data, { shape: want.shape, atol: c.atol, rtol: c.rtol });
        });
      });
    }
  }
});

/** Runs `build()`'s tensor (or op) on `executor` with `feeds` by placeholder name; the promise of its value. */
async function runBuilt(executor: tf.ExecutorName, build: () => tf.Tensor | tf.Operation, feeds: Record<string, tf.NDArray> = {}): Promise<unknown> {
  const g = new tf.Graph();
  const t = g.asDefault(build);
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return await sess.run(t, feeds);
  } finally {
    await sess.close();
  }
}

test("TopKV2 with sorted=false: webgpu gives the reference's order (TF 1.x's, the corpus's), not only the same set", async () => {
  const x = tf.ndarray(Float32Array.from({ length: 3 * 17 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1), [3, 17]);
  const got: tf.NDArray[][] = [];
  for (const executor of EXECUTORS) {
    const g = new tf.Graph();
    const [v, i] = g.asDefault(() => tf.nn.topK(tf.placeholder('float32', [3, 17], 'x'), 6, { sorted: false }));
    const sess = await tf.Session.create({ graph: g, executor });
    try { got.push((await sess.run([v, i], { 'x:0': x })) as tf.NDArray[]); } finally { await sess.close(); }
  }
  expect(Array.from(got[1][1].data)).toEqual(Array.from(got[0][1].data));
  expect(Array.from(got[1][0].data)).toEqual(Array.from(got[0][0].data));
  // Not simply sorted: the heap's order.
  expect(Array.from(got[0][0].data.slice(0, 6))).not.toEqual(Array.from(got[0][0].data.slice(0, 6)).sort((a, b) => b - a));
});

describe('bad input is a clear error naming the node', () => {
  const f32 = (data: number[], shape: number[]): tf.NDArray => tf.ndarray(Float32Array.from(data), shape);
  const i32 = (data: number[], shape = [data.length]): tf.NDArray => tf.ndarray(Int32Array.from(data), shape);

  test('shape rules: known bad arguments fail while building', () => {
    tf.resetDefaultGraph();
    const x = tf.placeholder('float32', [2, 3, 4], 'x');
    expect(() => tf.reverse(x, [0, -3], { name: 'rev' })).toThrow(/ReverseV2 node 'rev': axis -3 specified more than once/);
    expect(() => tf.roll(x, [1, 2], [0], { name: 'roll' })).toThrow(/Roll node 'roll': shift and axis must have the same size/);
    expect(() => tf.spaceToBatchND(x, [2], [[0, 0]], { name: 's2b' })).toThrow(/SpaceToBatchND node 's2b': padded spatial dim 0 \(3 \+ 0\) is not divisible by block size 2/);
    expect(() => tf.depthToSpace(tf.placeholder('float32', [1, 2, 2, 6]), 2, { name: 'd2s' })).toThrow(/DepthToSpace node 'd2s': input depth 6 is not divisible/);
    expect(() => tf.nn.topK(x, 5, { name: 'topk' })).toThrow(/TopKV2 node 'topk': input must have at least k columns. Had 4, needed 5/);
    expect(() => tf.broadcastTo(x, [3, 3, 4], { name: 'bt' })).toThrow(/BroadcastTo node 'bt': Incompatible shapes/);
    expect(() => tf.cumsum(x, 3, { name: 'cs' })).toThrow(/Cumsum node 'cs': axis 3 is out of range/);
    expect(() => tf.matrixSetDiag(x, tf.placeholder('float32', [2, 4]), { name: 'msd' })).toThrow(/MatrixSetDiag node 'msd': diagonal must have shape \[2,3\]/);
    expect(() => tf.gatherNd(x, tf.placeholder('int32', [2, 4]), { name: 'gnd' })).toThrow(/GatherNd node 'gnd': index innermost dimension length must be <= params rank/);
  });

  for (const executor of EXECUTORS) {
    test(`kernels: values known only at run time fail the run on ${executor}`, async () => {
      const p = (dtype: tf.DType, shape: number[], name: string): tf.Tensor => tf.placeholder(dtype, shape, name);
      await expect(runBuilt(executor, () => tf.gatherNd(p('float32', [3, 2], 'x'), p('int32', [1, 2], 'i'), { name: 'gnd' }),
        { 'x:0': f32([1, 2, 3, 4, 5, 6], [3, 2]), 'i:0': i32([3, 0], [1, 2]) })).rejects.toThrow(/GatherNd node 'gnd'.*(does not index|into param shape)/);
      await expect(runBuilt(executor, () => tf.scatterNd(p('int32', [2, 1], 'i'), p('float32', [2], 'u'), [4], { name: 'snd' }),
        { 'i:0': i32([1, 4], [2, 1]), 'u:0': f32([1, 2], [2]) })).rejects.toThrow(/ScatterNd node 'snd'.*does not index into shape \[4\]/);
      await expect(runBuilt(executor, () => tf.checkNumerics(p('float32', [3], 'x'), 'bad values', { name: 'cn' }),
        { 'x:0': f32([1, NaN, 2], [3]) })).rejects.toThrow(/CheckNumerics node 'cn': bad values : Tensor had NaN/);
      await expect(runBuilt(executor, () => tf.mod(p('int32', [2], 'a'), p('int32', [2], 'b'), { name: 'mod' }),
        { 'a:0': i32([5, 3]), 'b:0': i32([2, 0]) })).rejects.toThrow(/Integer division by zero/);
      await expect(runBuilt(executor, () => tf.unsortedSegmentMax(p('float32', [3], 'd'), p('int32', [3], 'ids'), 2, { name: 'usm' }),
        { 'd:0': f32([1, 2, 3], [3]), 'ids:0': i32([0, 2, 1]) })).rejects.toThrow(/UnsortedSegmentMax node 'usm'.*out of range \[0, 2\)/);
      await expect(runBuilt(executor, () => tf.reverseSequence(p('float32', [2, 3], 'x'), p('int32', [2], 'l'), { seqAxis: 1, name: 'rs' }),
        { 'x:0': f32([1, 2, 3, 4, 5, 6], [2, 3]), 'l:0': i32([1, 4]) })).rejects.toThrow(/ReverseSequence node 'rs'.*not in \[0, 3\]/);
      // Assert: a no-op when the condition holds, a failed run naming the node when it does not.
      const assertRun = (ok: boolean): Promise<unknown> => runBuilt(executor, () => {
        const c = p('bool', [], 'c');
        const x = p('float32', [2], 'x');
        const a = tf.assert(c, [x], { name: 'check' });
        return tf.controlDependencies([a], () => tf.identity(x, { name: 'y' }));
      }, { 'c:0': tf.ndarray(Uint8Array.from([ok ? 1 : 0]), [], 'bool'), 'x:0': f32([7, 8], [2]) });
      expectClose((await assertRun(true)) as tf.NDArray, [7, 8]);
      await expect(assertRun(false)).rejects.toThrow(/Assert node 'check': assertion failed/);
    });
  }

  test('kernels on cpu: the checks the webgpu side does not need', async () => {
    await expect(runBuilt('cpu', () => tf.segmentSum(tf.placeholder('float32', [3], 'd'), tf.placeholder('int32', [3], 'ids'), { name: 'ss' }),
      { 'd:0': f32([1, 2, 3], [3]), 'ids:0': i32([0, 2, 1]) })).rejects.toThrow(/SegmentSum node 'ss': segment ids are not increasing/);
    await expect(runBuilt('cpu', () => tf.dynamicPartition(tf.placeholder('float32', [2], 'd'), tf.placeholder('int32', [2], 'p'), 2, { name: 'dp' })[0],
      { 'd:0': f32([1, 2], [2]), 'p:0': i32([0, 2]) })).rejects.toThrow(/DynamicPartition node 'dp': partitions\[1\] = 2 is not in \[0, 2\)/);
    await expect(runBuilt('cpu', () => tf.histogramFixedWidth(tf.placeholder('float32', [2], 'v'), tf.placeholder('float32', [2], 'r'), 3, { name: 'h' }),
      { 'v:0': f32([1, 2], [2]), 'r:0': f32([2, 1], [2]) })).rejects.toThrow(/HistogramFixedWidth node 'h': value_range should satisfy/);
    await expect(runBuilt('cpu', () => tf.assert(tf.placeholder('bool', [], 'c'), [tf.constant([1, 2, 3, 4]), tf.constant(true)], { name: 'a', summarize: 2 }),
      { 'c:0': tf.ndarray(Uint8Array.from([0]), [], 'bool') })).rejects.toThrow("Assert node 'a': assertion failed: [[1 2...], True]");
  });
});

describe('builders', () => {
  test("tf.where(cond) with one argument is TF's Where: coordinates of the true elements (int64)", async () => {
    const cond = tf.ndarray(Uint8Array.from([0, 1, 1, 0, 0, 1]), [2, 3], 'bool');
    const got = await runBuilt('cpu', () => tf.where(tf.placeholder('bool', [2, 3], 'c')), { 'c:0': cond }) as tf.NDArray;
    expect(got.dtype).toBe('int64');
    expectClose(got, [[0, 1], [0, 2], [1, 2]]);
    await expect(runBuilt('webgpu', () => tf.where(tf.placeholder('bool', [2, 3], 'c'), undefined, undefined, { name: 'w' }), { 'c:0': cond }))
      .rejects.toThrow(/'w:0' \(Where\).*run time.*executor: 'cpu'/);
    expect(() => tf.where(tf.constant([true]), tf.constant([1]))).toThrow(/give both x and y, or neither/);
  });

  test("default node names are TF1's", () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 4], 'x');
      expect(tf.reverse(x, [1]).op.name).toBe('ReverseV2');
      expect(tf.roll(x, 1, 1).op.name).toBe('Roll');
      expect(tf.nn.topK(x, 2)[0].op.name).toBe('TopKV2');
      expect(tf.cumsum(x, 1).op.name).toBe('Cumsum');
      expect(tf.nn.l2Loss(x).op.name).toBe('L2Loss');
      expect(tf.matrixBandPart(tf.placeholder('float32', [3, 3]), 1, 0).op.inputs.map((t) => t.op.name)).toEqual(['Placeholder', 'MatrixBandPart/num_lower', 'MatrixBandPart/num_upper']);
    });
  });
});
