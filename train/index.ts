// `tf.train`: TF1's optimizers and the global step.
export { Optimizer } from './optimizer.js';
export type { OptimizerOptions, HyperParam, GradAndVar, ComputeGradientsOptions, ApplyGradientsOptions } from './optimizer.js';
export { GradientDescentOptimizer, MomentumOptimizer, AdamOptimizer, RMSPropOptimizer, AdagradOptimizer } from './optimizers.js';
export { getGlobalStep, getOrCreateGlobalStep, createGlobalStep } from './global_step.js';
export { Saver, CheckpointReader, latestCheckpoint, loadCheckpoint, getCheckpointState } from './saver.js';
export type { SaverOptions, SaveOptions, SaverDefInfo, CheckpointState } from './saver.js';
export { exportMetaGraph, importMetaGraph } from '../serialization/meta_graph.js';
export type { ExportMetaGraphOptions, ImportMetaGraphOptions } from '../serialization/meta_graph.js';
