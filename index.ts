// Kiln's public API: `import * as tf from 'kiln'`. Names follow TensorFlow 1.x, in camelCase.
export { Graph, GraphKeys, getDefaultGraph, resetDefaultGraph, nameScope, controlDependencies, addToCollection, getCollection, setRandomSeed } from './graph/graph.js';
export { Tensor, Operation } from './graph/tensor.js';
export type { Attrs, AttrValue } from './graph/tensor.js';
export { NDArray, ndarray } from './graph/ndarray.js';
export type { NestedArray } from './graph/ndarray.js';
export type { DType, TypedArray } from './graph/dtypes.js';
export type { Shape, Dim } from './graph/shape.js';
export * as errors from './graph/errors.js';
export { Session } from './session/session.js';
export type { SessionOptions, ExecutorName, DeviceInfo } from './session/session.js';
export type { ExplainReport, KernelReport } from './optimizer/report.js';
export type { OptimizerOptions, PassReport } from './optimizer/pipeline.js';
export type { Fetch, FetchResult, Feeds, FeedValue } from './session/fetches.js';
export { defineOp, getOpDef, listOpDefs } from './ops/registry.js';
export type { OpDef } from './ops/registry.js';

export {
  constant, placeholder, placeholderWithDefault, variable, Variable, globalVariables, trainableVariables,
  globalVariablesInitializer, variablesInitializer, assign, assignAdd, assignSub, identity, noOp, group, convertToTensor,
} from './ops/values.js';
export type { TensorLike } from './ops/values.js';
export {
  add, sub, mul, div, divide, realDiv, floorDivide as floordiv, floorDivide, truncateDiv, floorMod, maximum, minimum, pow,
  squaredDifference, equal, notEqual, less, lessEqual, greater, greaterEqual, logicalAnd, logicalOr, logicalNot,
  neg, abs, sign, square, sqrt, rsqrt, reciprocal, exp, log, log1p, floor, ceil, round, sigmoid, tanh, isNan,
  cast, where, matmul, reduceSum, reduceMean, reduceMax, reduceMin, reduceProd, reduceAll, reduceAny, argMax, argMin,
} from './ops/math.js';
export * from './ops/array.js';
export { split, linspace, invertPermutation, parallelStack } from './ops/array_more.js';
export { bitcast } from './ops/bitcast.js';
export { select } from './ops/math.js';
export * as image from './ops/image_namespace.js';
export * as bitwise from './ops/bitwise.js';
export * as linalg from './ops/linalg.js';
export { svd, matrixInverse, matrixDeterminant, matrixSolve, matrixTriangularSolve, cholesky } from './ops/linalg.js';
export { bincount } from './ops/bincount.js';
export {
  sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, asinh, acosh, atanh, expm1, erf, erfc, lgamma, digamma, isFinite,
  isInf, rint, mod, truncateMod, divNoNan, zeta, polygamma, igamma, igammac, betainc, accumulateN, cumsum, cumprod,
} from './ops/math_extra.js';
export {
  reverse, roll, matrixDiag, matrixSetDiag, matrixDiagPart, matrixBandPart, spaceToBatchND, batchToSpaceND, depthToSpace,
  spaceToDepth, broadcastTo, broadcastDynamicShape, reverseSequence, gatherNd, scatterNd, identityN, shapeN, checkNumerics,
  assert,
} from './ops/array_extra.js';
export { unique, uniqueWithCounts, histogramFixedWidth } from './ops/sort_select.js';
export {
  segmentSum, segmentMean, segmentMax, segmentMin, segmentProd, unsortedSegmentMax, unsortedSegmentMin, unsortedSegmentProd,
  dynamicPartition, dynamicStitch,
} from './ops/segment.js';
export { gradients, stopGradient, addN, registerGradient } from './ops/gradients.js';
export type { GradientsOptions } from './ops/gradients.js';
export type { GradFn } from './ops/registry.js';
export * as nn from './ops/nn_namespace.js';
export * as random from './ops/random.js';
export * as train from './train/index.js';
export * as initializers from './layers/initializers.js';
export * as losses from './layers/losses.js';
export * as layers from './layers/layers.js';
export { importGraphDef } from './serialization/graphdef.js';
export type { ImportGraphDefOptions, ToGraphDefOptions } from './serialization/graphdef.js';
export * as io from './serialization/io_namespace.js';
export * as savedModel from './serialization/saved_model.js';
export * as graphUtil from './serialization/graph_util.js';
export * as data from './data/index.js';
