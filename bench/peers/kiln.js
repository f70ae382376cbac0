// Kiln as a peer: one graph per workload, built TF1-style, run with `sess.run` on the 'webgpu' or 'cpu' executor.
// Weights and W1/W2 inputs are variables initialised once (they stay on the device, as tfjs tensors do); W4's input
// is fed each run, as a tfjs tensor is created each run.
import { makeInputs, MLP_LAYERS, W2_SCALARS, WORKLOADS } from '../workloads.js';

let tf;
async function kiln() {
  // dist/ is built by `npm run bench` (npm run build first).
  tf ??= await import('../../dist/index.js');
  return tf;
}

/** Builds workload `id` in a fresh default graph; returns {fetch, feeds()} where feeds() makes one run's feeds. */
function build(tf, id) {
  tf.resetDefaultGraph();
  const w = WORKLOADS[id];
  const inp = makeInputs(id);
  const cst = (data, shape) => tf.constant(data, { shape });
  if (w.kind === 'matmul') {
    const a = tf.variable(cst(inp.a, inp.shape), { name: 'a' });
    const b = tf.variable(cst(inp.b, inp.shape), { name: 'b' });
    return { fetch: tf.matmul(a, b), feeds: () => undefined };
  }
  if (w.kind === 'elementwise') {
    const x = tf.variable(cst(inp.x, inp.shape), { name: 'x' });
    const { a, b, c, d } = W2_SCALARS;
    return { fetch: tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(x, a), b)), c), d), feeds: () => undefined };
  }
  const x = tf.placeholder('float32', [w.batch, MLP_LAYERS[0]], 'x');
  let h = x;
  inp.layers.forEach((l, i) => {
    const W = tf.variable(cst(l.w, l.wShape), { name: `w${i + 1}` });
    const B = tf.variable(cst(l.b, [l.b.length]), { name: `b${i + 1}` });
    h = tf.add(tf.matmul(h, W), B);
    if (i + 1 < inp.layers.length) h = tf.nn.relu(h);
  });
  return { fetch: tf.nn.softmax(h), feeds: () => new Map([[x, tf.ndarray(inp.x, inp.xShape)]]) };
}

export async function open(executor) {
  const tf = await kiln();
  return {
    /** Runs are timed from sess.run to the NDArray on the host (sess.run reads the fetch back). */
    async prepare(id) {
      const g = build(tf, id);
      const sess = await tf.Session.create({ executor });
      await sess.run(tf.globalVariablesInitializer());
      const base = sess.stats();
      return {
        adapter: sess.device.executor === 'webgpu' ? sess.device.adapter : 'JS (Kiln CPU reference kernels)',
        step: async () => (await sess.run(g.fetch, g.feeds())).data,
        // Work per run, the initializer's run excluded.
        info: () => {
          if (executor === 'cpu') return undefined;
          const s = sess.stats();
          const runs = s.runs - base.runs;
          return { pipelinesCreated: s.pipelinesCreated, dispatchesPerRun: runs ? (s.dispatches - base.dispatches) / runs : 0, submitsPerRun: runs ? (s.submits - base.submits) / runs : 0 };
        },
        close: () => sess.close(),
      };
    },
  };
}
