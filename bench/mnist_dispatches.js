// Dispatches per training step of the MNIST demo's CNN (examples/mnist/model.ts) on the WebGPU executor, with the
// optimizer on and off: `node bench/mnist_dispatches.js`. The README reports the number.
const tf = await import('../dist/index.js');
const { buildModel } = await import('../dist/examples/mnist/model.js');

for (const optimizer of [false, true]) {
  tf.resetDefaultGraph();
  const model = buildModel('cnn', 1);
  const trainOp = new tf.train.AdamOptimizer(1e-3).minimize(model.loss, { globalStep: tf.train.getOrCreateGlobalStep() });
  const sess = await tf.Session.create({ executor: 'webgpu', optimizer });
  await sess.run(tf.globalVariablesInitializer());
  const feeds = new Map([
    [model.images, tf.ndarray(new Float32Array(64 * 784).fill(0.5), [64, 28, 28, 1])],
    [model.labels, tf.ndarray(new Int32Array(64).fill(3), [64], 'int32')],
  ]);
  await sess.run([trainOp, model.loss], feeds);
  const before = sess.stats();
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await sess.run([trainOp, model.loss], feeds);
  const ms = (performance.now() - t0) / 10;
  const s = sess.stats();
  console.log(`optimizer ${optimizer ? 'on ' : 'off'}: ${(s.dispatches - before.dispatches) / 10} dispatches per step, ${ms.toFixed(1)} ms per step (${sess.device.adapter})`);
  await sess.close();
}
