// MetaGraphDef: tf.train.exportMetaGraph / importMetaGraph, resuming training from files alone (in this process and
// in a fresh Node process), TensorFlow's own `.meta` file, and freezing (tf.graphUtil) on both executors.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { EXECUTORS, expectClose } from './helpers.js';
import { TF_TESTDATA } from './testdata.js';

const ROOT = process.cwd();
const TESTDATA = TF_TESTDATA;
const TF2ONNX = path.join(TESTDATA, 'tf2onnx_regression/checkpoint');

let tmp: string;
beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-meta-')); });
afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); });

const XS = [[1, 2], [3, -1], [0.5, 0.25], [-2, 1]];
const YS = [[3], [1.5], [1], [-0.5]];

/** y = x w + b trained with momentum (slot variables) and a global step; the train op in 'train_op'. */
function buildModel(): void {
  const x = tf.placeholder('float32', [null, 2], 'x');
  const y = tf.placeholder('float32', [null, 1], 'y');
  const w = tf.variable(tf.constant([[0.1], [-0.2]]), { name: 'w' });
  const b = tf.variable(tf.constant([0.05]), { name: 'b' });
  const pred = tf.add(tf.matmul(x, w), b, { name: 'pred' });
  const loss = tf.reduceMean(tf.square(tf.sub(pred, y)), undefined, false, { name: 'loss' });
  tf.addToCollection(tf.GraphKeys.LOSSES, loss);
  const step = tf.train.getOrCreateGlobalStep();
  new tf.train.MomentumOptimizer(0.05, 0.9).minimize(loss, { globalStep: step }); // adds itself to 'train_op'
}

/** Runs `n` training steps; returns [loss, w, b, global_step] after each. */
async function steps(sess: tf.Session, trainOp: tf.Operation, n: number): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    await sess.run(trainOp, { 'x:0': XS, 'y:0': YS });
    const [l, w, b, s] = await sess.run(['loss:0', 'w:0', 'b:0', 'global_step:0'], { 'x:0': XS, 'y:0': YS }) as tf.NDArray[];
    out.push([l.scalar(), ...w.data, ...b.data, s.scalar()]);
  }
  return out;
}

/** Builds, trains 3 steps, saves checkpoint + .meta to `dir`, continues 3 steps: returns those 3 steps' numbers. */
async function trainAndExport(dir: string, executor: tf.ExecutorName): Promise<number[][]> {
  const g = new tf.Graph();
  g.asDefault(buildModel);
  const saver = g.asDefault(() => new tf.train.Saver());
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    const trainOp = g.getCollection<tf.Operation>('train_op')[0];
    await steps(sess, trainOp, 3);
    await saver.save(sess, path.join(dir, 'model'), { globalStep: 3 });
    await tf.train.exportMetaGraph(path.join(dir, 'model-3.meta'), { graph: g, saver });
    return await steps(sess, trainOp, 3);
  } finally {
    await sess.close();
  }
}

