// TensorFlow.js 4.22 as a peer, on its 'webgpu' (same Dawn device as Kiln), 'wasm' or 'cpu' backend.
// Inputs and weights are tensors created once; W4's input is a tensor made from the same Float32Array each run and
// disposed after. The MLP uses tf.fused.matMul with bias and relu (tfjs at its best: one kernel per layer).
import { createRequire } from 'node:module';
import path from 'node:path';
import { makeInputs, W2_SCALARS, WORKLOADS } from '../workloads.js';

let adapterDescription = null;
// The Dawn GPU instance lives as long as the process: a collected instance with a live device aborts the process.
let gpuInstance = null;

/** Dawn on OpenGL ES, visible to tfjs as navigator.gpu. Must run BEFORE tfjs is imported. */
async function installWebGpu() {
  process.env.EGL_PLATFORM ??= 'surfaceless'; // headless EGL; read when Dawn first initialises EGL
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals); // GPUBufferUsage, GPUMapMode...: tfjs reads them as globals
  gpuInstance = create(['backend=opengles']);
  const requestAdapter = gpuInstance.requestAdapter.bind(gpuInstance);
  // tfjs asks without a feature level; GL ES only offers the compatibility level.
  gpuInstance.requestAdapter = async (opts = {}) => {
    const adapter = await requestAdapter({ ...opts, featureLevel: 'compatibility' });
    const i = adapter?.info;
    // Kiln's own wording (description vendor architecture), plus the device name, which names the renderer.
    if (i) adapterDescription = [i.description, i.vendor, i.architecture].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim() + (i.device ? ` (${i.device})` : '');
    return adapter;
  };
  // Node 20 has no navigator; newer Node has a read-only one, hence defineProperty.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: gpuInstance }, configurable: true, writable: true });
}

async function load(backend) {
  if (backend === 'webgpu') await installWebGpu();
  const tf = await import('@tensorflow/tfjs-core');
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (backend === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the backend reads its .wasm files from disk: point it at the package's dist folder.
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' failed to initialise`);
  await tf.ready();
  return tf;
}

async function describe(tf, backend) {
  if (backend === 'webgpu') return adapterDescription ?? 'unknown adapter';
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    return `WebAssembly (SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`;
  }
  return 'JS (tfjs-backend-cpu)';
}

/** One run: compute, read back, dispose. `compute` runs inside tidy, so intermediates are freed. */
async function readBack(tf, compute) {
  const y = tf.tidy(compute);
  const data = await y.data();
  y.dispose();
  return data;
}

/** Returns the step; `keep` collects the tensors made once, disposed when the workload is done. */
function build(tf, id, keep) {
  const w = WORKLOADS[id];
  const inp = makeInputs(id);
  const tensor = (data, shape) => { const t = tf.tensor(data, shape); keep.push(t); return t; };
  if (w.kind === 'matmul') {
    const a = tensor(inp.a, inp.shape);
    const b = tensor(inp.b, inp.shape);
    return () => readBack(tf, () => tf.matMul(a, b));
  }
  if (w.kind === 'elementwise') {
    const x = tensor(inp.x, inp.shape);
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((k) => tensor(new Float32Array([W2_SCALARS[k]]), []));
    return () => readBack(tf, () => tf.sub(tf.mul(tf.relu(tf.add(tf.mul(x, a), b)), c), d));
  }
  const layers = inp.layers.map((l) => ({ w: tensor(l.w, l.wShape), b: tensor(l.b, [l.b.length]) }));
  return async () => {
    const x = tf.tensor(inp.x, inp.xShape);
    const data = await readBack(tf, () => {
      let h = x;
      layers.forEach((l, i) => {
        h = tf.fused.matMul({ a: h, b: l.w, bias: l.b, activation: i + 1 < layers.length ? 'relu' : 'linear' });
      });
      return tf.softmax(h);
    });
    x.dispose();
    return data;
  };
}

export async function open(backend) {
  const tf = await load(backend);
  const adapter = await describe(tf, backend);
  return {
    async prepare(id) {
      const keep = [];
      const step = build(tf, id, keep);
      return {
        adapter,
        step,
        // Tensors alive besides the inputs: non-zero would mean the step leaks.
        info: () => ({ leakedTensors: tf.memory().numTensors - keep.length }),
        close: () => keep.forEach((t) => t.dispose()),
      };
    },
  };
}
