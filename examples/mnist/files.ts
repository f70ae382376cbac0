// What the MNIST demo leaves behind, in TensorFlow's formats: a V2 checkpoint and its MetaGraphDef (to resume or
// evaluate without the model code), and a frozen GraphDef with the test digits as .npy files (for `kiln run`).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '../../index.js';
import { digits, PIXELS, type DataSet } from './data.js';
import type { Model } from './model.js';

const IMAGE_SHAPE = [28, 28, 1];
/** The test digits written beside the frozen graph for `kiln run`, which feeds them in one run: at most this many. */
const NPY_DIGITS = 2000;
/** Evaluation feeds this many digits per run: the full 10,000 at once would need a 250 MB GPU buffer for conv1. */
const EVAL_BATCH = 1000;

/**
 * The fraction of `data` that `accuracy` (a batch's mean, as the graph's `accuracy` node is) gets right, in batches:
 * each batch's mean times its size is its count of correct digits.
 */
export async function evaluateAccuracy(sess: tf.Session, accuracy: tf.Tensor | string, data: DataSet): Promise<number> {
  let correct = 0;
  for await (const batch of digits(data).batch(EVAL_BATCH).prefetch(1)) {
    // The batch's keys are the placeholders' names (`images`, `labels`): it is the feed as it is.
    const acc = await sess.run(accuracy, batch);
    correct += Math.round(acc.scalar() * batch.labels.shape[0]);
  }
  return correct / data.n;
}

/** Saves the session's model under `prefix`; returns the lines to print (what was written, how to use it). */
export async function saveTrained(sess: tf.Session, model: Model, prefix: string, test: DataSet, dataDir?: string): Promise<string[]> {
  const dataArg = dataDir === undefined ? '' : ` --data ${dataDir}`;
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
  const n = Math.min(test.n, NPY_DIGITS);
  writeFileSync(images, tf.io.writeNpy(tf.ndarray(test.images.subarray(0, n * PIXELS), [n, ...IMAGE_SHAPE])));
  writeFileSync(labels, tf.io.writeNpy(tf.ndarray(test.labels.subarray(0, n), [n], 'int32')));
  return [
    `saved: checkpoint ${checkpoint} (+ .meta), frozen graph ${prefix}.frozen.pb`,
    `to evaluate the checkpoint: node dist/examples/mnist.js --eval ${checkpoint}${dataArg}`,
    `to run the frozen graph:    node dist/bin/kiln.js run ${prefix}.frozen.pb --input images=${images} --input labels=${labels} --output accuracy` +
      (n < test.n ? `   (the first ${n} test digits)` : ''),
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
  return evaluateAccuracy(sess, 'accuracy:0', test);
}