describe('exportMetaGraph', () => {
  test('writes graph_def, saver_def, meta_info_def and TF-style collections', async () => {
    const g = new tf.Graph();
    g.asDefault(buildModel);
    const saver = g.asDefault(() => new tf.train.Saver({ maxToKeep: 3 }));
    const file = path.join(tmp, 'm.meta');
    const mgd = await tf.train.exportMetaGraph(file, { graph: g, saver });
    const back = tensorflow.MetaGraphDef.decode(fs.readFileSync(file));
    expect(back.meta_info_def!.tensorflow_version).toMatch(/^1\.\d+\.\d+$/);
    // The saver_def names TF's own saver subgraph (string filename, SaveV2, RestoreV2 -> Assigns), which TensorFlow's
    // import_meta_graph(...).restore runs; Kiln imports those nodes as opaque and restores with its own Saver.
    expect(back.saver_def).toMatchObject({ filename_tensor_name: 'save_tf/Const:0', save_tensor_name: 'save_tf/control_dependency:0', restore_op_name: 'save_tf/restore_all', max_to_keep: 3, version: 2 });
    const nodes = new Map(back.graph_def!.node!.map((n) => [n.name!, n]));
    const restore = nodes.get('save_tf/RestoreV2')!;
    expect(restore.op).toBe('RestoreV2');
    expect(restore.input).toEqual(['save_tf/Const', 'save_tf/RestoreV2/tensor_names', 'save_tf/RestoreV2/shape_and_slices']);
    const keys = nodes.get('save_tf/RestoreV2/tensor_names')!.attr!.value.tensor!.string_val!.map((b) => new TextDecoder().decode(b));
    expect(keys).toEqual([...saver.variables.keys()].sort());
    expect(restore.attr!.dtypes.list!.type!.length).toBe(keys.length);
    keys.forEach((k, i) => expect(nodes.get(`save_tf/Assign${i === 0 ? '' : `_${i}`}`)!.input).toEqual([k, `save_tf/RestoreV2${i === 0 ? '' : `:${i}`}`]));
    expect(nodes.get('save_tf/restore_all')!.input!.length).toBe(keys.length);
    expect(nodes.get('save_tf/SaveV2')!.input!.slice(3)).toEqual(keys);
    expect(back.graph_def!.node!.length).toBe(g.getOperations().length + 11 + keys.length);
    const vars = back.collection_def!.variables.bytes_list!.value!.map((bytes) => tensorflow.VariableDef.decode(bytes));
    expect(vars.map((v) => v.variable_name)).toEqual(['w:0', 'b:0', 'global_step:0', ...vars.slice(3).map((v) => v.variable_name)]);
    expect(vars[0]).toMatchObject({ initializer_name: 'w/Assign', snapshot_name: 'w/read:0', trainable: true });
    expect(vars.find((v) => v.variable_name === 'global_step:0')!.trainable).toBe(false);
    expect(back.collection_def!.trainable_variables.bytes_list!.value!.length).toBe(2);
    expect(back.collection_def!.train_op.node_list!.value).toEqual([g.getCollection<tf.Operation>('train_op')[0].name]);
    expect(back.collection_def!.losses.node_list!.value).toEqual(['loss:0']);
    expect(tensorflow.VariableDef.decode(back.collection_def!.global_step.bytes_list!.value![0]).variable_name).toBe('global_step:0');
    expect(mgd.graph_def!.node!.length).toBe(back.graph_def!.node!.length);
    // Without a Saver given, the graph's Saver is found by its restore op; text format when asked.
    const txt = path.join(tmp, 'm.meta.pbtxt');
    const mgd2 = await tf.train.exportMetaGraph(txt, { graph: g });
    expect(mgd2.saver_def!.restore_op_name).toBe('save_tf/restore_all');
    expect(fs.readFileSync(txt, 'utf8')).toContain('tensorflow_version: "1.15.0"');
    // A graph without a Saver has no saver_def, and importMetaGraph then returns null.
    const g2 = new tf.Graph();
    g2.asDefault(() => tf.variable(tf.constant(1), { name: 'v' }));
    const m3 = await tf.train.exportMetaGraph(undefined, { graph: g2 });
    expect(m3.saver_def).toBeNull();
    expect(await tf.train.importMetaGraph(m3, { graph: new tf.Graph() })).toBeNull();
  });
});

