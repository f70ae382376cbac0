// The IDX format of the MNIST files (yann.lecun.com/exdb/mnist): two zero bytes, a type code, the rank, then one
// big-endian uint32 per dim and the values, big-endian, row-major. `train-images-idx3-ubyte` is uint8 [60000, 28, 28],
// `train-labels-idx1-ubyte` uint8 [60000]. Files are often kept gzipped; the gzip magic, not the name, decides.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { allocArray, DType } from '../graph/dtypes.js';
import { InvalidArgumentError, NotFoundError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { sizeOf } from '../graph/shape.js';

/** Type code -> name, bytes per value, and the Kiln dtype that holds it exactly (Kiln has no uint8/int16). */
const TYPES: Record<number, { name: string; bytes: number; dtype: DType }> = {
  0x08: { name: 'ubyte', bytes: 1, dtype: 'int32' },
  0x09: { name: 'byte', bytes: 1, dtype: 'int32' },
  0x0b: { name: 'short', bytes: 2, dtype: 'int32' },
  0x0c: { name: 'int', bytes: 4, dtype: 'int32' },
  0x0d: { name: 'float', bytes: 4, dtype: 'float32' },
  0x0e: { name: 'double', bytes: 8, dtype: 'float64' },
};

/** A whole file; a missing one is a NotFoundError naming it. */
export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFoundError(`${file}: no such file`);
    throw new InvalidArgumentError(`${file}: cannot be read (${err.message})`);
  }
}

/** A whole file, gunzipped when it starts with gzip's magic. */
export async function readMaybeGzipped(file: string): Promise<Uint8Array> {
  const bytes = await readBytes(file);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new InvalidArgumentError(`${file}: starts like a gzip file but does not decompress (${(e as Error).message})`);
    }
  }
  return bytes;
}

export interface IdxOptions {
  /** The dtype of the result (values converted); by default the one that holds the file's type exactly. */
  dtype?: DType;
}

/** Parses IDX bytes; `source` names the file in errors. */
export function parseIdx(bytes: Uint8Array, source: string, opts: IdxOptions = {}): NDArray {
  const fail = (m: string): never => { throw new InvalidArgumentError(`${source}: ${m}`); };
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
  if (bytes.length < 4) fail(`not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic`);
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || type === undefined) {
    fail(`not an IDX file: expected the magic 00 00 <type 08|09|0b|0c|0d|0e> <rank>, got ${hex(bytes.subarray(0, 4))}`);
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) fail(`truncated header: rank ${rank} needs ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = sizeOf(shape);
  const dataBytes = n * type.bytes;
  if (bytes.length < headerBytes + dataBytes) {
    fail(`truncated data: the header says [${shape.join(', ')}] of ${type.name} (${dataBytes} bytes after the header), the file has ${bytes.length - headerBytes}`);
  }
  const dtype = opts.dtype ?? type.dtype;
  const out = allocArray(dtype, n);
  const p = headerBytes;
  switch (bytes[2]) {
    case 0x08: for (let i = 0; i < n; i++) out[i] = bytes[p + i]; break;
    case 0x09: for (let i = 0; i < n; i++) out[i] = view.getInt8(p + i); break;
    case 0x0b: for (let i = 0; i < n; i++) out[i] = view.getInt16(p + 2 * i, false); break;
    case 0x0c: for (let i = 0; i < n; i++) out[i] = view.getInt32(p + 4 * i, false); break;
    case 0x0d: for (let i = 0; i < n; i++) out[i] = view.getFloat32(p + 4 * i, false); break;
    case 0x0e: for (let i = 0; i < n; i++) out[i] = view.getFloat64(p + 8 * i, false); break;
  }
  if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = out[i] !== 0 ? 1 : 0;
  return new NDArray(dtype, shape, out);
}

/** `tf.data.readIdx('train-images-idx3-ubyte.gz')`: the file's array (uint8 values as int32 unless `dtype` says). */
export async function readIdx(file: string, opts: IdxOptions = {}): Promise<NDArray> {
  return parseIdx(await readMaybeGzipped(file), file, opts);
}
