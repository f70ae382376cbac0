// tf.image colour ops and tf.nn.maxPoolWithArgmax against values TensorFlow computed (tests/testdata/ops2), on both
// executors (inputs fed, so the WGSL kernels run); gradients against finite differences and the GPU against the cpu.
import * as tf from '../index.js';
import { gradCase, gradValues } from './gradcheck.js';
import { EXECUTORS, FLOAT64_EXECUTORS, evalTensor, expectClose } from './helpers.js';
import { expectOps2, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = [...ops2Cases('image'), ...ops2Cases('pool_argmax')];

describe.each(EXECUTORS)('colour ops and maxPoolWithArgmax on %s', (ex) => {
  for (const c of CASES) {
    const f64 = c.inputs[0].dtype === 'float64';
    if (f64 && !FLOAT64_EXECUTORS.includes(ex)) continue; // float64 has no GPU storage; tested on cpu
    // f32 colour formulas, TF's in a different but equal form (sectors): 1e-5 absolute and relative; argmax exact.
    test(`${c.name} matches TensorFlow`, async () => {
      expectOps2(c, await runOps2Case(c, ex), f64 ? { atol: 1e-12, rtol: 1e-12 } : { atol: 1e-5, rtol: 1e-5 });
    });
  }

  test('RGB -> HSV -> RGB is the identity', async () => {
    const v = Array.from({ length: 30 }, (_, i) => ((i * 37) % 29) / 28);
    const x = tf.ndarray(Float32Array.from(v), [10, 3]);
    const got = await evalTensor(ex, () => tf.image.hsvToRgb(tf.image.rgbToHsv(tf.placeholder('float32', [10, 3], 'x'))), { 'x:0': x });
    expectClose(got, v, { shape: [10, 3], atol: 1e-6, rtol: 1e-5 });
  });

  test('gradient of rgbToHsv (each piece of the formula, away from ties between channels)', async () => {
    await gradCase(ex, ([x]) => tf.image.rgbToHsv(x), [[2, 4, 3]], { lo: 0.05, hi: 0.95 });
  });

  test('gradients of adjustContrast (images and factor) and of maxPoolWithArgmax', async () => {
    // contrast_factor is float32 (TF's OpDef): a factor and step exact in float32 (0.75, 2^-10) keep the float64
    // finite differences exact, and the op is linear in each input, so the large step costs nothing.
    await gradCase(ex, ([x, f]) => tf.image.adjustContrast(x, tf.reshape(tf.cast(f, 'float32'), [])), [[2, 3, 4, 2], [1]],
      { eps: 2 ** -10, values: [gradValues(48, 5), [0.75]] });
    const perm = Array.from({ length: 2 * 5 * 4 * 2 }, (_, i) => ((i * 37) % 80) / 40 - 1);
    await gradCase(ex, ([x]) => tf.nn.maxPoolWithArgmax(x, 2, 2, 'SAME')[0], [[2, 5, 4, 2]], { values: [perm] });
    await gradCase(ex, ([x]) => tf.nn.maxPoolWithArgmax(x, 3, 1, 'VALID', { includeBatchInIndex: true })[0], [[2, 5, 4, 2]], { values: [perm] });
  });
});

test('shape rules and bad inputs name the node', () => {
  tf.resetDefaultGraph();
  expect(() => tf.image.rgbToHsv(tf.zeros([2, 4]), { name: 'hsv' })).toThrow(/RGBToHSV node 'hsv'.*3 channels/);
  expect(() => tf.image.adjustContrast(tf.zeros([4, 3]), 2, { name: 'ac' })).toThrow(/AdjustContrastv2 node 'ac'.*at least 3-D/);
  expect(() => tf.image.adjustHue(tf.zeros([2, 2, 3]), tf.zeros([2]), { name: 'ah' })).toThrow(/AdjustHue node 'ah'.*scalar/);
  const [y, a] = tf.nn.maxPoolWithArgmax(tf.placeholder('float32', [null, 7, 6, 3]), 2, 2, 'SAME');
  expect([y.shape, a.shape, a.dtype]).toEqual([[null, 4, 3, 3], [null, 4, 3, 3], 'int64']);
  expect(() => tf.nn.maxPoolWithArgmax(tf.zeros([1, 2, 2, 1]), 3, 1, 'VALID', { name: 'mp' })).toThrow(/MaxPoolWithArgmax node 'mp'.*negative/);
});
