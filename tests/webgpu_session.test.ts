// What only the WebGPU executor has: compiled plans replayed with one submit and no new pipelines, flat memory over
// many runs, the GPU representation's limits (float64, int64), failed runs that leave variables alone, device info.
import * as tf from '../index.js';
import { WebGpuExecutor } from '../session/webgpu/executor.js';

let g: tf.Graph;
let sess: tf.Session;
beforeEach(async () => {
  g = new tf.Graph();
  sess = await tf.Session.create({ graph: g, executor: 'webgpu' });
});
afterEach(async () => sess.close());
const build = <T>(fn: () => T): T => g.asDefault(fn);
const gpuOf = (s: tf.Session): WebGpuExecutor => (s as unknown as { executor: WebGpuExecutor }).executor;

test('sess.device names the executor and the adapter', () => {
  expect(sess.device.executor).toBe('webgpu');
  expect(typeof sess.device.adapter).toBe('string');
  expect(sess.device.adapter!.length).toBeGreaterThan(0);
});

test('runs 2..N compile nothing, create no pipeline and submit once each', async () => {
  const { x, y } = build(() => {
    const x = tf.placeholder('float32', [null, 4], 'x');
    return { x, y: tf.sub(tf.nn.relu(tf.mul(tf.add(x, 1), 2)), 0.5) };
  });
  const feed = { x: [[1, -2, 3, -4], [0, 1, 2, 3]] };
  const first = await sess.run(y, feed);
  expect(Array.from(first.data)).toEqual([3.5, -0.5, 7.5, -0.5, 1.5, 3.5, 5.5, 7.5]);
  const s1 = sess.stats();
  for (let i = 0; i < 5; i++) await sess.run(y, { [x.name]: feed.x });
  const s2 = sess.stats();
  expect(s2.plansCompiled).toBe(s1.plansCompiled);
  expect(s2.pipelinesCreated).toBe(s1.pipelinesCreated);
  expect(s2.submits - s1.submits).toBe(5);
  expect(s2.dispatches - s1.dispatches).toBe(5); // add, mul, relu, sub fused into one kernel
  expect(s2.bytesUploaded - s1.bytesUploaded).toBe(5 * 8 * 4); // the feed only
  expect(s2.bytesDownloaded - s1.bytesDownloaded).toBe(5 * 8 * 4); // the fetch only
});

test('a new batch size compiles a new plan but reuses nothing it should not', async () => {
  const y = build(() => tf.mul(tf.placeholder('float32', [null, 2], 'x'), 3));
  expect((await sess.run(y, { x: [[1, 2]] })).toArray()).toEqual([[3, 6]]);
  expect((await sess.run(y, { x: [[1, 2], [3, 4]] })).toArray()).toEqual([[3, 6], [9, 12]]);
  expect((await sess.run(y, { x: [[5, 6]] })).toArray()).toEqual([[15, 18]]);
  expect(sess.stats().plansCompiled).toBe(2);
});

test('1,000 runs of a small graph hold memory flat', async () => {
  const { x, y, step } = build(() => {
    const x = tf.placeholder('float32', [1, 8], 'x');
    const v = tf.variable(tf.zeros([1, 8]), { name: 'v' });
    const y = tf.tanh(tf.add(tf.mul(x, 0.5), v));
    return { x, y, step: tf.assignAdd(v, tf.mul(x, 0.001)) };
  });
  await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
  const feed = new Map([[x, tf.ndarray(new Float32Array(8).fill(1), [1, 8])]]);
  for (let i = 0; i < 100; i++) await sess.run([y, step], feed);
  const buffers = gpuOf(sess).liveBuffers();
  const heap: number[] = [];
  for (let i = 0; i < 1000; i++) {
    await sess.run([y, step], feed);
    heap.push(process.memoryUsage().heapUsed);
  }
  expect(gpuOf(sess).liveBuffers()).toBe(buffers);
  // Garbage collection is not forced, so heapUsed saws up and down; its minimum over a window is what survived the
  // collections. The minimum of the last 200 runs against that of the first 200 (800 runs apart): a leak of any GPU
  // buffer or staging copy (>= 4 KiB of bookkeeping per run, 3.2 MB here) would not fit under 3 MB.
  const low = (a: number[]): number => a.reduce((m, v) => Math.min(m, v), Infinity);
  expect(low(heap.slice(800)) - low(heap.slice(0, 200))).toBeLessThan(3 * 1024 * 1024);
  const out = await sess.run(y, feed);
  expect(out.data[0]).toBeCloseTo(Math.tanh(0.5 + 1.1), 4); // v = 1100 runs * 0.001
});

test('an integer division by zero fails the run and leaves the variables it wrote unchanged', async () => {
  const { w, q } = build(() => {
    const w = tf.variable([10, 20], { name: 'w', dtype: 'int32' });
    const d = tf.placeholder('int32', [2], 'd');
    const upd = tf.assignAdd(w, tf.constant([1, 1], { dtype: 'int32' }));
    const q = tf.controlDependencies([upd], () => tf.floorDivide(tf.identity(w), d));
    return { w, q };
  });
  await sess.run(w.initializer);
  await expect(sess.run(q, { d: [1, 0] })).rejects.toThrow(/FloorDiv node .*Integer division by zero/);
  expect((await sess.run(w)).toArray()).toEqual([10, 20]);
  expect((await sess.run(q, { d: [2, -3] })).toArray()).toEqual([5, -7]);
  expect((await sess.run(w)).toArray()).toEqual([11, 21]);
});

