// The GPU kernels of 3-D convolution and pooling (declared in ops/conv3d.ts): direct loops, one invocation per
// element of the output, indexing either layout (NDHWC, NCDHW) in place. The corpus's 3-D graphs are small (a few
// thousand elements), so these favour being obviously equal to the reference kernels over register blocking (./conv.ts
// has that for Conv2D). The filter gradient is a reduction over batch * output positions: each invocation sums one
// chunk of it (no invocation loops more than CHUNK times: llvmpipe stalls on very long loops), a second pass adds the
// chunks.
import type { Geometry3 } from '../conv3d.js';
import { binding, GpuDispatch, GpuKernel, GpuKernelContext, grid, literal, WG, wgslType } from '../gpu.js';

const CHUNK = 2048;

/** WGSL lets that split the flat index `v` into coordinates of `dims` (row-major), named `names`. */
function split(v: string, dims: readonly number[], names: readonly string[]): string {
  const out: string[] = [];
  let stride = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    out.unshift(`let ${names[i]} = i32((${v} / ${stride}u) % ${dims[i]}u);`);
    stride *= dims[i];
  }
  return out.join('\n  ');
}

/** Names and sizes of a 5-D tensor's axes in the node's layout: batch b, spatial p0..p2 (prefix), channel `ch`. */
function axes5(g: Geometry3, sp: readonly number[], c: number, prefix: string, ch: string): { names: string[]; dims: number[] } {
  const names = ['b', `${prefix}0`, `${prefix}1`, `${prefix}2`];
  return g.format === 'NDHWC'
    ? { names: [...names, ch], dims: [g.n, ...sp, c] }
    : { names: [names[0], ch, ...names.slice(1)], dims: [g.n, c, ...sp] };
}

/** The WGSL flat index (u32) of (b, p0..p2, ch) in a tensor of spatial sizes `sp`, `c` channels. */
function at(g: Geometry3, sp: readonly number[], c: number, p: string, ch: string): string {
  const s = `((${p}0 * ${sp[1]} + ${p}1) * ${sp[2]} + ${p}2)`;
  const vol = sp[0] * sp[1] * sp[2];
  return g.format === 'NDHWC' ? `u32((b * ${vol} + ${s}) * ${c} + ${ch})` : `u32((b * ${c} + ${ch}) * ${vol} + ${s})`;
}

function kernel(count: number, decls: string[], body: string): { code: string; workgroups: readonly [number, number, number] } {
  const gr = grid(count, WG);
  return {
    code: `${decls.map((d, i) => d.replace('@binding(#)', `@binding(${i})`)).join('\n')}
@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = ${gr.flatIndex};
  if (i >= ${count}u) { return; }
  ${body}
}`,
    workgroups: gr.workgroups,
  };
}
const decl = (name: string, type: string, write = false): string => binding(0, name, type, write).replace('@binding(0)', '@binding(#)');

/**
 * `ip` (input position) from `op` (output position) and tap `k` in one spatial dim, with `inside` guards. For the
 * gradients the direction is reversed: q = ip + pad - k * d must be a whole multiple of the stride, inside the output.
 */
function forwardTap(g: Geometry3, j: number): string {
  return `let i${j} = o${j} * ${g.s[j]} + k${j} * ${g.d[j]} - ${g.pad[j]};
    if (i${j} < 0 || i${j} >= ${g.in[j]}) { continue; }`;
}
function backwardTap(g: Geometry3, j: number): string {
  return `let q${j} = i${j} + ${g.pad[j]} - k${j} * ${g.d[j]};
    if (q${j} < 0 || q${j} % ${g.s[j]} != 0 || q${j} / ${g.s[j]} >= ${g.out[j]}) { continue; }
    let o${j} = q${j} / ${g.s[j]};`;
}
/** Three nested loops over the taps k0..k2, each with its guard, around `inner`. */
function tapLoops(g: Geometry3, guard: (j: number) => string, inner: string): string {
  let code = inner;
  for (let j = 2; j >= 0; j--) code = `for (var k${j} = 0; k${j} < ${g.k[j]}; k${j}++) {\n    ${guard(j)}\n    ${code}\n  }`;
  return code;
}

