// An independent Philox4x32-10 for tests: BigInt arithmetic makes the 64-bit products exact.

/** Philox4x32-10 written directly from the paper with BigInt arithmetic: the 64-bit products are exact. */
export function philoxBigInt(ctr: readonly number[], key: readonly number[]): number[] {
  const M = 0xffffffffn;
  let c = ctr.map((x) => BigInt(x >>> 0));
  let k = key.map((x) => BigInt(x >>> 0));
  for (let r = 0; r < 10; r++) {
    if (r > 0) k = [(k[0] + 0x9e3779b9n) & M, (k[1] + 0xbb67ae85n) & M];
    const p0 = 0xd2511f53n * c[0];
    const p1 = 0xcd9e8d57n * c[2];
    c = [((p1 >> 32n) ^ c[1] ^ k[0]) & M, p1 & M, ((p0 >> 32n) ^ c[3] ^ k[1]) & M, p0 & M];
  }
  return c.map((x) => Number(x));
}

