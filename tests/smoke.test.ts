import * as tf from '../index.js';

test('smoke', async () => {
  tf.resetDefaultGraph();
  const x = tf.placeholder('float32', [null, 3], 'x');
  const w = tf.variable([[1], [2], [3]], { name: 'w' });
  const y = tf.matmul(x, w);
  const s = tf.reduceSum(tf.maximum(y, 0), undefined, false, { name: 's' });
  const sess = await tf.Session.create();
  await sess.run(tf.globalVariablesInitializer());
  const r = await sess.run({ y, s, n: 's' }, { x: [[1, 1, 1], [-1, 0, 0]] });
  expect(r.y.toArray()).toEqual([[6], [-1]]);
  expect(r.s.toArray()).toEqual(6);
  expect(s.op.name).toBe('s');
});
