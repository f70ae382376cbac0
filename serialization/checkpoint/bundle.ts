// TensorFlow's tensor bundle (V2 checkpoint), tensorflow/core/util/tensor_bundle: `PREFIX.index` is a table whose key
// "" holds a BundleHeaderProto and whose other keys are tensor names with a BundleEntryProto each (dtype, shape,
// shard, offset, size, masked CRC32C of the bytes); `PREFIX.data-0000k-of-0000n` holds the tensors' raw
// little-endian bytes back to back (TF pads only when asked for an alignment, which tf.train.Saver never does).
//
// Every failure reading a bundle is a Kiln error naming the file: NotFoundError for a missing file,
// InvalidArgumentError for a malformed one (graph/errors.ts has no DataLossError), UnimplementedError for what TF
// can write but Kiln cannot hold (string or complex tensors, partitioned variables, big-endian bundles).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tensorBytes, tensorFromBytes } from '../../graph/dtype_bytes.js';
import { DType, DTYPE_BYTES, isDType } from '../../graph/dtypes.js';
import { InvalidArgumentError, NotFoundError, UnimplementedError } from '../../graph/errors.js';
import { NDArray } from '../../graph/ndarray.js';
import { tensorflow } from '../../proto/generated/tf.js';
import { dtypeFromEnum, dtypeToEnum } from '../tensor_proto.js';
import { crc32c, maskCrc } from './crc32c.js';
import { compareBytes, readTable, TableBuilder, TableFormatError } from './sstable.js';

/** TF's kTensorBundleVersion (the producer it writes) and the newest bundle version this reader accepts. */
const BUNDLE_VERSION = 1;

export function indexFile(prefix: string): string { return `${prefix}.index`; }
export function dataFile(prefix: string, shard = 0, numShards = 1): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

// Tensor bytes: graph/dtype_bytes.ts (TF's layout, shared with tensor_content and Bitcast).
export { tensorBytes };

// ---------------------------------------------------------------------------------------------------------------
// Writing

export interface EncodedBundle { index: Uint8Array; data: Uint8Array }

/**
 * A single-shard bundle of `tensors` (name -> value), byte for byte what TF's BundleWriter writes: data in key order,
 * back to back; the index a table of the header under "" then one entry per name in byte order.
 */
export function encodeBundle(tensors: ReadonlyMap<string, NDArray> | Record<string, NDArray>): EncodedBundle {
  const enc = new TextEncoder();
  const items = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))]
    .map(([name, a]) => ({ name, key: enc.encode(name), a }))
    .sort((x, y) => compareBytes(x.key, y.key));
  for (const it of items) {
    if (it.name === '') throw new InvalidArgumentError('Checkpoint: a tensor name must not be empty (the key "" holds the header)');
  }
  const table = new TableBuilder();
  table.add(new Uint8Array(0), tensorflow.BundleHeaderProto.encode({ num_shards: 1, version: { producer: BUNDLE_VERSION } }).finish());
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const { name, key, a } of items) {
    if (a.dtype === 'string') throw new UnimplementedError(`Checkpoint: tensor '${name}' is a string tensor, which Kiln does not write to checkpoints`);
    const bytes = tensorBytes(a);
    const entry: tensorflow.BundleEntryProto.$Properties = {
      dtype: dtypeToEnum(a.dtype), shape: { dim: a.shape.map((size: number) => ({ size })) }, size: bytes.length, crc32c: maskCrc(crc32c(bytes)),
    };
    if (offset !== 0) entry.offset = offset;
    try {
      table.add(key, tensorflow.BundleEntryProto.encode(entry).finish());
    } catch (e) {
      if (e instanceof TableFormatError) throw new InvalidArgumentError(`Checkpoint: tensor name '${name}' appears twice`);
      throw e;
    }
    chunks.push(bytes);
    offset += bytes.length;
  }
  const data = new Uint8Array(offset);
  let p = 0;
  for (const c of chunks) { data.set(c, p); p += c.length; }
  return { index: table.finish(), data };
}

