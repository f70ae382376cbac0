// Benchmark models built with Kiln's public API (dist/), random weights from a fixed seed: no model files needed, so CI
// and the bench build them. Inference graphs as TensorFlow/Keras would write them: Conv2D / DepthwiseConv2dNative
// without bias followed by FusedBatchNormV3 (is_training false), ReLU6 / ReLU, ZeroPadding2D (Pad) before stride-2
// VALID convolutions, global average pooling as Mean, a dense or 1x1-conv classifier, Softmax.
//   mobilenet     Keras MobileNet v1, alpha 0.25, 128x128x3, 1000 classes (the 1x1-conv classifier Keras uses)
//   mobilenetv2   Keras MobileNetV2, alpha 1.0, 224x224x3, 1000 classes
//   resnet50      Keras ResNet50 (v1: stride on the first 1x1 of a block, convs with bias), 224x224x3, 1000 classes
//   keras-mobilenet  the TF-written tf.keras MobileNet alpha 0.25 128x128 (bench/models/*.pb, 2 MB, made by the .py there)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../dist/index.js';
import { rng } from './workloads.js';

const here = path.dirname(fileURLToPath(import.meta.url));

class Builder {
  constructor(graph, seed) { this.graph = graph; this.rand = rng(seed); this.n = 0; }
  /** A constant of `shape`, uniform in [lo, hi). */
  uniform(shape, lo, hi, name) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = lo + (hi - lo) * this.rand();
    return tf.constant(tf.ndarray(data, shape), { name, graph: this.graph });
  }
  /** He-uniform weights (fan_in = all but the last dim, or `fanIn`): activations keep their scale through the layers. */
  he(shape, name, fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1)) {
    const r = Math.sqrt(6 / fanIn);
    return this.uniform(shape, -r, r, name);
  }
  conv(x, kernel, out, stride, padding, name, bias = false) {
    const cin = x.shape[3];
    let y = tf.nn.conv2d(x, this.he([kernel, kernel, cin, out], `${name}/kernel`), [1, stride, stride, 1], padding, { name: `${name}/Conv2D` });
    if (bias) y = tf.nn.biasAdd(y, this.uniform([out], -0.1, 0.1, `${name}/bias`), { name: `${name}/BiasAdd` });
    return y;
  }
  depthwise(x, stride, padding, name) {
    const c = x.shape[3];
    return tf.nn.depthwiseConv2d(x, this.he([3, 3, c, 1], `${name}/depthwise_kernel`, 9), [1, stride, stride, 1], padding, { name: `${name}/depthwise` });
  }
  bn(x, name) {
    const c = x.shape[3];
    const [y] = tf.nn.fusedBatchNorm(x, this.uniform([c], 0.8, 1.2, `${name}/gamma`), this.uniform([c], -0.1, 0.1, `${name}/beta`), {
      mean: this.uniform([c], -0.1, 0.1, `${name}/moving_mean`), variance: this.uniform([c], 0.8, 1.2, `${name}/moving_variance`),
      epsilon: 1e-3, isTraining: false, name: `${name}/FusedBatchNormV3`,
    });
    return y;
  }
  relu6(x, name) { return tf.nn.relu6(x, { name: `${name}/Relu6` }); }
  relu(x, name) { return tf.nn.relu(x, { name: `${name}/Relu` }); }
  pad(x, [t, b], [l, r], name) { return tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]], { name: `${name}/Pad` }); }
  globalAvgPool(x, name, keepDims = false) { return tf.reduceMean(x, [1, 2], keepDims, { name: `${name}/Mean` }); }
  dense(x, units, name) {
    const y = tf.matmul(x, this.he([x.shape[1], units], `${name}/kernel`), { name: `${name}/MatMul` });
    return tf.nn.biasAdd(y, this.uniform([units], -0.1, 0.1, `${name}/bias`), { name: `${name}/BiasAdd` });
  }
}

/** Keras's padding before a stride-2 3x3 VALID conv on an even size: (0, 1) rows and columns (MobileNet v1 and v2 alike). */
const KERAS_PAD = [[0, 1], [0, 1]];

/** Keras's _make_divisible(v, 8): channel counts rounded to a multiple of 8, never below 90% of v. */
function div8(v) {
  const r = Math.max(8, Math.floor((v + 4) / 8) * 8);
  return r < 0.9 * v ? r + 8 : r;
}

function mobilenet(b, x) {
  const alpha = 0.25;
  let h = b.conv(x, 3, 32 * alpha, 2, 'SAME', 'conv1');
  h = b.relu6(b.bn(h, 'conv1_bn'), 'conv1_relu');
  const blocks = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2], [512, 1], [512, 1], [512, 1], [512, 1], [512, 1], [1024, 2], [1024, 1]];
  blocks.forEach(([filters, stride], i) => {
    const id = i + 1;
    if (stride === 2) h = b.pad(h, ...KERAS_PAD, `conv_pad_${id}`);
    h = b.depthwise(h, stride, stride === 1 ? 'SAME' : 'VALID', `conv_dw_${id}`);
    h = b.relu6(b.bn(h, `conv_dw_${id}_bn`), `conv_dw_${id}_relu`);
    h = b.conv(h, 1, filters * alpha, 1, 'SAME', `conv_pw_${id}`);
    h = b.relu6(b.bn(h, `conv_pw_${id}_bn`), `conv_pw_${id}_relu`);
  });
  h = b.globalAvgPool(h, 'global_average_pooling2d', true);
  h = b.conv(h, 1, 1000, 1, 'SAME', 'conv_preds', true);
  h = tf.reshape(h, [-1, 1000], { name: 'reshape_2/Reshape' });
  return tf.nn.softmax(h, { name: 'predictions/Softmax' });
}

