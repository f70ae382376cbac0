# Reference values for tests/dtypes.test.ts, computed by TensorFlow (run once: /work/venv/bin/python make.py).
# Each case is one op on fed inputs; cases.json lists them with the .npy files of the inputs and of TF's output.
# bfloat16 values (numpy has no bfloat16) are saved widened to float32, exactly; "stored_as" says so.
# graph.pb: a frozen graph of Consts of every dtype, scalar (TF writes half_val/int_val/...) and vectors
# (tensor_content), plus a string Const, with their values in graph.json.
import json
import os

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
HERE = os.path.dirname(os.path.abspath(__file__))
cases = []

NAMES = {tf.float16: 'float16', tf.bfloat16: 'bfloat16', tf.float32: 'float32', tf.float64: 'float64', tf.int8: 'int8',
         tf.int16: 'int16', tf.int32: 'int32', tf.int64: 'int64', tf.uint8: 'uint8', tf.uint16: 'uint16',
         tf.uint32: 'uint32', tf.uint64: 'uint64', tf.bool: 'bool'}


def save(name, value, dtype):
    a = np.asarray(value)
    stored = None
    if dtype == tf.bfloat16:
        a = a.astype(np.float32)
        stored = 'float32'
    np.save(os.path.join(HERE, name), a)
    return {'file': name, 'dtype': NAMES[dtype], 'shape': list(a.shape), **({'stored_as': stored} if stored else {})}


def case(name, op, inputs, attrs, build):
    """inputs: list of (numpy value, tf dtype); build(placeholders) -> output tensor."""
    g = tf.Graph()
    with g.as_default():
        phs = [tf.compat.v1.placeholder(dt, np.shape(v)) for v, dt in inputs]
        out = build(*phs)
        # bfloat16 inputs are rounded from float32, as Kiln's conversion does; their saved float32 copy is exact.
        feed = {p: np.asarray(v, np.float32 if dt == tf.bfloat16 else dt.as_numpy_dtype).astype(dt.as_numpy_dtype)
                for p, (v, dt) in zip(phs, inputs)}
        with tf.compat.v1.Session() as s:
            y = s.run(out, feed)
    ins = [save(f'{name}__in{i}.npy', feed[p], dt) for i, (p, (v, dt)) in enumerate(zip(phs, inputs))]
    cases.append({'name': name, 'op': op, 'attrs': attrs, 'inputs': ins, 'output': save(f'{name}__out.npy', y, out.dtype)})


# ---- casts: float16/bfloat16 rounding (halfway cases go to even), float -> int, int -> int wraparound
HALF_EDGE = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, 65504, 65519, 65520, 1e5, 2 ** -25, 3 * 2 ** -25,
             2 ** -24, 6e-8, -0.0, -(1 + 2 ** -11), 0.1, 3.14159, float('inf'), float('-inf'), float('nan')]
BF16_EDGE = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, 3.3895e38, 3.4e38, 1e-40, 0.1, -3.14159, 255.5, 257.0,
             float('inf'), float('nan'), -0.0]
for src in (tf.float32, tf.float64):
    case(f'cast_{NAMES[src]}_float16', 'Cast', [(HALF_EDGE, src)], {'DstT': 'float16'}, lambda x: tf.cast(x, tf.float16))
    case(f'cast_{NAMES[src]}_bfloat16', 'Cast', [(BF16_EDGE, src)], {'DstT': 'bfloat16'}, lambda x: tf.cast(x, tf.bfloat16))
# float64 -> float16 rounds through float32 in TF: 1 + 2^-11 + 2^-40 is exactly halfway once in float32.
case('cast_float64_float16_double_rounding', 'Cast', [([1 + 2 ** -11 + 2 ** -40, 1 + 2 ** -11 + 2 ** -30], tf.float64)],
     {'DstT': 'float16'}, lambda x: tf.cast(x, tf.float16))
case('cast_float16_float32', 'Cast', [([0.1, 65504, 6e-8, -2.5], tf.float16)], {'DstT': 'float32'}, lambda x: tf.cast(x, tf.float32))
case('cast_bfloat16_float16', 'Cast', [([0.1, 1.0078125, 300, -2.5], tf.bfloat16)], {'DstT': 'float16'}, lambda x: tf.cast(x, tf.float16))
case('cast_float16_bfloat16', 'Cast', [([0.1, 1.0009765625, 300, -2.5], tf.float16)], {'DstT': 'bfloat16'}, lambda x: tf.cast(x, tf.bfloat16))

