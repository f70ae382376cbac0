# Reference values for tests/ops_extra.test.ts, computed by TensorFlow (tf.raw_ops, so the op and attrs are exactly
# the ones Kiln declares). Run: /work/venv/bin/python tests/testdata/ops_extra/make.py
# Per case: <case>.pb, a TF1 GraphDef holding the op (placeholders in<k> for fed inputs, Consts for the shape-like
# inputs a GPU side needs at compile time), <case>__in<k>.npy to feed, <case>__out<k>.npy TensorFlow's outputs; and
# cases.json listing them with the fetch names and the tolerance.
import inspect
import json
import os

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import op_def_registry

HERE = os.path.dirname(os.path.abspath(__file__))
R = np.random.RandomState(1234)
CASES = []


def case(name, op, inputs, attrs=None, const=(), atol=1e-6, rtol=1e-5, fn=None, gpu_refused=False, unordered=False):
    """inputs: numpy arrays (lists of them for a list input); const: indices (into the flattened inputs) of the
    inputs written as Consts. The graph holds the op itself; `fn` computes the expected values another way where TF
    has no CPU kernel for the op as written (AccumulateNV2, NCHW DepthToSpace). gpu_refused: the output shape depends
    on fed values, which the webgpu executor refuses by name. unordered: compare each output's last-dim rows as sets."""
    attrs = dict(attrs or {})
    # The Python wrapper's keyword names (Where's `input` is `condition` there), in the OpDef's input order.
    names = list(inspect.signature(getattr(tf.raw_ops, op)).parameters)[:len(op_def_registry.get(op).input_arg)]
    flat = []
    for x in inputs:
        flat.extend(x if isinstance(x, list) else [x])
    tf_in = [[tf.constant(a) for a in x] if isinstance(x, list) else tf.constant(x) for x in inputs]
    out = (fn or getattr(tf.raw_ops, op))(**dict(zip(names, tf_in)), **attrs)
    outs = [] if out is None else list(out) if isinstance(out, (list, tuple)) else [out]
    flat_outs = []
    for o in outs:
        flat_outs.extend(o if isinstance(o, (list, tuple)) else [o])
    g = tf.Graph()
    with g.as_default():
        k = 0
        args = []
        for x in inputs:
            group = []
            for a in (x if isinstance(x, list) else [x]):
                a = np.asarray(a)
                group.append(tf.constant(a, name=f'in{k}') if k in const else tf.compat.v1.placeholder(a.dtype, a.shape, name=f'in{k}'))
                k += 1
            args.append(group if isinstance(x, list) else group[0])
        node = getattr(tf.raw_ops, op)(**dict(zip(names, args)), **attrs, name='op')
    tensors = [] if node is None or isinstance(node, tf.Operation) else list(node) if isinstance(node, (list, tuple)) else [node]
    flat_t = []
    for t in tensors:
        flat_t.extend(t if isinstance(t, (list, tuple)) else [t])
    fetch = [t.name for t in flat_t] or ['op']
    with open(os.path.join(HERE, f'{name}.pb'), 'wb') as fh:
        fh.write(g.as_graph_def().SerializeToString())
    files_in = []
    for k, a in enumerate(flat):
        if k in const:
            continue
        f = f'{name}__in{k}.npy'
        np.save(os.path.join(HERE, f), np.asarray(a))
        files_in.append({'name': f'in{k}', 'file': f})
    files_out = []
    for k, o in enumerate(flat_outs):
        f = f'{name}__out{k}.npy'
        np.save(os.path.join(HERE, f), o.numpy())
        files_out.append(f)
    CASES.append({'name': name, 'op': op, 'graph': f'{name}.pb', 'inputs': files_in, 'fetch': fetch,
                  'outputs': files_out, 'atol': atol, 'rtol': rtol, 'gpu_refused': gpu_refused, 'unordered': unordered})


