// NumPy's .npy format (v1.0/2.0/3.0 headers), read and written for the dtypes numpy shares with Kiln (little-endian
// float16/32/64, int8-64, uint8-64, bool). C order only.
import { tensorBytes, tensorFromBytes } from '../graph/dtype_bytes.js';
import { DType, DTYPE_BYTES } from '../graph/dtypes.js';
import { InvalidArgumentError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { sizeOf } from '../graph/shape.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy's descr of each dtype (bfloat16 has none; the quantized types are their integers, strings are not written). */
const DESCR_OF: Partial<Record<DType, string>> = {
  float16: '<f2', float32: '<f4', float64: '<f8', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8', uint8: '|u1',
  uint16: '<u2', uint32: '<u4', uint64: '<u8', bool: '|b1', qint8: '|i1', quint8: '|u1', qint32: '<i4',
};
const DESCR: Record<string, DType> = Object.fromEntries(
  (['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool'] as DType[])
    .map((d) => [DESCR_OF[d]!, d]),
);
// numpy writes 1-byte types with either prefix.
for (const k of ['i1', 'u1', 'b1']) DESCR[`<${k}`] = DESCR[`|${k}`];

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
  const dtype = DESCR[descr] ?? fail(`unsupported dtype '${descr}' (supported: ${Object.keys(DESCR).join(', ')})`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const n = sizeOf(shape);
  const off = start + headerLen;
  const need = n * DTYPE_BYTES[dtype];
  if (bytes.length < off + need) fail(`truncated data: ${bytes.length - off} bytes for ${n} values of ${descr}`);
  return tensorFromBytes(dtype, shape, bytes.subarray(off, off + need), source);
}

/** A v1.0 .npy file (v2.0 when the header needs more than 65535 bytes, which only huge ranks do). */
export function writeNpy(a: NDArray): Uint8Array {
  const descr = DESCR_OF[a.dtype];
  // bfloat16 would need ml_dtypes' '<V2' void type, which numpy cannot compute with; say so rather than guess.
  if (descr === undefined) throw new InvalidArgumentError(`.npy: a ${a.dtype} array has no numpy dtype; cast it first (bfloat16 to float32)`);
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const v2 = header.length + 11 > 65535;
  const pre = v2 ? 12 : 10;
  const total = Math.ceil((pre + header.length + 1) / 64) * 64;
  header = header.padEnd(total - pre - 1, ' ') + '\n';
  const data = tensorBytes(a);
  const out = new Uint8Array(total + data.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  if (v2) view.setUint32(8, header.length, true); else view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(data, total);
  return out;
}
