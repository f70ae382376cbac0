// The gradient of Svd, linalg_grad.py's _SvdGrad for real matrices, built from the builders (matrix_diag as a
// product with a constant identity, matrix_set_diag(f, 0) as a product with its complement). Like TensorFlow's, it
// needs the matrix dims known while building, is infinite where singular values repeat, and with full_matrices
// handles |m - n| <= 1 only.
import { UnimplementedError } from '../graph/errors.js';
import { Operation, Tensor } from '../graph/tensor.js';
import { expandDims, slice, transpose } from './array.js';
import { add, cast, matmul, mul, reciprocal, square, sub } from './math.js';
import { constant } from './values.js';

function eye(n: number, dtype: Tensor['dtype'], off = false): Tensor {
  const v: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v.push((i === j) !== off ? 1 : 0);
  return constant(v, { dtype, shape: [n, n] });
}
const adjoint = (x: Tensor): Tensor => {
  const perm = [...Array(x.rank!).keys()];
  [perm[x.rank! - 2], perm[x.rank! - 1]] = [perm[x.rank! - 1], perm[x.rank! - 2]];
  return transpose(x, perm);
};
/** x[..., :, from:to]. */
const columns = (x: Tensor, from: number, to: number): Tensor =>
  slice(x, [...new Array<number>(x.rank! - 1).fill(0), from], [...new Array<number>(x.rank! - 1).fill(-1), to - from]);
const diag = (x: Tensor, n: number): Tensor => mul(expandDims(x, -1), eye(n, x.dtype));
const safeReciprocal = (x: Tensor): Tensor => mul(x, reciprocal(add(mul(x, x), 1e-20)));

export function svdGrad(op: Operation, grads: ReadonlyArray<Tensor | null>, svd: (a: Tensor) => [Tensor, Tensor, Tensor]): Tensor {
  const a = op.inputs[0];
  const shape = a.shape;
  const M = shape === null ? null : shape[shape.length - 2], N = shape === null ? null : shape[shape.length - 1];
  if (M === null || N === null) throw new UnimplementedError(`'${op.name}': the gradient of Svd needs the matrix dims known while building`);
  const p = Math.min(M, N);
  const gradSMat = diag(cast(grads[0]!, a.dtype), p);
  if (!(op.attrs.compute_uv as boolean)) {
    const [, u0, v0] = svd(a);
    return matmul(u0, matmul(gradSMat, v0, { transposeB: true }));
  }
  let [s, u, v] = op.outputs as [Tensor, Tensor, Tensor];
  let gu = grads[1]!, gv = grads[2]!;
  let m = M, n = N;
  const useAdjoint = m > n;
  if (useAdjoint) { [m, n] = [n, m]; [u, v] = [v, u]; [gu, gv] = [gv, gu]; }
  const full = op.attrs.full_matrices as boolean;
  if (full && Math.abs(m - n) > 1) throw new UnimplementedError(`'${op.name}': the gradient of Svd with full_matrices needs |m - n| <= 1, got ${M} x ${N}`);
  const sMat = diag(s, m);
  const s2 = square(s);
  const f = mul(safeReciprocal(sub(expandDims(s2, -2), expandDims(s2, -1))), eye(m, a.dtype, true));
  const sInvMat = diag(safeReciprocal(s), m);
  const v1 = n === m ? v : columns(v, 0, m), gv1 = n === m ? gv : columns(gv, 0, m);
  const fU = mul(f, matmul(u, gu, { transposeA: true }));
  const fV = mul(f, matmul(v1, gv1, { transposeA: true }));
  const term1Nouv = add(add(gradSMat, matmul(add(fU, adjoint(fU)), sMat)), matmul(sMat, add(fV, adjoint(fV))));
  let g = matmul(u, matmul(term1Nouv, v1, { transposeB: true }));
  if (m !== n) {
    const gv1t = adjoint(gv1);
    let term2Nous = sub(gv1t, matmul(matmul(gv1t, v1), v1, { transposeB: true }));
    if (full) {
      const v2 = columns(v, m, n), gv2 = columns(gv, m, n);
      term2Nous = sub(term2Nous, matmul(matmul(v1, gv2, { transposeA: true }), v2, { transposeB: true }));
    }
    g = add(g, matmul(matmul(u, sInvMat), term2Nous));
  }
  return useAdjoint ? adjoint(g) : g;
}
