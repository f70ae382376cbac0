"""Writes tests/testdata/tf_opdefs.json: TensorFlow's OpDef for every op it registers, compact (the contract that
tests/opdef_contract.test.ts holds Kiln's declarations to). Run once with TensorFlow installed:
    /work/venv/bin/python tools/extract_opdefs.py
Per op: "i" input arg names, "o" output arg names (a trailing '*' marks a list: number_attr or type_list_attr; a
leading '&' a ref arg), "a" attrs as [name, type] or [name, type, default]. Defaults are JSON: a type as TF's Python
dtype name ('float32'), a shape as a list of dims (null for an unknown dim) or null for an unknown rank, lists as
arrays; a tensor default is the string '<tensor>', a non-finite float the string 'Infinity', '-Infinity' or 'NaN'
(what JavaScript's Number() reads back).
"""
import json
import math
import os
import sys

import tensorflow as tf  # noqa: F401  (loads and registers every op)
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session as c_api
from tensorflow.python.util import compat


def dtype_name(enum):
    return tf.dtypes.as_dtype(enum).name


def shape_json(s):
    if s.unknown_rank:
        return None
    return [None if d.size < 0 else d.size for d in s.dim]


def float_json(x):
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def default_json(v):
    kind = v.WhichOneof('value')
    if kind == 's':
        return v.s.decode('utf-8', 'replace')
    if kind == 'i':
        return v.i
    if kind == 'f':
        return float_json(v.f)
    if kind == 'b':
        return v.b
    if kind == 'type':
        return dtype_name(v.type)
    if kind == 'shape':
        return shape_json(v.shape)
    if kind == 'tensor':
        return '<tensor>'
    if kind == 'func':
        return v.func.name
    if kind == 'list':
        l = v.list
        return ([x.decode('utf-8', 'replace') for x in l.s] + list(l.i) + [float_json(x) for x in l.f] + list(l.b)
                + [dtype_name(t) for t in l.type] + [shape_json(s) for s in l.shape]
                + ['<tensor>' for _ in l.tensor] + [f.name for f in l.func])
    return None


def arg_name(a):
    return ('&' if a.is_ref else '') + a.name + ('*' if a.number_attr or a.type_list_attr else '')


def main():
    buf = c_api.TF_GetAllOpList()
    try:
        ops = op_def_pb2.OpList()
        ops.ParseFromString(compat.as_bytes(c_api.TF_GetBuffer(buf)))
    finally:
        c_api.TF_DeleteBuffer(buf)
    table = {}
    for op in sorted(ops.op, key=lambda o: o.name):
        attrs = []
        for a in op.attr:
            entry = [a.name, a.type]
            if a.HasField('default_value'):
                entry.append(default_json(a.default_value))
            attrs.append(entry)
        table[op.name] = {'i': [arg_name(a) for a in op.input_arg], 'o': [arg_name(a) for a in op.output_arg], 'a': attrs}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'testdata', 'tf_opdefs.json')
    body = ',\n'.join(f' {json.dumps(k)}: {json.dumps(v, separators=(",", ":"), allow_nan=False)}' for k, v in table.items())
    with open(out, 'w') as f:
        f.write(f'{{"tensorflow": {json.dumps(tf.__version__)}, "ops": {{\n{body}\n}}}}\n')
    print(f'{out}: {len(table)} ops (TensorFlow {tf.__version__})', file=sys.stderr)


if __name__ == '__main__':
    main()
