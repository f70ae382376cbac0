// Graph construction: names, scopes, control dependencies, collections, static shapes, build-time errors.
import * as tf from '../index.js';

beforeEach(() => tf.resetDefaultGraph());

describe('names and scopes', () => {
  test('node names are unique: name, name_1, name_2', () => {
    const a = tf.constant(1, { name: 'c' });
    const b = tf.constant(2, { name: 'c' });
    const c = tf.constant(3, { name: 'c' });
    expect([a.op.name, b.op.name, c.op.name]).toEqual(['c', 'c_1', 'c_2']);
    expect(a.name).toBe('c:0');
  });

  test('default names are the op type', () => {
    const a = tf.constant(1);
    const b = tf.add(a, a);
    expect(a.op.name).toBe('Const');
    expect(b.op.name).toBe('AddV2');
    expect(b.op.type).toBe('AddV2');
  });

  test('nameScope prefixes names, nests, and is made unique on re-entry', () => {
    const names: string[] = [];
    tf.nameScope('layer', (scope) => {
      expect(scope).toBe('layer');
      names.push(tf.constant(1, { name: 'w' }).op.name);
      tf.nameScope('inner', () => names.push(tf.constant(1).op.name));
    });
    tf.nameScope('layer', (scope) => {
      expect(scope).toBe('layer_1');
      names.push(tf.constant(1, { name: 'w' }).op.name);
    });
    tf.nameScope('layer/', () => names.push(tf.constant(1, { name: 'w' }).op.name));
    expect(names).toEqual(['layer/w', 'layer/inner/Const', 'layer_1/w', 'layer/w_1']);
  });

  test('nameScope returns the callback result', () => {
    expect(tf.nameScope('s', () => 42)).toBe(42);
  });

  test('variables take their scope name and create Assign and read nodes', () => {
    const v = tf.variable([1, 2], { name: 'w1' });
    const v2 = tf.variable([1, 2], { name: 'w1' });
    expect(v.name).toBe('w1:0');
    expect(v.op.type).toBe('VariableV2');
    expect(v.initializer.name).toBe('w1/Assign');
    expect(v.value().name).toBe('w1/read:0');
    expect(v.initialValue.op.name).toBe('w1/initial_value');
    expect(v2.name).toBe('w1_1:0');
    expect(v.shape).toEqual([2]);
    expect(v.dtype).toBe('float32');
  });
});

describe('default graph and explicit graphs', () => {
  test('asDefault makes a graph the default inside the callback only', () => {
    const g = new tf.Graph();
    const outer = tf.getDefaultGraph();
    const t = g.asDefault(() => {
      expect(tf.getDefaultGraph()).toBe(g);
      return tf.constant(1);
    });
    expect(t.graph).toBe(g);
    expect(tf.getDefaultGraph()).toBe(outer);
    expect(outer.getOperations()).toHaveLength(0);
  });

  test('resetDefaultGraph gives a new empty graph, and is refused inside asDefault', () => {
    const before = tf.getDefaultGraph();
    tf.constant(1);
    tf.resetDefaultGraph();
    expect(tf.getDefaultGraph()).not.toBe(before);
    expect(tf.getDefaultGraph().getOperations()).toHaveLength(0);
    expect(() => new tf.Graph().asDefault(() => tf.resetDefaultGraph())).toThrow(tf.errors.InvalidArgumentError);
  });

  test('mixing graphs is an error naming the node', () => {
    const a = tf.constant(1);
    const g = new tf.Graph();
    const b = g.asDefault(() => tf.constant(2));
    expect(() => tf.add(a, b, { name: 'mixed' })).toThrow(/mixed/);
  });

  test('getTensorByName and getOperationByName', () => {
    const x = tf.placeholder('float32', [2], 'x');
    const g = tf.getDefaultGraph();
    expect(g.getTensorByName('x:0')).toBe(x);
    expect(g.getOperationByName('x')).toBe(x.op);
    expect(() => g.getTensorByName('nope:0')).toThrow(tf.errors.NotFoundError);
    expect(() => g.getTensorByName('x:3')).toThrow(tf.errors.NotFoundError);
    expect(() => g.getOperationByName('nope')).toThrow(tf.errors.NotFoundError);
  });
});

