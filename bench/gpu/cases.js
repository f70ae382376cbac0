// The GPU correctness table: each case builds one graph, which runs on 'webgpu' and on 'cpu' (the reference executor)
// with the same seeded feeds; the results must agree within the case's tolerance.
//
// Inputs are fed through placeholders: constants would be folded on the host and never reach a GPU kernel.
// Tolerances: |gpu - cpu| <= atol + rtol * |cpu| per element. The float32 default is rtol 1e-4, atol 1e-5. Ops that sum
// K terms (matmul, conv, reductions) add them in another order on the GPU (tiles, tree reductions) than the CPU does,
// and float32 rounding of such a sum grows like sqrt(K) times the terms' size: their atol is 1e-5 * sqrt(K) for terms
// of size <= 1 (the inputs are uniform in [-1, 1)), about 10x what such reordering gives and far below what one wrong
// or missing term gives. Copies and selections (gather, concat, transpose, max pool, the Philox generators) must be
// bitwise equal.
import { uniform } from '../workloads.js';

const EXACT = { exact: true, why: 'moves or selects values, or is integer arithmetic: bitwise equal' };
const DEFAULT = { rtol: 1e-4, atol: 1e-5, why: 'float32 default' };
/** A sum of k products of terms of size <= 1 (see the header). */
const sums = (k, why = `sums ${k} terms in another order than the CPU: atol 1e-5 * sqrt(${k})`) => ({ rtol: 1e-4, atol: 1e-5 * Math.sqrt(Math.max(1, k)), why });

const prod = (s) => s.reduce((a, b) => a * b, 1);
let seedCounter = 100;

/** A float32 placeholder of `shape` and its seeded feed, uniform in [lo, hi). */
function input(tf, feeds, shape, lo = -1, hi = 1) {
  const p = tf.placeholder('float32', shape, `in${seedCounter}`);
  feeds.set(p, tf.ndarray(uniform(prod(shape), lo, hi, seedCounter++), shape));
  return p;
}

/** An int32 placeholder of `shape` with seeded values in [0, n). */
function intInput(tf, feeds, shape, n) {
  const p = tf.placeholder('int32', shape, `idx${seedCounter}`);
  const u = uniform(prod(shape), 0, 1, seedCounter++);
  feeds.set(p, tf.ndarray(Int32Array.from(u, (v) => Math.min(n - 1, Math.floor(v * n))), shape, 'int32'));
  return p;
}

/**
 * The table. `build(tf, feeds)` returns the tensors to fetch (one or an array); `runs` (default 1) runs it that many
 * times in one session (random ops advance per run; training steps update the variables) and compares every run.
 * `quick` replaces sizes for the rehearsal on a machine without a GPU.
 */
