// Special functions in float64 for the reference kernels of Erf, Erfc, Lgamma and Digamma (ops/math_extra.ts): each
// to about 1e-13 relative or better, far inside what float32 results (and TensorFlow's float32 values) can show.

const SQRT_PI = Math.sqrt(Math.PI);

/** erf: the all-positive series 2/sqrt(pi) e^(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)) below 2, 1 - erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a >= 2) return Math.sign(x) * (1 - erfcLarge(a));
  let term = a, sum = a;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / SQRT_PI) * Math.exp(-a * a) * sum;
}

/** erfc(a) for a >= 2: the continued fraction e^(-a^2)/sqrt(pi) / (a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))). */
function erfcLarge(a: number): number {
  let f = a;
  for (let k = 200; k >= 1; k--) f = a + k / 2 / f;
  return Math.exp(-a * a) / SQRT_PI / f;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= 2) return erfcLarge(x);
  return 1 - erf(x);
}

// Lanczos coefficients for g = 7, 9 terms (relative error about 1e-15).
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log|Gamma(x)|: +inf at the poles (0, -1, -2, ...), as TensorFlow gives. */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return Infinity;
  if (x < 0.5) {
    if (x === Math.floor(x)) return Infinity;
    // Reflection; sin(pi x) from x's fraction keeps it accurate for large |x|.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * (x - Math.floor(x))))) - lgamma(1 - x);
  }
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** psi(x) = d/dx log Gamma(x): reflection below 0, the recurrence up to 10, then the asymptotic series. NaN at poles. */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x <= 0 && x === Math.floor(x)) return NaN;
  if (x === Infinity) return Infinity;
  let acc = 0;
  if (x < 0) {
    acc = -Math.PI / Math.tan(Math.PI * (x - Math.floor(x)));
    x = 1 - x;
  }
  while (x < 10) { acc -= 1 / x; x += 1; }
  const f = 1 / (x * x);
  const tail = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (1 / 132 - f * (691 / 32760 - f / 12))))));
  return acc + Math.log(x) - 0.5 / x - tail;
}