describe('control dependencies', () => {
  test('ops built inside controlDependencies get the control inputs; nesting accumulates; null clears', () => {
    const a = tf.constant(1, { name: 'a' });
    const b = tf.constant(2, { name: 'b' });
    tf.controlDependencies([a], () => {
      const c = tf.identity(b, { name: 'c' });
      expect(c.op.controlInputs.map((o) => o.name)).toEqual(['a']);
      tf.controlDependencies([b.op], () => {
        const d = tf.identity(b, { name: 'd' });
        expect(d.op.controlInputs.map((o) => o.name).sort()).toEqual(['a', 'b']);
      });
      tf.controlDependencies(null, () => {
        expect(tf.identity(b).op.controlInputs).toHaveLength(0);
      });
    });
    expect(tf.identity(b).op.controlInputs).toHaveLength(0);
  });

  test('group is a NoOp with control inputs', () => {
    const a = tf.constant(1, { name: 'a' });
    const b = tf.constant(2, { name: 'b' });
    const g = tf.group(a, b.op, { name: 'both' });
    expect(g.type).toBe('NoOp');
    expect(g.name).toBe('both');
    expect(g.controlInputs.map((o) => o.name)).toEqual(['a', 'b']);
  });
});

describe('collections', () => {
  test('variables land in GLOBAL_VARIABLES, trainable ones in TRAINABLE_VARIABLES', () => {
    const a = tf.variable(1, { name: 'a' });
    const b = tf.variable(2, { name: 'b', trainable: false });
    expect(tf.getCollection(tf.GraphKeys.GLOBAL_VARIABLES)).toEqual([a, b]);
    expect(tf.getCollection(tf.GraphKeys.TRAINABLE_VARIABLES)).toEqual([a]);
    expect(tf.GraphKeys.UPDATE_OPS).toBe('update_ops');
  });

  test('any name works, and getCollection returns a copy', () => {
    tf.addToCollection('mine', 1);
    tf.addToCollection('mine', 'two');
    const c = tf.getCollection('mine');
    expect(c).toEqual([1, 'two']);
    c.push(3);
    expect(tf.getCollection('mine')).toEqual([1, 'two']);
    expect(tf.getCollection('empty')).toEqual([]);
  });
});

describe('symbolic tensors', () => {
  test('shape is a plain array with null for unknown dims; dtype a string', () => {
    const x = tf.placeholder('float32', [null, 784], 'x');
    expect(x.shape).toEqual([null, 784]);
    expect(x.dtype).toBe('float32');
    const u = tf.placeholder('int32', undefined, 'u');
    expect(u.shape).toBeNull();
    const w = tf.variable(tf.zeros([784, 10]));
    expect(tf.matmul(x, w).shape).toEqual([null, 10]);
  });

  test('building computes nothing and allocates no tensor memory', () => {
    const x = tf.placeholder('float32', [null, 1000]);
    const y = tf.matmul(x, tf.placeholder('float32', [1000, 1000]));
    expect(y.op.type).toBe('MatMul');
    // Only Const nodes hold values: no other node holds an NDArray attr.
    for (const op of tf.getDefaultGraph().getOperations()) {
      for (const v of Object.values(op.attrs)) if (v instanceof tf.NDArray) expect(op.type).toBe('Const');
    }
  });

  test('numbers take the dtype of the tensor they combine with', () => {
    const i = tf.constant([1, 2], { dtype: 'int32' });
    expect(tf.add(i, 3).dtype).toBe('int32');
    expect(tf.mul(2, i).dtype).toBe('int32');
    expect(tf.add(tf.constant(1.5), 2).dtype).toBe('float32');
    expect(tf.constant(2).dtype).toBe('float32');
    expect(tf.constant(true).dtype).toBe('bool');
  });

  test('a shape mismatch throws at build time, naming the node and both shapes', () => {
    const a = tf.placeholder('float32', [2, 3]);
    const b = tf.placeholder('float32', [4, 5]);
    expect(() => tf.matmul(a, b, { name: 'mm' })).toThrow(tf.errors.InvalidArgumentError);
    expect(() => tf.matmul(a, b, { name: 'mm' })).toThrow(/'mm(_\d+)?'.*\[2,3\].*\[4,5\]/);
    expect(() => tf.add(tf.zeros([2, 3]), tf.zeros([4]), { name: 'plus' })).toThrow(/plus.*\[2,3\].*\[4\]/);
  });

  test('a dtype mismatch between two tensors throws, naming the node', () => {
    const a = tf.constant([1], { dtype: 'int32' });
    const b = tf.constant([1]);
    expect(() => tf.add(a, b, { name: 'mixed' })).toThrow(/mixed/);
  });

  test('int64 is accepted for shapes and indices', () => {
    const idx = tf.constant([0, 2], { dtype: 'int64' });
    expect(idx.dtype).toBe('int64');
    expect(tf.argMax(tf.zeros([2, 3]), 1, { outputType: 'int64' }).dtype).toBe('int64');
  });
});
