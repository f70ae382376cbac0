// The graph optimizer (optimizer/): each pass's structure (the kernels and passes `sess.explain` reports) and its
// numbers (the same graph with the optimizer on and off, on both executors), the options, and the resource limits.
import * as tf from '../index.js';
import { EXECUTORS, expectClose, rng } from './helpers.js';

type Build = () => { fetch: tf.Fetch; feeds?: tf.Feeds };

async function withSession<T>(g: tf.Graph, executor: tf.ExecutorName, opts: Partial<tf.SessionOptions>, fn: (s: tf.Session) => Promise<T>): Promise<T> {
  const s = await tf.Session.create({ graph: g, executor, ...opts });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** The kernels a plan runs, as `Type` strings in order (the shape-string style of STYLE.md). */
const kernelTypes = (r: tf.ExplainReport): string[] => r.kernels.map((k) => k.type);
const pass = (r: tf.ExplainReport, name: string) => r.passes.find((p) => p.name === name)!;

function randomArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** Runs `build`'s fetch with the optimizer on and off; the values must agree to `tol` (0: bit for bit). */
async function sameWithAndWithout(executor: tf.ExecutorName, build: Build, tol: number): Promise<tf.ExplainReport> {
  const g = new tf.Graph();
  const { fetch, feeds } = g.asDefault(build);
  const on = await withSession(g, executor, {}, async (s) => ({ v: await s.run(fetch, feeds), r: s.explain(fetch, feeds) }));
  const off = await withSession(g, executor, { optimizer: false }, (s) => s.run(fetch, feeds));
  const flat = (x: unknown): tf.NDArray[] => (x instanceof tf.NDArray ? [x] : Object.values(x as object).flatMap(flat));
  const a = flat(on.v), b = flat(off);
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    expect(x.shape).toEqual(b[i].shape);
    if (tol === 0) expect(Array.from(x.data)).toEqual(Array.from(b[i].data));
    else expectClose(x, b[i].data, { rtol: tol, atol: tol });
  });
  return on.r;
}

describe('options', () => {
  test('an unknown pass name is an InvalidArgumentError listing the known ones', async () => {
    await expect(tf.Session.create({ executor: 'cpu', optimizer: { fuse: false } as never })).rejects.toThrow(/unknown optimizer option 'fuse'.*constantFolding, cse, simplify, fusion, schedule, memoryPlan/);
    await expect(tf.Session.create({ executor: 'cpu', optimizer: { prune: false } as never })).rejects.toThrow(/cannot be switched off/);
    await expect(tf.Session.create({ executor: 'cpu', optimizer: { cse: 'no' } as never })).rejects.toThrow(tf.errors.InvalidArgumentError);
    await expect(tf.Session.create({ executor: 'cpu', memoryLimitBytes: -1 })).rejects.toThrow(/memoryLimitBytes/);
  });

  test('optimizer: false runs the graph as built; passes switch off one by one', async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(tf.placeholder('float32', [4], 'x'), 2), 1)), 3), 1));
    const feeds = { x: [1, -2, 3, -4] };
    const off = await withSession(g, 'cpu', { optimizer: false }, async (s) => s.explain(y, feeds));
    expect(kernelTypes(off)).toEqual(['Mul', 'AddV2', 'Relu', 'Mul', 'Sub']);
    expect(off.passes.map((p) => p.name)).toEqual(['prune', 'specializeShapes', 'memoryPlan']);
    const noFusion = await withSession(g, 'cpu', { optimizer: { fusion: false } }, async (s) => s.explain(y, feeds));
    expect(kernelTypes(noFusion)).toEqual(['Mul', 'AddV2', 'Relu', 'Mul', 'Sub']);
    const on = await withSession(g, 'cpu', {}, async (s) => s.explain(y, feeds));
    expect(on.passes.map((p) => p.name)).toEqual(['prune', 'specializeShapes', 'constantFolding', 'cse', 'simplify', 'fusion', 'schedule', 'memoryPlan']);
    expect(kernelTypes(on)).toEqual(['_KilnFusedElementwise']);
    expect(on.kernels[0].nodes).toEqual(['Mul', 'AddV2', 'Relu', 'Mul_1', 'Sub']);
    expect(JSON.parse(JSON.stringify(on))).toEqual(on); // plain JSON
  });
});

