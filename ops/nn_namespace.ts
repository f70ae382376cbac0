// `tf.nn`: the neural-network builders, gathered from the op families that declare them.
export * from './nn.js';
export * from './conv.js';
export * from './conv3d.js';
export * from './pool_argmax.js';
export * from './lrn.js';
export * from './norm.js';
export * from './dropout.js';
export { l2Loss } from './math_extra.js';
export { topK, inTopK } from './sort_select.js';
