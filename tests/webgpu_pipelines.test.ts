// Pipelines are shared across layers of one kind: kernels read their sizes from a uniform parameter struct
// (ops/gpu.ts Params), so the same layers at other shapes compile no new pipeline, and the numbers stay the CPU
// executor's.
import * as tf from '../index.js';
import { expectClose } from './helpers.js';

/** Deterministic values in [-1, 1). */
function values(shape: number[], seed: number): tf.NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = Math.sin(seed * 7.1 + i * 0.613) * 0.9;
  return tf.ndarray(d, shape);
}

/**
 * A MobileNet-like block on x [n, h, w, c]: Pad + stride-2 depthwise, batch norm, relu6, 1x1 conv to `out` channels,
 * bias, batch norm, relu6, a stride-1 depthwise, a residual add, a 3x3 conv; `seed` varies the weights. (No pooling:
 * pools keep their sizes in the shader text, which measured faster.)
 */
function block(x: tf.Tensor, out: number, seed: number): tf.Tensor {
  const c = x.shape![3] as number;
  const bn = (h: tf.Tensor, ch: number, s: number): tf.Tensor => tf.nn.fusedBatchNorm(h, values([ch], s), values([ch], s + 1), {
    mean: values([ch], s + 2), variance: tf.add(tf.square(values([ch], s + 3)), 0.5), isTraining: false,
  })[0];
  let h = tf.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]]);
  h = tf.nn.depthwiseConv2d(h, values([3, 3, c, 1], seed), [1, 2, 2, 1], 'VALID');
  h = tf.nn.relu6(bn(h, c, seed + 10));
  h = tf.nn.conv2d(h, values([1, 1, c, out], seed + 20), [1, 1, 1, 1], 'SAME');
  h = tf.nn.relu6(bn(tf.nn.biasAdd(h, values([out], seed + 30)), out, seed + 40));
  const d = tf.nn.depthwiseConv2d(h, values([3, 3, out, 1], seed + 50), [1, 1, 1, 1], 'SAME');
  h = tf.add(h, tf.nn.relu6(d));
  return tf.nn.conv2d(h, values([3, 3, out, out], seed + 60), [1, 1, 1, 1], 'SAME');
}

