// Graphs TensorFlow itself wrote (../shared/testdata/tf), imported and run on both executors against TensorFlow's
// own outputs (atol 1e-5 + rtol 1e-4: the expected values were saved with 8 decimals).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '../index.js';
import { readNpy } from '../serialization/npy.js';
import { EXECUTORS, expectClose } from './helpers.js';
import { TF_TESTDATA } from './testdata.js';

const TESTDATA = TF_TESTDATA;

interface CaseJson {
  inputs: Record<string, { file: string; dtype: string }>;
  outputs: Record<string, { file: string; dtype: string; shape: number[] }>;
}

const CONTROL_FLOW = ['dl4j_simpleif_0', 'dl4j_while1__iter_3'];
const DL4J = fs.readdirSync(TESTDATA).filter((d) => d.startsWith('dl4j_') && !CONTROL_FLOW.includes(d)).sort();

function readCase(dir: string): CaseJson { return JSON.parse(fs.readFileSync(path.join(TESTDATA, dir, 'case.json'), 'utf8')) as CaseJson; }

async function runCase(g: tf.Graph, c: CaseJson, dir: string, executor: tf.ExecutorName, float64?: 'float32'): Promise<Record<string, tf.NDArray>> {
  const feeds: Record<string, tf.NDArray> = {};
  for (const [name, inp] of Object.entries(c.inputs)) feeds[`${name}:0`] = readNpy(fs.readFileSync(path.join(TESTDATA, dir, inp.file)), inp.file);
  const sess = await tf.Session.create({ graph: g, executor, float64 });
  try {
    const fetches = Object.keys(c.outputs);
    const values = await sess.run(fetches, feeds);
    return Object.fromEntries(fetches.map((f, i) => [f, values[i]]));
  } finally {
    await sess.close();
  }
}

function usesFloat64(c: CaseJson): boolean {
  return [...Object.values(c.inputs), ...Object.values(c.outputs)].some((x) => x.dtype === 'float64');
}

describe('TensorFlow frozen graphs (dl4j_*)', () => {
  const files = ['frozen_model.pb', 'frozen_graph.pbtxt'];
  for (const dir of DL4J) {
    for (const file of files) {
      for (const executor of EXECUTORS) {
        test(`${dir}/${file} on ${executor}`, async () => {
          const c = readCase(dir);
          const g = await tf.io.readGraph(path.join(TESTDATA, dir, file));
          // float64 on WebGPU: refused by name unless the session runs it in float32 (then within the same tolerance).
          const f64 = executor === 'webgpu' && usesFloat64(c);
          if (f64) await expect(runCase(g, c, dir, executor)).rejects.toThrow(/float64.*executor: 'cpu'/);
          const got = await runCase(g, c, dir, executor, f64 ? 'float32' : undefined);
          for (const [name, out] of Object.entries(c.outputs)) {
            const expected = readNpy(fs.readFileSync(path.join(TESTDATA, dir, out.file)), out.file);
            expect(got[name].dtype).toBe(expected.dtype);
            expectClose(got[name], expected.data, { shape: expected.shape, atol: 1e-5, rtol: 1e-4 });
          }
        });
      }
    }
  }

  test('the text and binary files give the same nodes', async () => {
    for (const dir of DL4J) {
      const a = await tf.io.readGraph(path.join(TESTDATA, dir, 'frozen_model.pb'));
      const b = await tf.io.readGraph(path.join(TESTDATA, dir, 'frozen_graph.pbtxt'));
      expect(b.getOperations().map((o) => `${o.name}:${o.type}`).sort()).toEqual(a.getOperations().map((o) => `${o.name}:${o.type}`).sort());
    }
  });

  test('node names are exactly the file\'s', async () => {
    const g = await tf.io.readGraph(path.join(TESTDATA, 'dl4j_mnist_00', 'frozen_model.pb'));
    const gd = g.toGraphDef();
    const orig = tf.io.readGraphDef(path.join(TESTDATA, 'dl4j_mnist_00', 'frozen_model.pb'));
    expect(gd.node.map((n) => n.name).sort()).toEqual((await orig).node.map((n) => n.name).sort());
  });
});