FLOATS_IN_RANGE = [-3.7, -0.5, 0.5, 2.9, 127.9, -128.9, 200.5, 255.9, -1.0, 0.0]
FLOATS_OUT = [300.0, -129.0, 70000.5, -40000.0, 3e9, -3e9, 1e10, -1e10, float('nan'), float('inf'), float('-inf')]
for dst in (tf.int8, tf.uint8, tf.int16, tf.uint16, tf.uint32, tf.uint64):
    case(f'cast_float32_{NAMES[dst]}', 'Cast', [(FLOATS_IN_RANGE + FLOATS_OUT, tf.float32)], {'DstT': NAMES[dst]},
         lambda x, d=dst: tf.cast(x, d))
case('cast_float16_int8', 'Cast', [([-3.5, 100.5, 300, -200, 65504], tf.float16)], {'DstT': 'int8'}, lambda x: tf.cast(x, tf.int8))

INTS = [-1, 0, 1, 127, 128, 255, 256, -128, -129, 32767, 32768, 65535, 65536, -32769, 2147483647, -2147483648]
for dst in (tf.int8, tf.uint8, tf.int16, tf.uint16, tf.uint32, tf.uint64, tf.int64, tf.float16, tf.bfloat16, tf.bool):
    case(f'cast_int32_{NAMES[dst]}', 'Cast', [(INTS, tf.int32)], {'DstT': NAMES[dst]}, lambda x, d=dst: tf.cast(x, d))
case('cast_uint8_int8', 'Cast', [([0, 127, 128, 200, 255], tf.uint8)], {'DstT': 'int8'}, lambda x: tf.cast(x, tf.int8))
case('cast_int8_uint16', 'Cast', [([-128, -1, 0, 5, 127], tf.int8)], {'DstT': 'uint16'}, lambda x: tf.cast(x, tf.uint16))
case('cast_uint32_float32', 'Cast', [([0, 1, 4294967295, 2147483648, 16777217], tf.uint32)], {'DstT': 'float32'},
     lambda x: tf.cast(x, tf.float32))
case('cast_uint64_int32', 'Cast', [([0, 1, 4294967295, 4294967296 + 7, 2 ** 40 + 3], tf.uint64)], {'DstT': 'int32'},
     lambda x: tf.cast(x, tf.int32))

# ---- integer arithmetic wraps modulo 2^bits
A8, B8 = [100, -100, 127, -128, 50, 7], [100, -100, 1, -1, -3, -2]
for op, fn in [('AddV2', tf.raw_ops.AddV2), ('Sub', tf.raw_ops.Sub), ('Mul', tf.raw_ops.Mul), ('Maximum', tf.raw_ops.Maximum),
               ('FloorDiv', tf.raw_ops.FloorDiv), ('FloorMod', tf.raw_ops.FloorMod), ('Div', tf.raw_ops.Div),
               ('TruncateDiv', tf.raw_ops.TruncateDiv)]:
    case(f'{op.lower()}_int8', op, [(A8, tf.int8), (B8, tf.int8)], {}, lambda x, y, f=fn: f(x=x, y=y))
U8A, U8B = [0, 5, 200, 255, 16, 1], [1, 10, 100, 255, 16, 3]
for op, fn in [('AddV2', tf.raw_ops.AddV2), ('Sub', tf.raw_ops.Sub), ('Mul', tf.raw_ops.Mul), ('FloorDiv', tf.raw_ops.FloorDiv)]:
    case(f'{op.lower()}_uint8', op, [(U8A, tf.uint8), (U8B, tf.uint8)], {}, lambda x, y, f=fn: f(x=x, y=y))
I16A, I16B = [300, -300, 32767, -32768, 1000, 181], [300, 200, 1, -1, -33, 181]
for op, fn in [('AddV2', tf.raw_ops.AddV2), ('Sub', tf.raw_ops.Sub), ('Mul', tf.raw_ops.Mul)]:
    case(f'{op.lower()}_int16', op, [(I16A, tf.int16), (I16B, tf.int16)], {}, lambda x, y, f=fn: f(x=x, y=y))
case('mul_uint16', 'Mul', [([300, 65535, 256], tf.uint16), ([300, 65535, 256], tf.uint16)], {}, lambda x, y: x * y)
case('mul_uint32', 'Mul', [([70000, 4294967295, 65536], tf.uint32), ([70000, 4294967295, 65536], tf.uint32)], {}, lambda x, y: x * y)
case('add_uint32', 'AddV2', [([4294967295, 2147483648], tf.uint32), ([1, 2147483648], tf.uint32)], {}, lambda x, y: x + y)
case('neg_int8', 'Neg', [([-128, 127, 0, -5], tf.int8)], {}, lambda x: -x)
case('abs_int8', 'Abs', [([-128, 127, 0, -5], tf.int8)], {}, lambda x: tf.abs(x))
case('square_int8', 'Square', [([16, 12, -11, 3], tf.int8)], {}, lambda x: tf.square(x))
case('sum_int8', 'Sum', [([[100, 100, 100], [-128, -1, 0]], tf.int8)], {'axis': 1}, lambda x: tf.reduce_sum(x, 1))
case('sum_uint8', 'Sum', [([[200, 100], [255, 1]], tf.uint8)], {'axis': 1}, lambda x: tf.reduce_sum(x, 1))
case('max_uint16', 'Max', [([[1, 65535], [7, 3]], tf.uint16)], {'axis': 1}, lambda x: tf.reduce_max(x, 1))
case('less_uint8', 'Less', [([0, 200, 255], tf.uint8), ([1, 100, 255], tf.uint8)], {}, lambda x, y: x < y)
case('equal_int16', 'Equal', [([-1, 5, 300], tf.int16), ([-1, 6, 300], tf.int16)], {}, lambda x, y: tf.equal(x, y))

