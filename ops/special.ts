// Special functions in float64 for the reference kernels of Erf, Erfc, Lgamma, Digamma, Zeta and Polygamma
// (ops/math_extra.ts): each to about 1e-13 relative or better, far inside what float32 results (and TensorFlow's float32
// values) can show.

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

// Euler-Maclaurin coefficients (2j)! / B_2j of Cephes' zeta, which Eigen (and so TensorFlow) uses.
const ZETA_A = [
  12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10, -2.950130727918164224e12,
  1.1646782814350067249e14, -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18,
];

/** The Hurwitz zeta function sum_k (q + k)^-x (Cephes' algorithm, as Eigen's zeta): inf at x = 1, NaN for x < 1. */
export function zeta(x: number, q: number): number {
  if (Number.isNaN(x) || Number.isNaN(q)) return NaN;
  if (x === 1) return Infinity;
  if (x < 1) return NaN;
  if (q <= 0) {
    if (q === Math.floor(q)) return x === Math.floor(x) && x % 2 === 0 ? Infinity : NaN;
    if (x !== Math.floor(x)) return NaN;
  }
  const eps = 1.11e-16;
  let s = Math.pow(q, -x), a = q, b = 0;
  for (let i = 0; i < 9 || a <= 9; i++) {
    a += 1;
    b = Math.pow(a, -x);
    s += b;
    if (Math.abs(b / s) < eps) return s;
  }
  const w = a;
  s += (b * w) / (x - 1) - 0.5 * b;
  let f = 1, k = 0;
  for (let i = 0; i < 12; i++) {
    f *= x + k;
    b /= w;
    const t = (f * b) / ZETA_A[i];
    s += t;
    if (Math.abs(t / s) < eps) break;
    k += 1;
    f *= x + k;
    b /= w;
    k += 1;
  }
  return s;
}

/** The n-th derivative of digamma: (-1)^(n+1) n! zeta(n + 1, x); digamma for n = 0; NaN for n not a whole number >= 0. */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (!(n > 0) || n !== Math.floor(n)) return NaN;
  let fact = 1;
  for (let i = 2; i <= n; i++) fact *= i;
  return (n % 2 === 1 ? 1 : -1) * fact * zeta(n + 1, x);
}
