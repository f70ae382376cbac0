// `npm start`: a small graph, built once and run twice, as a TF1 user writes it.
// (The MNIST training demo replaces this as the main job when training lands.)
import * as tf from '../index.js';

const x = tf.placeholder('float32', [null, 3], 'x');
const w = tf.variable(tf.random.normal([3, 2], { seed: 7 }), { name: 'w' });
const b = tf.variable(tf.zeros([2]), { name: 'b' });
const y = tf.nn.softmax(tf.nn.biasAdd(tf.matmul(x, w), b), { name: 'probs' });
const best = tf.argMax(y, 1, { name: 'best' });

const sess = await tf.Session.create({ executor: 'cpu' });
console.log(`executor: ${sess.device.executor}`);
await sess.run(tf.globalVariablesInitializer());

for (const batch of [[[1, 2, 3]], [[0, 0, 1], [4, -1, 2], [-3, 5, 0]]]) {
  const { probs, cls } = await sess.run({ probs: y, cls: best }, { x: batch });
  console.log(`x ${JSON.stringify(batch)}`);
  console.log(`  softmax ${JSON.stringify(probs.toArray())}`);
  console.log(`  argmax  ${JSON.stringify(cls.toArray())}`);
}
await sess.close();
