// Philox4x32-10 against Random123's published known-answer vectors and an independent BigInt implementation, and TF's
// word-to-float conversions against bit-level reinterpretation.
import {
  BM_ATANH, BM_COS, BM_HALF_PI, BM_LN2_HI, BM_LN2_LO, BM_R_CLAMP, BM_SIN, BM_SQRT2_22, boxMullerDouble, boxMullerFloat,
  boxMullerFloatBits, mulhilo32, philox4x32, splitSeed, uint32ToFloat, uint64ToDouble,
} from '../ops/philox.js';
import { rng } from './helpers.js';
import { philoxBigInt } from './philox_ref.js';

const hex = (xs: ArrayLike<number>): string[] => Array.from(xs, (x) => (x >>> 0).toString(16).padStart(8, '0'));

describe('Philox4x32-10', () => {
  // Random123's tests/kat_vectors (philox4x32 10): counter words, key words, expected output.
  test.each([
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ])('known-answer vector %#', (ctr, key, want) => {
    const got = philox4x32(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]);
    expect(hex(got)).toEqual(hex(want));
    expect(hex(philoxBigInt(ctr, key))).toEqual(hex(want)); // the BigInt reference agrees with the published vectors
  });

  test('matches the BigInt implementation on 2000 random counters and keys', () => {
    const r = rng(7);
    const word = (): number => Math.floor(r() * 4294967296) >>> 0;
    for (let t = 0; t < 2000; t++) {
      const ctr = [word(), word(), word(), word()], key = [word(), word()];
      expect(hex(philox4x32(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1]))).toEqual(hex(philoxBigInt(ctr, key)));
    }
  });

  test('writes into a given array at an offset', () => {
    const out = new Uint32Array(8);
    philox4x32(0, 0, 0, 0, 0, 0, out, 4);
    expect(hex(out.subarray(4))).toEqual(hex([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]));
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 0, 0, 0]);
  });

  test('mulhilo32 from 16-bit halves equals the exact 64-bit product', () => {
    const r = rng(11);
    const cases: Array<[number, number]> = [[0, 0], [1, 1], [0xffffffff, 0xffffffff], [0xd2511f53, 0xffffffff], [0x10000, 0x10000], [0xffff, 0xffff]];
    for (let t = 0; t < 5000; t++) cases.push([Math.floor(r() * 4294967296) >>> 0, Math.floor(r() * 4294967296) >>> 0]);
    const out = [0, 0];
    for (const [a, b] of cases) {
      mulhilo32(a, b, out, 0, 1);
      const p = BigInt(a) * BigInt(b);
      expect([out[0], out[1]]).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
    }
  });
});