export function conv3dGpu(k: GpuKernelContext, g: Geometry3, mode: 'forward' | 'input' | 'filter'): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const tap = '((k0 * ' + g.k[1] + ' + k1) * ' + g.k[2] + ' + k2)';
  if (mode === 'forward') {
    const ax = axes5(g, g.out, g.oc, 'o', 'oc');
    const body = `${split('i', ax.dims, ax.names)}
  var acc = ${t}(0);
  ${tapLoops(g, (j) => forwardTap(g, j), `for (var ic = 0; ic < ${g.c}; ic++) { acc += X[${at(g, g.in, g.c, 'i', 'ic')}] * W[u32((${tap} * ${g.c} + ic) * ${g.oc} + oc)]; }`)}
  Y[i] = acc;`;
    const kk = kernel(out.size, [decl('X', t), decl('W', t), decl('Y', t, true)], body);
    return { dispatches: [{ ...kk, bindings: [{ input: 0 }, { input: 1 }, { output: 0 }] }] };
  }
  if (mode === 'input') {
    const ax = axes5(g, g.in, g.c, 'i', 'ic');
    const body = `${split('i', ax.dims, ax.names)}
  var acc = ${t}(0);
  ${tapLoops(g, (j) => backwardTap(g, j), `for (var oc = 0; oc < ${g.oc}; oc++) { acc += DY[${at(g, g.out, g.oc, 'o', 'oc')}] * W[u32((${tap} * ${g.c} + ic) * ${g.oc} + oc)]; }`)}
  DX[i] = acc;`;
    const kk = kernel(out.size, [decl('W', t), decl('DY', t), decl('DX', t, true)], body);
    return { dispatches: [{ ...kk, bindings: [{ input: 1 }, { input: 2 }, { output: 0 }] }] };
  }
  // Filter gradient: partial sums over chunks of r = (b, o0, o1, o2), then their sum.
  const R = g.n * g.out[0] * g.out[1] * g.out[2];
  const chunks = Math.ceil(R / CHUNK);
  const fsize = out.size;
  const body = `let f = i % ${fsize}u;
  let chunk = i / ${fsize}u;
  ${split('f', [...g.k, g.c, g.oc], ['k0', 'k1', 'k2', 'ic', 'oc'])}
  var acc = ${t}(0);
  for (var r = chunk * ${CHUNK}u; r < min((chunk + 1u) * ${CHUNK}u, ${R}u); r++) {
    ${split('r', [g.n, ...g.out], ['b', 'o0', 'o1', 'o2'])}
    ${[0, 1, 2].map((j) => `let i${j} = o${j} * ${g.s[j]} + k${j} * ${g.d[j]} - ${g.pad[j]};`).join('\n    ')}
    if (i0 < 0 || i0 >= ${g.in[0]} || i1 < 0 || i1 >= ${g.in[1]} || i2 < 0 || i2 >= ${g.in[2]}) { continue; }
    acc += X[${at(g, g.in, g.c, 'i', 'ic')}] * DY[${at(g, g.out, g.oc, 'o', 'oc')}];
  }
  P[i] = acc;`;
  const partial = kernel(fsize * chunks, [decl('X', t), decl('DY', t), decl('P', t, true)], body);
  const scratch = { scratch: 0, bytes: Math.max(4, fsize * chunks * 4) };
  const sum = kernel(fsize, [decl('P', t), decl('DW', t, true)], `var acc = ${t}(0);
  for (var c = 0u; c < ${chunks}u; c++) { acc += P[c * ${fsize}u + i]; }
  DW[i] = acc;`);
  return {
    dispatches: [
      { ...partial, bindings: [{ input: 0 }, { input: 2 }, scratch] },
      { ...sum, bindings: [scratch, { output: 0 }] },
    ],
  };
}

/** The in-bounds size of output position o's window along each dim, multiplied: the average's divisor. */
function countExpr(g: Geometry3): string {
  return [0, 1, 2].map((j) => `(min(o${j} * ${g.s[j]} - ${g.pad[j]} + ${g.k[j]}, ${g.in[j]}) - max(o${j} * ${g.s[j]} - ${g.pad[j]}, 0))`).join(' * ');
}

export function pool3dGpu(k: GpuKernelContext, g: Geometry3, mode: 'max' | 'avg' | 'maxGrad' | 'maxGradGrad' | 'avgGrad'): GpuKernel {
  const out = k.outputs[0];
  if (out.size === 0) return { dispatches: [] };
  const t = wgslType(out.dtype);
  const xAt = at(g, g.in, g.c, 'i', 'ch'), yAt = at(g, g.out, g.c, 'o', 'ch');
  const overOutputs = mode === 'max' || mode === 'avg' || mode === 'maxGradGrad';
  const ax = overOutputs ? axes5(g, g.out, g.c, 'o', 'ch') : axes5(g, g.in, g.c, 'i', 'ch');
  const guard = (j: number): string => (overOutputs ? forwardTap(g, j) : backwardTap(g, j));
  let init = `${t}(0)`, inner: string, decls: string[], bindings: GpuKernel['dispatches'][0]['bindings'], result = 'acc';
  switch (mode) {
    case 'max':
      init = literal(-Infinity, 'float32');
      inner = `acc = max(acc, X[${xAt}]);`;
      decls = [decl('X', t), decl('Y', t, true)]; bindings = [{ input: 0 }, { output: 0 }];
      break;
    case 'avg':
      inner = `acc += X[${xAt}];`;
      result = `acc / ${t}(${countExpr(g)})`;
      decls = [decl('X', t), decl('Y', t, true)]; bindings = [{ input: 0 }, { output: 0 }];
      break;
    case 'maxGrad': // every window maximum gets the gradient (TF's CPU mask `input == output`)
      inner = `if (X[${xAt}] == M[${yAt}]) { acc += G[${yAt}]; }`;
      decls = [decl('X', t), decl('M', t), decl('G', t), decl('Y', t, true)]; bindings = [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }];
      break;
    case 'maxGradGrad': // the gradient at the window's first maximum, as the reference kernel
      inner = `if (!found && X[${xAt}] == M[${yAt}]) { acc = G[${xAt}]; found = true; }`;
      decls = [decl('X', t), decl('M', t), decl('G', t), decl('Y', t, true)]; bindings = [{ input: 0 }, { input: 1 }, { input: 2 }, { output: 0 }];
      break;
    case 'avgGrad':
      inner = `acc += G[${yAt}] / ${t}(${countExpr(g)});`;
      decls = [decl('G', t), decl('Y', t, true)]; bindings = [{ input: 1 }, { output: 0 }];
      break;
  }
  const body = `${split('i', ax.dims, ax.names)}
  var acc = ${init};${mode === 'maxGradGrad' ? '\n  var found = false;' : ''}
  ${tapLoops(g, guard, inner)}
  Y[i] = ${result};`;
  const kk = kernel(out.size, decls, body);
  return { dispatches: [{ ...kk, bindings }] };
}
