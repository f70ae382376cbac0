// Elementwise ops as data: one line per op (TF type, allowed dtypes, the scalar function). The WebGPU executor will add
// a WGSL expression beside each `fn`, so the fuser can compose chains into one shader.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { broadcastStatic, formatShape } from '../graph/shape.js';
import { Tensor } from '../graph/tensor.js';
import { mapBroadcast, mapUnary } from './cpu.js';
import { addOp, defineOp } from './registry.js';
import { convertSameType, convertToTensor, NameOpt, TensorLike } from './values.js';

export const FLOATS: readonly DType[] = ['float32', 'float64'];
export const NUMERIC: readonly DType[] = ['float32', 'float64', 'int32', 'int64'];
export const ALL: readonly DType[] = ['float32', 'float64', 'int32', 'int64', 'bool'];
export const BOOL: readonly DType[] = ['bool'];

export interface UnaryOpSpec {
  type: string;
  dtypes: readonly DType[];
  fn: (x: number) => number;
  /** Output dtype when it differs from the input's (IsNan -> bool). */
  out?: DType;
}

export interface BinaryOpSpec {
  type: string;
  dtypes: readonly DType[];
  fn: (a: number, b: number) => number;
  /** For integer dtypes when the float formula would be wrong (int32 multiply wraps: Math.imul). */
  intFn?: (a: number, b: number) => number;
  out?: DType;
}

function checkDtype(c: { inputs: readonly Tensor[]; fail(m: string): never }, allowed: readonly DType[]): void {
  for (const t of c.inputs) {
    if (!allowed.includes(t.dtype)) c.fail(`input '${t.name}' has dtype ${t.dtype}; allowed: ${allowed.join(', ')}`);
  }
}

export function defineUnary(s: UnaryOpSpec): void {
  defineOp({
    type: s.type,
    inputs: ['x'],
    attrs: { T: { type: 'type' } },
    shape: (c) => {
      checkDtype(c, s.dtypes);
      return [{ dtype: s.out ?? c.inputs[0].dtype, shape: c.inputs[0].shape }];
    },
    cpu: ([x]) => [mapUnary(x, s.out ?? x.dtype, s.fn)],
  });
}

export function defineBinary(s: BinaryOpSpec): void {
  defineOp({
    type: s.type,
    inputs: ['x', 'y'],
    attrs: { T: { type: 'type' } },
    shape: (c) => {
      checkDtype(c, s.dtypes);
      const [a, b] = c.inputs;
      if (a.dtype !== b.dtype) c.fail(`inputs must have one dtype, got '${a.name}' ${a.dtype} and '${b.name}' ${b.dtype}`);
      const shape = broadcastStatic(a.shape, b.shape);
      if (shape === undefined) return c.fail(`Incompatible shapes: ${formatShape(a.shape)} vs. ${formatShape(b.shape)}`);
      return [{ dtype: s.out ?? a.dtype, shape }];
    },
    cpu: ([a, b], _, ctx) => {
      const isInt = a.dtype === 'int32' || a.dtype === 'int64';
      const fn = isInt && s.intFn !== undefined ? s.intFn : s.fn;
      return [mapBroadcast([a, b], s.out ?? a.dtype, ctx.name, fn)];
    },
  });
}

export function unaryBuilder(type: string) {
  return (x: TensorLike, opts: NameOpt = {}): Tensor => {
    const t = convertToTensor(x);
    return addOp(type, [t], { T: t.dtype }, { name: opts.name ?? type }).outputs[0];
  };
}

export function binaryBuilder(type: string) {
  return (a: TensorLike, b: TensorLike, opts: NameOpt = {}): Tensor => {
    const [x, y] = convertSameType([a, b], `${type} '${opts.name ?? type}'`);
    return addOp(type, [x, y], { T: x.dtype }, { name: opts.name ?? type }).outputs[0];
  };
}

/** Integer division and modulus by zero are errors in TensorFlow, not Infinity. */
export function intDivisor(b: number): number {
  if (b === 0) throw new InvalidArgumentError('Integer division by zero');
  return b;
}
