// Host-side planning time: how long the optimizer takes to turn a graph of N nodes into a plan (sess.explain builds
// the plan and runs nothing). Targets (issue 10): 1,000 nodes under 1 s, 10,000 under 5 s. `node bench/planning.js`.
import { performance } from 'node:perf_hooks';

const tf = await import('../dist/index.js');

/** A residual MLP of dense blocks (matmul, bias, relu, add, scale): about `nodes` nodes, every pass has work. */
function build(nodes) {
  const g = new tf.Graph();
  const fetch = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 32], 'x');
    let h = x;
    let i = 0;
    while (g.getOperations().length < nodes) {
      const w = tf.constant(new Float32Array(32 * 32).fill(0.01 * ((i % 7) + 1)), { shape: [32, 32] });
      const b = tf.constant(new Float32Array(32).fill(0.1));
      const y = tf.nn.relu(tf.nn.biasAdd(tf.matmul(h, w), b));
      h = tf.add(tf.mul(tf.add(h, y), 0.5), tf.mul(tf.identity(y), 1));
      i++;
    }
    return tf.reduceSum(h);
  });
  return { g, fetch, nodes: g.getOperations().length };
}

const rows = [];
for (const n of [1000, 10000]) {
  const { g, fetch, nodes } = build(n);
  const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
  const feeds = { x: tf.ndarray(new Float32Array(8 * 32), [8, 32]) };
  const t0 = performance.now();
  const r = sess.explain(fetch, feeds);
  const ms = performance.now() - t0;
  await sess.close();
  rows.push({ nodes, ms, kernels: r.kernels.length, passes: Object.fromEntries(r.passes.map((p) => [p.name, p.nodesAfter])) });
  console.log(`planning ${nodes} nodes: ${ms.toFixed(0)} ms -> ${r.kernels.length} kernels (target ${n === 1000 ? '< 1000' : '< 5000'} ms)`);
}
console.log(JSON.stringify(rows));