function mobilenetv2(b, x) {
  const alpha = 1.0;
  let h = b.pad(x, ...KERAS_PAD, 'Conv1_pad');
  h = b.conv(h, 3, div8(32 * alpha), 2, 'VALID', 'Conv1');
  h = b.relu6(b.bn(h, 'bn_Conv1'), 'Conv1_relu');
  const cfg = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  let id = 0;
  for (const [t, c, n, s] of cfg) {
    for (let r = 0; r < n; r++) {
      const stride = r === 0 ? s : 1;
      const cin = h.shape[3], out = div8(c * alpha);
      const name = id === 0 ? 'expanded_conv' : `block_${id}`;
      let y = h;
      if (t !== 1) y = b.relu6(b.bn(b.conv(y, 1, cin * t, 1, 'SAME', `${name}_expand`), `${name}_expand_BN`), `${name}_expand_relu`);
      if (stride === 2) y = b.pad(y, ...KERAS_PAD, `${name}_pad`);
      y = b.relu6(b.bn(b.depthwise(y, stride, stride === 1 ? 'SAME' : 'VALID', `${name}_depthwise`), `${name}_depthwise_BN`), `${name}_depthwise_relu`);
      y = b.bn(b.conv(y, 1, out, 1, 'SAME', `${name}_project`), `${name}_project_BN`);
      h = stride === 1 && cin === out ? tf.add(h, y, { name: `${name}_add/add` }) : y;
      id++;
    }
  }
  h = b.relu6(b.bn(b.conv(h, 1, 1280, 1, 'SAME', 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  h = b.globalAvgPool(h, 'global_average_pooling2d');
  return tf.nn.softmax(b.dense(h, 1000, 'predictions'), { name: 'predictions/Softmax' });
}

function resnet50(b, x) {
  let h = b.pad(x, [3, 3], [3, 3], 'conv1_pad');
  h = b.relu(b.bn(b.conv(h, 7, 64, 2, 'VALID', 'conv1_conv', true), 'conv1_bn'), 'conv1_relu');
  h = b.pad(h, [1, 1], [1, 1], 'pool1_pad');
  h = tf.nn.maxPool(h, [1, 3, 3, 1], [1, 2, 2, 1], 'VALID', { name: 'pool1_pool/MaxPool' });
  const stages = [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]];
  stages.forEach(([f, blocks, stride1], si) => {
    for (let i = 0; i < blocks; i++) {
      const name = `conv${si + 2}_block${i + 1}`;
      const stride = i === 0 ? stride1 : 1;
      let shortcut = h;
      if (i === 0) shortcut = b.bn(b.conv(h, 1, 4 * f, stride, 'VALID', `${name}_0_conv`, true), `${name}_0_bn`);
      let y = b.relu(b.bn(b.conv(h, 1, f, stride, 'VALID', `${name}_1_conv`, true), `${name}_1_bn`), `${name}_1_relu`);
      y = b.relu(b.bn(b.conv(y, 3, f, 1, 'SAME', `${name}_2_conv`, true), `${name}_2_bn`), `${name}_2_relu`);
      y = b.bn(b.conv(y, 1, 4 * f, 1, 'VALID', `${name}_3_conv`, true), `${name}_3_bn`);
      h = b.relu(tf.add(shortcut, y, { name: `${name}_add/add` }), `${name}_out`);
    }
  });
  h = b.globalAvgPool(h, 'avg_pool');
  return tf.nn.softmax(b.dense(h, 1000, 'predictions'), { name: 'predictions/Softmax' });
}

/** A TF-written graph (bench/models/make_keras_mobilenet.py): its placeholder `input`, its output `Identity`. */
function fromPb(file) {
  return () => {
    const graph = new tf.Graph();
    tf.importGraphDef(new Uint8Array(readFileSync(path.join(here, 'models', file))), { graph, name: '' });
    return { graph, input: graph.getTensorByName('input:0'), output: graph.getTensorByName('Identity:0') };
  };
}

export const MODELS = {
  mobilenet: { build: mobilenet, input: [1, 128, 128, 3], what: 'Keras MobileNet v1 alpha 0.25, 128x128' },
  mobilenetv2: { build: mobilenetv2, input: [1, 224, 224, 3], what: 'Keras MobileNetV2 alpha 1.0, 224x224' },
  resnet50: { build: resnet50, input: [1, 224, 224, 3], what: 'Keras ResNet50 (v1), 224x224' },
  'keras-mobilenet': { load: fromPb('keras_mobilenet_025_128.pb'), input: [1, 128, 128, 3], what: 'tf.keras MobileNet alpha 0.25, 128x128, frozen by TF' },
};

/** Builds model `id` in a new graph: {graph, input (the placeholder), output (the softmax), nodes, feed (fixed data)}. */
export function buildModel(id) {
  const m = MODELS[id];
  if (m === undefined) throw new Error(`unknown model '${id}'; known: ${Object.keys(MODELS).join(', ')}`);
  let graph, input, output;
  if (m.load !== undefined) {
    ({ graph, input, output } = m.load());
  } else {
    graph = new tf.Graph();
    const b = new Builder(graph, 1234);
    ({ input, output } = graph.asDefault(() => {
      const x = tf.placeholder('float32', m.input, 'input_1');
      return { input: x, output: m.build(b, x) };
    }));
  }
  const r = rng(99);
  const size = m.input.reduce((a, c) => a * c, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = r() * 2 - 1;
  return { graph, input, output, nodes: graph.getOperations().length, feed: tf.ndarray(data, m.input), what: m.what };
}
