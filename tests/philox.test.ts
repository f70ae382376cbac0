// Philox4x32-10 against Random123's published known-answer vectors and an independent BigInt implementation, and TF's
// word-to-float conversions against bit-level reinterpretation.
import {
  boxMullerDouble, boxMullerFloat, mulhilo32, philox4x32, splitSeed, uint32ToFloat, uint64ToDouble,
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

  test('splitSeed gives the 64-bit two\'s complement words', () => {
    expect(splitSeed(0)).toEqual([0, 0]);
    expect(splitSeed(87654321)).toEqual([87654321, 0]);
    expect(splitSeed(2 ** 32 + 5)).toEqual([5, 1]);
    expect(splitSeed(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(splitSeed(-(2 ** 32))).toEqual([0, 0xffffffff]);
  });
});