test('float64 does not run on the GPU: UnimplementedError naming the node', async () => {
  const y = build(() => tf.mul(tf.placeholder('float64', [2], 'x'), 2, { name: 'double_it' }));
  await expect(sess.run(y, { x: [1, 2] })).rejects.toThrow(tf.errors.UnimplementedError);
  await expect(sess.run(y, { x: [1, 2] })).rejects.toThrow(/double_it.*float64/);
  // A float64 constant folded on the host never reaches the GPU.
  const c = build(() => tf.mul(tf.constant([1, 2], { dtype: 'float64' }), 2));
  expect(Array.from((await sess.run(c)).data)).toEqual([2, 4]);
});

test("float64: 'float32' runs float64 graphs in float32 on the GPU, results widened back (vs the CPU in float64)", async () => {
  const g2 = new tf.Graph();
  const { x, w, y } = g2.asDefault(() => {
    const x = tf.placeholder('float64', [3, 4], 'x');
    const w = tf.placeholder('float64', [4, 5], 'w');
    const h = tf.nn.relu(tf.add(tf.matmul(x, w), tf.constant(0.25, { dtype: 'float64' })));
    return { x, w, y: [tf.nn.softmax(h), tf.reduceSum(tf.exp(tf.mul(h, 0.5)), 1), tf.cast(tf.argMax(h, 1), 'float64')] };
  });
  const feeds = new Map<tf.Tensor, tf.FeedValue>([
    [x, tf.ndarray(Float64Array.from({ length: 12 }, (_, i) => Math.sin(i) * 2), [3, 4])],
    [w, tf.ndarray(Float64Array.from({ length: 20 }, (_, i) => Math.cos(i * 1.3)), [4, 5])],
  ]);
  const cpu = await tf.Session.create({ graph: g2, executor: 'cpu' });
  const gpu = await tf.Session.create({ graph: g2, executor: 'webgpu', float64: 'float32' });
  try {
    const ref = (await cpu.run(y, feeds)) as tf.NDArray[];
    const got = (await gpu.run(y, feeds)) as tf.NDArray[];
    got.forEach((a, k) => {
      expect(a.dtype).toBe('float64');
      expect(a.shape).toEqual(ref[k].shape);
      a.data.forEach((v, i) => expect(Math.abs((v as number) - (ref[k].data[i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(ref[k].data[i] as number))));
    });
  } finally {
    await Promise.all([cpu.close(), gpu.close()]);
  }
  await expect(tf.Session.create({ graph: g2, executor: 'webgpu', float64: 'f16' as 'float32' })).rejects.toThrow(/float64.*'error' or 'float32'/);
});

test('int64 feeds are narrowed to int32 with a range check naming the feed', async () => {
  const y = build(() => tf.add(tf.placeholder('int64', [2], 'big'), tf.constant(1, { dtype: 'int64' })));
  const r = await sess.run(y, { big: tf.ndarray([2147483646, -5], [2], 'int64') });
  expect(r.dtype).toBe('int64');
  expect(Array.from(r.data)).toEqual([2147483647, -4]);
  await expect(sess.run(y, { big: tf.ndarray([2 ** 40, 0], [2], 'int64') })).rejects.toThrow(/big.*outside the int32 range/);
});

test('bool tensors go through the GPU as 0/1 words', async () => {
  const y = build(() => tf.logicalAnd(tf.placeholder('bool', [3], 'p'), tf.less(tf.constant([1, 2, 3]), 2.5)));
  expect((await sess.run(y, { p: [true, true, false] })).toArray()).toEqual([true, true, false]);
});

test('a shape that depends on a fed value is refused by name', async () => {
  const y = build(() => {
    const x = tf.placeholder('float32', [4], 'x');
    const n = tf.placeholder('int32', [2], 'n');
    return tf.reshape(x, n, { name: 'dyn' });
  });
  await expect(sess.run(y, { x: [1, 2, 3, 4], n: [2, 2] })).rejects.toThrow(tf.errors.UnimplementedError);
});

test('close releases the device: later runs fail', async () => {
  const c = build(() => tf.add(tf.placeholder('float32', [1], 'x'), 1));
  await sess.run(c, { x: [1] });
  await sess.close();
  await expect(sess.run(c, { x: [1] })).rejects.toThrow(tf.errors.FailedPreconditionError);
});

test('the memory plan reuses an intermediate buffer once its last reader has run', async () => {
  const y = build(() => {
    // Each t is read twice, so it is written to memory: ten kernels (mul and add fused in each), ten intermediates.
    let t = tf.placeholder('float32', [1000], 'x');
    for (let i = 0; i < 10; i++) t = tf.add(tf.mul(t, 0.5), t);
    return t;
  });
  const r = await sess.run(y, { x: new Array(1000).fill(2) });
  expect(r.data[999]).toBeCloseTo(2 * 1.5 ** 10, 3);
  expect(sess.stats().dispatches).toBe(10);
  // A chain needs only two buffers in turn (plus the feed and the readback buffer); the scalar 0.5 is baked into the
  // shader as a literal and takes no buffer.
});

test('elementwise chains fuse into one kernel; shared, broadcast and fetched values stay correct', async () => {
  const { x, b, mid, y, z } = build(() => {
    const x = tf.placeholder('float32', [2, 3], 'x');
    const b = tf.placeholder('float32', [3], 'b');
    const mid = tf.tanh(tf.mul(tf.add(x, b), 0.5), { name: 'mid' });
    const y = tf.sub(tf.square(mid), tf.div(x, tf.add(tf.abs(x), 1)));
    const z = tf.greater(y, 0);
    return { x, b, mid, y, z };
  });
  const xv = [[1, -2, 3], [0.5, 0, -1]];
  const bv = [0.25, -0.5, 1];
  const ref = (i: number, j: number): number => {
    const m = Math.tanh((xv[i][j] + bv[j]) * 0.5);
    return m * m - xv[i][j] / (Math.abs(xv[i][j]) + 1);
  };
  const [yv, zv] = await sess.run([y, z], new Map<tf.Tensor, tf.FeedValue>([[x, xv], [b, bv]]));
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) {
    expect(yv.data[i * 3 + j]).toBeCloseTo(ref(i, j), 5);
    expect(zv.data[i * 3 + j]).toBe(ref(i, j) > 0 ? 1 : 0);
  }
  // y is fetched and also read by z: two kernels.
  expect(sess.stats().dispatches).toBe(2);
  // Fetching the intermediate too writes it out: three kernels, same numbers.
  const before = sess.stats().dispatches;
  const [m2, y2] = await sess.run([mid, y], new Map<tf.Tensor, tf.FeedValue>([[x, xv], [b, bv]]));
  expect(sess.stats().dispatches - before).toBe(2);
  expect(Array.from(y2.data)).toEqual(Array.from(yv.data));
  expect(m2.data[0]).toBeCloseTo(Math.tanh((1 + 0.25) * 0.5), 6);
});

test('a chain reading a variable is written before an assignment to that variable', async () => {
  const { w, before, after } = build(() => {
    const w = tf.variable([1, 2], { name: 'w' });
    const before = tf.mul(w, 10);
    const upd = tf.controlDependencies([before.op], () => tf.assign(w, [5, 5]));
    const after = tf.controlDependencies([upd.op], () => tf.add(w, 0));
    return { w, before, after };
  });
  await sess.run(w.initializer);
  const [b, a] = await sess.run([before, after]);
  expect(b.toArray()).toEqual([10, 20]);
  expect(a.toArray()).toEqual([5, 5]);
});

test('a tensor larger than a storage binding may hold is a ResourceExhaustedError naming it', async () => {
  const w = build(() => tf.variable(tf.random.uniform([6000, 6000], { seed: 1 }), { name: 'huge' }));
  await expect(sess.run(w.initializer)).rejects.toThrow(tf.errors.ResourceExhaustedError);
  await expect(sess.run(w.initializer)).rejects.toThrow(/huge/);
});

test('an int64 constant outside the int32 range is refused by name when it must go to the GPU', async () => {
  const y = build(() => tf.add(tf.placeholder('int64', [1], 'a'), tf.constant(2 ** 33, { dtype: 'int64', name: 'too_big' })));
  await expect(sess.run(y, { a: tf.ndarray([1], [1], 'int64') })).rejects.toThrow(/too_big.*outside the int32 range/);
});

test('a run the GPU rejects is an error naming the fetches, not silently wrong numbers', async () => {
  const { w, y } = build(() => {
    const w = tf.variable([1, 2, 3], { name: 'w' });
    return { w, y: tf.mul(w, 2) };
  });
  await sess.run(w.initializer);
  expect(Array.from((await sess.run(y)).data)).toEqual([2, 4, 6]);
  // Destroying the variable's buffer behind the executor's back makes Dawn reject the submit.
  (gpuOf(sess) as unknown as { variables: Map<string, { buffer: GPUBuffer }> }).variables.get('w')!.buffer.destroy();
  await expect(sess.run(y)).rejects.toThrow(/GPU rejected a run .*'Mul:0'.*destroyed/s);
});

test('an update whose value is the variable itself reads a copy (one buffer cannot be bound twice)', async () => {
  const { w, twice, again } = build(() => {
    const w = tf.variable([1, 2, 3], { name: 'w' });
    return { w, twice: tf.assignAdd(w, w), again: tf.assign(w, w.value()) };
  });
  await sess.run(w.initializer);
  expect(Array.from((await sess.run(twice)).data)).toEqual([2, 4, 6]);
  expect(Array.from((await sess.run(again)).data)).toEqual([2, 4, 6]);
  expect(Array.from((await sess.run(twice)).data)).toEqual([4, 8, 12]);
});
