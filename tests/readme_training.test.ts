// The README's training example, as written there, trains: a few Adam steps lower the loss on a fixed batch.
import * as tf from '../index.js';
import { EXECUTORS } from './helpers.js';

test.each(EXECUTORS)('the README training example runs and lowers the loss (%s)', async (executor) => {
  const g = new tf.Graph();
  const { x, labels, training, loss, trainOp } = g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 28, 28, 1], 'x');
    const labels = tf.placeholder('int32', [null], 'labels');
    const training = tf.placeholderWithDefault(false, [], 'training');
    let h = tf.layers.conv2d(x, 16, 5, { padding: 'same', activation: tf.nn.relu });
    h = tf.layers.maxPooling2d(h, 2, 2);
    h = tf.layers.dropout(tf.layers.flatten(h), { rate: 0.25, training });
    const logits = tf.layers.dense(h, 10);
    const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
    const trainOp = new tf.train.AdamOptimizer(1e-3).minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep() });
    return { x, labels, training, loss, trainOp };
  });
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    const n = 8;
    const images = Float32Array.from({ length: n * 784 }, (_, i) => ((i * 7919) % 255) / 255);
    const ys = Int32Array.from({ length: n }, (_, i) => i % 10);
    const feed = new Map<tf.Tensor, tf.FeedValue>([[x, tf.ndarray(images, [n, 28, 28, 1])], [labels, tf.ndarray(ys, [n])], [training, tf.ndarray(Uint8Array.from([1]), [])]]);
    const first = (await sess.run(loss, feed)).data[0] as number;
    for (let i = 0; i < 10; i++) await sess.run(trainOp, feed);
    const last = (await sess.run(loss, new Map<tf.Tensor, tf.FeedValue>([[x, feed.get(x)!], [labels, feed.get(labels)!]]))).data[0] as number;
    expect(first).toBeGreaterThan(1.5); // about ln(10) at initialisation
    expect(last).toBeLessThan(first * 0.8);
  } finally {
    await sess.close();
  }
});