export function cases(quick) {
  const mm = (m, k, n, opts = {}) => ({
    name: `matmul ${m}x${k}x${n}${opts.transposeA ? ' tA' : ''}${opts.transposeB ? ' tB' : ''}`,
    tol: sums(k),
    build: (tf, f) => tf.matmul(input(tf, f, opts.transposeA ? [k, m] : [m, k]), input(tf, f, opts.transposeB ? [n, k] : [k, n]), opts),
  });
  const big = quick ? 384 : 1024;
  const conv = (name, xs, ws, strides, padding, opts = {}) => ({
    name: `conv2d ${name}`,
    tol: sums(ws[0] * ws[1] * ws[2]),
    build: (tf, f) => tf.nn.conv2d(input(tf, f, xs), input(tf, f, ws), strides, padding, opts),
  });
  const rows = quick ? 100000 : 300000;
  return [
    mm(1, 1, 1), mm(17, 33, 9), mm(128, 256, 64), mm(65, 47, 31, { transposeA: true }), mm(33, 130, 67, { transposeB: true }),
    mm(big, big, big),
    { name: 'batch matmul [4,33,65]x[4,65,17]', tol: sums(65), build: (tf, f) => tf.matmul(input(tf, f, [4, 33, 65]), input(tf, f, [4, 65, 17])) },
    { name: 'batch matmul broadcast [2,3,20,30]x[3,30,7]', tol: sums(30), build: (tf, f) => tf.matmul(input(tf, f, [2, 3, 20, 30]), input(tf, f, [3, 30, 7])) },
    conv('3x3 SAME s1', [2, 17, 19, 5], [3, 3, 5, 8], 1, 'SAME'),
    conv('5x5 VALID s2', [2, 23, 21, 3], [5, 5, 3, 7], 2, 'VALID'),
    conv('3x3 SAME s[2,1]', [1, 16, 15, 4], [3, 3, 4, 6], [2, 1], 'SAME'),
    conv('3x3 SAME dilations 2', [2, 14, 14, 3], [3, 3, 3, 5], 1, 'SAME', { dilations: 2 }),
    conv('3x3 SAME s2 NCHW', [2, 5, 17, 19], [3, 3, 5, 8], 2, 'SAME', { dataFormat: 'NCHW' }),
    conv('1x1 VALID NCHW', [2, 16, 9, 9], [1, 1, 16, 12], 1, 'VALID', { dataFormat: 'NCHW' }),
    conv(quick ? '3x3 SAME [4,32,32,16]->32' : '3x3 SAME [8,64,64,32]->64', quick ? [4, 32, 32, 16] : [8, 64, 64, 32], quick ? [3, 3, 16, 32] : [3, 3, 32, 64], 1, 'SAME'),
    {
      name: 'conv2d gradients (input and filter) 3x3 SAME s2', tol: sums(2 * 9 * 5 * 8, 'the filter gradient sums over batch and positions: atol 1e-5 * sqrt(720)'),
      build: (tf, f) => {
        const x = input(tf, f, [2, 13, 11, 5]), w = input(tf, f, [3, 3, 5, 8]);
        const y = tf.nn.conv2d(x, w, 2, 'SAME');
        return tf.gradients(tf.reduceSum(tf.mul(y, input(tf, f, [2, 7, 6, 8]))), [x, w]);
      },
    },
    { name: 'depthwise conv 3x3 SAME s1 x2', tol: sums(9), build: (tf, f) => tf.nn.depthwiseConv2d(input(tf, f, [2, 16, 16, 6]), input(tf, f, [3, 3, 6, 2]), [1, 1, 1, 1], 'SAME') },
    { name: 'depthwise conv 3x3 VALID rate 2', tol: sums(9), build: (tf, f) => tf.nn.depthwiseConv2d(input(tf, f, [2, 15, 15, 4]), input(tf, f, [3, 3, 4, 1]), [1, 1, 1, 1], 'VALID', { rate: 2 }) },
    { name: 'depthwise conv 5x5 SAME s2', tol: sums(25), build: (tf, f) => tf.nn.depthwiseConv2d(input(tf, f, [1, 20, 18, 8]), input(tf, f, [5, 5, 8, 3]), [1, 2, 2, 1], 'SAME') },
    { name: 'max pool 3x3 s2 SAME', tol: EXACT, build: (tf, f) => tf.nn.maxPool(input(tf, f, [2, 17, 17, 6]), 3, 2, 'SAME') },
    { name: 'max pool 2x2 s2 VALID NCHW', tol: EXACT, build: (tf, f) => tf.nn.maxPool(input(tf, f, [2, 6, 16, 15]), 2, 2, 'VALID', { dataFormat: 'NCHW' }) },
    { name: 'avg pool 3x3 s2 SAME', tol: DEFAULT, build: (tf, f) => tf.nn.avgPool(input(tf, f, [2, 17, 17, 6]), 3, 2, 'SAME') },
    { name: 'avg pool 2x2 s1 VALID', tol: DEFAULT, build: (tf, f) => tf.nn.avgPool(input(tf, f, [3, 9, 10, 4]), 2, 1, 'VALID') },
    { name: `reduceSum rows of ${rows} [4,${rows}]`, tol: sums(rows), build: (tf, f) => tf.reduceSum(input(tf, f, [4, rows]), 1) },
    {
      name: `reduceMean rows of ${rows} [3,${rows}]`, tol: { rtol: 1e-4, atol: 1e-5 / Math.sqrt(rows), why: `the sum's atol 1e-5 * sqrt(${rows}), divided by ${rows}` },
      build: (tf, f) => tf.reduceMean(input(tf, f, [3, rows]), 1),
    },
    { name: `reduceMax / reduceMin rows of ${rows}`, tol: EXACT, build: (tf, f) => { const x = input(tf, f, [2, rows]); return [tf.reduceMax(x, 1), tf.reduceMin(x, 1)]; } },
    { name: 'reduceSum axis 0 of [2000,300]', tol: sums(2000), build: (tf, f) => tf.reduceSum(input(tf, f, [2000, 300]), 0) },
    { name: 'reduceSum all of [1000,1000]', tol: sums(1e6), build: (tf, f) => tf.reduceSum(input(tf, f, [1000, 1000])) },
    { name: 'argMax rows of 5000', tol: EXACT, build: (tf, f) => tf.argMax(input(tf, f, [7, 5000]), 1) },
    { name: 'softmax [64,1000]', tol: { rtol: 1e-4, atol: 0, why: 'atol 0: every probability (>= 1e-4 here) is checked relatively; GPU exp is within a few ulp' }, build: (tf, f) => tf.nn.softmax(input(tf, f, [64, 1000], -4, 4)) },
    {
      name: `softmax rows of ${rows}`, tol: { rtol: 2e-4, atol: 0, why: `atol 0: the probabilities are ~1/${rows}; rtol 2e-4 for the sum of ${rows} exps that normalises them` },
      build: (tf, f) => tf.nn.softmax(input(tf, f, [2, rows], -3, 3)),
    },
    { name: 'logSoftmax [33,257]', tol: DEFAULT, build: (tf, f) => tf.nn.logSoftmax(input(tf, f, [33, 257], -5, 5)) },
    {
      name: 'softmaxCrossEntropyWithLogits [32,10] + gradient', tol: DEFAULT,
      build: (tf, f) => {
        const logits = input(tf, f, [32, 10], -3, 3);
        const labels = tf.nn.softmax(input(tf, f, [32, 10], -2, 2));
        const ce = tf.nn.softmaxCrossEntropyWithLogits({ labels, logits });
        return [ce, ...tf.gradients(tf.reduceMean(ce), [logits])];
      },
    },
    {
      name: 'sparseSoftmaxCrossEntropyWithLogits [128,1000] + gradient', tol: DEFAULT,
      build: (tf, f) => {
        const logits = input(tf, f, [128, 1000], -3, 3);
        const ce = tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: intInput(tf, f, [128], 1000), logits });
        return [ce, ...tf.gradients(tf.reduceMean(ce), [logits])];
      },
    },
    {
      name: 'losses.sigmoidCrossEntropy [64,20] + gradient', tol: DEFAULT,
      build: (tf, f) => {
        const logits = input(tf, f, [64, 20], -6, 6);
        const loss = tf.losses.sigmoidCrossEntropy(input(tf, f, [64, 20], 0, 1), logits);
        return [loss, ...tf.gradients(loss, [logits])];
      },
    },
    {
      name: 'elementwise chain relu(x*a + b)*c - d [1M]', tol: DEFAULT,
      build: (tf, f) => tf.sub(tf.mul(tf.nn.relu(tf.add(tf.mul(input(tf, f, [1 << 20]), 1.5), -0.25)), 2), 0.5),
    },
    {
      name: 'elementwise chain with broadcasting and transcendentals [1024,1000]+[1000]', tol: DEFAULT,
      build: (tf, f) => {
        const x = input(tf, f, [1024, 1000], -3, 3), b = input(tf, f, [1000]);
        const y = tf.add(tf.tanh(tf.mul(tf.sigmoid(x), b)), tf.exp(tf.neg(tf.square(x))));
        return tf.sub(tf.add(y, tf.sqrt(tf.abs(x))), tf.log1p(tf.abs(tf.mul(x, b))));
      },
    },
    {
      name: 'elementwise: maximum, where, div, pow, floorMod', tol: DEFAULT,
      build: (tf, f) => {
        const x = input(tf, f, [300, 301], 0.5, 2), y = input(tf, f, [300, 301], 0.5, 2);
        return [tf.maximum(x, y), tf.where(tf.greater(x, y), x, tf.neg(y)), tf.div(x, y), tf.pow(x, y), tf.floorMod(tf.mul(x, 7), y)];
      },
    },
    { name: 'gather axis 0 [1000,64] by 300 indices', tol: EXACT, build: (tf, f) => tf.gather(input(tf, f, [1000, 64]), intInput(tf, f, [300], 1000)) },
    { name: 'gather axis 1 [5,777,3] by [4,6] indices', tol: EXACT, build: (tf, f) => tf.gather(input(tf, f, [5, 777, 3]), intInput(tf, f, [4, 6], 777), 1) },
    { name: 'concat axis 1 [17,5]+[17,9]+[17,1]', tol: EXACT, build: (tf, f) => tf.concat([input(tf, f, [17, 5]), input(tf, f, [17, 9]), input(tf, f, [17, 1])], 1) },
    { name: 'concat axis 0 [3,4,5]+[7,4,5]', tol: EXACT, build: (tf, f) => tf.concat([input(tf, f, [3, 4, 5]), input(tf, f, [7, 4, 5])], 0) },
    { name: 'transpose [1025,513]', tol: EXACT, build: (tf, f) => tf.transpose(input(tf, f, [1025, 513])) },
    { name: 'transpose [8,33,17,5] perm [2,0,3,1]', tol: EXACT, build: (tf, f) => tf.transpose(input(tf, f, [8, 33, 17, 5]), [2, 0, 3, 1]) },
    {
      name: 'random uniform / normal / truncatedNormal / uniform int32 (2 runs)', tol: { exact: true, why: 'Philox4x32-10 with integer-only transforms on both executors: bitwise equal' }, runs: 2,
      build: (tf) => [
        tf.random.uniform([1000], { seed: 7 }), tf.random.normal([1001], { seed: 8 }),
        tf.random.truncatedNormal([999], { seed: 9 }), tf.random.uniform([1003], { seed: 10, maxval: 1000, dtype: 'int32' }),
      ],
    },
    trainingCase(),
  ];
}

