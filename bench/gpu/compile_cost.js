// The first-run (compile) cost of a few-layer convnet on webgpu, in a process of its own (bench/gpu/speed.js starts
// it with the drivers' shader disk caches off):
//   node bench/gpu/compile_cost.js [--options JSON] [--steps N]     prints one JSON object as the last line
import { median } from '../measure.js';

/** A few-layer convnet's training step (4 convs, 2 pools, dense, momentum): what the first run costs and compiles. */
function buildConvnet(tf, graph, batch) {
  return graph.asDefault(() => {
    const seeded = (shape, i) => tf.random.uniform(shape, { minval: -0.2, maxval: 0.2, seed: i });
    const x = tf.placeholder('float32', [batch, 32, 32, 3], 'x');
    const labels = tf.placeholder('int32', [batch], 'labels');
    let h = x, cin = 3, i = 0;
    for (const [cout, pool] of [[16, false], [16, true], [32, false], [32, true]]) {
      const w = tf.variable(seeded([3, 3, cin, cout], ++i), { name: `conv${i}_w` });
      const b = tf.variable(tf.zeros([cout]), { name: `conv${i}_b` });
      h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, w, 1, 'SAME'), b));
      if (pool) h = tf.nn.maxPool(h, 2, 2, 'SAME');
      cin = cout;
    }
    const w = tf.variable(seeded([8 * 8 * 32, 10], 9), { name: 'dense_w' });
    const logits = tf.matmul(tf.reshape(h, [batch, 8 * 8 * 32]), w);
    const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
    const train = new tf.train.MomentumOptimizer(0.01, 0.9).minimize(loss);
    const feeds = new Map([
      [x, tf.ndarray(Float32Array.from({ length: batch * 32 * 32 * 3 }, (_, k) => ((k * 7919) % 1000) / 1000), [batch, 32, 32, 3])],
      [labels, tf.ndarray(Int32Array.from({ length: batch }, (_, k) => k % 10), [batch], 'int32')],
    ]);
    return { logits, loss, train, feeds, init: tf.globalVariablesInitializer() };
  });
}

async function timed(f) {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** First-run cost of inference and of a training step, and whether later runs create pipelines (they should not). */
async function compileCost(tf, { options = {}, steps }) {
  const graph = new tf.Graph();
  const net = buildConvnet(tf, graph, 32);
  const out = {};
  const t0 = performance.now();
  const sess = await tf.Session.create({ ...options, graph, executor: 'webgpu' });
  out.createMs = performance.now() - t0;
  out.adapter = sess.device.adapter;
  try {
    out.initMs = await timed(() => sess.run(net.init));
    const p0 = sess.stats().pipelinesCreated;
    out.inferFirstMs = await timed(() => sess.run(net.logits, net.feeds));
    const p1 = sess.stats().pipelinesCreated;
    out.inferSecondMs = await timed(() => sess.run(net.logits, net.feeds));
    out.trainFirstMs = await timed(() => sess.run([net.train, net.loss], net.feeds));
    const p2 = sess.stats().pipelinesCreated;
    const times = [];
    for (let s = 0; s < steps; s++) times.push(await timed(() => sess.run([net.train, net.loss], net.feeds)));
    out.trainMedianMs = median(times);
    out.trainSteps = steps;
    const st = sess.stats();
    Object.assign(out, {
      pipelinesCreated: { afterInit: p0, afterInferFirst: p1, afterTrainFirst: p2, atEnd: st.pipelinesCreated },
      plansCompiled: st.plansCompiled,
      laterRunsCreatedPipelines: st.pipelinesCreated !== p2,
    });
  } finally {
    await sess.close();
  }
  return out;
}

const args = process.argv.slice(2);
const arg = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
let result;
try {
  const tf = await import('../../dist/index.js');
  result = await compileCost(tf, { options: JSON.parse(arg('--options', '{}')), steps: Number(arg('--steps', '10')) });
} catch (e) {
  result = { error: `error: ${e?.constructor?.name}: ${e?.message}`.split('\n')[0] };
}
process.stdout.write(`\n${JSON.stringify(result)}\n`);
process.exit(0);
