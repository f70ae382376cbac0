// `tf.io`: file formats. GraphDef files now; checkpoints and others join here.
export { writeGraph, readGraph, readGraphDef } from './io.js';
export type { WriteGraphOptions } from './io.js';
export { readNpy, writeNpy } from './npy.js';
