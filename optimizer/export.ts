// Writing an optimized plan graph as a GraphDef TensorFlow can run: TF's own fused nodes stay where TF has a kernel for
// their `fused_ops`; anything else Kiln fused (`_KilnFusedElementwise`, an epilogue TF's kernels lack) is written back
// as the ops it replaced, under their original names.
import { allocArray, DType } from '../graph/dtypes.js';
import type { Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import type { Operation, Tensor } from '../graph/tensor.js';
import { parseExpr } from './expr.js';
import { OptimizerOptions, optimize, Optimized, resolveOptimizerOptions } from './pipeline.js';
import { PlanGraph, rewrite, RewriteContext } from './plan_graph.js';

/**
 * The `fused_ops` TensorFlow's CPU kernels implement (tensorflow/core/kernels/matmul_op_fused.cc, conv_ops_fused_impl.h):
 * a bias or batch norm, then at most one of these activations. Residual adds and Sigmoid/Tanh epilogues exist only in
 * some builds (oneDNN), so they are written back as separate ops.
 */
const TF_RUNNABLE: Record<string, ReadonlyArray<readonly string[]>> = {
  _FusedMatMul: [['BiasAdd'], ['BiasAdd', 'Relu'], ['BiasAdd', 'Relu6'], ['BiasAdd', 'Elu'], ['BiasAdd', 'LeakyRelu']],
  _FusedConv2D: [
    ['BiasAdd'], ['BiasAdd', 'Relu'], ['BiasAdd', 'Relu6'], ['BiasAdd', 'Elu'], ['BiasAdd', 'LeakyRelu'],
    ['FusedBatchNorm'], ['FusedBatchNorm', 'Relu'], ['FusedBatchNorm', 'Relu6'], ['FusedBatchNorm', 'Elu'], ['FusedBatchNorm', 'LeakyRelu'],
  ],
  _FusedDepthwiseConv2dNative: [],
};

const BASE: Record<string, string> = { _FusedMatMul: 'MatMul', _FusedConv2D: 'Conv2D', _FusedDepthwiseConv2dNative: 'DepthwiseConv2dNative' };
const FUSED_ONLY_ATTRS = new Set(['num_args', 'fused_ops', 'epsilon', 'leakyrelu_alpha', 'TArgs', 'num_host_args', 'filter_format']);

export function tfRunnable(op: Operation): boolean {
  const allowed = TF_RUNNABLE[op.type];
  if (allowed === undefined) return true;
  const f = op.attrs.fused_ops as string[];
  return allowed.some((a) => a.length === f.length && a.every((x, i) => x === f[i]));
}

/** The plan graph with every node TensorFlow cannot run replaced by the ops it stands for. */
export function unfuseForExport(pg: PlanGraph): PlanGraph {
  return rewrite(pg, (op, c) => {
    if (op.type === '_KilnFusedElementwise') return [unfuseElementwise(op, c)];
    if (op.type in BASE && !tfRunnable(op)) return [unfuseContraction(op, c)];
    return undefined;
  });
}

function unfuseElementwise(op: Operation, c: RewriteContext): Tensor {
  const e = parseExpr(op.attrs.expr as string, op.name);
  const leaves = c.inputs(op);
  const steps: Tensor[] = [];
  e.steps.forEach((s, j) => {
    const args = s.args.map((a, k) => {
      if ('leaf' in a) return leaves[a.leaf];
      if ('step' in a) return steps[a.step];
      return c.add('Const', [], { value: literalArray(a.literal, a.dtype, a.shape), dtype: a.dtype }, { name: `${s.name}/y${k}` }).outputs[0];
    });
    const last = j === e.steps.length - 1;
    steps.push(c.add(s.op, args, s.attrs, { name: s.name, exactName: !c.graph.hasOperation(s.name), controls: last ? c.controls(op) : [] }).outputs[0]);
  });
  return steps[steps.length - 1];
}

function unfuseContraction(op: Operation, c: RewriteContext): Tensor {
  const [x, w, ...args] = c.inputs(op);
  const fused = op.attrs.fused_ops as string[];
  const baseAttrs = Object.fromEntries(Object.entries(op.attrs).filter(([k]) => !FUSED_ONLY_ATTRS.has(k)));
  const g: Graph = c.graph;
  const name = (suffix: string): string => g.uniqueName(`${op.name}/${suffix}`);
  let y = c.add(BASE[op.type], [x, w], baseAttrs, { name: name(BASE[op.type]) }).outputs[0];
  let k = 0;
  for (const f of fused) {
    if (f === 'BiasAdd') y = c.add('BiasAdd', [y, args[k++]], { T: y.dtype, data_format: (op.attrs.data_format as string) ?? 'NHWC' }, { name: name('BiasAdd') }).outputs[0];
    else if (f === 'FusedBatchNorm') {
      y = c.add('FusedBatchNormV3', [y, args[k], args[k + 1], args[k + 2], args[k + 3]], {
        T: y.dtype, U: args[k].dtype, epsilon: op.attrs.epsilon, is_training: false, data_format: (op.attrs.data_format as string) ?? 'NHWC',
      }, { name: name('FusedBatchNorm') }).outputs[0];
      k += 4;
    } else if (f === 'Add' || f === 'AddV2') y = c.add('AddV2', [y, args[k++]], { T: y.dtype }, { name: name('Add') }).outputs[0];
    else if (f === 'LeakyRelu') y = c.add('LeakyRelu', [y], { T: y.dtype, alpha: op.attrs.leakyrelu_alpha }, { name: name('LeakyRelu') }).outputs[0];
    else y = c.add(f, [y], { T: y.dtype }, { name: name(f) }).outputs[0];
  }
  // The last op takes the fused node's name, so readers and fetches by name find it.
  return c.add('Identity', [y], { T: y.dtype }, { name: op.name, exactName: true, controls: c.controls(op) }).outputs[0];
}

function literalArray(v: number, dtype: DType, shape: number[]): NDArray {
  const data = allocArray(dtype, shape.reduce((a, b) => a * b, 1));
  data.fill(v);
  return new NDArray(dtype, shape, data);
}

/**
 * The optimized graph for `outputs`, as a new Graph TensorFlow can run (`kiln optimize`): placeholders named in
 * `shapes` are specialised to those shapes; the others keep theirs. The memory plan is reported, not enforced.
 */
export function optimizeGraph(outputs: readonly Tensor[], shapes: ReadonlyMap<Tensor, readonly number[]>, opts?: boolean | OptimizerOptions): { graph: Graph; optimized: Optimized } {
  const feeds = new Map([...shapes].map(([t, s]) => [t, { shape: [...s] } as unknown as NDArray]));
  const optimized = optimize(outputs, [], feeds, resolveOptimizerOptions(opts), { perTensorBytes: Infinity, totalBytes: Infinity, source: 'none' });
  return { graph: unfuseForExport(optimized.plan).graph, optimized };
}