def f32(*shape, lo=-2.0, hi=2.0):
    return R.uniform(lo, hi, size=shape).astype(np.float32)


def i32(*vals):
    return np.array(vals, dtype=np.int32)


# ---- math_extra: elementwise ----
spec = {
    'Sin': f32(3, 5, lo=-6, hi=6), 'Cos': f32(3, 5, lo=-6, hi=6), 'Tan': f32(3, 5, lo=-1.4, hi=1.4),
    'Asin': np.concatenate([f32(14, lo=-0.99, hi=0.99), [1.5]]).astype(np.float32),
    'Acos': np.concatenate([f32(14, lo=-0.99, hi=0.99), [-1.5]]).astype(np.float32),
    'Atan': f32(3, 5, lo=-10, hi=10), 'Sinh': np.concatenate([f32(12, lo=-5, hi=5), [1e-4, -0.2, 0.1]]).astype(np.float32),
    'Cosh': f32(3, 5, lo=-5, hi=5), 'Asinh': np.concatenate([f32(12, lo=-20, hi=20), [1e-4, -0.2, 0.1]]).astype(np.float32),
    'Acosh': np.concatenate([f32(13, lo=1, hi=20), [1.0001, 0.5]]).astype(np.float32),
    'Atanh': np.concatenate([f32(13, lo=-0.99, hi=0.99), [1e-4, 1.5]]).astype(np.float32),
    'Expm1': np.concatenate([f32(12, lo=-3, hi=3), [1e-5, -1e-3, 0.2]]).astype(np.float32),
    'Erf': np.concatenate([f32(12, lo=-3, hi=3), [1e-4, -0.3, 4.5]]).astype(np.float32),
    'Erfc': np.concatenate([f32(12, lo=-3, hi=3), [1e-4, 5.0, 8.0]]).astype(np.float32),
    'Lgamma': np.concatenate([f32(12, lo=0.1, hi=10), [-0.5, -2.5, 1.0, 2.0, 30.0]]).astype(np.float32),
    'Digamma': np.concatenate([f32(12, lo=0.1, hi=10), [-0.5, -2.5, 30.0]]).astype(np.float32),
    'IsFinite': np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -3.0], dtype=np.float32),
    'IsInf': np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -3.0], dtype=np.float32),
    'Rint': np.array([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, -2.6, 3.0], dtype=np.float32),
}
for op, v in spec.items():
    # Relative 2e-5 for the f32 GPU formulas; erfc's tail and lgamma near its zeros need an absolute floor.
    case(op, op, [v], atol=2e-6 if op not in ('Lgamma', 'Digamma', 'Erfc') else 1e-5, rtol=2e-5 if op != 'Erfc' else 1e-4)