# ---- float16 and bfloat16 arithmetic: computed in float32, rounded to the type after every op
H1, H2 = [1.0, 1.0, 0.1, 60000, 2 ** -14, 3.0], [2 ** -11, 3 * 2 ** -11, 0.2, 10000, 2 ** -14, 7.0]
for op, fn in [('AddV2', tf.raw_ops.AddV2), ('Sub', tf.raw_ops.Sub), ('Mul', tf.raw_ops.Mul), ('RealDiv', tf.raw_ops.RealDiv)]:
    case(f'{op.lower()}_float16', op, [(H1, tf.float16), (H2, tf.float16)], {}, lambda x, y, f=fn: f(x=x, y=y))
    case(f'{op.lower()}_bfloat16', op, [(H1, tf.bfloat16), (H2, tf.bfloat16)], {}, lambda x, y, f=fn: f(x=x, y=y))
case('sqrt_float16', 'Sqrt', [([2.0, 3.0, 0.1, 65504], tf.float16)], {}, lambda x: tf.sqrt(x))
case('exp_float16', 'Exp', [([1.0, -1.0, 0.5, 11.0], tf.float16)], {}, lambda x: tf.exp(x))
case('sum_float16', 'Sum', [([[0.1, 0.2, 0.3], [1000, 0.5, 0.25]], tf.float16)], {'axis': 1}, lambda x: tf.reduce_sum(x, 1))
case('matmul_float16', 'MatMul', [([[0.1, 0.2], [0.3, 0.4]], tf.float16), ([[1.5, 2.5], [3.5, 4.5]], tf.float16)], {},
     lambda x, y: tf.matmul(x, y))
case('greater_float16', 'Greater', [([0.1, 1.0], tf.float16), ([0.1001, 1.0], tf.float16)], {}, lambda x, y: x > y)

# ---- Bitcast: the same bytes as another type (little-endian), shape grows or shrinks by the width ratio
F32 = [1.0, -2.5, 3.14159, 65504.0, 1e-20, -0.0]
case('bitcast_float32_int32', 'Bitcast', [(F32, tf.float32)], {'type': 'int32'}, lambda x: tf.bitcast(x, tf.int32))
case('bitcast_float32_uint32', 'Bitcast', [(F32, tf.float32)], {'type': 'uint32'}, lambda x: tf.bitcast(x, tf.uint32))
case('bitcast_float32_uint8', 'Bitcast', [(F32, tf.float32)], {'type': 'uint8'}, lambda x: tf.bitcast(x, tf.uint8))
case('bitcast_float32_int16', 'Bitcast', [([F32[:3], F32[3:]], tf.float32)], {'type': 'int16'}, lambda x: tf.bitcast(x, tf.int16))
case('bitcast_float32_float16', 'Bitcast', [(F32, tf.float32)], {'type': 'float16'}, lambda x: tf.bitcast(x, tf.float16))
case('bitcast_float32_bfloat16', 'Bitcast', [(F32, tf.float32)], {'type': 'bfloat16'}, lambda x: tf.bitcast(x, tf.bfloat16))
case('bitcast_uint8_float32', 'Bitcast', [([[0, 0, 128, 63], [0, 0, 32, 192], [1, 2, 3, 4]], tf.uint8)], {'type': 'float32'},
     lambda x: tf.bitcast(x, tf.float32))
case('bitcast_int16_float32', 'Bitcast', [([[0, 16256], [-1, 32639], [1, -32768]], tf.int16)], {'type': 'float32'},
     lambda x: tf.bitcast(x, tf.float32))
case('bitcast_float16_uint16', 'Bitcast', [([0.1, -2.5, 65504, 6e-8, float('inf'), -0.0], tf.float16)], {'type': 'uint16'},
     lambda x: tf.bitcast(x, tf.uint16))
case('bitcast_uint16_float16', 'Bitcast', [([0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x3555], tf.uint16)], {'type': 'float16'},
     lambda x: tf.bitcast(x, tf.float16))
