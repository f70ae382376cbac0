// tf.savedModel: loading SavedModels TensorFlow wrote (serving's half_plus_two with snappy-compressed index blocks,
// ParseExample and string ops; tf2onnx's regression with its training graph) on both executors, and a simple_save
// round trip.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { EXECUTORS, expectClose } from './helpers.js';
import { TF_TESTDATA } from './testdata.js';

const TESTDATA = TF_TESTDATA;
const HALF_PLUS_TWO = path.join(TESTDATA, 'serving_half_plus_two_cpu');
const REGRESSION = path.join(TESTDATA, 'tf2onnx_regression/saved_model');

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-sm-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

describe('tf.savedModel.load', () => {
  for (const executor of EXECUTORS) {
    test(`serving half_plus_two: y = 0.5x + 2, y2 = 0.5x + 3 (${executor})`, async () => {
      const { graph, session, signatures } = await tf.savedModel.load(HALF_PLUS_TWO, { executor });
      try {
        expect(signatures.serving_default).toEqual({ inputs: { x: 'x:0' }, outputs: { y: 'y:0' }, methodName: 'tensorflow/serving/predict' });
        expect(signatures.regress_x_to_y2.outputs.outputs).toBe('y2:0');
        expect(graph.getOperationByName('ParseExample/ParseExample').type).toBe('ParseExample');
        expect(graph.getCollection<tf.Variable>('variables').map((v) => v.op.name).sort()).toEqual(['a', 'a2', 'b', 'c', 'c2']);
        const sig = signatures.serving_default;
        const x = [[0], [1], [2], [5]];
        const [y, y2] = await session.run([sig.outputs.y, 'y2:0'], { [sig.inputs.x]: x }) as tf.NDArray[];
        expectClose(y, [[2], [2.5], [3], [4.5]]);
        expectClose(y2, [[3], [3.5], [4], [5.5]]);
      } finally {
        await session.close();
      }
    });

    test(`tf2onnx regression: pred(5) = 2.1193342 (${executor})`, async () => {
      const { session, signatures } = await tf.savedModel.load(REGRESSION, { tags: ['serve'], executor });
      try {
        const sig = signatures.serving_default;
        expect(sig).toEqual({ inputs: { X: 'X:0' }, outputs: { pred: 'pred:0' }, methodName: 'tensorflow/serving/predict' });
        expectClose(await session.run(sig.outputs.pred, { [sig.inputs.X]: [5] }) as tf.NDArray, [2.1193342], { rtol: 1e-6 });
      } finally {
        await session.close();
      }
    });
  }

  test('errors: no MetaGraphDef with the tags, no saved_model.pb', async () => {
    await expect(tf.savedModel.load(HALF_PLUS_TWO, { tags: ['train'], executor: 'cpu' })).rejects.toThrow(/no MetaGraphDef with tags \[train\] \(it has \[serve\]\)/);
    await expect(tf.savedModel.load(tmp, { executor: 'cpu' })).rejects.toThrow(tf.errors.NotFoundError);
  });
});

describe('tf.savedModel.save (TF1 simple_save)', () => {
  for (const executor of EXECUTORS) {
    test(`round trip: a trained model loads with its signature and the same numbers (${executor})`, async () => {
      const g = new tf.Graph();
      const { x, y, trainOp } = g.asDefault(() => {
        const x = tf.placeholder('float32', [null, 3], 'inputs');
        const labels = tf.placeholder('float32', [null, 2], 'labels');
        const h = tf.layers.dense(x, 4, { activation: tf.nn.relu });
        const y = tf.identity(tf.layers.dense(h, 2), { name: 'scores' });
        const loss = tf.losses.meanSquaredError(labels, y);
        return { x, y, trainOp: new tf.train.AdamOptimizer(0.01).minimize(loss, { globalStep: tf.train.getOrCreateGlobalStep() }) };
      });
      const sess = await tf.Session.create({ graph: g, executor });
      await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
      const xs = [[1, 2, 3], [-1, 0.5, 2], [0, 0, 1]];
      for (let i = 0; i < 5; i++) await sess.run(trainOp, { inputs: xs, labels: [[1, 0], [0, 1], [0.5, 0.5]] });
      const before = await sess.run(y, { inputs: xs }) as tf.NDArray;
      const dir = path.join(tmp, 'export');
      await tf.savedModel.save(sess, dir, { inputs: { x }, outputs: { y } });
      await sess.close();
      expect(fs.existsSync(path.join(dir, 'variables', 'variables.index'))).toBe(true);
      const sm = tensorflow.SavedModel.decode(fs.readFileSync(path.join(dir, 'saved_model.pb')));
      expect(sm.meta_graphs[0].meta_info_def!.tags).toEqual(['serve']);
      await expect(tf.savedModel.save(sess, dir, { inputs: { x }, outputs: { y } })).rejects.toThrow(/already exists/);

      const loaded = await tf.savedModel.load(dir, { executor });
      try {
        const sig = loaded.signatures.serving_default;
        expect(sig).toEqual({ inputs: { x: 'inputs:0' }, outputs: { y: 'scores:0' }, methodName: 'tensorflow/serving/predict' });
        expectClose(await loaded.session.run(sig.outputs.y, { [sig.inputs.x]: xs }) as tf.NDArray, before.data, { rtol: 0, atol: 0, shape: [3, 2] });
        expect((await loaded.session.run('global_step:0') as tf.NDArray).scalar()).toBe(5);
      } finally {
        await loaded.session.close();
      }
    });
  }
});