case('Sin_f64', 'Sin', [R.uniform(-5, 5, 7)], atol=1e-12, rtol=1e-12)
case('Lgamma_f64', 'Lgamma', [np.array([0.3, 1.7, 4.2, 12.5, -1.3, 100.0])], atol=1e-12, rtol=1e-12)
case('Digamma_f64', 'Digamma', [np.array([0.3, 1.7, 4.2, 12.5, -1.3, 100.0])], atol=1e-12, rtol=1e-12)
case('Erf_f64', 'Erf', [np.array([-4.0, -1.1, 0.01, 0.7, 2.9, 3.1, 5.5])], atol=1e-14, rtol=1e-12)
case('Zeta', 'Zeta', [np.array([2.0, 3.5, 1.5, 4.0, 0.5, 1.0], np.float32), np.array([1.0, 0.7, 2.5, 10.0, 1.0, 2.0], np.float32)], atol=1e-5, rtol=1e-5)
case('Zeta_f64', 'Zeta', [np.array([2.0, 3.5, 1.5, 6.0]), np.array([1.0, 0.7, 2.5, 30.0])], atol=1e-13, rtol=1e-12)
case('Polygamma', 'Polygamma', [np.array([0.0, 1.0, 2.0, 3.0, 1.5], np.float32), np.array([1.5, 0.7, 2.5, 4.0, 1.0], np.float32)], atol=1e-5, rtol=2e-5)
case('Polygamma_f64', 'Polygamma', [np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.5, 0.7, 2.5, 4.0])], atol=1e-12, rtol=1e-11)
ga = np.array([0.5, 1.0, 2.5, 3.0, 10.0, 0.1, 4.0], np.float32)
gx = np.array([0.2, 1.0, 1.5, 6.0, 9.0, 0.01, 0.0], np.float32)
case('Igamma', 'Igamma', [ga, gx], atol=2e-6, rtol=1e-5)
case('Igammac', 'Igammac', [ga, gx], atol=2e-6, rtol=1e-5)
case('Igamma_f64', 'Igamma', [ga.astype(np.float64), gx.astype(np.float64)], atol=1e-14, rtol=1e-12)
case('Igammac_f64', 'Igammac', [ga.astype(np.float64), gx.astype(np.float64)], atol=1e-14, rtol=1e-12)
ba = np.array([0.5, 1.0, 2.0, 5.0, 0.3, 8.0, 2.5], np.float32)
bb = np.array([0.5, 3.0, 2.0, 1.0, 0.7, 2.0, 40.0], np.float32)
bx = np.array([0.3, 0.9, 0.5, 0.97, 0.02, 0.6, 0.05], np.float32)
case('Betainc', 'Betainc', [ba, bb, bx], atol=2e-6, rtol=2e-5)
case('Betainc_f64', 'Betainc', [ba.astype(np.float64), bb.astype(np.float64), bx.astype(np.float64)], atol=1e-14, rtol=1e-11)
case('Erfc_f64', 'Erfc', [np.array([-4.0, -1.1, 0.01, 0.7, 2.9, 3.1, 5.5, 12.0])], atol=1e-300, rtol=1e-11)

a, b = f32(3, 4, lo=-10, hi=10), f32(4, lo=-3, hi=3)
b[1] = 0.0
case('DivNoNan', 'DivNoNan', [a, b])
case('Mod_f', 'Mod', [a, b + np.float32(5.0)], atol=1e-5)
case('Mod_i', 'Mod', [i32(7, -7, 7, -7, 9), i32(3, 3, -3, -3, 4)])
case('TruncateMod_i', 'TruncateMod', [i32(7, -7, 7, -7, 9), i32(3, 3, -3, -3, 4)])
case('TruncateMod_f', 'TruncateMod', [a, np.float32(2.5)], atol=1e-5)
case('Atan2', 'Atan2', [f32(3, 4), np.concatenate([f32(3), [0.0]]).astype(np.float32)])

# ---- math_extra: reductions and scans ----
case('L2Loss', 'L2Loss', [f32(5, 7)], rtol=1e-5)
# No kernel of its own in TF (a graph pass rewrites it): its value is AddN's.
case('AccumulateNV2', 'AccumulateNV2', [[f32(2, 3), f32(2, 3), f32(2, 3)]], {'shape': [2, 3]}, fn=lambda inputs, **k: tf.add_n(inputs))
for ex in (False, True):
    for rv in (False, True):
        case(f'Cumsum_{int(ex)}{int(rv)}', 'Cumsum', [f32(3, 4, 2), np.int32(1)], {'exclusive': ex, 'reverse': rv}, const=(1,), rtol=1e-5, atol=1e-5)
        case(f'Cumprod_{int(ex)}{int(rv)}', 'Cumprod', [f32(3, 4, 2, lo=0.5, hi=1.5), np.int32(-1)], {'exclusive': ex, 'reverse': rv}, const=(1,), rtol=1e-5)
case('Cumsum_i', 'Cumsum', [R.randint(-5, 5, (4, 3)).astype(np.int32), np.int32(0)], const=(1,))