describe('importMetaGraph resumes training from files', () => {
  for (const executor of EXECUTORS) {
    test(`same numbers as continuing the original session (${executor})`, async () => {
      const expected = await trainAndExport(tmp, executor);
      const g = new tf.Graph();
      const resumed = await g.asDefault(async () => {
        const saver = await tf.train.importMetaGraph(path.join(tmp, 'model-3.meta'));
        expect(saver!.scope).toBe('save_1'); // the imported graph has 'save/' (the original Saver's ops)
        expect(tf.trainableVariables().map((v) => v.op.name)).toEqual(['w', 'b']);
        expect(tf.globalVariables().length).toBeGreaterThanOrEqual(5); // w, b, global_step, 2 momentum slots
        expect(tf.train.getGlobalStep()!.op.name).toBe('global_step');
        expect(tf.getCollection<tf.Tensor>('losses').map((t) => t.name)).toEqual(['loss:0']);
        const sess = await tf.Session.create({ executor });
        try {
          await saver!.restore(sess, tf.train.latestCheckpoint(tmp)!);
          return await steps(sess, tf.getCollection<tf.Operation>('train_op')[0], 3);
        } finally {
          await sess.close();
        }
      });
      expect(resumed).toEqual(expected);
    });
  }

  test('in a fresh Node process, from the files alone', async () => {
    const expected = await trainAndExport(tmp, 'cpu');
    const result = await runInFreshProcess(tmp, `
      const tf = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'index.ts')).href)});
      const dir = process.argv[2];
      const saver = await tf.train.importMetaGraph(dir + '/model-3.meta');
      const sess = await tf.Session.create({ executor: 'cpu' });
      await saver.restore(sess, tf.train.latestCheckpoint(dir));
      const trainOp = tf.getCollection('train_op')[0];
      const feeds = { 'x:0': ${JSON.stringify(XS)}, 'y:0': ${JSON.stringify(YS)} };
      const out = [];
      for (let i = 0; i < 3; i++) {
        await sess.run(trainOp, feeds);
        const [l, w, b, s] = await sess.run(['loss:0', 'w:0', 'b:0', 'global_step:0'], feeds);
        out.push([l.scalar(), ...w.data, ...b.data, s.scalar()]);
      }
      await saver.save(sess, dir + '/model', { globalStep: tf.train.getGlobalStep() });
      await sess.close();
      console.log(JSON.stringify({ out, trainable: tf.trainableVariables().map((v) => v.op.name) }));
    `);
    expect(result.trainable).toEqual(['w', 'b']);
    expect(result.out).toEqual(expected);
    // It saved at the global step it resumed to, keeping the checkpoint state file current.
    expect(tf.train.latestCheckpoint(tmp)).toBe(path.join(tmp, 'model-6'));
  }, 120000);

  test('importScope prefixes every name; clearDevices; the Saver reads the unprefixed checkpoint keys', async () => {
    await trainAndExport(tmp, 'cpu');
    const g = new tf.Graph();
    const saver = await tf.train.importMetaGraph(path.join(tmp, 'model-3.meta'), { graph: g, importScope: 'run2', clearDevices: true });
    expect(g.getCollection<tf.Variable>('trainable_variables').map((v) => v.op.name)).toEqual(['run2/w', 'run2/b']);
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    await saver!.restore(sess, path.join(tmp, 'model-3'));
    const s = await sess.run('run2/global_step:0') as tf.NDArray;
    expect(s.scalar()).toBe(3);
    await sess.close();
  });
});

describe("TensorFlow's own model.meta (tf2onnx regression)", () => {
  for (const executor of EXECUTORS) {
    test(`import, restore checkpoint/model, predict pred(5) = 2.1193342 (${executor})`, async () => {
      const g = new tf.Graph();
      const saver = await tf.train.importMetaGraph(path.join(TF2ONNX, 'model.meta'), { graph: g });
      expect(saver!.saverDef().restore_op_name).toBe('save_1/restore_all');
      expect(g.getOperationByName('save_1/restore_all').type).toBe('NoOp');
      expect(g.getCollection<tf.Variable>('trainable_variables').map((v) => v.op.name)).toEqual(['W', 'b']);
      expect(g.getCollection<tf.Operation>('train_op').map((o) => o.name)).toEqual(['GradientDescent']);
      const sess = await tf.Session.create({ graph: g, executor });
      try {
        await saver!.restore(sess, path.join(TF2ONNX, 'model'));
        expectClose(await sess.run('pred:0', { 'X:0': [5] }) as tf.NDArray, [2.1193342], { rtol: 1e-6 });
      } finally {
        await sess.close();
      }
    });
  }
});

