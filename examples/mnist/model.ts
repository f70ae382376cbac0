// The two MNIST models, built TF1-style into the default graph with tf.layers: placeholders for a batch of images and
// their labels, seeded Glorot-uniform kernels (so every run starts from the same numbers), the logits, the loss and
// the count of correct predictions.
import * as tf from '../../index.js';
import { CLASSES, IMAGE_SIZE } from './data.js';

export type ModelKind = 'mlp' | 'cnn';
export const MODEL_KINDS: readonly ModelKind[] = ['cnn', 'mlp'];

export interface Model {
  kind: ModelKind;
  /** [batch, 28, 28, 1] float32 in [0, 1]. */
  images: tf.Tensor;
  /** [batch] int32 in 0..9. */
  labels: tf.Tensor;
  /** [batch, 10]. */
  logits: tf.Tensor;
  /** The mean cross-entropy over the batch. */
  loss: tf.Tensor;
  /** How many of the batch's predictions (argMax of the logits) are right: a float32 scalar. */
  correct: tf.Tensor;
  /** correct / batch size, named `accuracy`: what the frozen graph and `--eval` fetch by name. */
  accuracy: tf.Tensor;
  /** The weights: what training changes, what is saved and what `--eval` restores. */
  variables: tf.Variable[];
}

/**
 * cnn: conv 5x5 1->8 + relu + maxpool 2, conv 5x5 8->16 + relu + maxpool 2, dense 784->64 + relu, dense 64->10
 * (LeNet's shape, narrower: on llvmpipe the second convolution and its gradients are most of a step's time).
 * mlp: dense 784->128 + relu, dense 128->10.
 */
export function buildModel(kind: ModelKind, seed: number): Model {
  const images = tf.placeholder('float32', [null, IMAGE_SIZE, IMAGE_SIZE, 1], 'images');
  const labels = tf.placeholder('int32', [null], 'labels');
  // Each layer's kernel gets its own seed; biases start at zero.
  let layer = 0;
  const init = () => tf.initializers.glorotUniform({ seed: seed * 100 + ++layer });
  const relu = (x: tf.Tensor) => tf.nn.relu(x);

  let h: tf.Tensor;
  if (kind === 'cnn') {
    h = tf.layers.conv2d(images, 8, 5, { padding: 'same', activation: relu, kernelInitializer: init(), name: 'conv1' });
    h = tf.layers.maxPooling2d(h, 2, 2, { padding: 'same', name: 'pool1' });            // [b, 14, 14, 8]
    h = tf.layers.conv2d(h, 16, 5, { padding: 'same', activation: relu, kernelInitializer: init(), name: 'conv2' });
    h = tf.layers.maxPooling2d(h, 2, 2, { padding: 'same', name: 'pool2' });            // [b, 7, 7, 16]
    h = tf.layers.flatten(h);                                                            // [b, 784]
    h = tf.layers.dense(h, 64, { activation: relu, kernelInitializer: init(), name: 'dense1' });
  } else {
    h = tf.layers.flatten(images);
    h = tf.layers.dense(h, 128, { activation: relu, kernelInitializer: init(), name: 'dense1' });
  }
  const logits = tf.layers.dense(h, CLASSES, { kernelInitializer: init(), name: 'logits' });

  const loss = tf.losses.sparseSoftmaxCrossEntropy(labels, logits);
  const hits = tf.equal(tf.argMax(logits, 1), labels);
  const correct = tf.reduceSum(tf.cast(hits, 'float32'), undefined, false, { name: 'correct' });
  const accuracy = tf.div(correct, tf.cast(tf.size(labels), 'float32'), { name: 'accuracy' });
  return { kind, images, labels, logits, loss, correct, accuracy, variables: tf.trainableVariables() };
}
