// NumPy's .npy format (v1.0/2.0/3.0 headers), read and written for the dtypes Kiln has: '<f4', '<f8', '<i4', '<i8',
// '|b1', and '|u1' read as int32 (Kiln has no uint8). C order only.
import { DType } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { sizeOf } from '../graph/shape.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: DType; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 }, '<f8': { dtype: 'float64', bytes: 8 }, '<i4': { dtype: 'int32', bytes: 4 },
  '<i8': { dtype: 'int64', bytes: 8 }, '|b1': { dtype: 'bool', bytes: 1 }, '|u1': { dtype: 'int32', bytes: 1 },
};
const DESCR_OF: Record<DType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8', bool: '|b1' };

export function readNpy(bytes: Uint8Array, source = 'npy'): NDArray {
  const fail = (m: string): never => { throw new InvalidArgumentError(`${source}: ${m}`); };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number, start: number;
  if (major === 1) { headerLen = view.getUint16(8, true); start = 10; }
  else if (major === 2 || major === 3) { headerLen = view.getUint32(8, true); start = 12; }
  else return fail(`unsupported .npy version ${major}.${bytes[7]}`);
  if (start + headerLen > bytes.length) fail('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) return fail(`malformed header ${JSON.stringify(header)}`);
  if (fortran === 'True') fail('fortran_order arrays are not supported');
  const kind = DESCR[descr] ?? fail(`unsupported dtype '${descr}' (supported: ${Object.keys(DESCR).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const n = sizeOf(shape);
  const off = start + headerLen;
  if (bytes.length < off + n * kind.bytes) fail(`truncated data: ${bytes.length - off} bytes for ${n} values of ${descr}`);
  const out = new NDArray(kind.dtype, shape, kind.dtype === 'float32' ? new Float32Array(n) : kind.dtype === 'int32' ? new Int32Array(n)
    : kind.dtype === 'bool' ? new Uint8Array(n) : new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const p = off + i * kind.bytes;
    switch (descr) {
      case '<f4': out.data[i] = view.getFloat32(p, true); break;
      case '<f8': out.data[i] = view.getFloat64(p, true); break;
      case '<i4': out.data[i] = view.getInt32(p, true); break;
      case '<i8': out.data[i] = Number(view.getBigInt64(p, true)); break;
      case '|b1': out.data[i] = bytes[p] !== 0 ? 1 : 0; break;
      case '|u1': out.data[i] = bytes[p]; break;
    }
  }
  return out;
}

/** A v1.0 .npy file (v2.0 when the header needs more than 65535 bytes, which only huge ranks do). */
export function writeNpy(a: NDArray): Uint8Array {
  const descr = DESCR_OF[a.dtype];
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const v2 = header.length + 11 > 65535;
  const pre = v2 ? 12 : 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const bytesPer = { float32: 4, float64: 8, int32: 4, int64: 8, bool: 1 }[a.dtype];
  const out = new Uint8Array(total + a.size * bytesPer);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  if (v2) view.setUint32(8, header.length, true); else view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  for (let i = 0; i < a.size; i++) {
    const p = total + i * bytesPer;
    const v = a.data[i];
    switch (a.dtype) {
      case 'float32': view.setFloat32(p, v, true); break;
      case 'float64': view.setFloat64(p, v, true); break;
      case 'int32': view.setInt32(p, v, true); break;
      case 'int64': view.setBigInt64(p, BigInt(Number.isFinite(v) ? Math.trunc(v) : 0), true); break;
      case 'bool': out[p] = v !== 0 ? 1 : 0; break;
    }
  }
  return out;
}
