// NumPy's .npz (np.savez / np.savez_compressed): a zip archive of .npy files, one per array, named `<key>.npy`. The
// zip is read from its central directory (the local headers numpy writes carry zip64 placeholders for the sizes);
// entries are stored (method 0) or deflated (method 8, inflated with node:zlib), and each is checked against its
// CRC-32. The .npy inside is read by serialization/npy.ts.
import { crc32, inflateRawSync } from 'node:zlib';
import { InvalidArgumentError, UnimplementedError } from '../graph/errors.js';
import { NDArray } from '../graph/ndarray.js';
import { readNpy } from '../serialization/npy.js';
import { readBytes } from './idx.js';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Parses .npz bytes into `{key: array}` (keys without `.npy`, as numpy's NpzFile gives them). */
export function parseNpz(bytes: Uint8Array, source: string): Record<string, NDArray> {
  const fail = (m: string): never => { throw new InvalidArgumentError(`${source}: ${m}`); };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (p: number): number => view.getUint16(p, true);
  const u32 = (p: number): number => view.getUint32(p, true);
  // The end-of-central-directory record: 22 bytes plus a comment of up to 65535, at the very end.
  let eocd = -1;
  for (let p = bytes.length - 22; p >= Math.max(0, bytes.length - 22 - 65535); p--) {
    if (u32(p) === EOCD) { eocd = p; break; }
  }
  if (eocd < 0) fail('not an .npz file: no zip end-of-central-directory record (expected a zip archive of .npy files)');
  const count = u16(eocd + 10);
  let p = u32(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw new UnimplementedError(`${source}: zip64 archives with more than 65535 entries or a central directory past 4 GiB are not supported`);
  const out: Record<string, NDArray> = {};
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || u32(p) !== CENTRAL) fail(`corrupt zip: central directory entry ${k} is not where the directory says`);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressed = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
    let local = u32(p + 42);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // zip64: fields saturated at 0xffffffff are in the extra field 0x0001, in this order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      const id = u16(e), len = u16(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const big = (): number => { const v = Number(view.getBigUint64(q, true)); q += 8; return v; };
        if (size === 0xffffffff) size = big();
        if (compressed === 0xffffffff) compressed = big();
        if (local === 0xffffffff) local = big();
      }
      e += 4 + len;
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (local + 30 > bytes.length || u32(local) !== LOCAL) fail(`corrupt zip: the local header of '${name}' is missing`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + compressed > bytes.length) fail(`truncated: '${name}' needs ${compressed} bytes at offset ${start}, the file has ${bytes.length}`);
    const raw = bytes.subarray(start, start + compressed);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try { data = inflateRawSync(raw); } catch (e) { return fail(`'${name}' does not inflate (${(e as Error).message})`); }
    } else {
      throw new UnimplementedError(`${source}: '${name}' uses zip compression method ${method}; only stored (0) and deflate (8) entries are supported`);
    }
    if (data.length !== size) fail(`'${name}' is ${data.length} bytes, the directory says ${size}`);
    if (crc32(data) >>> 0 !== crc) fail(`'${name}' fails its CRC-32 check (the file is corrupt)`);
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    out[key] = readNpy(data, `${source}: '${name}'`);
  }
  return out;
}

/** `tf.data.readNpz('arrays.npz')`: every array of the archive by its key. */
export async function readNpz(file: string): Promise<Record<string, NDArray>> {
  return parseNpz(await readBytes(file), file);
}

/** `tf.data.readNpyFile('x.npy')`: one .npy file. */
export async function readNpyFile(file: string): Promise<NDArray> {
  return readNpy(await readBytes(file), file);
}
