// WGSL functions behind the special and inverse/hyperbolic elementwise ops (ops/math_extra.ts), part of the prelude
// every elementwise shader gets (ops/elementwise.ts). f32 versions of what ops/special.ts computes in float64: each
// avoids a cancellation near the point where it loses relative accuracy (sinh, expm1, asinh near 0: series), tests
// NaN by its bits (WGSL lets a compiler assume no NaN), and returns NaN outside the domain, where WGSL's builtins are
// indeterminate.
export const WGSL_SPECIAL = `
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 0.25) { return x * (1.0 + x / 2.0 * (1.0 + x / 3.0 * (1.0 + x / 4.0 * (1.0 + x / 5.0 * (1.0 + x / 6.0 * (1.0 + x / 7.0)))))); }
  return exp(x) - 1.0;
}
fn sinh_(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.25) { let q = x * x; return x * (1.0 + q / 6.0 * (1.0 + q / 20.0 * (1.0 + q / 42.0))); }
  // exp(a - ln 2) rather than exp(a) / 2: no overflow between 88.7 and 89.4, where sinh is still finite in f32.
  let r = exp(a - 0.693147181) - exp(-a - 0.693147181);
  return select(select(r, -r, x < 0.0), x, isnan_(x));
}
fn cosh_(x: f32) -> f32 { let a = abs(x); return select(exp(a - 0.693147181) + exp(-a - 0.693147181), x, isnan_(x)); }
fn asinh_(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a < 0.25) { let q = x * x; r = a * (1.0 + q * (-1.0 / 6.0 + q * (3.0 / 40.0 + q * (-15.0 / 336.0 + q * (105.0 / 3456.0))))); }
  else if (a > 1e10) { r = log(a) + 0.693147181; }
  else { r = log(a + sqrt(a * a + 1.0)); }
  return select(select(r, -r, x < 0.0), x, isnan_(x));
}
fn acosh_(x: f32) -> f32 {
  if (isnan_(x) || x < 1.0) { return nan_(); }
  if (x > 1e10) { return log(x) + 0.693147181; }
  let t = x - 1.0;
  return log1p_(t + sqrt(t * (x + 1.0)));
}
fn atanh_(x: f32) -> f32 {
  let a = abs(x);
  if (isnan_(x) || a > 1.0) { return nan_(); }
  let r = 0.5 * log1p_(2.0 * a / (1.0 - a));
  return select(r, -r, x < 0.0);
}
fn fmod_c_(a: f32, b: f32) -> f32 {
  // C's fmod: a - b * trunc(a / b) (not exact for quotients beyond 2^24); an infinite b leaves a finite a.
  return select(a - b * trunc(a / b), a, isinf_(b) && !isinf_(a));
}
fn atan2_(y: f32, x: f32) -> f32 {
  if (isnan_(x) || isnan_(y)) { return nan_(); }
  if (x == 0.0 && y == 0.0) { return select(select(0.0, 3.14159265, (bitcast<u32>(x) & 0x80000000u) != 0u), select(-0.0, -3.14159265, (bitcast<u32>(x) & 0x80000000u) != 0u), (bitcast<u32>(y) & 0x80000000u) != 0u); }
  return atan2(y, x);
}
// Through atan, which llvmpipe computes to f32 accuracy (its asin and acos are off by up to 1e-4).
fn asin_(x: f32) -> f32 { return select(atan(x / sqrt((1.0 - x) * (1.0 + x))), nan_(), isnan_(x) || abs(x) > 1.0); }
fn acos_(x: f32) -> f32 { return select(2.0 * atan(sqrt((1.0 - x) / (1.0 + x))), nan_(), isnan_(x) || abs(x) > 1.0); }
fn erfcp_(a: f32) -> f32 {
  // Numerical Recipes' erfcc (Chebyshev fit, fractional error under 1.2e-7) for a >= 0.
  let t = 1.0 / (1.0 + 0.5 * a);
  return t * exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
}
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  if (a < 0.5) {
    let q = x * x;
    return x * 1.12837917 * (1.0 + q * (-1.0 / 3.0 + q * (0.1 + q * (-1.0 / 42.0 + q * (1.0 / 216.0 - q / 1320.0)))));
  }
  let r = 1.0 - erfcp_(a);
  return select(r, -r, x < 0.0);
}
fn erfc_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) < 0.5) { return 1.0 - erf_(x); }
  return select(erfcp_(x), 2.0 - erfcp_(-x), x < 0.0);
}
fn lgammap_(z: f32) -> f32 {
  // Lanczos (g = 5, 6 terms, Numerical Recipes' gammln) for z >= 0.5.
  let s = 1.0 + 76.1800917 / (z + 1.0) - 86.5053203 / (z + 2.0) + 24.0140982 / (z + 3.0) - 1.23173957 / (z + 4.0)
    + 0.00120865097 / (z + 5.0) - 0.000005395239 / (z + 6.0);
  let t = z + 5.5;
  return (z + 0.5) * log(t) - t + log(2.50662827 * s / z);
}
fn lgamma_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (isinf_(x)) { return bitcast<f32>(kiln_nonfinite_[1]); }
  if (x >= 0.5) { return lgammap_(x); }
  if (x == floor(x)) { return bitcast<f32>(kiln_nonfinite_[1]); }
  // Reflection: lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x); sin(pi x) from x's fraction, exact for large |x|.
  let f = x - floor(x);
  return log(3.14159265 / abs(sin(3.14159265 * f))) - lgammap_(1.0 - x);
}
fn zeta_(x: f32, q: f32) -> f32 {
  // Cephes' Euler-Maclaurin summation (as Eigen's float zeta: nine terms, then the tail).
  if (isnan_(x) || isnan_(q) || x < 1.0) { return nan_(); }
  if (x == 1.0) { return bitcast<f32>(kiln_nonfinite_[1]); }
  if (q <= 0.0) {
    if (q == floor(q)) { return select(nan_(), bitcast<f32>(kiln_nonfinite_[1]), x == floor(x) && (i32(x) % 2) == 0); }
    if (x != floor(x)) { return nan_(); }
  }
  var s = pow_(q, -x); var a = q; var b = 0.0;
  for (var i = 0; i < 9; i = i + 1) {
    a = a + 1.0; b = pow_(a, -x); s = s + b;
    if (abs(b / s) < 5.96e-8) { return s; }
  }
  let w = a;
  s = s + b * w / (x - 1.0) - 0.5 * b;
  var f = 1.0; var k = 0.0;
  let A = array<f32, 12>(12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803e9, 7.47242496e10, -2.9501307279e12,
    1.1646782814e14, -4.5979787224e15, 1.8152105402e17, -7.1661652562e18);
  for (var j = 0; j < 12; j = j + 1) {
    f = f * (x + k); b = b / w;
    let t = f * b / A[j];
    s = s + t;
    if (abs(t / s) < 5.96e-8) { break; }
    k = k + 1.0; f = f * (x + k); b = b / w; k = k + 1.0;
  }
  return s;
}
fn polygamma_(n: f32, x: f32) -> f32 {
  if (n == 0.0) { return digamma_(x); }
  if (isnan_(n) || n < 0.0 || n != floor(n)) { return nan_(); }
  var fact = 1.0;
  // n! overflows f32 past 34: the loop stops there (and stays under llvmpipe's loop limit).
  for (var i = 2.0; i <= min(n, 40.0); i = i + 1.0) { fact = fact * i; }
  return select(-1.0, 1.0, (i32(n) % 2) == 1) * fact * zeta_(n + 1.0, x);
}
fn igammaSeries_(a: f32, x: f32) -> f32 {
  // As ops/special.ts in f32 (Eigen's float constants: machep 5.96e-8, exp underflow below -88.72).
  let ax = a * log_(x) - x - lgamma_(a);
  if (ax < -88.72) { return 0.0; }
  var r = a; var c = 1.0; var ans = 1.0;
  for (var i = 0; i < 2000; i = i + 1) { r = r + 1.0; c = c * x / r; ans = ans + c; if (c <= ans * 5.96e-8) { break; } }
  return ans * exp(ax) / a;
}
fn igammacFraction_(a: f32, x: f32) -> f32 {
  let ax = a * log_(x) - x - lgamma_(a);
  if (ax < -88.72) { return 0.0; }
  var y = 1.0 - a; var z = x + y + 1.0; var c = 0.0;
  var pkm2 = 1.0; var qkm2 = x; var pkm1 = x + 1.0; var qkm1 = z * x;
  var ans = pkm1 / qkm1;
  for (var i = 0; i < 2000; i = i + 1) {
    c = c + 1.0; y = y + 1.0; z = z + 2.0;
    let yc = y * c;
    let pk = pkm1 * z - pkm2 * yc; let qk = qkm1 * z - qkm2 * yc;
    var t = 1.0;
    if (qk != 0.0) { let r = pk / qk; t = abs((ans - r) / r); ans = r; }
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    if (abs(pk) > 16777216.0) { pkm2 = pkm2 / 16777216.0; pkm1 = pkm1 / 16777216.0; qkm2 = qkm2 / 16777216.0; qkm1 = qkm1 / 16777216.0; }
    if (t <= 5.96e-8) { break; }
  }
  return ans * exp(ax);
}
fn igamma_(a: f32, x: f32) -> f32 {
  if (isnan_(a) || isnan_(x) || x < 0.0 || a <= 0.0) { return nan_(); }
  if (x == 0.0) { return 0.0; }
  if (isinf_(x)) { return 1.0; }
  if (x > 1.0 && x > a) { return 1.0 - igammacFraction_(a, x); }
  return igammaSeries_(a, x);
}
fn igammac_(a: f32, x: f32) -> f32 {
  if (isnan_(a) || isnan_(x) || x < 0.0 || a <= 0.0) { return nan_(); }
  if (isinf_(x)) { return 0.0; }
  if (x < 1.0 || x < a) { return 1.0 - igammaSeries_(a, x); }
  return igammacFraction_(a, x);
}
fn lbeta_(a: f32, b: f32) -> f32 { return lgamma_(a) + lgamma_(b) - lgamma_(a + b); }
fn betaSeries_(a: f32, b: f32, x: f32) -> f32 {
  let ai = 1.0 / a;
  var u = (1.0 - b) * x; var v = u / (a + 1.0);
  let t1 = v;
  var t = u; var n = 2.0; var s = 0.0;
  for (var i = 0; i < 2000; i = i + 1) {
    if (abs(v) <= 5.96e-8 * ai) { break; }
    u = (n - b) * x / n; t = t * u; v = t / (a + n); s = s + v; n = n + 1.0;
  }
  s = s + t1 + ai;
  return exp(a * log_(x) + log_(s) - lbeta_(a, b));
}
fn betaFraction_(a: f32, b: f32, x: f32, expand: bool) -> f32 {
  let z = select(x, x / (1.0 - x), expand);
  var k1 = a; var k2 = select(a + b, b - 1.0, expand); var k3 = a; var k4 = a + 1.0;
  var k5 = 1.0; var k6 = select(b - 1.0, a + b, expand); var k7 = a + 1.0; var k8 = a + 2.0;
  var pkm2 = 0.0; var qkm2 = 1.0; var pkm1 = 1.0; var qkm1 = 1.0; var ans = 1.0; var r = 1.0;
  for (var n = 0; n < 300; n = n + 1) {
    var xk = -(z * k1 * k2) / (k3 * k4);
    var pk = pkm1 + pkm2 * xk; var qk = qkm1 + qkm2 * xk;
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    xk = (z * k5 * k6) / (k7 * k8);
    pk = pkm1 + pkm2 * xk; qk = qkm1 + qkm2 * xk;
    pkm2 = pkm1; pkm1 = pk; qkm2 = qkm1; qkm1 = qk;
    if (qk != 0.0) { r = pk / qk; }
    var t = 1.0;
    if (r != 0.0) { t = abs((ans - r) / r); ans = r; }
    if (t < 1.79e-7) { break; }
    k1 = k1 + 1.0; k3 = k3 + 2.0; k4 = k4 + 2.0; k5 = k5 + 1.0; k7 = k7 + 2.0; k8 = k8 + 2.0;
    if (expand) { k2 = k2 - 1.0; k6 = k6 + 1.0; } else { k2 = k2 + 1.0; k6 = k6 - 1.0; }
    if (abs(qk) + abs(pk) > 16777216.0) { pkm2 = pkm2 / 16777216.0; pkm1 = pkm1 / 16777216.0; qkm2 = qkm2 / 16777216.0; qkm1 = qkm1 / 16777216.0; }
    if (abs(qk) < 5.96e-8 || abs(pk) < 5.96e-8) { pkm2 = pkm2 * 16777216.0; pkm1 = pkm1 * 16777216.0; qkm2 = qkm2 * 16777216.0; qkm1 = qkm1 * 16777216.0; }
  }
  return ans;
}
fn betainc_(a: f32, b: f32, x: f32) -> f32 {
  if (isnan_(a) || isnan_(b) || isnan_(x) || a <= 0.0 || b <= 0.0 || x < 0.0 || x > 1.0) { return nan_(); }
  if (x == 0.0) { return 0.0; }
  if (x == 1.0) { return 1.0; }
  if (b * x <= 1.0 && x <= 0.95) { return betaSeries_(a, b, x); }
  let flip = x > a / (a + b);
  let p = select(a, b, flip); let q = select(b, a, flip);
  let y = select(x, 1.0 - x, flip); let yc = select(1.0 - x, x, flip);
  var t: f32;
  if (flip && q * y <= 1.0 && y <= 0.95) { t = betaSeries_(p, q, y); }
  else {
    var w: f32;
    if (y * (p + q - 2.0) - (p - 1.0) < 0.0) { w = betaFraction_(p, q, y, false); } else { w = betaFraction_(p, q, y, true) / yc; }
    t = exp(p * log_(y) + q * log_(yc) - lbeta_(p, q) + log_(w / p));
  }
  return select(t, select(1.0 - t, 1.0 - 5.96e-8, t <= 5.96e-8), flip);
}
fn digamma_(x0: f32) -> f32 {
  if (isnan_(x0)) { return x0; }
  if (x0 <= 0.0 && x0 == floor(x0)) { return nan_(); }
  var x = x0;
  var acc = 0.0;
  if (x < 0.0) {
    // Reflection: digamma(x) = digamma(1 - x) - pi / tan(pi x).
    acc = -3.14159265 / tan(3.14159265 * (x - floor(x)));
    x = 1.0 - x;
  }
  for (var k = 0; k < 6; k = k + 1) { if (x < 6.0) { acc = acc - 1.0 / x; x = x + 1.0; } }
  let f = 1.0 / (x * x);
  return acc + log(x) - 0.5 / x - f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))));
}
`;