describe.each(EXECUTORS)('passes on %s', (executor) => {
  test('constant folding computes what needs no feed, and leaves big values as nodes', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [3], 'x');
      const k = tf.add(tf.constant([1, 2, 3]), tf.reduceSum(tf.constant([[1, 1], [2, 2]])));
      return { fetch: tf.mul(x, k), feeds: { x: [1, 2, 3] } };
    }, 0);
    expect(pass(r, 'constantFolding').changes.join('\n')).toMatch(/Sum \(Sum\) -> Const/);
    expect(kernelTypes(r)).toEqual(['Mul']);
    const g = new tf.Graph();
    const big = g.asDefault(() => tf.reduceSum(tf.fill([512, 1024], 2)));
    const rep = await withSession(g, executor, { optimizer: { foldLimitBytes: 1024 } }, async (s) => {
      expect((await s.run(big)).scalar()).toBe(2 * 512 * 1024);
      return s.explain(big);
    });
    expect(kernelTypes(rep)).toEqual(['Fill', 'Sum']);
  });

  test('CSE merges equal nodes and never random or stateful ones', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [4], 'x');
      const a = tf.exp(tf.mul(x, x));
      const b = tf.exp(tf.mul(x, x));
      return { fetch: { s: tf.add(a, b), r: tf.add(tf.random.uniform([4], { seed: 3 }), tf.random.uniform([4], { seed: 3 })) }, feeds: { x: [0.1, 0.2, 0.3, 0.4] } };
    }, 0);
    expect(pass(r, 'cse').changes.some((c) => /Exp_1 \(Exp\) merged into Exp/.test(c))).toBe(true);
    expect(kernelTypes(r).filter((t) => t === 'RandomUniform')).toHaveLength(2);
  });

  test('simplification: neutral elements, pass-throughs, transposes into MatMul, constant chains', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [3, 4], 'x');
      const w = tf.placeholder('float32', [5, 4], 'w');
      const y = tf.identity(tf.add(tf.mul(x, 1), 0));
      const z = tf.matmul(y, tf.transpose(tf.transpose(tf.transpose(w))));
      const c = tf.mul(tf.mul(z, 2), 3);
      return { fetch: tf.neg(tf.neg(c)), feeds: { x: tf.ndarray(randomArray(12, 2), [3, 4]), w: tf.ndarray(randomArray(20, 1), [5, 4]) } };
    }, 1e-6);
    expect(pass(r, 'simplify').changes.join('\n')).toMatch(/Mul by 1[\s\S]*pass-through[\s\S]*transpose of transpose[\s\S]*transpose folded into matmul[\s\S]*constant multiplies combined[\s\S]*double negation/);
    expect(kernelTypes(r)).toEqual(['MatMul', 'Mul']);
  });

  test('inference batch norm folds into the convolution before it, then fuses with its bias and activation', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [2, 6, 6, 3], 'x');
      const w = tf.constant(Array.from(randomArray(3 * 3 * 3 * 4, 3)), { shape: [3, 3, 3, 4] });
      const conv = tf.nn.conv2d(x, w, 1, 'SAME');
      const [y] = tf.nn.fusedBatchNorm(conv, tf.constant([1, 2, 0.5, 1.5]), tf.constant([0.1, -0.2, 0.3, 0]),
        { mean: tf.constant([0.1, 0.2, -0.1, 0]), variance: tf.constant([1, 0.5, 2, 1.5]), isTraining: false, epsilon: 0.001 });
      return { fetch: tf.nn.relu(y), feeds: { x: tf.ndarray(randomArray(2 * 6 * 6 * 3, 4), [2, 6, 6, 3]) } };
    }, 1e-5);
    expect(pass(r, 'simplify').changes.join('\n')).toMatch(/batch norm folded into weights/);
    expect(kernelTypes(r)).toEqual(['_FusedConv2D']);
  });

  test('MatMul + BiasAdd + Relu becomes _FusedMatMul; an intermediate that is fetched is not fused', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [8, 16], 'x');
      const w = tf.constant(Array.from(randomArray(16 * 5, 5)), { shape: [16, 5] });
      const b = tf.constant([0.1, -0.2, 0.3, 0, 0.5]);
      return { fetch: tf.nn.relu(tf.nn.biasAdd(tf.matmul(x, w), b)), feeds: { x: tf.ndarray(randomArray(8 * 16, 6), [8, 16]) } };
    }, 1e-5);
    expect(kernelTypes(r)).toEqual(['_FusedMatMul']);
    expect(r.kernels[0].nodes).toEqual(['MatMul', 'BiasAdd', 'Relu']);
    const g = new tf.Graph();
    const { h, y } = g.asDefault(() => {
      const h = tf.add(tf.placeholder('float32', [4], 'x'), 1);
      return { h, y: tf.exp(h) };
    });
    const rep = await withSession(g, executor, {}, async (s) => s.explain([h, y], { x: [1, 2, 3, 4] }));
    expect(kernelTypes(rep)).toEqual(['AddV2', 'Exp']);
  });

  test('fusion: relu(x*a+b)*c-d is one dispatch with the same numbers', async () => {
    const r = await sameWithAndWithout(executor, () => {
      const x = tf.placeholder('float32', [64, 32], 'x');
      const a = tf.constant(Array.from(randomArray(32, 7)));
      return { fetch: tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(x, a), 0.25)), 2), 0.5), feeds: { x: tf.ndarray(randomArray(64 * 32, 8), [64, 32]) } };
    }, executor === 'cpu' ? 0 : 1e-6);
    expect(kernelTypes(r)).toEqual(['_KilnFusedElementwise']);
    if (executor === 'webgpu') {
      const g = new tf.Graph();
      const y = g.asDefault(() => tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(tf.placeholder('float32', [4], 'x'), 2), 1)), 3), 1));
      await withSession(g, 'webgpu', {}, async (s) => {
        await s.run(y, { x: [1, 2, 3, 4] });
        const before = s.stats().dispatches;
        await s.run(y, { x: [1, 2, 3, 4] });
        expect(s.stats().dispatches - before).toBe(1);
      });
    }
  });

  test('training steps give the same loss curve with the optimizer on and off', async () => {
    const curves: number[][] = [];
    for (const opt of [true, false]) {
      const g = new tf.Graph();
      const { loss, train, x, y } = g.asDefault(() => {
        const x = tf.placeholder('float32', [16, 8], 'x');
        const y = tf.placeholder('int32', [16], 'y');
        const h = tf.layers.dense(x, 12, { activation: tf.nn.relu, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
        const logits = tf.layers.dense(h, 3, { kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) });
        const loss = tf.losses.sparseSoftmaxCrossEntropy(y, logits);
        return { loss, train: new tf.train.AdamOptimizer(0.05).minimize(loss), x, y };
      });
      const xs = randomArray(16 * 8, 9);
      const ys = Int32Array.from({ length: 16 }, (_, i) => (xs[i * 8] > 0 ? 1 : xs[i * 8 + 1] > 0 ? 2 : 0));
      curves.push(await withSession(g, executor, { optimizer: opt }, async (s) => {
        await s.run(g.asDefault(() => tf.globalVariablesInitializer()));
        const out: number[] = [];
        for (let i = 0; i < 20; i++) {
          const [l] = await s.run([loss, train], new Map<tf.Tensor, tf.FeedValue>([[x, tf.ndarray(xs, [16, 8])], [y, tf.ndarray(ys, [16], 'int32')]]));
          out.push(l!.scalar());
        }
        return out;
      }));
    }
    expectClose(tf.ndarray(curves[0]), curves[1], { rtol: 1e-4, atol: 1e-5 });
    expect(curves[0][19]).toBeLessThan(curves[0][0] * 0.7);
  });

  test('the memory plan of an MLP at batch 1024 needs at most half of its intermediates at once', async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => {
      let h = tf.placeholder('float32', [1024, 256], 'x');
      for (let i = 0; i < 4; i++) h = tf.nn.relu(tf.matmul(h, tf.constant(Array.from(randomArray(256 * 256, i)), { shape: [256, 256] })));
      return tf.nn.softmax(h);
    });
    const feeds = { x: tf.ndarray(randomArray(1024 * 256, 11), [1024, 256]) };
    const [on, off] = await Promise.all([{}, { optimizer: { memoryPlan: false } }].map((o) => withSession(g, executor, o, async (s) => s.explain(y, feeds))));
    expect(on.memory.peakBytes).toBeLessThanOrEqual(on.memory.totalBytes / 2);
    expect(off.memory.peakBytes).toBe(off.memory.totalBytes);
  });
});