describe('TF1 control flow imports, and fails to run with the missing op types named', () => {
  const cases: Array<[string, string, RegExp[]]> = [
    ['dl4j_simpleif_0', 'frozen_model.pb', [/Switch/, /Merge/]],
    ['dl4j_while1__iter_3', 'frozen_model.pb', [/Enter/, /Exit/, /LoopCond/, /Merge/, /NextIteration/, /Switch/]],
    ['tf_grappler_while_loop', 'while_loop.pbtxt', [/Enter/, /Exit/, /LoopCond/, /Merge/, /NextIteration/, /Switch/]],
  ];
  for (const [dir, file, patterns] of cases) {
    test(`${dir}/${file}`, async () => {
      const g = await tf.io.readGraph(path.join(TESTDATA, dir, file));
      const fetches = dir === 'tf_grappler_while_loop' ? ['while/Exit:0', 'while/Exit_1:0'] : Object.keys(readCase(dir).outputs);
      const feeds: Record<string, tf.NDArray> = {};
      if (dir !== 'tf_grappler_while_loop') {
        for (const [name, inp] of Object.entries(readCase(dir).inputs)) feeds[`${name}:0`] = readNpy(fs.readFileSync(path.join(TESTDATA, dir, inp.file)));
      }
      for (const executor of EXECUTORS) {
        const sess = await tf.Session.create({ graph: g, executor });
        try {
          let err: unknown;
          try { await sess.run(fetches, feeds); } catch (e) { err = e; }
          expect(err).toBeInstanceOf(tf.errors.UnimplementedError);
          const msg = (err as Error).message;
          expect(msg).toMatch(/op types Kiln does not have/);
          for (const p of patterns) expect(msg).toMatch(p);
        } finally {
          await sess.close();
        }
      }
    });
  }
});

describe('other TensorFlow files', () => {
  for (const executor of EXECUTORS) {
    test(`rust_addition model.pb (int32 AddV2) on ${executor}`, async () => {
      const g = await tf.io.readGraph(path.join(TESTDATA, 'rust_addition', 'model.pb'));
      const sess = await tf.Session.create({ graph: g, executor });
      try {
        const z = await sess.run('z:0', { 'x:0': tf.ndarray([7], [], 'int32'), 'y:0': tf.ndarray([35], [], 'int32') });
        expect(z.dtype).toBe('int32');
        expect(z.toArray()).toBe(42);
      } finally {
        await sess.close();
      }
    });

    test(`rust_addition multiplication.pb (float32 Mul) on ${executor}`, async () => {
      const g = await tf.io.readGraph(path.join(TESTDATA, 'rust_addition', 'multiplication.pb'));
      const sess = await tf.Session.create({ graph: g, executor });
      try {
        const c = await sess.run('c:0', { 'a:0': tf.ndarray(1.5), 'b:0': tf.ndarray(-4) });
        expect(c.dtype).toBe('float32');
        expectClose(c, -6);
      } finally {
        await sess.close();
      }
    });

    test(`tf2onnx regression frozen.pb: pred(5) = 2.1193342 on ${executor}`, async () => {
      const g = await tf.io.readGraph(path.join(TESTDATA, 'tf2onnx_regression', 'graphdef', 'frozen.pb'));
      expect(g.getTensorByName('X:0').shape).toBeNull(); // unknown rank
      const sess = await tf.Session.create({ graph: g, executor });
      try {
        const [y, y3] = await sess.run(['pred:0', 'pred:0'], { 'X:0': tf.ndarray(5) });
        expectClose(y, 2.1193342, { atol: 1e-6, rtol: 1e-6 });
        expectClose(y3, 2.1193342, { atol: 1e-6, rtol: 1e-6 });
      } finally {
        await sess.close();
      }
    });
  }
});
