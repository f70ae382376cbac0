// tf.linalg against values TensorFlow computed (tests/testdata/ops2): Svd (s as values; u and v up to sign, with
// orthonormality and the reconstruction), the solves, inverse, determinants, Cholesky and Lu; gradients (linalg_grad.py's)
// against finite differences in float64. No WGSL kernels: on webgpu a fed input is an UnimplementedError naming the
// node, and constant inputs are folded on the host.
import * as tf from '../index.js';
import { gradCase } from './gradcheck.js';
import { evalTensor, expectClose } from './helpers.js';
import { expectOps2, load, ops2Cases, runOps2Case } from './ops2_cases.js';

const CASES = ops2Cases('linalg');

describe('linalg ops on cpu match TensorFlow', () => {
  for (const c of CASES) {
    // float32: TF factorizes in float32, Kiln in float64 and rounds; 1e-5 + 1e-4 relative on well-conditioned inputs.
    const tol = c.outputs[0].dtype === 'float64' ? { atol: 1e-10, rtol: 1e-9 } : { atol: 1e-5, rtol: 1e-4 };
    test(c.name, async () => { expectOps2(c, await runOps2Case(c, 'cpu'), tol); });
  }
});

describe('linalg ops on webgpu', () => {
  test('a fed input is an UnimplementedError naming the node', async () => {
    const c = CASES.find((x) => x.op === 'MatrixInverse')!;
    await expect(runOps2Case(c, 'webgpu')).rejects.toThrow(/'MatrixInverse'.*MatrixInverse has no GPU kernel.*executor: 'cpu'/);
  });
  test('constant inputs are computed on the host when the plan is compiled', async () => {
    const c = CASES.find((x) => x.op === 'MatrixDeterminant' && x.inputs[0].dtype === 'float32')!;
    const got = await evalTensor('webgpu', () => tf.linalg.det(tf.constant(load(c.inputs[0].file))));
    expectClose(got, load(c.outputs[0].file).data, { atol: 1e-5, rtol: 1e-4 });
  });
});

test('errors name the node: singular matrices, non-positive-definite input, shapes', async () => {
  await expect(evalTensor('cpu', () => tf.linalg.inv(tf.placeholder('float64', [2, 2], 'a'), { name: 'inv' }), { 'a:0': tf.ndarray(Float64Array.from([1, 2, 2, 4]), [2, 2]) }))
    .rejects.toThrow(/MatrixInverse node 'inv'.*not invertible/);
  await expect(evalTensor('cpu', () => tf.linalg.cholesky(tf.placeholder('float64', [2, 2], 'a'), { name: 'ch' }), { 'a:0': tf.ndarray(Float64Array.from([1, 2, 2, 1]), [2, 2]) }))
    .rejects.toThrow(/Cholesky node 'ch'.*not successful/);
  await expect(evalTensor('cpu', () => tf.linalg.triangularSolve(tf.placeholder('float64', [2, 2], 'a'), tf.ones([2, 1], { dtype: 'float64' }), { name: 'ts' }), { 'a:0': tf.ndarray(Float64Array.from([1, 0, 2, 0]), [2, 2]) }))
    .rejects.toThrow(/MatrixTriangularSolve node 'ts'.*not invertible/);
  tf.resetDefaultGraph();
  expect(() => tf.linalg.inv(tf.zeros([2, 3]), { name: 'i2' })).toThrow(/MatrixInverse node 'i2'.*square/);
  expect(() => tf.linalg.solve(tf.zeros([3, 3]), tf.zeros([2, 1]), { name: 's2' })).toThrow(/MatrixSolve node 's2'.*rows/);
  expect(() => tf.linalg.det(tf.zeros([3, 3], { dtype: 'int32' }), { name: 'd2' })).toThrow(/MatrixDeterminant node 'd2'.*int32/);
  const [s, u, v] = tf.linalg.svd(tf.placeholder('float32', [null, 5, 3]), { fullMatrices: true }) as tf.Tensor[];
  expect([s.shape, u.shape, v.shape]).toEqual([[null, 3], [null, 5, 5], [null, 3, 3]]);
  expect((tf.linalg.svd(tf.zeros([4, 6]), { computeUv: false }) as tf.Tensor).shape).toEqual([4]);
});