case('bitcast_bfloat16_int16', 'Bitcast', [([0.1, -2.5, 1e30, 1.0078125], tf.bfloat16)], {'type': 'int16'},
     lambda x: tf.bitcast(x, tf.int16))
case('bitcast_int8_uint8', 'Bitcast', [([-128, -1, 0, 127], tf.int8)], {'type': 'uint8'}, lambda x: tf.bitcast(x, tf.uint8))
case('bitcast_float64_int32', 'Bitcast', [([1.0, -0.1, 1e300], tf.float64)], {'type': 'int32'}, lambda x: tf.bitcast(x, tf.int32))
case('bitcast_int32_float64', 'Bitcast', [([[0, 1072693248], [-1717986918, -1077306983]], tf.int32)], {'type': 'float64'},
     lambda x: tf.bitcast(x, tf.float64))
case('bitcast_int64_float64', 'Bitcast', [([4607182418800017408, -4611686018427387904, 1, 0], tf.int64)], {'type': 'float64'},
     lambda x: tf.bitcast(x, tf.float64))
case('bitcast_uint32_int32', 'Bitcast', [([4294967295, 2147483648, 7], tf.uint32)], {'type': 'int32'}, lambda x: tf.bitcast(x, tf.int32))

# ---- RandomUniform in float16/bfloat16: one Philox word per element, its low 10 (7) bits as the mantissa over [1, 2)
for dt in (tf.float16, tf.bfloat16):
    case(f'random_uniform_{NAMES[dt]}', 'RandomUniform', [([3, 5], tf.int32)], {'dtype': NAMES[dt], 'seed': 7, 'seed2': 11},
         lambda s, d=dt: tf.raw_ops.RandomUniform(shape=s, dtype=d, seed=7, seed2=11))

with open(os.path.join(HERE, 'cases.json'), 'w') as f:
    json.dump(cases, f, indent=1)

# ---- Consts of every dtype in a frozen GraphDef: how TensorFlow writes their TensorProtos
g = tf.Graph()
consts = {}
with g.as_default():
    for dt, vals in [(tf.float16, [0.1, -65504, 6e-8]), (tf.bfloat16, [0.1, -3.0, 1e30]), (tf.int8, [-128, 5, 127]),
                     (tf.int16, [-32768, 300, 32767]), (tf.uint8, [0, 200, 255]), (tf.uint16, [0, 40000, 65535]),
                     (tf.uint32, [0, 3000000000, 4294967295]), (tf.uint64, [0, 2 ** 40 + 1, 2 ** 53]),
                     (tf.int64, [-(2 ** 53), 5, 2 ** 53]), (tf.qint8, [-128, 0, 127]), (tf.quint8, [0, 1, 255]), (tf.qint32, [-5, 0, 7])]:
        n = dt.name
        if dt.is_quantized:  # numpy's view of a quantized type is a one-field record
            vec, sca = np.array([(v,) for v in vals], dt.as_numpy_dtype), np.array((vals[1],), dt.as_numpy_dtype)
        else:
            vec = np.array(vals, np.float32 if dt == tf.bfloat16 else None).astype(dt.as_numpy_dtype)
            sca = vec[1]
        consts[f'{n}_scalar'] = (tf.constant(sca, dt, name=f'{n}_scalar'), dt)
        consts[f'{n}_vector'] = (tf.constant(vec, dt, name=f'{n}_vector'), dt)
    s = tf.constant([b'wav\x00data', b'', 'h\u00e9'.encode()], tf.string, name='strings')
    s_scalar = tf.constant(b'RIFF', tf.string, name='string_scalar')
    tf.identity(s, name='strings_out')
    with tf.compat.v1.Session() as sess:
        values = sess.run({k: t for k, (t, _) in consts.items()})
gd = g.as_graph_def()
with open(os.path.join(HERE, 'graph.pb'), 'wb') as f:
    f.write(gd.SerializeToString())
expected = {}
for k, (t, dt) in consts.items():
    v = np.asarray(values[k])
    if dt.is_quantized:
        v = v.view({tf.qint8: np.int8, tf.quint8: np.uint8, tf.qint32: np.int32}[dt])
    expected[k] = {'dtype': dt.name, 'shape': list(v.shape),
                   'values': [str(int(x)) if dt.is_integer or dt.is_quantized else repr(float(x)) for x in v.astype(np.float64 if dt.is_floating else v.dtype).reshape(-1)]}
expected['strings'] = {'dtype': 'string', 'shape': [3], 'hex': [b.hex() for b in [b'wav\x00data', b'', 'h\u00e9'.encode()]]}
with open(os.path.join(HERE, 'graph.json'), 'w') as f:
    json.dump(expected, f, indent=1)
print(len(cases), 'cases')
