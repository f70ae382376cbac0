// Kiln as a peer: one graph per workload, built TF1-style, run with `sess.run` on the 'webgpu' or 'cpu' executor.
// Weights and W1/W2 inputs are variables initialised once (they stay on the device, as tfjs tensors do); W4's input
// is fed each run, as a tfjs tensor is created each run. Training (W3, W5): weights are variables, the batch and its
// labels are placeholders fed each step, and a step runs `[trainOp, loss]` where trainOp is
// `new tf.train.GradientDescentOptimizer(lr).minimize(loss)`.
import { isTraining, LENET, makeInputs, MLP_LAYERS, W2_SCALARS, WORKLOADS } from '../workloads.js';

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
  if (isTraining(id)) return buildTraining(tf, w, inp, cst);
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

/** W3/W5: the model's logits, the mean softmax cross-entropy, one GradientDescentOptimizer step. */
function buildTraining(tf, w, inp, cst) {
  const x = tf.placeholder('float32', inp.xShape, 'x');
  const labels = tf.placeholder('int32', [w.batch], 'labels');
  const variable = (data, shape, name) => tf.variable(cst(data, shape), { name });
  let logits;
  if (w.kind === 'train-mlp') {
    logits = x;
    inp.layers.forEach((l, i) => {
      const W = variable(l.w, l.wShape, `w${i + 1}`);
      const B = variable(l.b, [l.b.length], `b${i + 1}`);
      logits = tf.nn.biasAdd(tf.matmul(logits, W), B);
      if (i + 1 < inp.layers.length) logits = tf.nn.relu(logits);
    });
  } else {
    let h = x;
    inp.convs.forEach((c, i) => {
      const W = variable(c.w, c.wShape, `conv${i + 1}_w`);
      const B = variable(c.b, [c.b.length], `conv${i + 1}_b`);
      h = tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(h, W, 1, 'SAME'), B));
      h = tf.nn.maxPool(h, 2, 2, 'SAME');
    });
    const W = variable(inp.dense.w, inp.dense.wShape, 'dense_w');
    const B = variable(inp.dense.b, [inp.dense.b.length], 'dense_b');
    logits = tf.nn.biasAdd(tf.matmul(tf.reshape(h, [-1, LENET.flat]), W), B);
  }
  const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }), undefined, false, { name: 'loss' });
  const trainOp = new tf.train.GradientDescentOptimizer(inp.lr).minimize(loss);
  const feeds = new Map([[x, tf.ndarray(inp.x, inp.xShape)], [labels, tf.ndarray(inp.labels, [w.batch], 'int32')]]);
  // The loss comes back computed with the weights before this step's update, as tfjs's minimize returns it.
  return { fetch: [trainOp, loss], pick: (r) => r[1], feeds: () => feeds };
}

/** `sessionOptions` go to Session.create beside the executor (bench/gpu/check.js passes `{optimizer: false}`). */
export async function open(executor, sessionOptions = {}) {
  const tf = await kiln();
  return {
    /** Runs are timed from sess.run to the NDArray on the host (sess.run reads the fetch back). */
    async prepare(id) {
      const g = build(tf, id);
      const sess = await tf.Session.create({ ...sessionOptions, executor });
      await sess.run(tf.globalVariablesInitializer());
      const base = sess.stats();
      const pick = g.pick ?? ((r) => r);
      // Training: the losses of the first two steps (the second checks the first update), compared across peers.
      const losses = [];
      return {
        adapter: sess.device.executor === 'webgpu' ? sess.device.adapter : 'JS (Kiln CPU reference kernels)',
        step: async () => {
          const data = pick(await sess.run(g.fetch, g.feeds())).data;
          if (isTraining(id) && losses.length < 2) losses.push(data[0]);
          return data;
        },
        // Work per run, the initializer's run excluded.
        info: () => {
          const loss = isTraining(id) ? { lossStep1: losses[0], lossStep2: losses[1] } : {};
          if (executor === 'cpu') return isTraining(id) ? loss : undefined;
          const s = sess.stats();
          const runs = s.runs - base.runs;
          return { pipelinesCreated: s.pipelinesCreated, dispatchesPerRun: runs ? (s.dispatches - base.dispatches) / runs : 0, submitsPerRun: runs ? (s.submits - base.submits) / runs : 0, ...loss };
        },
        close: () => sess.close(),
      };
    },
  };
}