/** A temp file name beside `file` (same folder, so the rename is atomic). */
export function tempName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tempstate-${process.pid}-${randomBytes(4).toString('hex')}`);
}

async function writeDurable(file: string, bytes: Uint8Array | string): Promise<void> {
  const h = await fs.promises.open(file, 'w');
  try {
    await h.writeFile(bytes);
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Writes `tensors` as the bundle `prefix`: both files go to temp names first, then the data file is renamed into
 * place and the index last, so `prefix.index` exists only once its data does (a crash leaves no half checkpoint).
 */
export async function writeBundle(prefix: string, tensors: ReadonlyMap<string, NDArray> | Record<string, NDArray>): Promise<void> {
  const { index, data } = encodeBundle(tensors);
  const dir = path.dirname(prefix);
  if (!fs.existsSync(dir)) throw new NotFoundError(`Parent directory of ${prefix} doesn't exist, can't save.`);
  const files = [[dataFile(prefix), data], [indexFile(prefix), index]] as const;
  const temps = files.map(([f]) => tempName(f));
  try {
    await Promise.all(files.map(([, bytes], i) => writeDurable(temps[i], bytes)));
    for (let i = 0; i < files.length; i++) await fs.promises.rename(temps[i], files[i][0]);
  } finally {
    await Promise.all(temps.map((t) => fs.promises.rm(t, { force: true })));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface BundleEntry {
  /** A Kiln dtype, or TF's name of a type Kiln cannot hold ('complex64', 'resource', ...). */
  dtype: DType | string;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  /** The masked CRC32C TF stored. */
  crc32c: number;
  /** True for a partitioned variable (its value lives in slices under other keys). */
  sliced: boolean;
}

function readFileOrThrow(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new NotFoundError(`Checkpoint file not found: ${file}`);
    throw new InvalidArgumentError(`Cannot read checkpoint file ${file}: ${err.message}`);
  }
}

/** Decodes a protobuf message, turning whatever protobufjs throws on garbage into a message. */
function decodeProto<T>(decode: (b: Uint8Array) => T, bytes: Uint8Array, bad: (m: string) => never): T {
  try {
    return decode(bytes);
  } catch (e) {
    return bad((e as Error).message);
  }
}

const MAX_DIMS = 254; // TensorShape::MaxDimensions()

/** Reads and checks a bundle's index; tensors' bytes are read (and checksummed) only when asked for. */
export class BundleReader {
  readonly prefix: string;
  readonly numShards: number;
  readonly entries: ReadonlyMap<string, BundleEntry>;

  private constructor(prefix: string, numShards: number, entries: Map<string, BundleEntry>) {
    this.prefix = prefix;
    this.numShards = numShards;
    this.entries = entries;
  }

  static open(prefix: string): BundleReader {
    const file = indexFile(prefix);
    return BundleReader.fromIndexBytes(prefix, readFileOrThrow(file));
  }

  /** Parses index bytes as if read from `prefix.index` (errors name that file). */
  static fromIndexBytes(prefix: string, bytes: Uint8Array): BundleReader {
    const file = indexFile(prefix);
    const bad = (m: string): never => { throw new InvalidArgumentError(`Corrupt checkpoint index ${file}: ${m}`); };
    let table;
    try {
      table = readTable(bytes);
    } catch (e) {
      if (e instanceof TableFormatError) bad(e.message);
      throw e;
    }
    if (table.length === 0 || table[0][0].length !== 0) bad('no bundle header (key "")');
    const header = decodeProto((b) => tensorflow.BundleHeaderProto.decode(b), table[0][1], (m) => bad(`bad BundleHeaderProto: ${m}`));
    const numShards = header.num_shards ?? 0;
    if (!Number.isInteger(numShards) || numShards < 1) bad(`header has num_shards ${numShards}`);
    if (header.endianness === tensorflow.BundleHeaderProto.Endianness.BIG) {
      throw new UnimplementedError(`Checkpoint ${file} was written big-endian; Kiln reads little-endian bundles`);
    }
    const v = header.version;
    if (v != null && ((v.min_consumer ?? 0) > BUNDLE_VERSION || (v.bad_consumers ?? []).includes(BUNDLE_VERSION))) {
      throw new UnimplementedError(`Checkpoint ${file} needs bundle reader version ${v.min_consumer ?? 0} (Kiln reads version ${BUNDLE_VERSION})`);
    }
    const dec = new TextDecoder();
    const entries = new Map<string, BundleEntry>();
    for (let i = 1; i < table.length; i++) {
      const name = dec.decode(table[i][0]);
      const badEntry = (m: string): never => bad(`tensor '${name}': ${m}`);
      const e = decodeProto((b) => tensorflow.BundleEntryProto.decode(b), table[i][1], (m) => badEntry(`bad BundleEntryProto: ${m}`));
      const dims = e.shape?.dim ?? [];
      if (e.shape?.unknown_rank || dims.length > MAX_DIMS) badEntry('shape is not fully defined');
      const shape = dims.map((d) => d.size ?? 0);
      if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) badEntry(`bad shape [${shape.join(',')}]`);
      const dtype = dtypeFromEnum(e.dtype ?? 0);
      const shardId = e.shard_id ?? 0, offset = e.offset ?? 0, size = e.size ?? 0;
      if (!Number.isSafeInteger(shardId) || shardId < 0 || shardId >= numShards) badEntry(`shard_id ${shardId} not in [0, ${numShards})`);
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(size) || size < 0) badEntry(`bad offset ${offset} / size ${size}`);
      const sliced = (e.slices ?? []).length > 0;
      if (isDType(dtype) && dtype !== 'string' && !sliced) {
        const elements = shape.reduce((a, b) => a * b, 1);
        if (elements * DTYPE_BYTES[dtype] !== size) badEntry(`${size} bytes do not hold shape [${shape.join(',')}] of ${dtype}`);
      }
      if (entries.has(name)) badEntry('appears twice');
      entries.set(name, { dtype, shape, shardId, offset, size, crc32c: e.crc32c ?? 0, sliced });
    }
    return new BundleReader(prefix, numShards, entries);
  }

  has(name: string): boolean { return this.entries.has(name); }

  entry(name: string): BundleEntry {
    const e = this.entries.get(name);
    if (e === undefined) throw new NotFoundError(`Key ${name} not found in checkpoint ${this.prefix}`);
    return e;
  }

  /** The tensor's value, read from its data file and checked against its CRC32C. */
  read(name: string): NDArray {
    const e = this.entry(name);
    if (e.sliced) throw new UnimplementedError(`Tensor '${name}' in checkpoint ${this.prefix} is a partitioned variable (saved in slices); Kiln cannot read it`);
    // A string tensor's bundle bytes are varint lengths, a checksum and the bytes (not read here).
    if (!isDType(e.dtype) || e.dtype === 'string') throw new UnimplementedError(`Tensor '${name}' in checkpoint ${this.prefix} has dtype ${e.dtype}, which Kiln does not read from checkpoints`);
    const file = dataFile(this.prefix, e.shardId, this.numShards);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      const x = err as NodeJS.ErrnoException;
      if (x.code === 'ENOENT') throw new NotFoundError(`Checkpoint data file not found: ${file}`);
      throw new InvalidArgumentError(`Cannot read checkpoint data file ${file}: ${x.message}`);
    }
    let bytes: Uint8Array;
    try {
      const fileSize = fs.fstatSync(fd).size;
      if (e.offset > fileSize || e.size > fileSize - e.offset) {
        throw new InvalidArgumentError(`Corrupt checkpoint: tensor '${name}' (offset ${e.offset}, ${e.size} bytes) lies outside ${file} (${fileSize} bytes)`);
      }
      bytes = new Uint8Array(e.size);
      let done = 0;
      while (done < e.size) {
        const n = fs.readSync(fd, bytes, done, e.size - done, e.offset + done);
        if (n === 0) throw new InvalidArgumentError(`Corrupt checkpoint: ${file} ended while reading tensor '${name}'`);
        done += n;
      }
    } finally {
      fs.closeSync(fd);
    }
    const actual = maskCrc(crc32c(bytes));
    if (actual !== e.crc32c) {
      throw new InvalidArgumentError(`Corrupt checkpoint: checksum mismatch for tensor '${name}' in ${file} (stored 0x${e.crc32c.toString(16)}, computed 0x${actual.toString(16)})`);
    }
    return tensorFromBytes(e.dtype, e.shape, bytes, `tensor '${name}' in ${file}`);
  }
}
