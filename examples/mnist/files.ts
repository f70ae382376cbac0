// What the MNIST demo leaves behind, in TensorFlow's formats: a V2 checkpoint and its MetaGraphDef (to resume or
// evaluate without the model code), and a frozen GraphDef with the test digits as .npy files (for `kiln run`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../../index.js';
import type { DataSet } from './data.js';
import type { Model } from './model.js';

const IMAGE_SHAPE = [28, 28, 1];

/** Saves the session's model under `prefix`; returns the lines to print (what was written, how to use it). */
export async function saveTrained(sess: tf.Session, model: Model, prefix: string, test: DataSet): Promise<string[]> {
  mkdirSync(path.dirname(prefix), { recursive: true });
  const graph = model.accuracy.graph;
  const { saver, step } = graph.asDefault(() => ({ saver: new tf.train.Saver(), step: tf.train.getGlobalStep() }));
  const checkpoint = await saver.save(sess, prefix, step === null ? {} : { globalStep: step });
  await tf.train.exportMetaGraph(`${checkpoint}.meta`, { saver, graph });
  const frozen = await tf.graphUtil.convertVariablesToConstants(sess, graph.toGraphDef(), [model.accuracy.op.name]);
  await tf.io.writeGraph(frozen, `${prefix}.frozen.pb`);
  const dir = path.dirname(prefix);
  const images = path.join(dir, 'test_images.npy');
  const labels = path.join(dir, 'test_labels.npy');
  writeFileSync(images, tf.io.writeNpy(tf.ndarray(test.images, [test.n, ...IMAGE_SHAPE])));
  writeFileSync(labels, tf.io.writeNpy(tf.ndarray(test.labels, [test.n], 'int32')));
  return [
    `saved: checkpoint ${checkpoint} (+ .meta), frozen graph ${prefix}.frozen.pb`,
    `to evaluate the checkpoint: node dist/examples/mnist.js --eval ${checkpoint}`,
    `to run the frozen graph:    node dist/bin/kiln.js run ${prefix}.frozen.pb --input images=${images} --input labels=${labels} --output accuracy`,
  ];
}

/**
 * The test accuracy of a checkpoint, from files alone: the graph from its `.meta` (imported into a new graph, names
 * unchanged), the values restored, `accuracy:0` fetched by name.
 */
export async function evaluateCheckpoint(sess: tf.Session, checkpoint: string, test: DataSet): Promise<number> {
  const saver = await tf.train.importMetaGraph(`${checkpoint}.meta`, { graph: sess.graph });
  if (saver === null) throw new Error(`${checkpoint}.meta has no saver`);
  await saver.restore(sess, checkpoint);
  const acc = await sess.run('accuracy:0', {
    'images:0': tf.ndarray(test.images, [test.n, ...IMAGE_SHAPE]),
    'labels:0': tf.ndarray(test.labels, [test.n], 'int32'),
  });
  return acc.scalar();
}
