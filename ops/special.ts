// Special functions in float64 for the reference kernels of Erf, Erfc, Lgamma, Digamma, Zeta, Polygamma, Igamma, Igammac
// and Betainc
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

const MACHEP = 1.11022302462515654042e-16;
/** Below this, exp underflows to 0 in float64. */
const MINLOG = -708.3964185322641;

/** The series of P(a, x), Cephes' igam (as Eigen's igamma_series). */
function igammaSeries(a: number, x: number): number {
  const ax = a * Math.log(x) - x - lgamma(a);
  if (ax < MINLOG) return 0;
  let r = a, c = 1, ans = 1;
  for (let i = 0; i < 10000; i++) {
    r += 1;
    c *= x / r;
    ans += c;
    if (c <= ans * MACHEP) break;
  }
  return (ans * Math.exp(ax)) / a;
}

/** The continued fraction of Q(a, x), Cephes' igamc (as Eigen's igammac_cf), rescaled when its terms grow. */
function igammacFraction(a: number, x: number): number {
  const big = 4.503599627370496e15, bigInv = 2.22044604925031308085e-16;
  const ax = a * Math.log(x) - x - lgamma(a);
  if (ax < MINLOG) return 0;
  let y = 1 - a, z = x + y + 1, c = 0;
  let pkm2 = 1, qkm2 = x, pkm1 = x + 1, qkm1 = z * x;
  let ans = pkm1 / qkm1;
  for (let i = 0; i < 10000; i++) {
    c += 1; y += 1; z += 2;
    const yc = y * c;
    const pk = pkm1 * z - pkm2 * yc, qk = qkm1 * z - qkm2 * yc;
    let t = 1;
    if (qk !== 0) { const r = pk / qk; t = Math.abs((ans - r) / r); ans = r; }
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    if (Math.abs(pk) > big) { pkm2 *= bigInv; pkm1 *= bigInv; qkm2 *= bigInv; qkm1 *= bigInv; }
    if (t <= MACHEP) break;
  }
  return ans * Math.exp(ax);
}

/** The regularized lower incomplete gamma P(a, x): NaN for x < 0 or a <= 0. */
export function igamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x)) return NaN;
  if (x === 0) return 0;
  if (x < 0 || a <= 0) return NaN;
  if (x === Infinity) return 1;
  return x > 1 && x > a ? 1 - igammacFraction(a, x) : igammaSeries(a, x);
}

/** The regularized upper incomplete gamma Q(a, x) = 1 - P(a, x). */
export function igammac(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x)) return NaN;
  if (x < 0 || a <= 0) return NaN;
  if (x === Infinity) return 0;
  return x < 1 || x < a ? 1 - igammaSeries(a, x) : igammacFraction(a, x);
}

/** log B(a, b). */
const lbeta = (a: number, b: number): number => lgamma(a) + lgamma(b) - lgamma(a + b);

/** Cephes' pseries: the power series of I_x(a, b) for b x <= 1 and x <= 0.95. */
function betaSeries(a: number, b: number, x: number): number {
  const ai = 1 / a;
  let u = (1 - b) * x, v = u / (a + 1);
  const t1 = v;
  let t = u, n = 2, s = 0;
  const z = MACHEP * ai;
  for (let i = 0; i < 10000 && Math.abs(v) > z; i++) { u = ((n - b) * x) / n; t *= u; v = t / (a + n); s += v; n += 1; }
  s += t1 + ai;
  const y = a * Math.log(x) + Math.log(s) - lbeta(a, b);
  return y < MINLOG ? 0 : Math.exp(y);
}

/** Cephes' incbcf (expand = false) and incbd (true): I_x(a, b)'s two continued fractions. */
function betaFraction(a: number, b: number, x: number, expand: boolean): number {
  const big = 4.503599627370496e15, bigInv = 2.22044604925031308085e-16, thresh = 3 * MACHEP;
  const z = expand ? x / (1 - x) : x;
  let k1 = a, k2 = expand ? b - 1 : a + b, k3 = a, k4 = a + 1, k5 = 1, k6 = expand ? a + b : b - 1, k7 = a + 1, k8 = a + 2;
  let pkm2 = 0, qkm2 = 1, pkm1 = 1, qkm1 = 1, ans = 1, r = 1;
  for (let n = 0; n < 300; n++) {
    let xk = -(z * k1 * k2) / (k3 * k4);
    let pk = pkm1 + pkm2 * xk, qk = qkm1 + qkm2 * xk;
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    xk = (z * k5 * k6) / (k7 * k8);
    pk = pkm1 + pkm2 * xk; qk = qkm1 + qkm2 * xk;
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    if (qk !== 0) r = pk / qk;
    let t = 1;
    if (r !== 0) { t = Math.abs((ans - r) / r); ans = r; }
    if (t < thresh) break;
    k1 += 1; k3 += 2; k4 += 2; k5 += 1; k7 += 2; k8 += 2;
    if (expand) { k2 -= 1; k6 += 1; } else { k2 += 1; k6 -= 1; }
    if (Math.abs(qk) + Math.abs(pk) > big) { pkm2 *= bigInv; pkm1 *= bigInv; qkm2 *= bigInv; qkm1 *= bigInv; }
    if (Math.abs(qk) < bigInv || Math.abs(pk) < bigInv) { pkm2 *= big; pkm1 *= big; qkm2 *= big; qkm1 *= big; }
  }
  return ans;
}

/** The regularized incomplete beta I_x(a, b) (Cephes' incbet): NaN for a <= 0, b <= 0 or x outside [0, 1]. */
export function betainc(a: number, b: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(x) || a <= 0 || b <= 0 || x < 0 || x > 1) return NaN;
  if (x === 0) return 0;
  if (x === 1) return 1;
  if (b * x <= 1 && x <= 0.95) return betaSeries(a, b, x);
  // Past the mean, I_x(a, b) = 1 - I_(1-x)(b, a) converges faster.
  const flip = x > a / (a + b);
  const [p, q, y, yc] = flip ? [b, a, 1 - x, x] : [a, b, x, 1 - x];
  let t: number;
  if (flip && q * y <= 1 && y <= 0.95) {
    t = betaSeries(p, q, y);
  } else {
    const w = y * (p + q - 2) - (p - 1) < 0 ? betaFraction(p, q, y, false) : betaFraction(p, q, y, true) / yc;
    const l = p * Math.log(y) + q * Math.log(yc) - lbeta(p, q) + Math.log(w / p);
    t = l < MINLOG ? 0 : Math.exp(l);
  }
  return flip ? (t <= MACHEP ? 1 - MACHEP : 1 - t) : t;
}
