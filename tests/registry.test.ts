// The op registry: every op has a shape rule and a reference kernel, and declaring one without either is refused.
import * as tf from '../index.js';
import { defineOp, listOpDefs } from '../ops/registry.js';

test('every registered op has a shape rule and a reference CPU kernel', () => {
  const defs = listOpDefs();
  expect(defs.length).toBeGreaterThan(60);
  const missing = defs.filter((d) => typeof d.shape !== 'function' || typeof d.cpu !== 'function').map((d) => d.type);
  expect(missing).toEqual([]);
});

test('every registered op has a GPU side (a kernel builder, or marked as handled by the executor)', () => {
  expect(listOpDefs().filter((d) => typeof d.gpu !== 'function').map((d) => d.type)).toEqual([]);
});

test('every registered op has a gradient or is marked not differentiable', () => {
  const missing = listOpDefs().filter((d) => typeof d.grad !== 'function' && d.grad !== 'not-differentiable').map((d) => d.type);
  expect(missing).toEqual([]);
});

test('declaring an op without a shape rule or kernel fails', () => {
  expect(() => defineOp({ type: 'NoShapeRule', inputs: [], cpu: () => [] } as unknown as tf.OpDef)).toThrow(/shape rule/);
  expect(() => defineOp({ type: 'NoKernel', inputs: [], shape: () => [] } as unknown as tf.OpDef)).toThrow(/reference kernel/);
  expect(() => defineOp({ type: 'MatMul', inputs: [], shape: () => [], cpu: () => [] })).toThrow(/twice/);
});

test('every op of the foundation issue is registered under its TensorFlow name', () => {
  const types = new Set(listOpDefs().map((d) => d.type));
  const expected = [
    'Const', 'Placeholder', 'PlaceholderWithDefault', 'VariableV2', 'Assign', 'AssignAdd', 'AssignSub', 'Identity', 'NoOp',
    'AddV2', 'Sub', 'Mul', 'RealDiv', 'Neg', 'Abs', 'Square', 'Sqrt', 'Rsqrt', 'Exp', 'Log', 'Pow', 'Maximum', 'Minimum',
    'Sigmoid', 'Tanh', 'MatMul', 'BatchMatMulV2', 'Sum', 'Mean', 'Max', 'Min', 'Prod', 'ArgMax', 'ArgMin', 'Equal',
    'NotEqual', 'Less', 'LessEqual', 'Greater', 'GreaterEqual', 'LogicalAnd', 'LogicalOr', 'LogicalNot', 'SelectV2', 'Cast',
    'Reshape', 'Transpose', 'ExpandDims', 'Squeeze', 'ConcatV2', 'Pack', 'Unpack', 'Slice', 'StridedSlice', 'Tile', 'Fill',
    'ZerosLike', 'OnesLike', 'Shape', 'OneHot', 'GatherV2',
    'Relu', 'Relu6', 'Elu', 'Softplus', 'BiasAdd', 'Softmax', 'LogSoftmax', 'SoftmaxCrossEntropyWithLogits',
    'SparseSoftmaxCrossEntropyWithLogits', 'RandomUniform', 'RandomStandardNormal', 'TruncatedNormal',
  ];
  expect(expected.filter((t) => !types.has(t))).toEqual([]);
});

test('every op of the training issue is registered under its TensorFlow name', () => {
  const types = new Set(listOpDefs().map((d) => d.type));
  const expected = [
    'AddN', 'StopGradient', 'BroadcastGradientArgs', 'Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter',
    'DepthwiseConv2dNative', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'MaxPool',
    'MaxPoolGrad', 'AvgPool', 'AvgPoolGrad', 'FusedBatchNormV3', 'FusedBatchNormGradV3', 'ApplyGradientDescent',
    'ApplyMomentum', 'ApplyAdam', 'ApplyRMSProp', 'ApplyAdagrad',
  ];
  expect(expected.filter((t) => !types.has(t))).toEqual([]);
});

test('every attr a node carries is declared by its op, with the declared kind of value', () => {
  // Builds one node of several kinds and checks the attrs against the declarations, so a GraphDef writer can rely on them.
  tf.resetDefaultGraph();
  const x = tf.placeholder('float32', [null, 3], 'x');
  const nodes = [tf.matmul(x, tf.zeros([3, 2])), tf.reduceSum(x, 1), tf.cast(x, 'int32'), tf.argMax(x, 1)];
  const defs = new Map(listOpDefs().map((d) => [d.type, d]));
  for (const t of nodes) {
    const def = defs.get(t.op.type)!;
    for (const k of Object.keys(t.op.attrs)) expect(Object.keys(def.attrs ?? {})).toContain(k);
  }
});