describe('linalg gradients (linalg_grad.py) against finite differences', () => {
  // Well-conditioned inputs: the identity times 3 plus values in [-1, 1).
  const wellConditioned = (x: tf.Tensor): tf.Tensor => tf.add(x, tf.mul(tf.constant([[3, 0, 0], [0, 3, 0], [0, 0, 3]], { dtype: 'float64' }), 1));
  const tol = { tol: 1e-6, eps: 1e-6 };
  test('MatrixInverse, with and without adjoint', async () => {
    await gradCase('cpu', ([a]) => tf.linalg.inv(wellConditioned(a)), [[2, 3, 3]], tol);
    await gradCase('cpu', ([a]) => tf.linalg.inv(wellConditioned(a), { adjoint: true }), [[3, 3]], tol);
  });
  test('MatrixDeterminant and LogMatrixDeterminant', async () => {
    await gradCase('cpu', ([a]) => tf.linalg.det(wellConditioned(a)), [[2, 3, 3]], tol);
    await gradCase('cpu', ([a]) => tf.linalg.slogdet(wellConditioned(a))[1], [[3, 3]], tol);
  });
  test('MatrixSolve and MatrixTriangularSolve, with adjoint and broadcasting', async () => {
    await gradCase('cpu', ([a, b]) => tf.linalg.solve(wellConditioned(a), b), [[2, 3, 3], [2, 3, 2]], tol);
    await gradCase('cpu', ([a, b]) => tf.linalg.solve(wellConditioned(a), b, { adjoint: true }), [[3, 3], [3, 2]], tol);
    for (const lower of [true, false]) for (const adjoint of [false, true]) {
      await gradCase('cpu', ([a, b]) => tf.linalg.triangularSolve(wellConditioned(a), b, { lower, adjoint }), [[3, 3], [3, 2]], tol);
    }
    await gradCase('cpu', ([a, b]) => tf.linalg.triangularSolve(wellConditioned(a), b), [[3, 3], [2, 3, 2]], tol);
  });
  test('Cholesky (symmetrised input, so the finite differences see what the lower triangle drives)', async () => {
    await gradCase('cpu', ([a]) => {
      const spd = tf.add(tf.matmul(a, a, { transposeB: true }), tf.constant([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: 'float64' }));
      return tf.linalg.cholesky(spd);
    }, [[3, 3]], tol);
  });
  test('Svd (linalg_grad.py _SvdGrad), through sign-invariant functions of s, u and v', async () => {
    // Columns of u and v are unique up to sign, so the losses read s, squares of u and v, and u s v^T.
    const fns = (full: boolean) => ([a]: tf.Tensor[]): tf.Tensor[] => {
      const [s, u, v] = tf.linalg.svd(a, { fullMatrices: full }) as tf.Tensor[];
      const p = s.shape![s.rank! - 1]!;
      const firstP = (x: tf.Tensor): tf.Tensor => tf.slice(x, [...Array(x.rank! - 1).fill(0), 0], [...Array(x.rank! - 1).fill(-1), p]);
      return [s, tf.square(u), tf.square(v), tf.matmul(tf.mul(firstP(u), tf.expandDims(s, -2)), firstP(v), { transposeB: true })];
    };
    for (const shape of [[3, 3], [4, 3], [3, 4], [2, 3, 2]]) await gradCase('cpu', fns(false), [shape], { tol: 1e-5 });
    await gradCase('cpu', fns(true), [[3, 4]], { tol: 1e-5 });
    await gradCase('cpu', fns(true), [[4, 3]], { tol: 1e-5 });
    await gradCase('cpu', ([a]) => tf.linalg.svd(a, { computeUv: false }) as tf.Tensor, [[3, 4]], { tol: 1e-5 });
  });
  test('Lu says its gradient is not built yet, naming the node', () => {
    tf.resetDefaultGraph();
    const x = tf.placeholder('float32', [3, 3]);
    expect(() => tf.gradients(tf.reduceSum(tf.linalg.lu(x, { name: 'l' })[0]), [x])).toThrow(/'l'.*Lu/);
  });
});