# ---- array_extra ----
t = f32(2, 3, 4)
case('ReverseV2', 'ReverseV2', [t, i32(0, 2)], const=(1,))
case('ReverseV2_neg', 'ReverseV2', [f32(4, 8), i32(-1)], const=(1,))
case('Roll', 'Roll', [t, i32(1, -5), i32(2, 1)], const=(1, 2))
case('Roll_same_axis', 'Roll', [f32(6), i32(2, 3), i32(0, 0)], const=(1, 2))
case('MatrixDiag', 'MatrixDiag', [f32(2, 3)])
case('MatrixSetDiag', 'MatrixSetDiag', [f32(2, 3, 4), f32(2, 3)])
case('MatrixSetDiag_tall', 'MatrixSetDiag', [f32(4, 2), f32(2)])
case('MatrixDiagPart', 'MatrixDiagPart', [f32(2, 4, 3)])
case('MatrixBandPart', 'MatrixBandPart', [f32(2, 4, 5), np.int64(1), np.int64(2)], const=(1, 2))
case('MatrixBandPart_lower', 'MatrixBandPart', [f32(4, 4), np.int64(-1), np.int64(0)], const=(1, 2))
case('SpaceToBatchND', 'SpaceToBatchND', [f32(2, 4, 5, 3), i32(2, 3), np.array([[1, 1], [0, 1]], np.int32)], const=(1, 2))
case('SpaceToBatchND_1d', 'SpaceToBatchND', [f32(1, 6, 2), i32(3), np.array([[0, 0]], np.int32)], const=(1, 2))
case('BatchToSpaceND', 'BatchToSpaceND', [f32(12, 3, 2, 3), i32(2, 3), np.array([[1, 0], [0, 2]], np.int32)], const=(1, 2))
case('DepthToSpace', 'DepthToSpace', [f32(2, 2, 3, 8)], {'block_size': 2})
case('DepthToSpace_nchw', 'DepthToSpace', [f32(1, 8, 2, 3)], {'block_size': 2, 'data_format': 'NCHW'},
     fn=lambda input, **k: tf.transpose(tf.raw_ops.DepthToSpace(input=tf.transpose(input, [0, 2, 3, 1]), block_size=2), [0, 3, 1, 2]))
case('SpaceToDepth', 'SpaceToDepth', [f32(2, 4, 6, 3)], {'block_size': 2})
case('BroadcastTo', 'BroadcastTo', [f32(3, 1), i32(2, 3, 4)], const=(1,))
case('BroadcastArgs', 'BroadcastArgs', [i32(2, 1, 4), i32(3, 1)])
case('ReverseSequence', 'ReverseSequence', [f32(3, 5, 2), np.array([2, 5, 0], np.int64)], {'seq_dim': 1, 'batch_dim': 0})
case('ReverseSequence_b1', 'ReverseSequence', [f32(4, 3), np.array([1, 4, 3], np.int32)], {'seq_dim': 0, 'batch_dim': 1})
case('GatherNd', 'GatherNd', [f32(3, 4, 2), np.array([[[0, 1], [2, 3]], [[1, 0], [2, 2]]], np.int32)])
case('GatherNd_full', 'GatherNd', [f32(3, 4), np.array([[0, 1], [2, 3], [1, 1]], np.int64)])
case('ScatterNd', 'ScatterNd', [np.array([[1], [3], [1]], np.int32), f32(3, 4), i32(5, 4)], const=(2,))
case('ScatterNd_2', 'ScatterNd', [np.array([[0, 1], [2, 2]], np.int32), f32(2), i32(3, 3)], const=(2,))
case('IdentityN', 'IdentityN', [[f32(2), R.randint(0, 9, (3,)).astype(np.int32)]])
case('CheckNumerics', 'CheckNumerics', [f32(2, 3)], {'message': 'ok'})

