// optimizer/prune: only what the fetches need, in dependency order; a fed tensor cuts the graph above it.
import * as tf from '../index.js';
import { pruneToFetches } from '../optimizer/prune.js';

test('keeps exactly the ancestors of the fetches, inputs before consumers', () => {
  const g = new tf.Graph();
  const { c, unrelated } = g.asDefault(() => {
    const a = tf.constant(1, { name: 'a' });
    const b = tf.constant(2, { name: 'b' });
    const c = tf.add(a, b, { name: 'c' });
    const unrelated = tf.mul(b, 3, { name: 'unrelated' });
    return { c, unrelated };
  });
  const names = pruneToFetches([c], [], new Set()).map((o) => o.name);
  expect(names.sort()).toEqual(['a', 'b', 'c']);
  expect(names).not.toContain(unrelated.op.name);
  const order = pruneToFetches([c], [], new Set()).map((o) => o.name);
  expect(order.indexOf('c')).toBe(2);
});

test('control inputs are followed; a fed tensor is not computed', () => {
  const g = new tf.Graph();
  const { d, b } = g.asDefault(() => {
    const a = tf.constant(1, { name: 'a' });
    const b = tf.mul(a, 2, { name: 'b' });
    const side = tf.noOp({ name: 'side' });
    const d = tf.controlDependencies([side], () => tf.add(b, 1, { name: 'd' }));
    return { d, b };
  });
  expect(pruneToFetches([d], [], new Set()).map((o) => o.name).sort()).toEqual(['Const', 'Const_1', 'a', 'b', 'd', 'side'].sort());
  const cut = pruneToFetches([d], [], new Set([b])).map((o) => o.name).sort();
  expect(cut).toEqual(['Const_1', 'd', 'side']);
});

test("an assignment's variable is a ref, not a read: uninitialised variables can be assigned", () => {
  const g = new tf.Graph();
  const w = g.asDefault(() => tf.variable(1, { name: 'w' }));
  const names = pruneToFetches([], [w.initializer], new Set()).map((o) => o.name);
  expect(names).toEqual(['w/initial_value', 'w/Assign']);
});

test('deep chains do not overflow the stack', () => {
  const g = new tf.Graph();
  const last = g.asDefault(() => {
    let t = tf.constant(0);
    for (let i = 0; i < 20000; i++) t = tf.identity(t);
    return t;
  });
  expect(pruneToFetches([last], [], new Set())).toHaveLength(20001);
});