describe('tf.graphUtil: freezing', () => {
  test('extractSubGraph keeps what the destinations reach (data and control), in file order', () => {
    const gd: tensorflow.IGraphDef = {
      node: [
        { name: 'a', op: 'Const' }, { name: 'b', op: 'Const' }, { name: 'c', op: 'Add', input: ['a', 'a:0'] },
        { name: 'd', op: 'Identity', input: ['c', '^b'] }, { name: 'e', op: 'Identity', input: ['b'] },
      ],
    };
    expect(tf.graphUtil.extractSubGraph(gd, ['d']).node.map((n) => n.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(tf.graphUtil.extractSubGraph(gd, ['c']).node.map((n) => n.name)).toEqual(['a', 'c']);
    expect(() => tf.graphUtil.extractSubGraph(gd, ['zz'])).toThrow('zz is not in graph');
  });

  for (const executor of EXECUTORS) {
    test(`a trained model frozen to a .pb runs the same numbers in a fresh graph (${executor})`, async () => {
      const g = new tf.Graph();
      g.asDefault(buildModel);
      const sess = await tf.Session.create({ graph: g, executor });
      await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
      await steps(sess, g.getCollection<tf.Operation>('train_op')[0], 4);
      const feeds = { 'x:0': [[2, 3], [-1, 0.5]] };
      const before = await sess.run('pred:0', feeds) as tf.NDArray;
      const frozen = await tf.graphUtil.convertVariablesToConstants(sess, g.toGraphDef(), ['pred']);
      await sess.close();
      const types = new Map(frozen.node.map((n) => [n.name, n.op]));
      expect(types.get('w')).toBe('Const');
      expect(types.get('b')).toBe('Const');
      expect(types.get('w/read')).toBe('Identity');
      expect([...types.values()].filter((t) => t === 'VariableV2' || t === 'Assign' || t === 'ApplyMomentum')).toEqual([]);
      expect(types.has('global_step')).toBe(false);
      expect(types.has('loss')).toBe(false);
      const file = path.join(tmp, 'frozen.pb');
      fs.writeFileSync(file, tensorflow.GraphDef.encode(frozen).finish());
      const g2 = await tf.io.readGraph(file);
      const s2 = await tf.Session.create({ graph: g2, executor });
      expectClose(await s2.run('pred:0', feeds) as tf.NDArray, before.data, { rtol: 0, atol: 0, shape: [2, 1] });
      await s2.close();
    });
  }

  test('whitelist / blacklist choose the variables frozen', async () => {
    const g = new tf.Graph();
    g.asDefault(buildModel);
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    await sess.run(g.asDefault(() => tf.globalVariablesInitializer()));
    const gd = g.toGraphDef();
    const op = (f: tensorflow.GraphDef, n: string): string | null | undefined => f.node.find((x) => x.name === n)?.op;
    const white = await tf.graphUtil.convertVariablesToConstants(sess, gd, ['pred'], { variableNamesWhitelist: ['w'] });
    expect([op(white, 'w'), op(white, 'b')]).toEqual(['Const', 'VariableV2']);
    const black = await tf.graphUtil.convertVariablesToConstants(sess, gd, ['pred'], { variableNamesBlacklist: ['w'] });
    expect([op(black, 'w'), op(black, 'b')]).toEqual(['VariableV2', 'Const']);
    await sess.close();
  });
});

/**
 * Runs `body` (an ES module's top-level code) in a new Node process that loads Kiln's TypeScript sources directly
 * (a loader hook transpiles each .ts file with the project's TypeScript), so nothing is shared with this process and
 * no build step is needed. Returns the JSON the script prints last.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function runInFreshProcess(dir: string, body: string): Promise<any> {
  const tsPath = JSON.stringify(path.join(ROOT, 'node_modules/typescript/lib/typescript.js'));
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(hooks, `
    import { createRequire } from 'node:module';
    import { existsSync, readFileSync } from 'node:fs';
    import { fileURLToPath } from 'node:url';
    const ts = createRequire(import.meta.url)(${tsPath});
    export async function resolve(spec, ctx, next) {
      if (ctx.parentURL?.startsWith('file:') && spec.endsWith('.js') && /^(\\.|\\/|file:)/.test(spec)) {
        const url = new URL(spec, ctx.parentURL);
        if (!existsSync(fileURLToPath(url))) {
          const tsUrl = url.href.replace(/\\.js$/, '.ts');
          if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl, format: 'module', shortCircuit: true };
        }
      }
      return next(spec, ctx);
    }
    export async function load(url, ctx, next) {
      if (!url.endsWith('.ts')) return next(url, ctx);
      const file = fileURLToPath(url);
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        fileName: file, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
      });
      return { format: 'module', source: out.outputText, shortCircuit: true };
    }
  `);
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`);
  const script = path.join(dir, 'resume.mjs');
  fs.writeFileSync(script, body);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', pathToFileURL(register).href, script, dir], {
    cwd: ROOT, env: { ...process.env, KILN_EXECUTOR: 'cpu' }, maxBuffer: 1 << 24,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}
