// Import rules for graphs TensorFlow wrote (GraphDefs as TF writes them, in text form): ops whose TF OpDef has no T
// attr (All, Any, LogicalAnd/Or/Not), Assign/AssignAdd/AssignSub on a frozen variable (a Const ref), a node computed
// from an op Kiln lacks (its guessed dtype must not fail the import), and TF 1.x's Reshape of an empty tensor with -1.
// Values are hand-computed; every case runs on both executors.
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { parseTextFormat } from '../serialization/text_format.js';
import { EXECUTORS, expectClose } from './helpers.js';

/** A GraphDef from the text of its nodes (`node { ... }` blocks), imported under the file's own names. */
function importText(nodes: string): tf.Graph {
  const gd = parseTextFormat(tensorflow.GraphDef, nodes, 'test.pbtxt');
  const g = new tf.Graph();
  tf.importGraphDef(gd, { graph: g, name: '' });
  return g;
}

async function run(g: tf.Graph, executor: tf.ExecutorName, fetches: string[], feeds?: tf.Feeds): Promise<tf.NDArray[]> {
  const sess = await tf.Session.create({ graph: g, executor });
  try {
    return await sess.run(fetches, feeds);
  } finally {
    await sess.close();
  }
}

const boolPh = (name: string): string => `node { name: "${name}" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } } attr { key: "shape" value { shape { dim { size: 2 } dim { size: 2 } } } } }`;
const floatConst = (name: string, vals: number[]): string =>
  `node { name: "${name}" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "value" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: ${vals.length} } } ${vals.map((v) => `float_val: ${v}`).join(' ')} } } } }`;
const intConst = (name: string, vals: number[], dims: number[] = [vals.length]): string =>
  `node { name: "${name}" op: "Const" attr { key: "dtype" value { type: DT_INT32 } } attr { key: "value" value { tensor { dtype: DT_INT32 tensor_shape { ${dims.map((d) => `dim { size: ${d} }`).join(' ')} } ${vals.map((v) => `int_val: ${v}`).join(' ')} } } } }`;

describe('ops whose TF OpDef has no T attr', () => {
  // As TF 1.x writes them: LogicalAnd/Or/Not carry no attrs; All/Any only Tidx and keep_dims.
  const text = [
    boolPh('a'), boolPh('b'), intConst('axis', [1], []),
    'node { name: "and" op: "LogicalAnd" input: "a" input: "b" }',
    'node { name: "or" op: "LogicalOr" input: "a" input: "b" }',
    'node { name: "not" op: "LogicalNot" input: "a" }',
    'node { name: "all" op: "All" input: "a" input: "axis" attr { key: "Tidx" value { type: DT_INT32 } } attr { key: "keep_dims" value { b: false } } }',
    'node { name: "any" op: "Any" input: "a" input: "axis" attr { key: "Tidx" value { type: DT_INT32 } } attr { key: "keep_dims" value { b: true } } }',
  ].join('\n');
  const feeds = { 'a:0': tf.ndarray([[true, true], [false, true]]), 'b:0': tf.ndarray([[true, false], [false, true]]) };

  for (const executor of EXECUTORS) {
    test(`import and run on ${executor}`, async () => {
      const [and, or, not, all, any] = await run(importText(text), executor, ['and:0', 'or:0', 'not:0', 'all:0', 'any:0'], feeds);
      expect(and.toArray()).toEqual([[true, false], [false, true]]);
      expect(or.toArray()).toEqual([[true, true], [false, true]]);
      expect(not.toArray()).toEqual([[false, false], [true, false]]);
      expect(all.toArray()).toEqual([true, false]);
      expect(any.toArray()).toEqual([[true], [true]]);
    });
  }

  test('Kiln writes them without a T attr, as TF reads them', () => {
    const g = new tf.Graph();
    g.asDefault(() => {
      const a = tf.placeholder('bool', [2], 'a');
      tf.logicalAnd(a, a, { name: 'and' });
      tf.logicalNot(a, { name: 'not' });
      tf.reduceAll(a, 0, false, { name: 'all' });
    });
    const gd = g.toGraphDef();
    for (const name of ['and', 'not', 'all']) {
      const n = gd.node.find((x) => x.name === name)!;
      expect(Object.keys(n.attr ?? {})).not.toContain('T');
    }
  });
});

describe("Equal's incompatible_shape_error (TF 1.x writes it)", () => {
  const text = (flag: boolean, n: number): string => [floatConst('a', [1, 2, 3]), floatConst('b', [1, 5, 3, 4].slice(0, n)),
    `node { name: "eq" op: "Equal" input: "a" input: "b" attr { key: "T" value { type: DT_FLOAT } } attr { key: "incompatible_shape_error" value { b: ${flag} } } }`].join('\n');

  for (const executor of EXECUTORS) {
    test(`true: an elementwise comparison on ${executor}`, async () => {
      const [eq] = await run(importText(text(true, 3)), executor, ['eq:0']);
      expect(eq.toArray()).toEqual([true, false, true]);
    });
  }

  test('false with shapes that do not broadcast: refused by name (Kiln has no scalar form)', () => {
    expect(() => importText(text(false, 4))).toThrow(/Equal node 'eq'.*Incompatible shapes: \[3\] vs. \[4\] \(incompatible_shape_error=false.*not supported\)/);
  });
});