/**
 * A small CNN trained 10 steps with momentum (conv 3x3 SAME + bias + relu, max pool, conv 3x3 VALID + relu, avg
 * pool, dense): the loss of every step (the default tolerance) and the weights after the 10 steps (looser, below).
 */
function trainingCase() {
  return {
    name: 'small CNN: 10 momentum steps (loss per step)', runs: 10,
    tol: { rtol: 1e-4, atol: 1e-5, why: 'float32 default on each step\'s loss' },
    // w1's gradient sums 16 x 12 x 12 = 2304 products per element (atol 1e-5 * sqrt(2304) = 5e-4 by the sums rule),
    // and 10 momentum steps at lr 0.1 carry such differences on: llvmpipe gave 8.3e-5 on w1 and b1, within 3e-4.
    after: { tol: { rtol: 1e-3, atol: 3e-4, why: 'weights after 10 steps: the first layer\'s gradient sums 2304 products per element, and momentum carries the differences on' } },
    build: (tf, f) => {
      const x = input(tf, f, [16, 12, 12, 3], 0, 1);
      const labels = intInput(tf, f, [16], 10);
      const v = (shape, lim, name) => tf.variable(tf.constant(uniform(prod(shape), -lim, lim, seedCounter++), { shape }), { name });
      const w1 = v([3, 3, 3, 8], 0.3, 'w1'), b1 = v([8], 0.1, 'b1'), w2 = v([3, 3, 8, 16], 0.2, 'w2');
      const w3 = v([64, 10], 0.25, 'w3'), b3 = v([10], 0.1, 'b3');
      let h = tf.nn.maxPool(tf.nn.relu(tf.nn.biasAdd(tf.nn.conv2d(x, w1, 1, 'SAME'), b1)), 2, 2, 'SAME'); // [16,6,6,8]
      h = tf.nn.avgPool(tf.nn.relu(tf.nn.conv2d(h, w2, 1, 'VALID')), 2, 2, 'VALID'); // [16,2,2,16]
      const logits = tf.nn.biasAdd(tf.matmul(tf.reshape(h, [16, 64]), w3), b3);
      const loss = tf.reduceMean(tf.nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits }));
      const train = new tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss);
      return { fetch: [loss], targets: [train], init: tf.globalVariablesInitializer(), after: [w1, b1, w2, w3, b3] };
    },
  };
}
