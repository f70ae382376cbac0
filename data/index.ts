// `tf.data`: input pipelines (TF's tf.data.Dataset) and readers for the files training data comes in.
export { Dataset, AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY } from './dataset.js';
export type { MapOptions, ShuffleOptions, Sliceable } from './dataset.js';
export type { Element, ElementOf, NDArrayLike } from './structure.js';
export { readIdx, parseIdx } from './idx.js';
export type { IdxOptions } from './idx.js';
export { readNpz, parseNpz, readNpyFile } from './npz.js';