describe('webgpu pipelines', () => {
  test('the same block at other sizes compiles no new pipeline and matches the cpu executor', async () => {
    const g = new tf.Graph();
    // Two stacks of the same blocks on other shapes: channels 8 -> 16 -> 32 and 4 -> 32 -> 48 (and so every tensor's
    // size). The spatial sizes stay: a row's width picks a 3x3 convolution's register tiling, which is in its text
    // (the models of bench/models.js show the other kernels shared across spatial sizes too).
    const { ya, yb } = g.asDefault(() => {
      const xa = tf.placeholder('float32', [1, 16, 16, 8], 'xa');
      const xb = tf.placeholder('float32', [1, 16, 16, 4], 'xb');
      return { ya: block(block(xa, 16, 1), 32, 100), yb: block(block(xb, 32, 200), 48, 300) };
    });
    const feeds = { xa: values([1, 16, 16, 8], 5), xb: values([1, 16, 16, 4], 6) };
    const gpu = await tf.Session.create({ graph: g, executor: 'webgpu' });
    const cpu = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      const a = (await gpu.run(ya, feeds)) as tf.NDArray;
      const first = gpu.stats();
      // Structural: 2 blocks of 10 dispatches or more each, far fewer pipelines (layers of one kind share them).
      expect(first.dispatches).toBeGreaterThanOrEqual(20);
      // (The optimizer folds the batch norms and fuses bias and activation into the convolutions first, so the two
      // blocks are 22 dispatches; their second block compiles nothing new: at most half as many pipelines.)
      expect(first.pipelinesCreated).toBeLessThanOrEqual(first.dispatches / 2);
      const b = (await gpu.run(yb, feeds)) as tf.NDArray;
      const second = gpu.stats();
      expect(second.pipelinesCreated).toBe(first.pipelinesCreated);
      const [ca, cb] = (await cpu.run([ya, yb], feeds)) as tf.NDArray[];
      // float32 on the GPU against the CPU executor's float32 kernels: sums of up to 3*3*32 products.
      expectClose(a, Array.from(ca.data), { shape: ca.shape, rtol: 1e-4, atol: 1e-4 });
      expectClose(b, Array.from(cb.data), { shape: cb.shape, rtol: 1e-4, atol: 1e-4 });
      expect(a.shape).toEqual([1, 4, 4, 32]);
      expect(b.shape).toEqual([1, 4, 4, 48]);
    } finally {
      await gpu.close();
      await cpu.close();
    }
  });

  test('elementwise chains with broadcasts share one pipeline across shapes', async () => {
    const g = new tf.Graph();
    const shapes = [[2, 3, 8], [4, 5, 16], [3, 7, 5], [6, 2, 3]];
    const outs = g.asDefault(() => shapes.map((s, k) => {
      const x = tf.placeholder('float32', s, `x${k}`);
      const a = tf.constant(values([s[2]], k + 10));
      const b = tf.constant(values([s[1], 1], k + 20));
      return tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(x, a), b)), 2), 0.5);
    }));
    const feeds = Object.fromEntries(shapes.map((s, k) => [`x${k}`, values(s, k)]));
    const gpu = await tf.Session.create({ graph: g, executor: 'webgpu' });
    const cpu = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      const got = (await gpu.run(outs[0], { x0: feeds.x0 })) as tf.NDArray;
      expect(gpu.stats().pipelinesCreated).toBe(1);
      const rest = (await gpu.run(outs, feeds)) as tf.NDArray[];
      // The last dim decides the vec4 form (8, 16) or the scalar one (5, 3): two pipelines for four shapes.
      expect(gpu.stats().pipelinesCreated).toBe(2);
      expect(gpu.stats().dispatches).toBe(1 + 4);
      const want = (await cpu.run(outs, feeds)) as tf.NDArray[];
      expectClose(got, Array.from(want[0].data), { shape: want[0].shape, rtol: 1e-6, atol: 1e-6 });
      rest.forEach((r, i) => expectClose(r, Array.from(want[i].data), { shape: want[i].shape, rtol: 1e-6, atol: 1e-6 }));
    } finally {
      await gpu.close();
      await cpu.close();
    }
  });

  test('the division through f32 that the kernels use is exact below 2^24', () => {
    // ops/gpu.ts udiv_: q = trunc(f32(a) * f32(1 / d)), then one step up or down; f32 arithmetic emulated with fround.
    const udiv = (a: number, d: number): number => {
      const r = Math.fround(1 / d);
      const q = Math.trunc(Math.fround(Math.fround(a) * r));
      return (q * d > a) ? q - 1 : ((q + 1) * d <= a ? q + 1 : q);
    };
    const ds = [1, 2, 3, 5, 7, 8, 12, 96, 255, 1000, 4095, 12544, 65537, 1 << 20, (1 << 24) - 1, 1 << 24];
    const as = [0, 1, 2, 1023, 1 << 20, (1 << 24) - 2, (1 << 24) - 1];
    let seed = 1;
    const rand = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    for (let k = 0; k < 20000; k++) as.push(Math.floor(rand() * (1 << 24)));
    const wrong: string[] = [];
    const check = (a: number, d: number): void => { if (udiv(a, d) !== Math.floor(a / d)) wrong.push(`${a} / ${d}`); };
    for (const d of ds) {
      for (const a of as) check(a, d);
      // Multiples and their neighbours, where truncation errs first; and the top of the range.
      for (let m = 1; m * d < 1 << 24 && m < 5000; m++) for (const a of [m * d - 1, m * d, m * d + 1]) check(a, d);
      for (let a = (1 << 24) - 3000; a < 1 << 24; a++) check(a, d);
    }
    expect(wrong).toEqual([]);
  });
});
