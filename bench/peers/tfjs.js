// TensorFlow.js 4.22 as a peer, on its 'webgpu' (same Dawn device as Kiln), 'wasm' or 'cpu' backend.
// Inputs and weights are tensors created once; W4's input is a tensor made from the same Float32Array each run and
// disposed after. The MLP uses tf.fused.matMul with bias and relu (tfjs at its best: one kernel per layer).
// Training (W3, W5): weights are tf.variable, the batch and its labels are tensors made each step, and a step is
// `tf.train.sgd(lr).minimize(loss, true)` with the fused ops (tf.fused.conv2d / tf.fused.matMul with bias and relu)
// and tf.losses.softmaxCrossEntropy; the returned cost is read with `await cost.data()`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { isTraining, LENET, makeInputs, W2_SCALARS, WORKLOADS } from '../workloads.js';

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

export async function load(backend) {
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
  if (w.kind === 'train-mlp' || w.kind === 'train-lenet') return trainStep(tf, w, inp, keep);
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

/**
 * tfjs-core's Node bundle registers no gradients: the union package `@tensorflow/tfjs` does, by importing
 * tfjs-core/dist/register_all_gradients (ES modules that Node cannot load from this package). softmaxCrossEntropy and
 * the linear fused matMul carry their own (customGrad); a fused op with relu is not fused while gradients are being
 * recorded (tfjs's `shouldFuse`), so it runs as matMul/conv2d + add + relu, and those kernels, maxPool, reshape and the
 * loss's mean need the gradient functions below, copied from tfjs-core's src/gradients/*_grad.ts.
 */
function registerGradients(tf) {
  if (tf.getGradient('MaxPool') !== undefined) return;
  const { backend_util: bu } = tf;
  const unbroadcast = (g, shape, outShape) => {
    const axes = bu.getReductionAxes(shape, outShape);
    return tf.reshape(axes.length > 0 ? tf.sum(g, axes) : g, shape);
  };
  const grads = {
    Add: [['a', 'b'], (dy, [a, b]) => {
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(dy, a.shape, out), b: () => unbroadcast(dy, b.shape, out) };
    }],
    RealDiv: [['a', 'b'], (dy, [a, b]) => {
      const out = bu.assertAndGetBroadcastShape(a.shape, b.shape);
      return {
        a: () => unbroadcast(tf.div(dy, tf.cast(b, 'float32')), a.shape, out),
        b: () => tf.neg(tf.div(unbroadcast(tf.mul(dy, tf.cast(a, 'float32')), b.shape, out), tf.cast(tf.square(b), 'float32'))),
      };
    }],
    Sum: [['x'], (dy, [x], { axis }) => {
      const shape = x.shape.slice();
      for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
      return { x: () => tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, 'float32')) };
    }],
    Reshape: [['x'], (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) })],
    Relu: [['x'], (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.step(x), 'float32')) })],
    BatchMatMul: [['a', 'b'], (dy, [a, b], { transposeA, transposeB }) => {
      if (transposeA || transposeB) throw new Error('bench: BatchMatMul gradient only for untransposed inputs');
      return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
    }],
    Conv2D: [['x', 'filter'], (dy, [x, filter], { strides, pad, dataFormat, dimRoundingMode }) => ({
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape }),
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat, dimRoundingMode, filterShape: filter.shape }),
    })],
  };
  for (const [kernelName, [inputsToSave, gradFunc]] of Object.entries(grads)) tf.registerGradient({ kernelName, inputsToSave, gradFunc });
  tf.registerGradient({
    kernelName: 'MaxPool', inputsToSave: ['x'], outputsToSave: [true],
    gradFunc: (dy, [x, y], { filterSize, strides, pad, dimRoundingMode }) => ({
      x: () => tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize, strides, pad, dimRoundingMode }),
    }),
  });
}

/** W3/W5: one SGD step per call, returning the loss (computed before the update) as a Float32Array of one value. */
function trainStep(tf, w, inp, keep) {
  const variable = (data, shape) => { const v = tf.variable(tf.tensor(data, shape)); keep.push(v); return v; };
  registerGradients(tf);
  const optimizer = tf.train.sgd(inp.lr);
  keep.push(optimizer); // it holds its learning rate as a tensor; disposed with the rest
  let forward;
  if (w.kind === 'train-mlp') {
    const layers = inp.layers.map((l) => ({ w: variable(l.w, l.wShape), b: variable(l.b, [l.b.length]) }));
    forward = (x) => layers.reduce((h, l, i) =>
      tf.fused.matMul({ a: h, b: l.w, bias: l.b, activation: i + 1 < layers.length ? 'relu' : 'linear' }), x);
  } else {
    const convs = inp.convs.map((c) => ({ w: variable(c.w, c.wShape), b: variable(c.b, [c.b.length]) }));
    const dense = { w: variable(inp.dense.w, inp.dense.wShape), b: variable(inp.dense.b, [inp.dense.b.length]) };
    forward = (x) => {
      let h = x;
      for (const c of convs) {
        h = tf.fused.conv2d({ x: h, filter: c.w, strides: 1, pad: 'same', bias: c.b, activation: 'relu' });
        h = tf.maxPool(h, 2, 2, 'same');
      }
      return tf.fused.matMul({ a: tf.reshape(h, [-1, LENET.flat]), b: dense.w, bias: dense.b });
    };
  }
  return async () => {
    const x = tf.tensor(inp.x, inp.xShape);
    const labels = tf.tensor1d(inp.labels, 'int32');
    const cost = optimizer.minimize(() => {
      const oneHot = tf.oneHot(labels, 10);
      return tf.losses.softmaxCrossEntropy(oneHot, forward(x)); // the mean over the batch
    }, true);
    const data = await cost.data();
    tf.dispose([cost, x, labels]);
    return data;
  };
}

export async function open(backend) {
  const tf = await load(backend);
  const adapter = await describe(tf, backend);
  return {
    async prepare(id) {
      const keep = [];
      const run = build(tf, id, keep);
      const baseline = tf.memory().numTensors;
      // Training: the losses of the first two steps (the second checks the first update), compared across peers.
      const losses = [];
      const step = isTraining(id) ? async () => { const d = await run(); if (losses.length < 2) losses.push(d[0]); return d; } : run;
      return {
        adapter,
        step,
        // Tensors alive besides the inputs (and the optimizer's): non-zero would mean the step leaks.
        info: () => ({ leakedTensors: tf.memory().numTensors - baseline, ...(isTraining(id) ? { lossStep1: losses[0], lossStep2: losses[1] } : {}) }),
        close: () => keep.forEach((t) => t.dispose()),
      };
    },
  };
}
