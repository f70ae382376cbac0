# Reference data for tests/ops_{bitwise,conv3d,linalg,image_extra}.test.ts: small inputs and the outputs TensorFlow
# computes for them with tf.raw_ops (run: /work/venv/bin/python tests/testdata/ops2/make.py). Writes <case>__in<i>.npy,
# <case>__out<i>.npy and cases.json (op type, attrs, input/output files and dtypes) beside this file.
import json
import os

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import op_def_registry

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(1234)
cases = []
DT = {np.float32: 'float32', np.float64: 'float64', np.int32: 'int32', np.int64: 'int64', np.bool_: 'bool'}


def dtname(a):
    return DT[a.dtype.type]


def case(name, family, op, inputs, attrs, compare='values', tol=None, kiln_attrs=None):
    fn = getattr(tf.raw_ops, op)
    names = [a.name for a in op_def_registry.get(op).input_arg]
    kwargs = dict(zip(names, [tf.constant(x) for x in inputs]))
    kwargs.update(attrs)
    out = fn(**kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    outs = [o.numpy() for o in outs]
    if op == 'Svd' and not attrs['compute_uv']:
        # TF's shape function gives u and v the shape [0]; its kernel returns uninitialised scalars instead.
        outs = outs[:1] + [np.zeros((0,), outs[0].dtype)] * 2
    c = {'name': name, 'family': family, 'op': op, 'attrs': kiln_attrs or {}, 'inputs': [], 'outputs': [], 'compare': compare}
    if tol:
        c['tol'] = tol
    for key, v in attrs.items():
        if isinstance(v, tf.DType):
            v = v.name
        c['attrs'][key] = v
    for i, x in enumerate(inputs):
        f = f'{name}__in{i}.npy'
        np.save(os.path.join(HERE, f), x)
        c['inputs'].append({'file': f, 'dtype': dtname(x)})
    for i, x in enumerate(outs):
        f = f'{name}__out{i}.npy'
        np.save(os.path.join(HERE, f), x)
        c['outputs'].append({'file': f, 'dtype': dtname(x)})
    cases.append(c)


def f32(*shape):
    return rng.uniform(-1, 1, shape).astype(np.float32)


# ---- bitwise ----
for dt in (np.int32, np.int64):
    big = 2 ** 40 if dt == np.int64 else 2 ** 30
    x = rng.integers(-big, big, (3, 4)).astype(dt)
    y = rng.integers(-big, big, (4,)).astype(dt)
    for op in ('BitwiseAnd', 'BitwiseOr', 'BitwiseXor'):
        case(f'{op}_{dtname(x)}', 'bitwise', op, [x, y], {})
    case(f'Invert_{dtname(x)}', 'bitwise', 'Invert', [x], {})
    xs = rng.integers(-1000, 1000, (2, 6)).astype(dt)
    sh = np.array([0, 1, 5, 31, 40, -3], dtype=dt)
    if dt == np.int32:
        sh = np.array([0, 1, 5, 31, 20, 3], dtype=dt)
    case(f'LeftShift_{dtname(x)}', 'bitwise', 'LeftShift', [xs, sh], {})
    case(f'RightShift_{dtname(x)}', 'bitwise', 'RightShift', [xs, np.abs(sh)], {})

# ---- conv3d / pool3d ----
for fmt in ('NDHWC', 'NCDHW'):
    for pad, s in (('SAME', 1), ('VALID', 2), ('SAME', 2)):
        xs = (2, 5, 4, 6, 3)
        x = f32(*xs)
        w = f32(3, 2, 3, 3, 4)
        strides = [1, s, s, s, 1] if fmt == 'NDHWC' else [1, 1, s, s, s]
        xin = x if fmt == 'NDHWC' else np.ascontiguousarray(x.transpose(0, 4, 1, 2, 3))
        name = f'Conv3D_{fmt}_{pad}_s{s}'
        if fmt == 'NCDHW':
            # TF's CPU Conv3D has no NCDHW kernel: compute in NDHWC, transpose the result (same op, same attrs).
            y = tf.raw_ops.Conv3D(input=x, filter=w, strides=[1, s, s, s, 1], padding=pad).numpy()
            y = np.ascontiguousarray(y.transpose(0, 4, 1, 2, 3))
            ys = y.shape
            c = {'name': name, 'family': 'conv3d', 'op': 'Conv3D', 'attrs': {'strides': strides, 'padding': pad, 'data_format': fmt},
                 'inputs': [], 'outputs': [], 'compare': 'values'}
            for i, a in enumerate([xin, w]):
                np.save(os.path.join(HERE, f'{name}__in{i}.npy'), a)
                c['inputs'].append({'file': f'{name}__in{i}.npy', 'dtype': 'float32'})
            np.save(os.path.join(HERE, f'{name}__out0.npy'), y)
            c['outputs'].append({'file': f'{name}__out0.npy', 'dtype': 'float32'})
            cases.append(c)
            continue
        case(name, 'conv3d', 'Conv3D', [x, w], {'strides': strides, 'padding': pad, 'data_format': fmt})
        y = tf.raw_ops.Conv3D(input=x, filter=w, strides=strides, padding=pad).numpy()
        dy = f32(*y.shape)
        case(f'Conv3DBackpropInputV2_{pad}_s{s}', 'conv3d', 'Conv3DBackpropInputV2', [np.array(xs, np.int32), w, dy], {'strides': strides, 'padding': pad})
        case(f'Conv3DBackpropFilterV2_{pad}_s{s}', 'conv3d', 'Conv3DBackpropFilterV2', [x, np.array(w.shape, np.int32), dy], {'strides': strides, 'padding': pad})
x = f32(2, 4, 5, 6, 3)
for pad, k, s in (('SAME', 2, 2), ('VALID', 3, 1), ('SAME', 3, 2)):
    ks = [1, k, k, k, 1]
    st = [1, s, s, s, 1]
    case(f'MaxPool3D_{pad}_k{k}_s{s}', 'conv3d', 'MaxPool3D', [x], {'ksize': ks, 'strides': st, 'padding': pad})
    case(f'AvgPool3D_{pad}_k{k}_s{s}', 'conv3d', 'AvgPool3D', [x], {'ksize': ks, 'strides': st, 'padding': pad})
    y = tf.raw_ops.MaxPool3D(input=x, ksize=ks, strides=st, padding=pad).numpy()
    dy = f32(*y.shape)
    case(f'MaxPool3DGrad_{pad}_k{k}_s{s}', 'conv3d', 'MaxPool3DGrad', [x, y, dy], {'ksize': ks, 'strides': st, 'padding': pad})
    case(f'AvgPool3DGrad_{pad}_k{k}_s{s}', 'conv3d', 'AvgPool3DGrad', [np.array(x.shape, np.int32), dy], {'ksize': ks, 'strides': st, 'padding': pad})

# ---- linalg ----
for dt in (np.float32, np.float64):
    for shp in ((4, 3), (3, 5), (2, 4, 4)):
        a = rng.uniform(-1, 1, shp).astype(dt)
        for full in (False, True):
            case(f'Svd_{dtname(a)}_{"x".join(map(str, shp))}_full{int(full)}', 'linalg', 'Svd', [a], {'compute_uv': True, 'full_matrices': full}, compare='svd')
    a = rng.uniform(-1, 1, (2, 3, 3)).astype(dt)
    case(f'Svd_{dtname(a)}_noUv', 'linalg', 'Svd', [a], {'compute_uv': False, 'full_matrices': False})
    sq = (rng.uniform(-1, 1, (2, 4, 4)) + 3 * np.eye(4)).astype(dt)
    rhs = rng.uniform(-1, 1, (2, 4, 3)).astype(dt)
    for lower in (True, False):
        for adj in (False, True):
            case(f'MatrixTriangularSolve_{dtname(sq)}_l{int(lower)}_a{int(adj)}', 'linalg', 'MatrixTriangularSolve', [sq, rhs], {'lower': lower, 'adjoint': adj})
    case(f'MatrixTriangularSolve_{dtname(sq)}_bcast', 'linalg', 'MatrixTriangularSolve', [sq[0], rhs], {'lower': True, 'adjoint': False})
    g = rng.uniform(-1, 1, (2, 4, 4)).astype(dt)
    for adj in (False, True):
        case(f'MatrixSolve_{dtname(g)}_a{int(adj)}', 'linalg', 'MatrixSolve', [g, rhs], {'adjoint': adj})
        case(f'MatrixInverse_{dtname(g)}_a{int(adj)}', 'linalg', 'MatrixInverse', [g], {'adjoint': adj})
    case(f'MatrixDeterminant_{dtname(g)}', 'linalg', 'MatrixDeterminant', [g], {})
    case(f'LogMatrixDeterminant_{dtname(g)}', 'linalg', 'LogMatrixDeterminant', [g], {})
    spd = (np.einsum('bij,bkj->bik', g, g) + np.eye(4)).astype(dt)
    case(f'Cholesky_{dtname(spd)}', 'linalg', 'Cholesky', [spd], {})
    case(f'Lu_{dtname(g)}', 'linalg', 'Lu', [g], {})

# ---- image colour ops, MaxPoolWithArgmax ----
for dt in (np.float32, np.float64):
    img = rng.uniform(0, 1, (2, 3, 4, 3)).astype(dt)
    img[0, 0, 0] = [0.5, 0.5, 0.5]  # grey: hue 0
    img[0, 0, 1] = [0, 0, 0]  # black: saturation 0
    case(f'RGBToHSV_{dtname(img)}', 'image', 'RGBToHSV', [img], {})
    case(f'HSVToRGB_{dtname(img)}', 'image', 'HSVToRGB', [img], {})
img = rng.uniform(0, 1, (2, 3, 4, 3)).astype(np.float32)
case('AdjustContrastv2_rank4', 'image', 'AdjustContrastv2', [img, np.float32(1.7)], {})
case('AdjustContrastv2_rank3', 'image', 'AdjustContrastv2', [img[0, :, :, :2], np.float32(0.4)], {})
case('AdjustSaturation', 'image', 'AdjustSaturation', [img, np.float32(1.8)], {})
case('AdjustSaturation_low', 'image', 'AdjustSaturation', [img[0], np.float32(0.3)], {})
case('AdjustHue', 'image', 'AdjustHue', [img, np.float32(0.3)], {})
case('AdjustHue_negative', 'image', 'AdjustHue', [img[1], np.float32(-0.45)], {})
for dt, ta in ((np.float32, tf.int64), (np.float64, tf.int32), (np.int32, tf.int64)):
    x = rng.permutation(2 * 5 * 6 * 3).reshape(2, 5, 6, 3).astype(dt)
    for pad, k, s, batch in (('SAME', 2, 2, False), ('VALID', 3, 1, True), ('SAME', 3, 2, True)):
        case(f'MaxPoolWithArgmax_{dtname(x)}_{pad}_k{k}_s{s}_b{int(batch)}', 'pool_argmax', 'MaxPoolWithArgmax', [x],
             {'ksize': [1, k, k, 1], 'strides': [1, s, s, 1], 'padding': pad, 'Targmax': ta, 'include_batch_in_index': batch})
x = rng.permutation(2 * 5 * 6 * 3).reshape(2, 5, 6, 3).astype(np.float32)
for batch in (False, True):
    y, am = tf.raw_ops.MaxPoolWithArgmax(input=x, ksize=[1, 3, 3, 1], strides=[1, 2, 2, 1], padding='SAME', Targmax=tf.int64, include_batch_in_index=batch)
    dy = f32(*y.shape)
    case(f'MaxPoolGradWithArgmax_b{int(batch)}', 'pool_argmax', 'MaxPoolGradWithArgmax', [x, dy, am.numpy()],
         {'ksize': [1, 3, 3, 1], 'strides': [1, 2, 2, 1], 'padding': 'SAME', 'include_batch_in_index': batch})

# ---- non-max suppression ----
ctr = rng.uniform(0, 1, (30, 2))
size = rng.uniform(0.05, 0.4, (30, 2))
boxes = np.concatenate([ctr - size / 2, ctr + size / 2], 1).astype(np.float32)
boxes[3] = boxes[3][[2, 3, 0, 1]]  # corners given in the other order
scores = rng.uniform(0, 1, 30).astype(np.float32)
scores[7] = scores[4]  # a tie: the lower index first
mo = np.int32(12)
case('NonMaxSuppression', 'nms', 'NonMaxSuppression', [boxes, scores, mo], {'iou_threshold': 0.3})
case('NonMaxSuppressionV2', 'nms', 'NonMaxSuppressionV2', [boxes, scores, mo, np.float32(0.2)], {})
case('NonMaxSuppressionV3', 'nms', 'NonMaxSuppressionV3', [boxes, scores, np.int32(30), np.float32(0.25), np.float32(0.3)], {})
for pad in (False, True):
    case(f'NonMaxSuppressionV4_pad{int(pad)}', 'nms', 'NonMaxSuppressionV4', [boxes, scores, np.int32(20), np.float32(0.25), np.float32(0.3)], {'pad_to_max_output_size': pad})
    case(f'NonMaxSuppressionV5_soft_pad{int(pad)}', 'nms', 'NonMaxSuppressionV5', [boxes, scores, np.int32(20), np.float32(0.6), np.float32(0.2), np.float32(0.5)], {'pad_to_max_output_size': pad})
case('NonMaxSuppressionV5_hard', 'nms', 'NonMaxSuppressionV5', [boxes, scores, mo, np.float32(0.3), np.float32(0.1), np.float32(0.0)], {'pad_to_max_output_size': False})

# ---- Bincount, ExtractImagePatches, ResizeBicubic / ResizeArea, LRN ----
arr = rng.integers(0, 9, (3, 7)).astype(np.int32)
case('Bincount_counts', 'image_more', 'Bincount', [arr, np.int32(7), np.zeros((0,), np.int32)], {})
case('Bincount_weights', 'image_more', 'Bincount', [arr, np.int32(12), f32(3, 7)], {})
case('Bincount_weights_f64', 'image_more', 'Bincount', [arr, np.int32(5), rng.uniform(-1, 1, (3, 7))], {})
img = f32(2, 7, 6, 3)
for k, s, r, pad in ((3, 1, 1, 'VALID'), (2, 2, 1, 'SAME'), (3, 2, 2, 'SAME')):
    case(f'ExtractImagePatches_k{k}_s{s}_r{r}_{pad}', 'image_more', 'ExtractImagePatches', [img], {'ksizes': [1, k, k, 1], 'strides': [1, s, s, 1], 'rates': [1, r, r, 1], 'padding': pad})
case('ExtractImagePatches_int32', 'image_more', 'ExtractImagePatches', [rng.integers(-50, 50, (1, 5, 5, 2)).astype(np.int32)], {'ksizes': [1, 2, 3, 1], 'strides': [1, 2, 1, 1], 'rates': [1, 1, 1, 1], 'padding': 'SAME'})
for name, size, align, half in (('up', [11, 9], False, False), ('down', [4, 3], False, False), ('align', [11, 9], True, False), ('half', [11, 4], False, True)):
    case(f'ResizeBicubic_{name}', 'image_more', 'ResizeBicubic', [img, np.array(size, np.int32)], {'align_corners': align, 'half_pixel_centers': half})
    dy = f32(2, size[0], size[1], 3)
    case(f'ResizeBicubicGrad_{name}', 'image_more', 'ResizeBicubicGrad', [dy, img], {'align_corners': align, 'half_pixel_centers': half})
for name, size, align in (('up', [11, 9], False), ('down', [4, 5], False), ('align', [3, 4], True)):
    case(f'ResizeArea_{name}', 'image_more', 'ResizeArea', [img, np.array(size, np.int32)], {'align_corners': align})
case('ResizeArea_int32', 'image_more', 'ResizeArea', [rng.integers(0, 255, (1, 5, 7, 1)).astype(np.int32), np.array([3, 4], np.int32)], {'align_corners': False})
x = f32(2, 3, 4, 9)
case('LRN_default', 'image_more', 'LRN', [x], {})
case('LRN_r2', 'image_more', 'LRN', [x], {'depth_radius': 2, 'bias': 2.0, 'alpha': 0.3, 'beta': 0.75})

# ---- CropAndResize and its gradients ----
img = f32(2, 6, 7, 3)
boxes = np.array([[0.1, 0.2, 0.8, 0.9], [0.5, 0.6, 0.2, 0.1], [-0.2, -0.1, 0.6, 1.3], [0.3, 0.3, 0.3, 0.3]], np.float32)
bind = np.array([0, 1, 1, 0], np.int32)
for method in ('bilinear', 'nearest'):
    for size in ([4, 5], [1, 3]):
        case(f'CropAndResize_{method}_{size[0]}x{size[1]}', 'crop', 'CropAndResize', [img, boxes, bind, np.array(size, np.int32)], {'method': method, 'extrapolation_value': -1.5})
    dy = f32(4, 4, 5, 3)
    case(f'CropAndResizeGradImage_{method}', 'crop', 'CropAndResizeGradImage', [dy, boxes, bind, np.array(img.shape, np.int32)], {'method': method, 'T': tf.float32})
case('CropAndResizeGradBoxes', 'crop', 'CropAndResizeGradBoxes', [f32(4, 4, 5, 3), img, boxes, bind], {'method': 'bilinear'})
case('CropAndResizeGradBoxes_1x1', 'crop', 'CropAndResizeGradBoxes', [f32(4, 1, 1, 3), img, boxes, bind], {'method': 'bilinear'})

# ---- second-order pooling gradient ops ----
x = f32(2, 4, 5, 6, 3)
x[0, 0, 0, :2] = x[0, 0, 0, 2]  # ties in a window
y = tf.raw_ops.MaxPool3D(input=x, ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding='SAME').numpy()
case('MaxPool3DGrad_ties', 'conv3d', 'MaxPool3DGrad', [x, y, f32(*y.shape)], {'ksize': [1, 2, 2, 2, 1], 'strides': [1, 2, 2, 2, 1], 'padding': 'SAME'})
case('MaxPool3DGradGrad_SAME_k2_s2', 'conv3d', 'MaxPool3DGradGrad', [x, y, f32(*x.shape)], {'ksize': [1, 2, 2, 2, 1], 'strides': [1, 2, 2, 2, 1], 'padding': 'SAME'})
# (MaxPoolGradGradWithArgmax has no CPU kernel in TensorFlow: tested through its adjoint, the gradient check.)

with open(os.path.join(HERE, 'cases.json'), 'w') as f:
    json.dump(cases, f, indent=1)
print(len(cases), 'cases')
