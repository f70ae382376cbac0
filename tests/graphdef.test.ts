// GraphDef writing (byte-exact against hand-assembled encodings), import semantics (TF1's import_graph_def), round
// trips that run on both executors, files (atomic writes, format detection, errors naming the file), and .npy.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { importedAttrProto } from '../serialization/graphdef.js';
import { readNpy, writeNpy } from '../serialization/npy.js';
import { tensorFromProto } from '../serialization/tensor_proto.js';
import { EXECUTORS, expectClose } from './helpers.js';
import { TF_TESTDATA } from './testdata.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const str = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const f32le = (...xs: number[]): number[] => [...new Uint8Array(Float32Array.from(xs).buffer)];

function smallGraph(): { g: tf.Graph; x: tf.Tensor; r: tf.Tensor } {
  const g = new tf.Graph();
  return g.asDefault(() => {
    const x = tf.placeholder('float32', [null, 2], 'x');
    const w = tf.constant([[1, 2], [3, 4]], { name: 'w' });
    const m = tf.matmul(x, w, { name: 'm' });
    const r = tf.nn.relu(m, { name: 'r' });
    return { g, x, r };
  });
}

function node(gd: tensorflow.IGraphDef, name: string): tensorflow.INodeDef {
  const n = gd.node!.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no node ${name}`);
  return n;
}

async function run(g: tf.Graph, executor: tf.ExecutorName, fetches: tf.Fetch, feeds?: tf.Feeds): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return await sess.run(fetches, feeds);
  } finally {
    await sess.close();
  }
}

/** build -> toGraphDef -> encode -> decode -> import into a new graph under the file's own names. */
function roundTrip(g: tf.Graph): tf.Graph {
  const bytes = tensorflow.GraphDef.encode(g.toGraphDef()).finish();
  const g2 = new tf.Graph();
  tf.importGraphDef(tensorflow.GraphDef.decode(bytes), { graph: g2, name: '' });
  return g2;
}

describe('writing: exact bytes', () => {
  test('a NodeDef: name=1, op=2, input=3, attr=5 (map entry key=1, value=2; AttrValue.type=6)', () => {
    const gd = smallGraph().g.toGraphDef();
    const r = tensorflow.NodeDef.encode(node(gd, 'r')).finish();
    const attrEntry = [0x0a, 0x01, ...str('T'), 0x12, 0x02, 0x30, 0x01]; // T: {type: DT_FLOAT}
    expect(hex(r)).toBe(hex(Uint8Array.from([
      0x0a, 0x01, ...str('r'), 0x12, 0x04, ...str('Relu'), 0x1a, 0x01, ...str('m'), 0x2a, attrEntry.length, ...attrEntry,
    ])));
  });

  test("a Const's TensorProto: dtype=1, tensor_shape=2 (dim=2, size=1), tensor_content=4 little-endian", () => {
    const gd = smallGraph().g.toGraphDef();
    const t = tensorflow.TensorProto.encode(node(gd, 'w').attr!.value.tensor!).finish();
    const dim2 = [0x12, 0x02, 0x08, 0x02];
    expect(hex(t)).toBe(hex(Uint8Array.from([
      0x08, 0x01, 0x12, 0x08, ...dim2, ...dim2, 0x22, 0x10, ...f32le(1, 2, 3, 4),
    ])));
  });

  test('int64 as 8 bytes, bool as 1 byte, float64 as 8 bytes', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      tf.constant([1, -2], { dtype: 'int64', name: 'i' });
      tf.constant([true, false, true], { name: 'b' });
      tf.constant([0.5], { dtype: 'float64', name: 'd' });
    });
    const gd = g.toGraphDef();
    const content = (n: string): string => hex(node(gd, n).attr!.value.tensor!.tensor_content!);
    expect(node(gd, 'i').attr!.value.tensor!.dtype).toBe(9);
    expect(content('i')).toBe('0100000000000000feffffffffffffff');
    expect(node(gd, 'b').attr!.value.tensor!.dtype).toBe(10);
    expect(content('b')).toBe('010001');
    expect(content('d')).toBe('000000000000e03f');
  });

  test('graph: versions.producer, Placeholder shape with -1, attrs per the OpDef, Const dtype attr', () => {
    const gd = smallGraph().g.toGraphDef();
    expect(gd.versions!.producer).toBe(134);
    const x = node(gd, 'x');
    expect(x.op).toBe('Placeholder');
    expect(x.attr!.dtype.type).toBe(1);
    expect(x.attr!.shape.shape!.dim!.map((d) => d.size)).toEqual([-1, 2]);
    const m = node(gd, 'm');
    expect(m.input).toEqual(['x', 'w']);
    expect(m.attr!.transpose_a.b).toBe(false);
    expect(m.attr!.T.type).toBe(1);
    expect(node(gd, 'w').attr!.dtype.type).toBe(1);
    expect(node(gd, 'r').attr!._output_shapes).toBeUndefined();
  });

  test('control inputs come after data inputs as ^name; _output_shapes on request; _gradient_op_type as a string', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.constant(1, { name: 'a' });
      const n = tf.noOp({ name: 'n' });
      tf.controlDependencies([n], () => tf.add(a, a, { name: 's' }));
      g.gradientOverrideMap({ Identity: 'MyGrad' }, () => tf.identity(a, { name: 'id' }));
    });
    const gd = g.toGraphDef({ addShapes: true });
    expect(node(gd, 's').input).toEqual(['a', 'a', '^n']);
    expect(node(gd, 's').attr!._output_shapes.list!.shape!.map((s) => s.dim ?? [])).toEqual([[]]);
    expect(Buffer.from(node(gd, 'id').attr!._gradient_op_type.s!).toString()).toBe('MyGrad');
  });

  test('variables: VariableV2 with shape, dtype, container, shared_name; Assign with a ref input', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.variable([[1, 2, 3]], { name: 'v' }));
    const gd = g.toGraphDef();
    const v = node(gd, 'v');
    expect(v.op).toBe('VariableV2');
    expect(Object.keys(v.attr!).sort()).toEqual(['container', 'dtype', 'shape', 'shared_name']);
    expect(v.attr!.shape.shape!.dim!.map((d) => d.size)).toEqual([1, 3]);
    expect(Buffer.from(v.attr!.container.s!).toString()).toBe('');
    expect(node(gd, 'v/Assign').input).toEqual(['v', 'v/initial_value']);
    expect(node(gd, 'v/read').input).toEqual(['v']);
  });
});

describe('reading TensorProto', () => {
  test('typed *_val fields: a short list repeats its last value to fill the shape', () => {
    const t = tensorFromProto({ dtype: 1, tensor_shape: { dim: [{ size: 2 }, { size: 2 }] }, float_val: [7] }, 't');
    expect(Array.from((t as tf.NDArray).data)).toEqual([7, 7, 7, 7]);
    const i = tensorFromProto({ dtype: 9, tensor_shape: { dim: [{ size: 3 }] }, int64_val: [1, 5] }, 't') as tf.NDArray;
    expect(i.dtype).toBe('int64');
    expect(Array.from(i.data)).toEqual([1, 5, 5]);
    const b = tensorFromProto({ dtype: 10, tensor_shape: {}, bool_val: [true] }, 't') as tf.NDArray;
    expect(b.toArray()).toBe(true);
    const z = tensorFromProto({ dtype: 3, tensor_shape: { dim: [{ size: 2 }] } }, 't') as tf.NDArray;
    expect(Array.from(z.data)).toEqual([0, 0]);
  });

  test('dtypes Kiln lacks are reported by name, not decoded', () => {
    expect(tensorFromProto({ dtype: 8, tensor_shape: {}, scomplex_val: [1, 2] }, 't')).toEqual({ foreign: 'complex64' });
    expect(tensorFromProto({ dtype: 20, tensor_shape: {} }, 't')).toEqual({ foreign: 'resource' });
  });

  test('forged sizes: a wrong tensor_content length or a huge int64 dim is an error, not a crash', () => {
    expect(() => tensorFromProto({ dtype: 1, tensor_shape: { dim: [{ size: 3 }] }, tensor_content: new Uint8Array(8) }, 'c')).toThrow(/tensor_content has 8 bytes.*needs 12/);
    const huge = tensorflow.TensorProto.encode({ dtype: 1, tensor_shape: { dim: [{ size: 2 ** 62 }] }, float_val: [1] }).finish();
    const decoded = tensorflow.TensorProto.decode(huge);
    expect(typeof decoded.tensor_shape!.dim![0].size).toBe('number');
    expect(() => tensorFromProto(decoded, 'c')).toThrow(tf.errors.InvalidArgumentError);
    // A forged int64 attr decodes as a (rounded) number.
    const a = tensorflow.AttrValue.decode(Uint8Array.from([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]));
    expect(a.i).toBe(2 ** 63);
  });
});

describe('round trips run the same numbers on every executor', () => {
  for (const executor of EXECUTORS) {
    test(`placeholder + const + matmul + relu on ${executor}`, async () => {
      const { g } = smallGraph();
      const g2 = roundTrip(g);
      expect(g2.getOperations().map((o) => o.name)).toEqual(g.getOperations().map((o) => o.name));
      const feeds = { 'x:0': tf.ndarray([[1, -1], [0.5, 2], [-3, 1]]) };
      const a = await run(g, executor, 'r:0', feeds);
      const b = await run(g2, executor, 'r:0', feeds);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
      expectClose(b, [[0, 0], [6.5, 9], [0, 0]]);
    });

    test(`variables and a trained tiny model on ${executor}`, async () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        const x = tf.placeholder('float32', [null, 3], 'x');
        const y = tf.placeholder('float32', [null, 1], 'y');
        const w = tf.variable([[0.1], [-0.2], [0.3]], { name: 'w' });
        const b = tf.variable([0.05], { name: 'b' });
        const pred = tf.add(tf.matmul(x, w), b, { name: 'pred' });
        const loss = tf.identity(tf.reduceMean(tf.square(tf.sub(pred, y))), { name: 'loss' });
        new tf.train.GradientDescentOptimizer(0.1).minimize(loss, { name: 'train' });
        tf.globalVariablesInitializer();
      });
      const g2 = roundTrip(g);
      const feeds = { 'x:0': tf.ndarray([[1, 2, 3], [0, -1, 1], [2, 0, -1]]), 'y:0': tf.ndarray([[1], [0], [2]]) };
      const trainAndEval = async (graph: tf.Graph): Promise<number[]> => {
        const sess = await tf.Session.create({ graph, executor });
        try {
          await sess.run('init', {});
          for (let i = 0; i < 5; i++) await sess.run('train', feeds);
          const [loss, w] = await sess.run(['loss:0', 'w:0'], feeds);
          return [...Array.from(loss.data as Float32Array), ...Array.from(w.data as Float32Array)];
        } finally {
          await sess.close();
        }
      };
      const a = await trainAndEval(g);
      const b = await trainAndEval(g2);
      expect(b).toEqual(a);
      expect(g2.getOperationByName('w').type).toBe('VariableV2');
      expect(g2.getOperationByName('w/Assign').inputs[0].op.name).toBe('w');
    });

    test(`int32, int64 and bool constants survive on ${executor}`, async () => {
      const g = new tf.Graph();
      g.asDefault(() => {
        tf.constant([3, -4], { dtype: 'int32', name: 'i' });
        tf.constant([true, false], { name: 'b' });
      });
      const g2 = roundTrip(g);
      const [i, b] = await run(g2, executor, ['i:0', 'b:0']);
      expect(i.dtype).toBe('int32');
      expect(i.toArray()).toEqual([3, -4]);
      expect(b.toArray()).toEqual([true, false]);
      const gd2 = g2.toGraphDef();
      expect(hex(tensorflow.GraphDef.encode(gd2).finish())).toBe(hex(tensorflow.GraphDef.encode(g.toGraphDef()).finish()));
    });
  }
});

describe('importGraphDef (TF1 semantics)', () => {
  const bytes = (): Uint8Array => tensorflow.GraphDef.encode(smallGraph().g.toGraphDef()).finish();

  test("prefix 'import/' by default, made unique on a second import; name '' keeps names", () => {
    const g = new tf.Graph();
    tf.importGraphDef(bytes(), { graph: g });
    tf.importGraphDef(bytes(), { graph: g });
    tf.importGraphDef(bytes(), { graph: g, name: 'net' });
    tf.importGraphDef(bytes(), { graph: g, name: '' });
    const names = g.getOperations().map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['import/x', 'import/r', 'import_1/x', 'import_1/m', 'net/w', 'x', 'r']));
    expect(g.getOperationByName('import_1/m').inputs.map((t) => t.name)).toEqual(['import_1/x:0', 'import_1/w:0']);
  });

  test("name '' with a name already in the graph is an error naming the node", () => {
    const g = new tf.Graph();
    tf.importGraphDef(bytes(), { graph: g, name: '' });
    expect(() => tf.importGraphDef(bytes(), { graph: g, name: '' })).toThrow(/'x'/);
  });

  test('uses the default graph when none is given', () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.importGraphDef(bytes()));
    expect(g.hasOperation('import/r')).toBe(true);
  });

  for (const executor of EXECUTORS) {
    test(`inputMap replaces a tensor ('x:0' or 'x'); returnElements gives Tensors and Operations (${executor})`, async () => {
      const g = new tf.Graph();
      const feed = g.asDefault(() => tf.constant([[1, 1]], { name: 'mine' }));
      const [r, mOp] = tf.importGraphDef(bytes(), { graph: g, inputMap: { x: feed }, returnElements: ['r:0', 'm'] });
      expect(r).toBeInstanceOf(tf.Tensor);
      expect(mOp).toBeInstanceOf(tf.Operation);
      expect((mOp as tf.Operation).name).toBe('import/m');
      expect((mOp as tf.Operation).inputs[0]).toBe(feed);
      expectClose(await run(g, executor, r as tf.Tensor), [[4, 6]]);

      const g2 = new tf.Graph();
      const feed2 = g2.asDefault(() => tf.constant([[2, 0]]));
      const [r2] = tf.importGraphDef(bytes(), { graph: g2, inputMap: { 'x:0': feed2 }, returnElements: ['r:0'] });
      expectClose(await run(g2, executor, r2 as tf.Tensor), [[2, 4]]);
    });
  }

  test('inputMap keys the GraphDef does not use, and unknown returnElements, are errors', () => {
    const g = new tf.Graph();
    const c = g.asDefault(() => tf.constant(1));
    expect(() => tf.importGraphDef(bytes(), { graph: g, inputMap: { 'nope:0': c } })).toThrow(/nope:0/);
    expect(() => tf.importGraphDef(bytes(), { graph: g, returnElements: ['missing:0'] })).toThrow(/missing:0/);
  });
});

describe('nodes Kiln cannot run still import', () => {
  const foreignGraph = (): tensorflow.IGraphDef => ({
    node: [
      { name: 's', op: 'Const', attr: { dtype: { type: 8 }, value: { tensor: { dtype: 8, tensor_shape: { dim: [{ size: 2 }] }, scomplex_val: [1, 2, 3, 4] } } } },
      { name: 'u', op: 'Const', attr: { dtype: { type: 18 }, value: { tensor: { dtype: 18, tensor_shape: {}, dcomplex_val: [200, 0] } } } },
      { name: 'p', op: 'Placeholder', attr: { dtype: { type: 1 }, shape: { shape: { dim: [{ size: 2 }] } } } },
      { name: 'f', op: 'FancyOp', input: ['s', 'p', 'u'], attr: { T: { type: 1 }, then_branch: { func: { name: 'fn_a' } } } },
      { name: 'g', op: 'Identity', input: ['f:2'], attr: { T: { type: 1 } } },
      { name: 'h', op: 'Identity', input: ['s'], attr: { T: { type: 8 } } },
      { name: 'k', op: 'Relu', input: ['p'], attr: { T: { type: 1 } } },
    ],
    versions: { producer: 27 },
  });

  test('every node imports; unknown ops get outputs as consumers name them, dtype from T', () => {
    const g = new tf.Graph();
    tf.importGraphDef(foreignGraph(), { graph: g, name: '' });
    expect(g.getOperations().map((o) => o.name)).toEqual(expect.arrayContaining(['s', 'u', 'p', 'f', 'g', 'h', 'k']));
    expect(g.getOperationByName('f').outputs.length).toBe(3);
    expect(g.getTensorByName('g:0').dtype).toBe('float32');
    expect(g.getOperationByName('f').attrs.then_branch).toBe('fn_a');
  });

  test('complex values and funcs are written back byte for byte', () => {
    const g = new tf.Graph();
    tf.importGraphDef(foreignGraph(), { graph: g, name: '' });
    const gd = g.toGraphDef();
    const orig = tensorflow.GraphDef.decode(tensorflow.GraphDef.encode(foreignGraph()).finish());
    for (const n of orig.node) {
      const w = node(gd, n.name ?? '');
      const attrs = n.attr ?? {};
      expect([w.op, w.input]).toEqual([n.op, n.input]);
      expect(Object.keys(w.attr!).sort()).toEqual(Object.keys(attrs).sort());
      for (const k of Object.keys(attrs)) {
        expect(hex(tensorflow.AttrValue.encode(w.attr![k]).finish())).toBe(hex(tensorflow.AttrValue.encode(attrs[k]).finish()));
      }
    }
    expect(importedAttrProto(g.getOperationByName('s'), 'value')!.tensor!.scomplex_val).toEqual([1, 2, 3, 4]);
  });

  test('a plan that needs them fails with one error naming every missing op type and dtype; the rest runs', async () => {
    const g = new tf.Graph();
    tf.importGraphDef(foreignGraph(), { graph: g, name: '' });
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      const err = await sess.run(['g:0', 'h:0'], { 'p:0': [1, -2] }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(tf.errors.UnimplementedError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/op types Kiln does not have: FancyOp \(nodes 'f'\)/);
      expect(msg).toMatch(/'s' \(Const\).*complex64/);
      expect(msg).toMatch(/'u' \(Const\).*complex128/);
      expect(msg).toMatch(/'h' \(Identity\).*complex64/);
      expectClose(await sess.run('k:0', { 'p:0': [1, -2] }), [1, 0]);
    } finally {
      await sess.close();
    }
  });

  test('a cycle (TF1 while loop back edge) imports, broken at the op Kiln lacks', () => {
    const gd: tensorflow.IGraphDef = {
      node: [
        { name: 'c', op: 'Const', attr: { dtype: { type: 1 }, value: { tensor: { dtype: 1, tensor_shape: {}, float_val: [1] } } } },
        { name: 'merge', op: 'Merge', input: ['c', 'next'], attr: { T: { type: 1 }, N: { i: 2 } } },
        { name: 'add', op: 'Add', input: ['merge', 'c'], attr: { T: { type: 1 } } },
        { name: 'next', op: 'NextIteration', input: ['add'], attr: { T: { type: 1 } } },
      ],
    };
    const g = new tf.Graph();
    tf.importGraphDef(gd, { graph: g, name: '' });
    expect(g.getOperationByName('merge').inputs.map((t) => t.name)).toEqual(['c:0', 'next:0']);
    expect(g.toGraphDef().node.find((n) => n.name === 'merge')!.input).toEqual(['c', 'next']);
  });
});

describe('files: writeGraph / readGraph', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-graphdef-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  test('binary write is atomic (no temp file left, an existing file replaced whole) and reads back the same nodes', async () => {
    const { g } = smallGraph();
    const file = path.join(dir, 'g.pb');
    fs.writeFileSync(file, 'old contents');
    await tf.io.writeGraph(g, file);
    expect(fs.readdirSync(dir)).toEqual(['g.pb']);
    expect(Buffer.compare(fs.readFileSync(file), Buffer.from(tensorflow.GraphDef.encode(g.toGraphDef()).finish()))).toBe(0);
    const g2 = await tf.io.readGraph(file);
    expect(g2.getOperations().map((o) => `${o.name}:${o.type}`)).toEqual(g.getOperations().map((o) => `${o.name}:${o.type}`));
  });

  test('a failed write leaves the old file and no temp file', async () => {
    const g = new tf.Graph();
    g.asDefault(() => tf.constant(1, { name: 'c' }));
    const file = path.join(dir, 'missing-folder', 'g.pb');
    await expect(tf.io.writeGraph(g, file)).rejects.toThrow();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('format is detected from content, not the extension', async () => {
    const { g } = smallGraph();
    const file = path.join(dir, 'binary.pbtxt');
    await tf.io.writeGraph(g, file, { asText: false });
    const g2 = await tf.io.readGraph(file);
    expect(g2.hasOperation('r')).toBe(true);
  });

  test('text format round trip', async () => {
    const { g } = smallGraph();
    const file = path.join(dir, 'g.pbtxt');
    await tf.io.writeGraph(g, file);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/node\s*\{/);
    const g2 = await tf.io.readGraph(file);
    const feeds = { 'x:0': tf.ndarray([[1, 2]]) };
    expect(Array.from((await run(g2, 'cpu', 'r:0', feeds)).data)).toEqual([7, 10]);
  });

  test('errors name the file: a missing file, a file that is not a GraphDef', async () => {
    await expect(tf.io.readGraph(path.join(dir, 'nope.pb'))).rejects.toThrow(/nope\.pb/);
    const junk = path.join(dir, 'junk.pb');
    fs.writeFileSync(junk, Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]));
    await expect(tf.io.readGraph(junk)).rejects.toThrow(/junk\.pb/);
    const npy = path.join(dir, 'array.npy');
    fs.writeFileSync(npy, writeNpy(tf.ndarray([1, 2, 3])));
    await expect(tf.io.readGraph(npy)).rejects.toThrow(/array\.npy/);
  });
});

describe('.npy', () => {
  test('write then read every dtype, any rank', () => {
    const cases = [
      tf.ndarray([[1.5, -2], [3, 4]], [2, 2], 'float32'), tf.ndarray([0.1, 1e300], [2], 'float64'),
      tf.ndarray([-7], [1], 'int32'), tf.ndarray([2 ** 40, -3], [2], 'int64'), tf.ndarray([true, false, true], [3], 'bool'),
      tf.ndarray(2.5), tf.ndarray(new Float32Array(0), [0, 3]),
    ];
    for (const a of cases) {
      const bytes = writeNpy(a);
      const headerEnd = bytes.indexOf(0x0a) + 1;
      expect(headerEnd % 64).toBe(0);
      const b = readNpy(bytes);
      expect(b.dtype).toBe(a.dtype);
      expect(b.shape).toEqual(a.shape);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    }
  });

  const npy = (major: number, header: string, data: number[]): Uint8Array => {
    const pre = major === 1 ? 10 : 12;
    const h = Buffer.from(header, 'latin1');
    const out = Buffer.alloc(pre + h.length + data.length);
    out.set([0x93, ...str('NUMPY'), major, 0]);
    if (major === 1) out.writeUInt16LE(h.length, 8); else out.writeUInt32LE(h.length, 8);
    out.set(h, pre);
    out.set(data, pre + h.length);
    return new Uint8Array(out);
  };

  test("reads v2.0 headers and '|u1' (as uint8), as NumPy writes them", () => {
    const a = readNpy(npy(2, "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }\n", [0, 200, 255]));
    expect(a.dtype).toBe('uint8');
    expect(Array.from(a.data)).toEqual([0, 200, 255]);
    const b = readNpy(npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }\n", [5, 0, 0, 0, 0, 0, 0, 0]));
    expect(b.shape).toEqual([]);
    expect(b.dtype).toBe('int64');
    expect(b.scalar()).toBe(5);
  });

  test('clear errors: bad magic, fortran order, unsupported dtype, truncated data', () => {
    expect(() => readNpy(new Uint8Array(20), 'a.npy')).toThrow(/a\.npy: not a \.npy file/);
    expect(() => readNpy(npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }\n", [0, 0, 0, 0]))).toThrow(/fortran_order/);
    expect(() => readNpy(npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }\n", [0, 0, 0, 0]))).toThrow(/unsupported dtype '>f4'/);
    expect(() => readNpy(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", [0, 0, 0, 0]))).toThrow(/truncated/);
  });

  test('reads the .npy files of the TF test data', () => {
    const a = readNpy(fs.readFileSync(path.join(TF_TESTDATA, 'dl4j_expand_dim/input__input_0.npy')));
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([3, 4]);
  });
});