# ---- sort_select ----
case('TopKV2', 'TopKV2', [f32(3, 7), np.int32(3)], const=(1,))
case('TopKV2_ties', 'TopKV2', [np.array([[1, 3, 3, 2, 3], [0, 0, 0, 0, 0]], np.float32), np.int32(4)], const=(1,))
# sorted=False: the order is unspecified, and TF 2.x's differs from the TF 1.x order the corpus records (which Kiln
# reproduces): compared as sets per row.
case('TopKV2_unsorted', 'TopKV2', [f32(4, 10), np.int32(5)], {'sorted': False}, const=(1,), unordered=True)
case('TopKV2_unsorted_k3', 'TopKV2', [f32(2, 3, 12), np.int32(3)], {'sorted': False}, const=(1,), unordered=True)
case('TopKV2_int', 'TopKV2', [R.randint(-9, 9, (2, 2, 6)).astype(np.int32), np.int32(6)], const=(1,))
case('InTopKV2', 'InTopKV2', [np.array([[0.1, 0.8, 0.1, 0.0], [0.3, 0.3, 0.3, 0.1], [0.5, 0.1, 0.2, 0.2]], np.float32), i32(1, 2, 3), np.int32(2)])
case('NthElement', 'NthElement', [f32(2, 3, 6), np.int32(2)])
case('NthElement_rev', 'NthElement', [np.array([[4, 1, 4, 2], [3, 3, 3, 1]], np.float32), np.int32(1)], {'reverse': True})
case('Where', 'Where', [np.array([[True, False, True], [False, False, True]])], gpu_refused=True)
case('Where_f', 'Where', [np.array([0.0, 1.5, 0.0, -2.0], np.float32)], gpu_refused=True)
case('Unique', 'Unique', [i32(4, 1, 4, 7, 1, 1, 9)], gpu_refused=True)
case('UniqueWithCounts', 'UniqueWithCounts', [np.array([2.5, -1, 2.5, 3, -1], np.float32)], {'out_idx': tf.int64}, gpu_refused=True)
case('HistogramFixedWidth', 'HistogramFixedWidth', [f32(30, lo=-1, hi=6), np.array([0.0, 5.0], np.float32), np.int32(5)], const=(2,))
case('HistogramFixedWidth_i', 'HistogramFixedWidth', [R.randint(-2, 12, (4, 5)).astype(np.int32), i32(0, 10), np.int32(4)], const=(2,))

# ---- segment ----
ids = i32(0, 0, 1, 3, 3, 3)
for r in ('Sum', 'Mean', 'Max', 'Min', 'Prod'):
    case(f'Segment{r}', f'Segment{r}', [f32(6, 2, lo=0.5, hi=2), ids], const=(1,), rtol=1e-5)
    case(f'Segment{r}_fed', f'Segment{r}', [f32(6, lo=0.5, hi=2), ids], rtol=1e-5, gpu_refused=True)
uids = i32(2, 0, -1, 2, 0, 4)
for r in ('Max', 'Min', 'Prod'):
    case(f'UnsortedSegment{r}', f'UnsortedSegment{r}', [f32(6, 3, lo=0.5, hi=2), uids, np.int32(5)], const=(2,), rtol=1e-5)
case('UnsortedSegmentMax_i', 'UnsortedSegmentMax', [R.randint(-9, 9, (6,)).astype(np.int32), uids, np.int32(5)], const=(2,))
case('DynamicPartition', 'DynamicPartition', [f32(5, 2), i32(1, 0, 2, 1, 1)], {'num_partitions': 3}, gpu_refused=True)
case('DynamicStitch', 'DynamicStitch', [[i32(0, 2), np.array([[1, 3], [4, 2]], np.int32)], [f32(2, 3), f32(2, 2, 3)]], gpu_refused=True)
case('ParallelDynamicStitch', 'ParallelDynamicStitch', [[i32(3, 1), i32(0, 2)], [f32(2), f32(2)]], gpu_refused=True)

with open(os.path.join(HERE, 'cases.json'), 'w') as fh:
    json.dump(CASES, fh, indent=1)
print(len(CASES), 'cases')
