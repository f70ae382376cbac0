// tf.bitwise: BitwiseAnd, BitwiseOr, BitwiseXor, Invert, LeftShift, RightShift (TF's bitwise_ops.cc), on int32 and
// int64. All are not differentiable (bitwise_ops.py: ops.NotDifferentiable).
//
// int64 lives on the host as exact integers in a Float64Array (graph/dtypes.ts): values beyond the int32 range go
// through BigInt, so results are exact to 2^53, where int64's host representation ends. On the GPU int64 is i32
// narrowed with a range check on upload; And/Or/Xor/Invert of sign-extended values are the sign-extended results, so
// the same i32 expressions serve both dtypes. A LeftShift of int64 can leave the int32 range: that kernel checks.
import { DType } from '../graph/dtypes.js';
import { broadcastStatic, formatShape } from '../graph/shape.js';
import { mapBroadcast } from './cpu.js';
import { binaryBuilder, defineBinary, defineUnary, elementwiseKernel, unaryBuilder } from './elementwise.js';
import { defineOp } from './registry.js';

const INTS: readonly DType[] = ['int32', 'int64'];

const fitsI32 = (v: number): boolean => (v | 0) === v;
/** A bitwise op on two integers: int32 arithmetic when both fit, BigInt (64-bit two's complement) otherwise. */
const bitwise = (i32: (a: number, b: number) => number, big: (a: bigint, b: bigint) => bigint) =>
  (a: number, b: number): number => (fitsI32(a) && fitsI32(b) ? i32(a, b) : Number(BigInt.asIntN(64, big(BigInt(a), BigInt(b)))));

defineBinary({ type: 'BitwiseAnd', dtypes: INTS, fn: bitwise((a, b) => a & b, (a, b) => a & b), wgsl: (a, b) => `${a} & ${b}`, grad: 'not-differentiable' });
defineBinary({ type: 'BitwiseOr', dtypes: INTS, fn: bitwise((a, b) => a | b, (a, b) => a | b), wgsl: (a, b) => `${a} | ${b}`, grad: 'not-differentiable' });
defineBinary({ type: 'BitwiseXor', dtypes: INTS, fn: bitwise((a, b) => a ^ b, (a, b) => a ^ b), wgsl: (a, b) => `${a} ^ ${b}`, grad: 'not-differentiable' });
// ~x is -x - 1 in two's complement of any width: one formula for int32 and int64.
defineUnary({ type: 'Invert', dtypes: INTS, fn: (x) => -x - 1, wgsl: (x) => `~(${x})`, grad: 'not-differentiable' });

/**
 * TF's shift kernels (cwise_ops.h) clamp the shift to [0, bits - 1] and shift the unsigned bits left (so signed
 * values wrap) or arithmetically right.
 */
function shiftOp(type: 'LeftShift' | 'RightShift'): void {
  const left = type === 'LeftShift';
  const host = (bits: 32 | 64) => (x: number, y: number): number => {
    const s = Math.min(Math.max(y, 0), bits - 1);
    if (bits === 32) return left ? x << s : x >> s;
    const r = left ? BigInt(x) << BigInt(s) : BigInt(x) >> BigInt(s);
    return Number(BigInt.asIntN(64, r));
  };
  defineOp({
    type,
    inputs: ['x', 'y'],
    attrs: { T: { type: 'type' } },
    shape: (c) => {
      const [a, b] = c.inputs;
      if (!INTS.includes(a.dtype)) c.fail(`input '${a.name}' has dtype ${a.dtype}; allowed: ${INTS.join(', ')}`);
      if (a.dtype !== b.dtype) c.fail(`inputs must have one dtype, got '${a.name}' ${a.dtype} and '${b.name}' ${b.dtype}`);
      const shape = broadcastStatic(a.shape, b.shape);
      if (shape === undefined) return c.fail(`Incompatible shapes: ${formatShape(a.shape)} vs. ${formatShape(b.shape)}`);
      return [{ dtype: a.dtype, shape }];
    },
    cpu: ([x, y], _, ctx) => [mapBroadcast([x, y], x.dtype, ctx.name, host(x.dtype === 'int32' ? 32 : 64))],
    // Not fused (no `elementwise`): the int64 left shift needs its range check, which a fused chain cannot carry.
    // An int64 right shift of an int32-range value by 31..63 is its sign, as the clamp to 31 gives.
    gpu: (k) => {
      const s = (y: string): string => `u32(clamp(${y}, 0, 31))`;
      if (!left) return elementwiseKernel(k, ([x, y]) => `${x} >> ${s(y)}`);
      if (k.inputs[0].dtype === 'int32') return elementwiseKernel(k, ([x, y]) => `bitcast<i32>(bitcast<u32>(${x}) << ${s(y)})`);
      return elementwiseKernel(k, ([x, y]) => `lshift64_(${x}, ${y})`, {
        prelude: `fn lshift64_(x: i32, y: i32) -> i32 {
  let s = clamp(y, 0, 63);
  if (x == 0) { return 0; }
  if (s >= 31 || (x << u32(s)) >> u32(s) != x) { status[0] = 1u; return 0; }
  return x << u32(s);
}`,
        check: `LeftShift node '${k.name}': a result is outside the int32 range the webgpu executor stores int64 in`,
      });
    },
    grad: 'not-differentiable',
  });
}
shiftOp('LeftShift');
shiftOp('RightShift');

/** `tf.bitwise.bitwiseAnd(x, y)`. */
export const bitwiseAnd = binaryBuilder('BitwiseAnd');
/** `tf.bitwise.bitwiseOr(x, y)`. */
export const bitwiseOr = binaryBuilder('BitwiseOr');
/** `tf.bitwise.bitwiseXor(x, y)`. */
export const bitwiseXor = binaryBuilder('BitwiseXor');
/** `tf.bitwise.invert(x)`: ~x. */
export const invert = unaryBuilder('Invert');

/** `tf.bitwise.leftShift(x, y)`: the shift is clamped to [0, bits - 1]; signed values wrap. */
export const leftShift = binaryBuilder('LeftShift');
/** `tf.bitwise.rightShift(x, y)`: arithmetic; the shift is clamped to [0, bits - 1]. */
export const rightShift = binaryBuilder('RightShift');