describe.each(EXECUTORS)('resource limits on %s', (executor) => {
  const cases: Array<[string, () => { fetch: tf.Fetch; feeds?: tf.Feeds }, RegExp]> = [
    ['a huge Fill', () => ({ fetch: tf.fill([100000, 100000, 100], 1.5) }), /'Fill' \(Fill\) would hold a tensor of shape \[100000,100000,100\] float32/],
    ['a huge Tile', () => ({ fetch: tf.tile(tf.ones([1000, 1000]), [100000, 100000]) }), /\(Tile\) would hold a tensor of shape \[100000000,100000000\]/],
    ['a huge one-hot', () => {
      const idx = tf.placeholder('int32', [null], 'idx');
      return { fetch: tf.oneHot(idx, 2 ** 31 - 1), feeds: { idx: [1, 2] } };
    }, /\(OneHot\) would hold a tensor of shape \[2,2147483647\]/],
    ['a huge matmul operand', () => ({ fetch: tf.matmul(tf.ones([1, 60000]), tf.ones([60000, 60000])) }), /'ones_1' \(Fill\) would hold .*\[60000,60000\]/],
  ];
  test.each(cases)('%s is a ResourceExhaustedError naming the node within 1 s', async (_, build, message) => {
    const g = new tf.Graph();
    const t0 = Date.now();
    const { fetch, feeds } = g.asDefault(build);
    await withSession(g, executor, {}, async (s) => {
      const err = await s.run(fetch, feeds).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(tf.errors.ResourceExhaustedError);
      expect((err as Error).message).toMatch(message);
    });
    expect(Date.now() - t0).toBeLessThan(5000); // generous for a loaded CI machine; the work itself is milliseconds
  });

  test('memoryLimitBytes bounds a tensor and the plan in all', async () => {
    const g = new tf.Graph();
    const y = g.asDefault(() => tf.exp(tf.add(tf.placeholder('float32', [1000], 'x'), 1)));
    await withSession(g, executor, { memoryLimitBytes: 2000, optimizer: { fusion: false } }, async (s) => {
      await expect(s.run(y, { x: new Float32Array(1000) })).rejects.toThrow(/'x' \(Placeholder\) would hold .* over the limit of 2000 bytes/);
    });
  });

  test('tf.ones of a large shape builds a Fill node, not a constant', () => {
    const g = new tf.Graph();
    const t0 = Date.now();
    const t = g.asDefault(() => tf.ones([60000, 60000]));
    expect(t.op.type).toBe('Fill');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(g.asDefault(() => tf.ones([10, 10])).op.type).toBe('Const');
  });
});

