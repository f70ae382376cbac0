// CropAndResize and its two gradient ops against values TensorFlow computed (tests/testdata/ops2): boxes inside, past
// the image's edges (extrapolation), flipped and degenerate, crops of 1 x 3; the forward op on both executors, the
// gradients (scatters, no GPU kernel) on cpu; tf.gradients against finite differences.
import * as tf from '../index.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS } from './helpers.js';
import { expectOps2, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = ops2Cases('crop');

describe.each(EXECUTORS)('CropAndResize on %s', (ex) => {
  for (const c of CASES) {
    if (ex !== 'cpu' && c.op !== 'CropAndResize') continue;
    test(`${c.name} matches TensorFlow`, async () => { expectOps2(c, await runOps2Case(c, ex), { atol: 1e-5, rtol: 1e-5 }); });
  }
});

test('the gradient ops have no GPU kernel: an UnimplementedError naming the node', async () => {
  await expect(runOps2Case(CASES.find((c) => c.op === 'CropAndResizeGradBoxes')!, 'webgpu')).rejects.toThrow(/'CropAndResizeGradBoxes'.*no GPU kernel/);
});

test('gradients by image and boxes (image_grad.py) against finite differences', async () => {
  // Boxes away from pixel centres, so the bilinear weights are smooth where the differences probe them.
  const boxes = [0.13, 0.21, 0.77, 0.86, 0.52, 0.61, 0.18, 0.11];
  await gradCase('cpu', ([img, b]) => tf.image.cropAndResize(img, tf.cast(b, 'float32'), [0, 0], [3, 4]), [[1, 5, 6, 2], [2, 4]],
    { values: [Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.7)), boxes], eps: 1e-4, tol: 2e-3 });
});

test('bad box indices and shapes name the node', async () => {
  tf.resetDefaultGraph();
  expect(() => tf.image.cropAndResize(tf.zeros([1, 4, 4, 1]), tf.zeros([2, 3]), [0, 0], [2, 2], { name: 'cr' })).toThrow(/CropAndResize node 'cr'.*\[num_boxes, 4\]/);
  const g = new tf.Graph();
  const t = g.asDefault(() => tf.image.cropAndResize(tf.zeros([1, 4, 4, 1]), [[0, 0, 1, 1]], [1], [2, 2], { name: 'cr' }));
  const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
  await expect(sess.run(t)).rejects.toThrow(/CropAndResize node 'cr'.*box_ind\[0\] = 1 is outside \[0, 1\)/);
  await sess.close();
});
