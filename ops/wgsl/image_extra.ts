// GPU kernels of the colour ops (declared in ops/image_extra.ts): one invocation per pixel, the same formulas as the
// reference kernels in f32; AdjustContrastv2 as per-(image, channel) means, then one invocation per element.
import { binding, GpuKernel, GpuKernelContext, grid, WG } from '../gpu.js';

export type PixelOp = 'rgbToHsv' | 'hsvToRgb' | 'saturation' | 'hue';

const COLOUR_FNS = `
fn rgb_to_hsv_(c: vec3f) -> vec3f {
  let v = max(c.x, max(c.y, c.z));
  let range = v - min(c.x, min(c.y, c.z));
  let s = select(0.0, range / v, v > 0.0);
  let norm = 1.0 / (6.0 * range);
  var h = select(select(norm * (c.x - c.y) + 4.0 / 6.0, norm * (c.z - c.x) + 2.0 / 6.0, c.y == v), norm * (c.y - c.z), c.x == v);
  h = select(0.0, h, range > 0.0);
  h = select(h, h + 1.0, h < 0.0);
  return vec3f(h, s, v);
}
fn hsv_to_rgb_(c: vec3f) -> vec3f {
  let dh = c.x * 6.0;
  let d = vec3f(clamp(abs(dh - 3.0) - 1.0, 0.0, 1.0), clamp(2.0 - abs(dh - 2.0), 0.0, 1.0), clamp(2.0 - abs(dh - 4.0), 0.0, 1.0));
  return c.z * ((1.0 - c.y) + c.y * d);
}`;

const PIXEL_EXPR: Record<PixelOp, string> = {
  rgbToHsv: 'rgb_to_hsv_(p)',
  hsvToRgb: 'hsv_to_rgb_(p)',
  saturation: 'hsv_to_rgb_(vec3f(q.x, clamp(q.y * P[0], 0.0, 1.0), q.z))',
  // fmod with the dividend's sign (WGSL's float %, like C's fmod), then wrapped into [0, 1).
  hue: 'hsv_to_rgb_(vec3f(select((q.x + P[0]) % 1.0, (q.x + P[0]) % 1.0 + 1.0, (q.x + P[0]) % 1.0 < 0.0), q.y, q.z))',
};

export function pixelGpu(k: GpuKernelContext, op: PixelOp): GpuKernel {
  const pixels = k.outputs[0].size / 3;
  if (pixels === 0) return { dispatches: [] };
  const g = grid(pixels, WG);
  const param = op === 'saturation' || op === 'hue';
  const code = `${binding(0, 'X', 'f32')}
${binding(1, 'Y', 'f32', true)}
${param ? binding(2, 'P', 'f32') : ''}
${COLOUR_FNS}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${g.flatIndex};
  if (i >= ${pixels}u) { return; }
  let p = vec3f(X[3u * i], X[3u * i + 1u], X[3u * i + 2u]);
  let q = rgb_to_hsv_(p);
  let r = ${PIXEL_EXPR[op]};
  Y[3u * i] = r.x; Y[3u * i + 1u] = r.y; Y[3u * i + 2u] = r.z;
}`;
  return { dispatches: [{ code, bindings: [{ input: 0 }, { output: 0 }, ...(param ? [{ input: 1 }] : [])], workgroups: g.workgroups }] };
}

/** Means per (image, channel) into scratch (each invocation loops over one image's pixels), then the adjustment. */
export function adjustContrastGpu(k: GpuKernelContext): GpuKernel {
  const s = k.inputs[0].shape, r = s.length;
  const hw = s[r - 3] * s[r - 2], ch = s[r - 1];
  const size = k.outputs[0].size;
  if (size === 0) return { dispatches: [] };
  const images = size / (hw * ch);
  const gm = grid(images * ch, WG), ga = grid(size, WG);
  const means = `${binding(0, 'X', 'f32')}
${binding(1, 'M', 'f32', true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gm.flatIndex};
  if (i >= ${images * ch}u) { return; }
  let b = i / ${ch}u; let c = i % ${ch}u;
  var sum = 0.0;
  for (var p = 0u; p < ${hw}u; p++) { sum += X[(b * ${hw}u + p) * ${ch}u + c]; }
  M[i] = sum / ${hw}.0;
}`;
  const adjust = `${binding(0, 'X', 'f32')}
${binding(1, 'M', 'f32')}
${binding(2, 'F', 'f32')}
${binding(3, 'Y', 'f32', true)}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${ga.flatIndex};
  if (i >= ${size}u) { return; }
  let m = M[i / ${hw * ch}u * ${ch}u + i % ${ch}u];
  Y[i] = (X[i] - m) * F[0] + m;
}`;
  const scratch = { scratch: 0, bytes: Math.max(4, images * ch * 4) };
  return {
    dispatches: [
      { code: means, bindings: [{ input: 0 }, scratch], workgroups: gm.workgroups },
      { code: adjust, bindings: [{ input: 0 }, scratch, { input: 1 }, { output: 0 }], workgroups: ga.workgroups },
    ],
  };
}