describe('writing an optimized graph', () => {
  test('TF-runnable fused nodes stay; what TensorFlow cannot run goes back to its original ops, same numbers', async () => {
    const { optimizeGraph } = await import('../optimizer/export.js');
    const g = new tf.Graph();
    const { x, y } = g.asDefault(() => {
      const x = tf.placeholder('float32', [2, 6, 6, 3], 'x');
      const c1 = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, tf.constant(Array.from(randomArray(108, 1)), { shape: [3, 3, 3, 4] }), 1, 'SAME'), tf.constant([0.1, 0.2, 0.3, 0.4])));
      const t = tf.tanh(tf.nn.biasAdd(tf.nn.conv2d(c1, tf.constant(Array.from(randomArray(16, 2)), { shape: [1, 1, 4, 4] }), 1, 'SAME'), tf.constant([0, 0.1, 0, 0.1])));
      return { x, y: tf.sub(tf.mul(tf.add(t, 1), 0.5), 0.25, { name: 'out' }) };
    });
    const { graph, optimized } = optimizeGraph([y], new Map());
    const types = (gr: tf.Graph): string[] => gr.getOperations().map((o) => o.type).filter((t) => t !== 'Const' && t !== 'Placeholder');
    // In the plan: two _FusedConv2D ([BiasAdd, Relu] and [BiasAdd, Tanh]) and one fused elementwise chain.
    expect(optimized.plan.order.map((o) => o.type).filter((t) => t !== 'Const' && t !== 'Placeholder')).toEqual(['_FusedConv2D', '_FusedConv2D', '_KilnFusedElementwise']);
    // Written: TF has no [BiasAdd, Tanh] kernel for _FusedConv2D and no _KilnFusedElementwise at all.
    expect(types(graph)).toEqual(['_FusedConv2D', 'Conv2D', 'BiasAdd', 'Tanh', 'Identity', 'AddV2', 'Mul', 'Sub']);
    const xs = tf.ndarray(randomArray(2 * 6 * 6 * 3, 3), [2, 6, 6, 3]);
    const ref = await withSession(g, 'cpu', { optimizer: false }, (s) => s.run(y, new Map([[x, xs]])));
    const got = await withSession(graph, 'cpu', { optimizer: false }, (s) => s.run('out:0', { 'x:0': xs }));
    expectClose(got, ref.data, { rtol: 1e-5, atol: 1e-6 });
  });
});
