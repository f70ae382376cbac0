// More of TF's math ops, for graphs TensorFlow wrote: the trigonometric, inverse and hyperbolic functions, the special
// functions (Erf, Erfc, Lgamma, Digamma, Zeta, Polygamma, Igamma, Igammac, Betainc), Expm1, IsFinite, Rint, Mod, TruncateMod, DivNoNan and Atan2 (elementwise,
// as data like ops/math.ts), and L2Loss, AccumulateNV2, Cumsum, Cumprod. Declared as in TF's math_ops.cc, gradients
// as in math_grad.py.
import { DType } from '../graph/dtypes.js';
import { UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { broadcastStatic, formatShape, normAxis, Shape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { checkIndexInput, kernelError, zerosLike } from './array.js';
import { empty, mapBroadcast } from './cpu.js';
import {
  binaryBuilder, BinaryGrad, BinaryOpSpec, defineBinary, defineUnary, elementwiseKernel, FLOATS, intDivisor, NUMERIC, unaryBuilder, UnaryOpSpec,
} from './elementwise.js';
import { unbroadcast } from './gradients.js';
import { add, equal, exp, log, log1p, mul, neg, realDiv, reciprocal, roundHalfToEven, rsqrt, square, sub, where } from './math.js';
import { addOp, defineOp, getOpDef } from './registry.js';
import {
  betainc as betaincFn, digamma as digammaFn, erf as erfFn, erfc as erfcFn, igamma as igammaFn, igammac as igammacFn, lgamma as lgammaFn, polygamma as polygammaFn,
  zeta as zetaFn,
} from './special.js';
import { constant, convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';
import { scanKernel, sumSquaresKernel } from './wgsl/extra.js';

// ---- elementwise --------------------------------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** 1 - x^2, the radicand of the inverse sine's and cosine's derivatives. */
const oneMinusSquare = (x: Tensor): Tensor => sub(1, square(x));

for (const s of <UnaryOpSpec[]>[
  { type: 'Sin', dtypes: FLOATS, fn: Math.sin, wgsl: (x) => `sin(${x})`, grad: (x, y, g) => mul(g, cos(x)) },
  { type: 'Cos', dtypes: FLOATS, fn: Math.cos, wgsl: (x) => `cos(${x})`, grad: (x, y, g) => mul(g, neg(sin(x))) },
  // TF's _TanGrad: g * sec(x)^2.
  { type: 'Tan', dtypes: FLOATS, fn: Math.tan, wgsl: (x) => `tan(${x})`, grad: (x, y, g) => mul(g, square(reciprocal(cos(x)))) },
  { type: 'Asin', dtypes: FLOATS, fn: Math.asin, wgsl: (x) => `asin_(${x})`, grad: (x, y, g) => mul(g, rsqrt(oneMinusSquare(x))) },
  { type: 'Acos', dtypes: FLOATS, fn: Math.acos, wgsl: (x) => `acos_(${x})`, grad: (x, y, g) => neg(mul(g, rsqrt(oneMinusSquare(x)))) },
  { type: 'Atan', dtypes: FLOATS, fn: Math.atan, wgsl: (x) => `atan(${x})`, grad: (x, y, g) => mul(g, reciprocal(add(1, square(x)))) },
  { type: 'Sinh', dtypes: FLOATS, fn: Math.sinh, wgsl: (x) => `sinh_(${x})`, grad: (x, y, g) => mul(g, cosh(x)) },
  { type: 'Cosh', dtypes: FLOATS, fn: Math.cosh, wgsl: (x) => `cosh_(${x})`, grad: (x, y, g) => mul(g, sinh(x)) },
  // TF's _AsinhGrad and _AcoshGrad: from the output, g / cosh(y) and g / sinh(y).
  { type: 'Asinh', dtypes: FLOATS, fn: Math.asinh, wgsl: (x) => `asinh_(${x})`, grad: (x, y, g) => realDiv(g, cosh(y)) },
  { type: 'Acosh', dtypes: FLOATS, fn: Math.acosh, wgsl: (x) => `acosh_(${x})`, grad: (x, y, g) => realDiv(g, sinh(y)) },
  { type: 'Atanh', dtypes: FLOATS, fn: Math.atanh, wgsl: (x) => `atanh_(${x})`, grad: (x, y, g) => mul(g, reciprocal(oneMinusSquare(x))) },
  { type: 'Expm1', dtypes: FLOATS, fn: Math.expm1, wgsl: (x) => `expm1_(${x})`, grad: (x, y, g) => mul(g, exp(x)) },
  { type: 'Erf', dtypes: FLOATS, fn: erfFn, wgsl: (x) => `erf_(${x})`, grad: (x, y, g) => mul(g, mul(TWO_OVER_SQRT_PI, exp(neg(square(x))))) },
  { type: 'Erfc', dtypes: FLOATS, fn: erfcFn, wgsl: (x) => `erfc_(${x})`, grad: (x, y, g) => mul(g, mul(-TWO_OVER_SQRT_PI, exp(neg(square(x))))) },
  { type: 'Lgamma', dtypes: FLOATS, fn: lgammaFn, wgsl: (x) => `lgamma_(${x})`, grad: (x, y, g) => mul(g, digamma(x)) },
  {
    type: 'Digamma', dtypes: FLOATS, fn: digammaFn, wgsl: (x) => `digamma_(${x})`,
    // TF's _DigammaGrad: g * polygamma(1, x).
    grad: (x, y, g) => mul(g, polygamma(constant(1, { dtype: x.dtype, graph: x.graph }), x)),
  },
  { type: 'IsFinite', dtypes: FLOATS, fn: (x: number) => +Number.isFinite(x), out: 'bool' as DType, wgsl: (x) => `select(0u, 1u, !isnan_(${x}) && !isinf_(${x}))`, grad: 'not-differentiable' },
  { type: 'IsInf', dtypes: FLOATS, fn: (x: number) => +(x === Infinity || x === -Infinity), out: 'bool' as DType, wgsl: (x) => `select(0u, 1u, isinf_(${x}))`, grad: 'not-differentiable' },
  // TF's _RintGrad: none flows (like Floor and Round). WGSL's round() is half to even, as Rint is.
  { type: 'Rint', dtypes: FLOATS, fn: roundHalfToEven, wgsl: (x) => `round(${x})`, grad: () => null },
]) defineUnary(s);

/** Refused by name rather than half done: TF's _IgammaGrad gives a's gradient through IgammaGradA. */
function igammaGrad(type: string): BinaryGrad {
  return (a) => { throw new UnimplementedError(`The gradient of ${type} (of '${a.name}') needs IgammaGradA, which Kiln does not have`); };
}

for (const s of <BinaryOpSpec[]>[
  // C's fmod (JS's %): the remainder of the truncating division, with the dividend's sign.
  { type: 'Mod', dtypes: NUMERIC, fn: (a: number, b: number) => a % b, intFn: (a: number, b: number) => a % intDivisor(b), wgsl: (a, b, t) => (t === 'f32' ? `fmod_c_(${a}, ${b})` : `${a} % ${b}`), intDivides: true, grad: 'not-differentiable' },
  { type: 'TruncateMod', dtypes: NUMERIC, fn: (a: number, b: number) => a % b, intFn: (a: number, b: number) => a % intDivisor(b), wgsl: (a, b, t) => (t === 'f32' ? `fmod_c_(${a}, ${b})` : `${a} % ${b}`), intDivides: true, grad: 'not-differentiable' },
  {
    type: 'DivNoNan', dtypes: FLOATS, fn: (a: number, b: number) => (b === 0 ? 0 : a / b), wgsl: (a, b) => `select(${a} / ${b}, 0.0, ${b} == 0.0)`,
    // TF's _DivNoNanGrad: div_no_nan(g, y) and g * div_no_nan(div_no_nan(-x, y), y).
    grad: (x, y, g) => unbroadcast(x, y, divNoNan(g, y), mul(g, divNoNan(divNoNan(neg(x), y), y))),
  },
  // Zeta (Hurwitz) and Polygamma: Cephes' algorithms, which Eigen and so TensorFlow use (ops/special.ts).
  {
    type: 'Zeta', inputs: ['x', 'q'], dtypes: FLOATS, fn: zetaFn, wgsl: (a, b) => `zeta_(${a}, ${b})`,
    // TF's _ZetaGrad: none for x; -x * zeta(x + 1, q) for q.
    grad: (x, q, g) => unbroadcast(x, q, null, mul(g, mul(neg(x), zeta(add(x, 1), q)))),
  },
  {
    type: 'Polygamma', inputs: ['a', 'x'], dtypes: FLOATS, fn: polygammaFn, wgsl: (a, b) => `polygamma_(${a}, ${b})`,
    // TF's _PolygammaGrad: none for a; g * polygamma(a + 1, x) for x.
    grad: (a, x, g) => unbroadcast(a, x, null, mul(g, polygamma(add(a, 1), x))),
  },
  // Igamma, Igammac: TF's gradient for a needs IgammaGradA (Eigen's derivative of the series), which Kiln does not have.
  { type: 'Igamma', inputs: ['a', 'x'], dtypes: FLOATS, fn: igammaFn, wgsl: (a, b) => `igamma_(${a}, ${b})`, grad: igammaGrad('Igamma') },
  { type: 'Igammac', inputs: ['a', 'x'], dtypes: FLOATS, fn: igammacFn, wgsl: (a, b) => `igammac_(${a}, ${b})`, grad: igammaGrad('Igammac') },
  {
    type: 'Atan2', inputs: ['y', 'x'], dtypes: FLOATS, fn: Math.atan2, wgsl: (a, b) => `atan2_(${a}, ${b})`,
    // TF's _Atan2Grad: with d = x^2 + y^2, g * x / d for y and -g * y / d for x.
    grad: (y, x, g) => { const d = reciprocal(add(square(x), square(y))); return unbroadcast(y, x, mul(g, mul(x, d)), mul(g, mul(neg(y), d))); },
  },
]) defineBinary(s);

export const sin = unaryBuilder('Sin');
export const cos = unaryBuilder('Cos');
export const tan = unaryBuilder('Tan');
export const asin = unaryBuilder('Asin');
export const acos = unaryBuilder('Acos');
export const atan = unaryBuilder('Atan');
export const sinh = unaryBuilder('Sinh');
export const cosh = unaryBuilder('Cosh');
export const asinh = unaryBuilder('Asinh');
export const acosh = unaryBuilder('Acosh');
export const atanh = unaryBuilder('Atanh');
export const expm1 = unaryBuilder('Expm1');
export const erf = unaryBuilder('Erf');
export const erfc = unaryBuilder('Erfc');
export const lgamma = unaryBuilder('Lgamma');
export const digamma = unaryBuilder('Digamma');
export const isFinite = unaryBuilder('IsFinite');
export const isInf = unaryBuilder('IsInf');
export const rint = unaryBuilder('Rint');
export const mod = binaryBuilder('Mod');
export const truncateMod = binaryBuilder('TruncateMod');
export const divNoNan = binaryBuilder('DivNoNan');
/** `tf.zeta(x, q)`: the Hurwitz zeta function. */
export const zeta = binaryBuilder('Zeta');
/** `tf.igamma(a, x)` and `tf.igammac(a, x)`: the regularized lower and upper incomplete gamma functions. */
export const igamma = binaryBuilder('Igamma');
export const igammac = binaryBuilder('Igammac');
/** `tf.polygamma(a, x)`: the a-th derivative of digamma. */
export const polygamma = binaryBuilder('Polygamma');
/** `tf.atan2(y, x)`: the angle of (x, y), in (-pi, pi]. */
export const atan2 = binaryBuilder('Atan2');

// ---- Betainc ------------------------------------------------------------------------------------------------------

// Elementwise over three inputs (numpy broadcasting, which covers TF's same-shape-or-scalar rule), so it fuses like the rest.
const betaincWgsl = (v: string[]): string => `betainc_(${v[0]}, ${v[1]}, ${v[2]})`;

defineOp({
  type: 'Betainc',
  inputs: ['a', 'b', 'x'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    for (const t of c.inputs) {
      if (!FLOATS.includes(t.dtype)) c.fail(`input '${t.name}' has dtype ${t.dtype}; allowed: ${FLOATS.join(', ')}`);
      if (t.dtype !== c.inputs[0].dtype) c.fail(`inputs must have one dtype, got '${c.inputs[0].name}' ${c.inputs[0].dtype} and '${t.name}' ${t.dtype}`);
    }
    let shape: Shape | undefined = c.inputs[0].shape;
    for (const t of c.inputs.slice(1)) shape = shape === undefined ? undefined : broadcastStatic(shape, t.shape);
    if (shape === undefined) return c.fail(`Incompatible shapes: ${c.inputs.map((t) => formatShape(t.shape)).join(' vs. ')}`);
    return [{ dtype: c.inputs[0].dtype, shape }];
  },
  cpu: (xs, _, ctx) => [mapBroadcast(xs, xs[0].dtype, ctx.name, betaincFn)],
  elementwise: { expr: (v) => betaincWgsl(v) },
  gpu: (k) => elementwiseKernel(k, betaincWgsl),
  // TF's _BetaincGrad: none for a and b (TF has none either); for x, x^(a-1) (1-x)^(b-1) / B(a, b), by logs, each
  // power taken as 1 where its exponent is 0 (TF's xlogy, xlog1py).
  grad: (op, [g]) => {
    const [a, b, x] = op.inputs;
    const logBeta = sub(add(lgamma(a), lgamma(b)), lgamma(add(a, b)));
    const am1 = sub(a, 1), bm1 = sub(b, 1);
    const xlogy = where(equal(am1, 0), zerosLike(am1), mul(am1, log(x)));
    const xlog1py = where(equal(bm1, 0), zerosLike(bm1), mul(bm1, log1p(neg(x))));
    const partial = exp(sub(add(xlog1py, xlogy), logBeta));
    return [null, null, unbroadcast(x, op.outputs[0], mul(partial, g!), null)[0]];
  },
});

/** `tf.betainc(a, b, x)`: the regularized incomplete beta function I_x(a, b). */
export function betainc(a: TensorLike, b: TensorLike, x: TensorLike, opts: NameOpt = {}): Tensor {
  const [ta, tb, tx] = convertSameType([a, b, x], `tf.betainc '${opts.name ?? 'Betainc'}'`);
  return addOp('Betainc', [ta, tb, tx], { T: ta.dtype }, { name: opts.name ?? 'Betainc' }).outputs[0];
}

// ---- L2Loss -------------------------------------------------------------------------------------------------------

defineOp({
  type: 'L2Loss',
  inputs: ['t'],
  attrs: { T: { type: 'type' } },
  shape: (c) => {
    const t = c.inputs[0];
    if (!FLOATS.includes(t.dtype)) c.fail(`t '${t.name}' has dtype ${t.dtype}; allowed: ${FLOATS.join(', ')}`);
    return [{ dtype: t.dtype, shape: [] }];
  },
  cpu: ([t]) => {
    const out = empty(t.dtype, []);
    let s = 0;
    for (let i = 0; i < t.size; i++) s += t.data[i] * t.data[i];
    out.data[0] = s / 2;
    return [out];
  },
  gpu: sumSquaresKernel,
  // TF's _L2LossGrad: t * g.
  grad: (op, [g]) => [mul(op.inputs[0], g!)],
});

/** `tf.nn.l2Loss(t)`: sum(t^2) / 2. */
export function l2Loss(t: TensorLike, opts: NameOpt = {}): Tensor {
  const x = convertToTensor(t);
  return addOp('L2Loss', [x], { T: x.dtype }, { name: opts.name ?? 'L2Loss' }).outputs[0];
}

// ---- AccumulateNV2 ------------------------------------------------------------------------------------------------

const addNDef = getOpDef('AddN')!;

// What `tf.math.accumulate_n` builds: AddN's sum (TF's version may add in place, in any order), plus a `shape` attr.
defineOp({
  type: 'AccumulateNV2',
  inputs: ['inputs*'],
  attrs: { N: { type: 'int' }, T: { type: 'type' }, shape: { type: 'shape' } },
  shape: (c) => {
    const [out] = addNDef.shape(c);
    const declared = c.attrs.shape as Shape;
    if (declared !== null && out.shape !== null && (declared.length !== out.shape.length
      || declared.some((d, i) => d !== null && out.shape![i] !== null && d !== out.shape![i]))) {
      c.fail(`shape attr ${formatShape(declared)} does not match the inputs' shape ${formatShape(out.shape)}`);
    }
    return [{ dtype: out.dtype, shape: out.shape ?? declared }];
  },
  cpu: addNDef.cpu,
  gpu: addNDef.gpu,
  // As AddN's: every input gets the gradient.
  grad: (op, [g]) => op.inputs.map(() => g),
});

/** `tf.math.accumulateN(inputs, {shape?})`: the elementwise sum of tensors of one shape (AccumulateNV2). */
export function accumulateN(inputs: readonly TensorLike[], opts: NameOpt & { shape?: readonly (number | null)[] } = {}): Tensor {
  const xs = inputs.map((x) => convertToTensor(x));
  if (xs.length === 0) throw kernelError('AccumulateNV2', opts.name ?? 'AccumulateNV2', 'needs at least one input');
  const shape = opts.shape ?? xs[0].shape;
  return addOp('AccumulateNV2', xs, { N: xs.length, T: xs[0].dtype, shape: shape === null ? null : [...shape] }, { name: opts.name ?? 'AccumulateNV2' }).outputs[0];
}

// ---- Cumsum, Cumprod ----------------------------------------------------------------------------------------------

/** The scan along `axis`: out[.., p, ..] = op over x[.., j, ..] for j up to p (before p when exclusive; from the end when reverse). */
function scanCpu(x: NDArray, axis: number, exclusive: boolean, reverse: boolean, prod: boolean): NDArray {
  const out = empty(x.dtype, x.shape);
  const n = x.shape[axis] ?? 1;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.size / Math.max(1, n * inner);
  // int32 products wrap as TF's do; int64 ones are exact while they fit a double.
  const isInt = x.dtype === 'int32';
  for (let o = 0; o < outer; o++) {
    for (let r = 0; r < inner; r++) {
      let acc = prod ? 1 : 0;
      for (let s = 0; s < n; s++) {
        const p = reverse ? n - 1 - s : s;
        const at = (o * n + p) * inner + r;
        const v = x.data[at];
        if (!exclusive) acc = prod ? (isInt ? Math.imul(acc, v) : acc * v) : acc + v;
        out.data[at] = acc;
        if (exclusive) acc = prod ? (isInt ? Math.imul(acc, v) : acc * v) : acc + v;
      }
    }
  }
  return out;
}

for (const type of ['Cumsum', 'Cumprod'] as const) {
  const prod = type === 'Cumprod';
  defineOp({
    type,
    inputs: ['x', 'axis'],
    attrs: { exclusive: { type: 'bool', default: false }, reverse: { type: 'bool', default: false }, T: { type: 'type' }, Tidx: { type: 'type', default: 'int32' } },
    shape: (c) => {
      const x = c.inputs[0];
      if (!NUMERIC.includes(x.dtype)) c.fail(`x '${x.name}' has dtype ${x.dtype}; allowed: ${NUMERIC.join(', ')}`);
      checkIndexInput(c, 1, 'axis', 0);
      const a = c.constValue(1);
      if (a !== null && x.shape !== null && normAxis(a.data[0], x.shape.length) === undefined) {
        c.fail(`axis ${a.data[0]} is out of range for x '${x.name}' of rank ${x.shape.length}`);
      }
      return [{ dtype: x.dtype, shape: x.shape }];
    },
    cpu: ([x, a], attrs, ctx) => {
      const axis = x.rank === 0 ? 0 : normAxis(a.data[0], x.rank);
      if (axis === undefined || x.rank === 0) throw kernelError(type, ctx.name, `axis ${a.data[0]} is out of range for x of shape ${formatShape(x.shape)}`);
      return [scanCpu(x, axis, attrs.exclusive as boolean, attrs.reverse as boolean, prod)];
    },
    gpu: (k) => {
      const rank = k.inputs[0].shape.length;
      const a = k.requireConst(1, 'axis').data[0];
      const axis = normAxis(a, rank);
      if (axis === undefined) return k.fail(`axis ${a} is out of range for rank ${rank}`);
      return scanKernel(k, axis, k.attrs.exclusive as boolean, k.attrs.reverse as boolean, prod);
    },
    grad: prod
      // TF's _CumprodGrad (for non-zero x): cumsum(cumprod(x) * g, reverse flipped) / x.
      ? (op, [g]) => {
        const [x, axis] = op.inputs;
        const e = op.attrs.exclusive as boolean, r = op.attrs.reverse as boolean;
        const p = cumprod(x, axis, { exclusive: e, reverse: r });
        return [realDiv(cumsum(mul(p, g!), axis, { exclusive: e, reverse: !r }), x), null];
      }
      // TF's _CumsumGrad: the cumsum of g the other way.
      : (op, [g]) => [cumsum(g!, op.inputs[1], { exclusive: op.attrs.exclusive as boolean, reverse: !(op.attrs.reverse as boolean) }), null],
  });
}

type ScanOpts = NameOpt & { exclusive?: boolean; reverse?: boolean };

function scanBuilder(type: 'Cumsum' | 'Cumprod', x: TensorLike, axis: number | Tensor, opts: ScanOpts): Tensor {
  const t = convertToTensor(x);
  const a = axis instanceof Tensor ? axis : constant(axis, { dtype: 'int32', name: `${opts.name ?? type}/axis`, graph: t.graph });
  return addOp(type, [t, a], { T: t.dtype, Tidx: a.dtype, exclusive: opts.exclusive ?? false, reverse: opts.reverse ?? false }, { name: opts.name ?? type }).outputs[0];
}

/** `tf.cumsum(x, axis = 0, {exclusive?, reverse?})`. */
export function cumsum(x: TensorLike, axis: number | Tensor = 0, opts: ScanOpts = {}): Tensor { return scanBuilder('Cumsum', x, axis, opts); }
/** `tf.cumprod(x, axis = 0, {exclusive?, reverse?})`. */
export function cumprod(x: TensorLike, axis: number | Tensor = 0, opts: ScanOpts = {}): Tensor { return scanBuilder('Cumprod', x, axis, opts); }
