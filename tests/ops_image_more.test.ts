// NonMaxSuppression V1-V5, Bincount, ExtractImagePatches, ResizeBicubic(Grad), ResizeArea and LRN against values
// TensorFlow computed (tests/testdata/ops2), on both executors where a GPU kernel exists (inputs fed; shape inputs
// constant); gradients against finite differences (cpu, float64) and the GPU against the cpu.
import * as tf from '../index.js';
import { addOp } from '../ops/registry.js';
import { gradCase } from './gradcheck.js';
import { EXECUTORS, FLOAT64_EXECUTORS, evalTensor, expectClose } from './helpers.js';
import { expectOps2, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = ops2Cases('image_more');
const NMS = ops2Cases('nms');

describe.each(EXECUTORS)('image ops on %s', (ex) => {
  for (const c of CASES) {
    if ([...c.inputs, ...c.outputs].some((x) => x.dtype === 'float64') && !FLOAT64_EXECUTORS.includes(ex)) continue;
    // float32 sums of up to 27 weighted taps (bicubic, area) or a power (LRN), in TF's order or near it.
    test(`${c.name} matches TensorFlow`, async () => {
      expectOps2(c, await runOps2Case(c, ex), { atol: 2e-6, rtol: 2e-5 });
    });
  }

  test('gradient of extractImagePatches', async () => {
    await gradCase(ex, ([x]) => tf.image.extractImagePatches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 2, 1], 'SAME'), [[1, 5, 6, 2]]);
  });
  test('gradients of resizeBicubic (through ResizeBicubicGrad)', async () => {
    // The output is float32 (TF's), so the float64 differences need a large step; the op is linear, so it costs nothing.
    const opts = { eps: 2 ** -4, tol: 1e-5 };
    await gradCase(ex, ([x]) => tf.image.resizeBicubic(x, [7, 5]), [[1, 4, 3, 2]], opts);
    await gradCase(ex, ([x]) => tf.image.resizeBicubic(x, [3, 5], false, { halfPixelCenters: true }), [[1, 4, 3, 2]], opts);
  });
  test('gradient of LRN', async () => {
    await gradCase(ex, ([x]) => tf.nn.lrn(x, { depthRadius: 2, bias: 1.5, alpha: 0.4, beta: 0.75 }), [[1, 2, 3, 6]], { lo: -1, hi: 1 });
  });
});

describe('NonMaxSuppression V1-V5', () => {
  for (const c of NMS) test(`${c.name} matches TensorFlow on cpu`, async () => { expectOps2(c, await runOps2Case(c, 'cpu'), { atol: 1e-6, rtol: 1e-6 }); });

  test('on webgpu: fed boxes are an UnimplementedError naming the node; constants are folded on the host', async () => {
    await expect(runOps2Case(NMS[2], 'webgpu')).rejects.toThrow(/'NonMaxSuppressionV3:0'.*known only at run time.*executor: 'cpu'/);
    const boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3], [0.5, 0.5, 0.6, 0.6]];
    const got = await evalTensor('webgpu', () => tf.image.nonMaxSuppression(tf.constant(boxes), tf.constant([0.9, 0.95, 0.3, 0.5]), 3, 0.5));
    expectClose(got, [1, 3, 2], { atol: 0, rtol: 0 });
  });

  test('bad thresholds and shapes name the node', async () => {
    await expect(evalTensor('cpu', () => tf.image.nonMaxSuppression(tf.placeholder('float32', [2, 4], 'b'), tf.constant([1, 2]), 2, 1.5, -Infinity, { name: 'nms' }),
      { 'b:0': tf.ndarray(new Float32Array(8), [2, 4]) })).rejects.toThrow(/NonMaxSuppressionV3 node 'nms\/NonMaxSuppressionV3'.*iou_threshold/);
    tf.resetDefaultGraph();
    expect(() => tf.image.nonMaxSuppression(tf.zeros([3, 5]), tf.zeros([3]), 2)).toThrow(/NonMaxSuppressionV3 node.*\[num_boxes, 4\]/);
    expect(tf.image.nonMaxSuppression(tf.zeros([3, 4]), tf.zeros([3]), 2).name).toBe('non_max_suppression_1/NonMaxSuppressionV3:0');
  });
});

test('bincount: the builder sizes the output from the data; negative values fail naming the node', async () => {
  const got = await evalTensor('cpu', () => tf.bincount(tf.placeholder('int32', [6], 'a'), { minlength: 3 }), { 'a:0': tf.ndarray(Int32Array.from([1, 1, 4, 0, 1, 4]), [6]) });
  expectClose(got, [1, 3, 0, 0, 2], { atol: 0, rtol: 0, dtype: 'int32' });
  await expect(evalTensor('cpu', () => tf.bincount(tf.placeholder('int32', [2], 'a'), { maxlength: 4, name: 'bc' }), { 'a:0': tf.ndarray(Int32Array.from([1, -2]), [2]) }))
    .rejects.toThrow(/Bincount node 'bc\/Bincount'.*non-negative/);
  // webgpu needs the size when it compiles: a constant size, and the kernel's status word for the negative value.
  await expect(evalTensor('webgpu', () => addOp('Bincount', [tf.placeholder('int32', [2], 'a'), tf.constant(4, { dtype: 'int32' }), tf.constant([], { dtype: 'float32' })],
    { T: 'float32' }, { name: 'bc' }).outputs[0], { 'a:0': tf.ndarray(Int32Array.from([1, -2]), [2]) })).rejects.toThrow(/Bincount node 'bc'.*non-negative/);
});