describe('Assign, AssignAdd, AssignSub on a frozen variable (a Const ref)', () => {
  // As a frozen graph holds them: the VariableV2 became a Const, its Assign stayed.
  const text = [
    floatConst('Variable', [1, 2, 3]), floatConst('init', [10, 20, 30]),
    'node { name: "init/read" op: "Identity" input: "init" attr { key: "T" value { type: DT_FLOAT } } }',
    'node { name: "Assign" op: "Assign" input: "Variable" input: "init/read" attr { key: "T" value { type: DT_FLOAT } } attr { key: "use_locking" value { b: true } } attr { key: "validate_shape" value { b: true } } }',
    'node { name: "AssignAdd" op: "AssignAdd" input: "Variable" input: "init/read" attr { key: "T" value { type: DT_FLOAT } } }',
    'node { name: "AssignSub" op: "AssignSub" input: "Assign" input: "Variable" attr { key: "T" value { type: DT_FLOAT } } }',
  ].join('\n');

  for (const executor of EXECUTORS) {
    test(`the assigned value on ${executor}`, async () => {
      const [assign, add, sub] = await run(importText(text), executor, ['Assign:0', 'AssignAdd:0', 'AssignSub:0']);
      expectClose(assign, [10, 20, 30], { shape: [3], dtype: 'float32', atol: 0, rtol: 0 });
      expectClose(add, [11, 22, 33], { shape: [3], dtype: 'float32', atol: 0, rtol: 0 });
      expectClose(sub, [9, 18, 27], { shape: [3], dtype: 'float32', atol: 0, rtol: 0 });
    });
  }

  test('a value of another shape is refused, naming the node', () => {
    const bad = [floatConst('Variable', [1, 2, 3]), floatConst('v', [1, 2]),
      'node { name: "Assign" op: "Assign" input: "Variable" input: "v" attr { key: "T" value { type: DT_FLOAT } } }'].join('\n');
    expect(() => importText(bad)).toThrow(/Assign node 'Assign'.*shape \[2\] does not match variable 'Variable' of shape \[3\]/);
  });

  test('on a real variable (VariableV2) Assign stays an Assign that writes it', async () => {
    const g = importText([
      'node { name: "w" op: "VariableV2" attr { key: "dtype" value { type: DT_FLOAT } } attr { key: "shape" value { shape { dim { size: 3 } } } } }',
      floatConst('init', [4, 5, 6]),
      'node { name: "w/Assign" op: "Assign" input: "w" input: "init" attr { key: "T" value { type: DT_FLOAT } } }',
    ].join('\n'));
    expect(g.getOperationByName('w/Assign').type).toBe('Assign');
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      await sess.run(g.getOperationByName('w/Assign'));
      expectClose(await sess.run('w:0'), [4, 5, 6], { shape: [3], atol: 0, rtol: 0 });
    } finally {
      await sess.close();
    }
  });
});

describe('a node computed from an op Kiln lacks', () => {
  // tf.boolean_mask: Where (an op type here standing for any Kiln lacks) gives int64 indices though its T is bool; a
  // Squeeze of it then looks bool to Kiln, and GatherV2 must not fail the import over that guess.
  const text = [
    floatConst('x', [1, 2, 3]),
    'node { name: "m" op: "Placeholder" attr { key: "dtype" value { type: DT_BOOL } } }',
    'node { name: "Where" op: "KilnTestNoSuchOp" input: "m" attr { key: "T" value { type: DT_BOOL } } }',
    'node { name: "Squeeze" op: "Squeeze" input: "Where" attr { key: "T" value { type: DT_INT64 } } attr { key: "squeeze_dims" value { list { i: 1 } } } }',
    intConst('axis', [0], []),
    'node { name: "GatherV2" op: "GatherV2" input: "x" input: "Squeeze" input: "axis" attr { key: "Taxis" value { type: DT_INT32 } } attr { key: "Tindices" value { type: DT_INT64 } } attr { key: "Tparams" value { type: DT_FLOAT } } }',
  ].join('\n');

  test('imports, and running it names the missing op type', async () => {
    const g = importText(text);
    await expect(run(g, 'cpu', ['GatherV2:0'], { 'm:0': tf.ndarray([true, false, true]) })).rejects.toThrow(/op types Kiln does not have: KilnTestNoSuchOp/);
  });
});

describe("Reshape of an empty tensor with -1 (TF 1.x's rule: zero sizes stay out of the product)", () => {
  for (const executor of EXECUTORS) {
    test(`[1,2,0] to [2,0,-1] is [2,0,1] on ${executor}`, async () => {
      const g = new tf.Graph();
      const r = g.asDefault(() => tf.reshape(tf.zeros([1, 2, 0]), [2, 0, -1]));
      const sess = await tf.Session.create({ graph: g, executor });
      try {
        expect((await sess.run(r)).shape).toEqual([2, 0, 1]);
      } finally {
        await sess.close();
      }
    });
  }

  test('a non-empty input still must fill the shape', async () => {
    const g = new tf.Graph();
    const x = g.asDefault(() => tf.placeholder('float32', null, 'x'));
    const r = g.asDefault(() => tf.reshape(x, [0, -1]));
    const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
    try {
      await expect(sess.run(r, { x: tf.ndarray([1, 2, 3]) })).rejects.toThrow(/tensor with 3 (values, but the requested shape has 0|elements to shape \[0,-1\])/);
    } finally {
      await sess.close();
    }
  });
});