describe('TF word conversions', () => {
  const view = new DataView(new ArrayBuffer(8));

  test('Uint32ToFloat is the bit pattern 1.mantissa minus 1: exact, in [0, 1)', () => {
    const r = rng(3);
    const words = [0, 1, 0x7fffff, 0x800000, 0xffffffff, 0x3f800000];
    for (let t = 0; t < 2000; t++) words.push(Math.floor(r() * 4294967296) >>> 0);
    for (const w of words) {
      view.setUint32(0, ((w & 0x7fffff) | 0x3f800000) >>> 0);
      const want = view.getFloat32(0) - 1; // exact: both in [1, 2)
      const got = uint32ToFloat(w);
      expect(got).toBe(want);
      expect(Math.fround(got)).toBe(got);
      expect(got >= 0 && got < 1).toBe(true);
    }
    expect(uint32ToFloat(0xffffffff)).toBe(1 - 2 ** -23);
  });

  test('Uint64ToDouble takes 20 bits of x0 and all of x1', () => {
    const r = rng(5);
    for (let t = 0; t < 2000; t++) {
      const x0 = Math.floor(r() * 4294967296) >>> 0, x1 = Math.floor(r() * 4294967296) >>> 0;
      view.setUint32(0, ((x0 & 0xfffff) | 0x3ff00000) >>> 0);
      view.setUint32(4, x1);
      expect(uint64ToDouble(x0, x1)).toBe(view.getFloat64(0) - 1);
    }
    expect(uint64ToDouble(0xffffffff, 0xffffffff)).toBe(1 - 2 ** -52);
  });

  test('Box-Muller: float32 values, the 1e-7 floor on u1, and the textbook formula', () => {
    const out = [0, 0];
    boxMullerFloat(0, 0, out, 0); // u1 = 0 -> 1e-7; angle 0: (0, sqrt(-2 ln 1e-7))
    expect(out[0]).toBe(0);
    expect(out[1]).toBeCloseTo(Math.sqrt(-2 * Math.log(1e-7)), 5);
    const r = rng(9);
    for (let t = 0; t < 500; t++) {
      const x0 = Math.floor(r() * 4294967296) >>> 0, x1 = Math.floor(r() * 4294967296) >>> 0;
      boxMullerFloat(x0, x1, out, 0);
      const u1 = Math.max((x0 & 0x7fffff) / 2 ** 23, 1e-7), v = 2 * Math.PI * ((x1 & 0x7fffff) / 2 ** 23);
      const rad = Math.sqrt(-2 * Math.log(u1));
      expect(Math.fround(out[0])).toBe(out[0]);
      expect(Math.abs(out[0] - Math.sin(v) * rad)).toBeLessThan(1e-5 * (1 + rad));
      expect(Math.abs(out[1] - Math.cos(v) * rad)).toBeLessThan(1e-5 * (1 + rad));
    }
    boxMullerDouble(0x12345, 0x6789abcd, 0x40000, 0, out, 0);
    const u1 = (0x12345 * 2 ** 32 + 0x6789abcd) / 2 ** 52, v = 2 * Math.PI * (0x40000 * 2 ** 32) / 2 ** 52;
    expect(out[0]).toBeCloseTo(Math.sin(v) * Math.sqrt(-2 * Math.log(u1)), 12);
    expect(out[1]).toBeCloseTo(Math.cos(v) * Math.sqrt(-2 * Math.log(u1)), 12);
  });

  test('Box-Muller float32 (integer arithmetic): within 1 ulp of exact Box-Muller in float64, on every kind of input', () => {
    // The exact value for words x0, x1: u1 = max(mantissa(x0) / 2^23, 1e-7f), theta = 2 pi mantissa(x1) / 2^23 (not
    // rounded to float32), r = sqrt(-2 ln u1). Math's float64 is ~1e-16 relative: far below a float32 ulp. Where
    // theta is a multiple of pi/2, sin or cos is exactly 0 (float64 gives ~1e-16 there from its rounded pi).
    const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
    const ulpOf = (x: number): number => { f32[0] = Math.abs(x); u32[0] += 1; const up = f32[0]; f32[0] = Math.abs(x); return up - f32[0]; };
    const e7 = Math.fround(1e-7);
    const bits = new Uint32Array(2), vals = new Float32Array(bits.buffer), nums = [0, 0];
    let worst = 0;
    const check = (x0: number, x1: number): void => {
      boxMullerFloatBits(x0, x1, bits, 0);
      boxMullerFloat(x0, x1, nums, 0);
      if (!Object.is(nums[0], vals[0]) || !Object.is(nums[1], vals[1])) throw new Error(`words ${x0}, ${x1}: boxMullerFloat and its bits differ`);
      const m1 = x0 & 0x7fffff, m2 = x1 & 0x7fffff;
      const r = Math.sqrt(-2 * Math.log(Math.max(m1 / 2 ** 23, e7)));
      const exact = m2 % 0x200000 === 0
        ? [[0, 1, 0, -1][m2 >>> 21] * r, [1, 0, -1, 0][m2 >>> 21] * r]
        : [Math.sin(2 * Math.PI * m2 / 2 ** 23) * r, Math.cos(2 * Math.PI * m2 / 2 ** 23) * r];
      for (let e = 0; e < 2; e++) {
        const err = exact[e] === 0 ? (vals[e] === 0 ? 0 : Infinity) : Math.abs(vals[e] - exact[e]) / ulpOf(Math.fround(exact[e]));
        if (!(err <= worst)) worst = err;
        if (!(err <= 1)) throw new Error(`words ${x0}, ${x1}: got ${vals[e]}, exact ${exact[e]} (${err} ulp)`);
      }
    };
    const r = rng(21);
    const word = (): number => Math.floor(r() * 4294967296) >>> 0;
    for (let t = 0; t < 40000; t++) check(word(), word());
    // Every radius path: u1 clamped to 1e-7f (m1 = 0), tiny u1, u1 either side of 1/sqrt2 and sqrt2 / 2^k, u1 near 1,
    // powers of two; every angle path: the octant and quadrant boundaries, angles near 0.
    const m1s = [0, 1, 2, 3, 5, 0x3fffff, 0x400000, 0x400001, 0x5a8279, 0x5a827a, 0x5a827b, 0x2d413c, 0x2d413d, 0x7ffffe, 0x7fffff, 0x7ff000, 0x123456];
    const m2s = [0, 1, 2, 3, 0xfffff, 0x100000, 0x100001, 0x1fffff, 0x200000, 0x200001, 0x300000, 0x400000, 0x5fffff, 0x600000, 0x7fffff];
    for (const a of m1s) for (const b of m2s) check(a | 0x80000000, b);
    for (let m = 0; m < 0x800000; m += 397) { check(m, word()); check(word(), m); }
    expect(worst).toBeLessThan(0.6); // measured 0.572 ulp over all 2^23 values of each word (a scratch run)
    expect(boxMullerFloat(0, 0, nums, 0)).toBeUndefined();
    expect(nums[0]).toBe(0); // angle 0: sin is exactly +0
  });

  test('the Box-Muller constants are what their comments say', () => {
    const q32 = (x: number): number => Math.round(x * 2 ** 32);
    const x = Math.PI * Math.PI / 4;
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    expect(BM_SIN).toEqual([1, 2, 3, 4, 5, 6].map((k) => q32(x ** k / fact(2 * k + 1))));
    expect(BM_COS).toEqual([q32(x / 2 - 1), ...[2, 3, 4, 5, 6].map((k) => q32(x ** k / fact(2 * k)))]);
    expect(BM_ATANH).toEqual([3, 5, 7, 9, 11, 13].map((k) => q32(1 / k)));
    expect(BM_HALF_PI).toBe(Math.round(Math.PI / 2 * 2 ** 31));
    expect(BM_R_CLAMP).toBe(Math.round(Math.sqrt(-2 * Math.log(Math.fround(1e-7))) * 2 ** 29));
    expect(BM_SQRT2_22).toBe(Math.ceil(Math.SQRT2 * 2 ** 22));
    // ln 2 to 64 bits: sum_k 1 / (k 2^k), with 32 guard bits.
    let ln2 = 0n;
    for (let k = 1n; k < 120n; k++) ln2 += (1n << 96n) / (k << k);
    expect([BM_LN2_HI, BM_LN2_LO]).toEqual([Number(ln2 >> 64n), Number((ln2 >> 32n) & 0xffffffffn)]);
  });

  test('splitSeed gives the 64-bit two\'s complement words', () => {
    expect(splitSeed(0)).toEqual([0, 0]);
    expect(splitSeed(87654321)).toEqual([87654321, 0]);
    expect(splitSeed(2 ** 32 + 5)).toEqual([5, 1]);
    expect(splitSeed(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(splitSeed(-(2 ** 32))).toEqual([0, 0xffffffff]);
  });
});
