// GPU kernels of MaxPoolWithArgmax and its gradients (declared in ops/pool_argmax.ts), NHWC: the forward pass finds
// each window's first maximum (as the reference kernel); the gradient visits, per input element, the windows that
// contain it and adds the gradients whose argmax names it (no atomics); the second-order gradient gathers.
import type { ConvGeometry } from '../conv.js';
import { binding, GpuKernel, GpuKernelContext, grid, WG, wgslType } from '../gpu.js';

export function argmaxPoolGpu(k: GpuKernelContext, g: ConvGeometry, mode: 'forward' | 'grad' | 'gradGrad', withBatch: boolean): GpuKernel {
  const { n, h, w, c, oh, ow, kh, kw, sh, sw, pt, pl } = g;
  const t = wgslType(k.inputs[0].dtype);
  const outCount = n * oh * ow * c, per = h * w * c;
  /** Argmax as stored: the batch offset removed unless include_batch_in_index. */
  const stored = (j: string): string => (withBatch ? j : `${j} - b * ${per}`);
  const outCoords = `let ch = i32(i % ${c}u); let ox = i32(i / ${c}u % ${ow}u); let oy = i32(i / ${c * ow}u % ${oh}u); let b = i32(i / ${c * ow * oh}u);`;
  const GATHER_DECLS = `${binding(0, 'G', t)}\n${binding(1, 'A', 'i32')}\n${binding(2, 'O', t, true)}`;
  const main = (count: number): string => `@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = GID;
  if (i >= ${count}u) { return; }`;
  let code: string, count: number;
  let bindings: GpuKernel['dispatches'][0]['bindings'];
  if (mode === 'forward') {
    count = outCount;
    code = `${binding(0, 'X', t)}
${binding(1, 'Y', t, true)}
${binding(2, 'A', 'i32', true)}
${main(count)}
  ${outCoords}
  var best = -1; var bv = ${t}();
  for (var y = max(oy * ${sh} - ${pt}, 0); y < min(oy * ${sh} - ${pt} + ${kh}, ${h}); y++) {
    for (var x = max(ox * ${sw} - ${pl}, 0); x < min(ox * ${sw} - ${pl} + ${kw}, ${w}); x++) {
      let j = ((b * ${h} + y) * ${w} + x) * ${c} + ch;
      let v = X[j];
      if (best < 0 || v > bv) { best = j; bv = v; }
    }
  }
  Y[i] = bv;
  A[i] = ${stored('best')};
}`;
    bindings = [{ input: 0 }, { output: 0 }, { output: 1 }];
  } else if (mode === 'grad') {
    count = n * per;
    // Windows containing (y, x): oy from ceil((y + pt - kh + 1) / sh) (clamped to 0) to floor((y + pt) / sh).
    code = `${GATHER_DECLS}
${main(count)}
  let ch = i32(i % ${c}u); let x = i32(i / ${c}u % ${w}u); let y = i32(i / ${c * w}u % ${h}u); let b = i32(i / ${per}u);
  var acc = ${t}();
  for (var oy = max((y + ${pt} - ${kh} + ${sh}) / ${sh}, 0); oy <= min((y + ${pt}) / ${sh}, ${oh - 1}); oy++) {
    for (var ox = max((x + ${pl} - ${kw} + ${sw}) / ${sw}, 0); ox <= min((x + ${pl}) / ${sw}, ${ow - 1}); ox++) {
      let o = ((b * ${oh} + oy) * ${ow} + ox) * ${c} + ch;
      if (A[o] == ${stored('i32(i)')}) { acc += G[o]; }
    }
  }
  O[i] = acc;
}`;
    bindings = [{ input: 1 }, { input: 2 }, { output: 0 }];
  } else {
    count = outCount;
    code = `${GATHER_DECLS}
${main(count)}
  let b = i32(i / ${oh * ow * c}u);
  O[i] = G[clamp(A[i]${withBatch ? '' : ` + b * ${per}`}, 0, ${n * per - 1})];
}`;
    bindings = [{ input: 1 }, { input: 2 }, { output: 0 }];
  }
  if (count === 0) return { dispatches: [] };
  const gr = grid(count, WG);
  return { dispatches: [{ code: code.replace('GID', gr.flatIndex), bindings, workgroups: gr.workgroups }] };
}
