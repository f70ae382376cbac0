// LevelDB's table format (SSTable), as TensorFlow's tsl/lib/io/table reads and writes it: the container of a V2
// checkpoint's `.index` file. Layout: data blocks, a metaindex block, an index block (last key of each data block, or
// a short separator after it -> BlockHandle), then a 48-byte footer. Each block: prefix-compressed entries, a uint32
// restart array and its count, then a 5-byte trailer (compression type, masked CRC32C of block + type byte).
//
// The reader is written for hostile input: every varint, length and offset is checked against the bytes that are
// there before anything is sliced or allocated, data blocks must follow one another (so a forged index cannot make
// it read the same block a million times), and keys must be strictly increasing. Any failure is a TableFormatError
// (a plain message); callers turn it into a Kiln error naming the file.
import { crc32c, crc32cExtend, maskCrc } from './crc32c.js';
import { snappyUncompress } from './snappy.js';

export const TABLE_MAGIC = [0x57, 0xfb, 0x80, 0x8b, 0x24, 0x75, 0x47, 0xdb]; // 0xdb4775248b80fb57, little-endian
export const FOOTER_SIZE = 48;
const BLOCK_TRAILER_SIZE = 5;
const NO_COMPRESSION = 0;
const SNAPPY_COMPRESSION = 1;

export class TableFormatError extends Error {}

function fail(msg: string): never { throw new TableFormatError(msg); }

export interface BlockHandle { offset: number; size: number }

// ---------------------------------------------------------------------------------------------------------------
// Varints

/** Reads a varint of at most `maxBytes` bytes at `pos` within `limit`; values above 2^53 are refused. */
function readVarint(b: Uint8Array, pos: number, limit: number, maxBytes: number, what: string): [number, number] {
  let v = 0;
  for (let i = 0; i < maxBytes; i++) {
    if (pos + i >= limit) fail(`truncated varint (${what})`);
    const c = b[pos + i];
    v += (c & 0x7f) * 2 ** (7 * i);
    if (c < 0x80) {
      if (v > Number.MAX_SAFE_INTEGER) fail(`varint too large (${what})`);
      return [v, pos + i + 1];
    }
  }
  return fail(`varint longer than ${maxBytes} bytes (${what})`);
}

function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function u32(b: Uint8Array, p: number): number { return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24; }
function pushU32(out: number[], v: number): void { out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff); }

function decodeHandle(b: Uint8Array, pos: number, limit: number, what: string): [BlockHandle, number] {
  const [offset, p1] = readVarint(b, pos, limit, 10, `${what} offset`);
  const [size, p2] = readVarint(b, p1, limit, 10, `${what} size`);
  return [{ offset, size }, p2];
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Reader

export type TableEntry = [key: Uint8Array, value: Uint8Array];

/** The contents of the block at `h` (trailer checked, decompressed). `limit`: where the blocks' region ends. */
function readBlock(file: Uint8Array, h: BlockHandle, limit: number, what: string): Uint8Array {
  if (h.offset > limit || h.size > limit - h.offset || BLOCK_TRAILER_SIZE > limit - h.offset - h.size) {
    fail(`${what} (offset ${h.offset}, size ${h.size}) lies outside the ${limit} bytes before the footer`);
  }
  const raw = file.subarray(h.offset, h.offset + h.size);
  const type = file[h.offset + h.size];
  const stored = u32(file, h.offset + h.size + 1);
  const actual = maskCrc(crc32cExtend(crc32c(raw), new Uint8Array([type])));
  if (stored !== actual) fail(`${what} at offset ${h.offset}: checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)})`);
  if (type === NO_COMPRESSION) return raw;
  if (type === SNAPPY_COMPRESSION) {
    // Snappy expands at most ~21x (a 3-byte copy yields 64 bytes); anything claiming more is forged.
    const out = snappyUncompress(raw, raw.length * 24 + 64);
    if (typeof out === 'string') fail(`${what} at offset ${h.offset}: bad snappy data: ${out}`);
    return out;
  }
  return fail(`${what} at offset ${h.offset}: unknown compression type ${type}`);
}

/**
 * Caps the bytes of full keys a reader materializes: prefix compression lets a forged block of n tiny entries each
 * extend the previous key by a byte, n^2/2 bytes in all. Real indexes stay far below (tensor names are short).
 */
class KeyBudget {
  constructor(private left: number) {}
  take(n: number): void {
    this.left -= n;
    if (this.left < 0) fail('keys expand to far more bytes than the file holds (forged prefix compression?)');
  }
}

/** The entries of one block, in order, with full keys. */
function parseBlock(block: Uint8Array, what: string, budget: KeyBudget): TableEntry[] {
  if (block.length < 4) fail(`${what}: ${block.length} bytes, too short for a block`);
  const numRestarts = u32(block, block.length - 4);
  if (numRestarts > (block.length - 4) / 4) fail(`${what}: restart count ${numRestarts} does not fit in ${block.length} bytes`);
  const limit = block.length - 4 * (numRestarts + 1);
  const entries: TableEntry[] = [];
  let key = new Uint8Array(0);
  let p = 0;
  while (p < limit) {
    let shared, nonShared, valueLen;
    [shared, p] = readVarint(block, p, limit, 5, 'entry shared length');
    [nonShared, p] = readVarint(block, p, limit, 5, 'entry key length');
    [valueLen, p] = readVarint(block, p, limit, 5, 'entry value length');
    if (shared > key.length) fail(`${what}: entry shares ${shared} bytes with a previous key of ${key.length}`);
    if (nonShared > limit - p || valueLen > limit - p - nonShared) fail(`${what}: entry at ${p} runs past the end of the block`);
    budget.take(shared + nonShared);
    const next = new Uint8Array(shared + nonShared);
    next.set(key.subarray(0, shared));
    next.set(block.subarray(p, p + nonShared), shared);
    p += nonShared;
    key = next;
    entries.push([key, block.subarray(p, p + valueLen)]);
    p += valueLen;
  }
  return entries;
}

/** Every entry of the table in `file`, in key order. Throws TableFormatError on anything malformed. */
export function readTable(file: Uint8Array): TableEntry[] {
  if (file.length < FOOTER_SIZE) fail(`${file.length} bytes, too short for a table (the footer alone is ${FOOTER_SIZE})`);
  const footer = file.length - FOOTER_SIZE;
  for (let i = 0; i < 8; i++) {
    if (file[footer + 40 + i] !== TABLE_MAGIC[i]) fail('bad magic number: not a TensorFlow/LevelDB table');
  }
  const [, p] = decodeHandle(file, footer, footer + 40, 'metaindex handle');
  const [indexHandle] = decodeHandle(file, p, footer + 40, 'index handle');
  const budget = new KeyBudget(16 * file.length + (1 << 20));
  const index = parseBlock(readBlock(file, indexHandle, footer, 'index block'), 'index block', budget);
  const out: TableEntry[] = [];
  let blockEnd = 0;
  for (const [, handleBytes] of index) {
    const [h, end] = decodeHandle(handleBytes, 0, handleBytes.length, 'data block handle');
    if (end !== handleBytes.length) fail('index entry value has trailing bytes after the block handle');
    if (h.offset < blockEnd) fail(`data block at offset ${h.offset} overlaps the previous one (ends at ${blockEnd})`);
    blockEnd = h.offset + h.size + BLOCK_TRAILER_SIZE;
    for (const e of parseBlock(readBlock(file, h, footer, 'data block'), `data block at offset ${h.offset}`, budget)) {
      if (out.length > 0 && compareBytes(out[out.length - 1][0], e[0]) >= 0) fail('keys are not in strictly increasing order');
      out.push(e);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Writer

export interface TableOptions {
  /** Target uncompressed size of a data block (TF: 4096). */
  blockSize?: number;
  /** Entries between restart points in data blocks (TF: 16; index blocks use 1, as LevelDB and TF do). */
  restartInterval?: number;
}

class BlockBuilder {
  private buf: number[] = [];
  private restarts = [0];
  private counter = 0;
  private lastKey: Uint8Array = new Uint8Array(0);
  constructor(private readonly restartInterval: number) {}

  get empty(): boolean { return this.buf.length === 0; }
  sizeEstimate(): number { return this.buf.length + this.restarts.length * 4 + 4; }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.counter < this.restartInterval) {
      const n = Math.min(this.lastKey.length, key.length);
      while (shared < n && this.lastKey[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.buf.length);
      this.counter = 0;
    }
    pushVarint(this.buf, shared);
    pushVarint(this.buf, key.length - shared);
    pushVarint(this.buf, value.length);
    for (let i = shared; i < key.length; i++) this.buf.push(key[i]);
    for (let i = 0; i < value.length; i++) this.buf.push(value[i]);
    this.lastKey = key;
    this.counter++;
  }

  finish(): Uint8Array {
    for (const r of this.restarts) pushU32(this.buf, r);
    pushU32(this.buf, this.restarts.length);
    return Uint8Array.from(this.buf);
  }
}

/** LevelDB's BytewiseComparator::FindShortestSeparator: a short key k with start <= k < limit. */
export function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i >= n) return start; // one is a prefix of the other
  if (start[i] < 0xff && start[i] + 1 < limit[i]) {
    const out = start.slice(0, i + 1);
    out[i]++;
    return out;
  }
  return start;
}

/** LevelDB's BytewiseComparator::FindShortSuccessor: a short key >= `key`. */
export function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i]++;
      return out;
    }
  }
  return key;
}

/**
 * Builds a table byte for byte as TF's TableBuilder does without compression: entries must be added in strictly
 * increasing key order; a data block is cut once its estimated size reaches `blockSize`; index keys are LevelDB's
 * shortest separators (and the short successor of the last key).
 */
export class TableBuilder {
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private readonly blockSize: number;
  private readonly restartInterval: number;
  private data: BlockBuilder;
  private readonly index = new BlockBuilder(1);
  private lastKey: Uint8Array | null = null;
  private pending: BlockHandle | null = null;

  constructor(opts: TableOptions = {}) {
    this.blockSize = opts.blockSize ?? 4096;
    this.restartInterval = opts.restartInterval ?? 16;
    this.data = new BlockBuilder(this.restartInterval);
  }

  add(key: Uint8Array, value: Uint8Array): void {
    if (this.lastKey !== null && compareBytes(this.lastKey, key) >= 0) {
      throw new TableFormatError('TableBuilder: keys must be added in strictly increasing order');
    }
    if (this.pending !== null) {
      this.index.add(shortestSeparator(this.lastKey!, key), encodeHandle(this.pending));
      this.pending = null;
    }
    this.lastKey = key;
    this.data.add(key, value);
    if (this.data.sizeEstimate() >= this.blockSize) this.flush();
  }

  private flush(): void {
    if (this.data.empty) return;
    this.pending = this.writeBlock(this.data.finish());
    this.data = new BlockBuilder(this.restartInterval);
  }

  private writeBlock(contents: Uint8Array): BlockHandle {
    const handle = { offset: this.offset, size: contents.length };
    const trailer = new Uint8Array(BLOCK_TRAILER_SIZE);
    trailer[0] = NO_COMPRESSION;
    const crc = maskCrc(crc32cExtend(crc32c(contents), trailer.subarray(0, 1)));
    new DataView(trailer.buffer).setUint32(1, crc, true);
    this.chunks.push(contents, trailer);
    this.offset += contents.length + BLOCK_TRAILER_SIZE;
    return handle;
  }

  /** The whole table file. */
  finish(): Uint8Array {
    this.flush();
    const metaindex = this.writeBlock(new BlockBuilder(this.restartInterval).finish());
    if (this.pending !== null) {
      this.index.add(shortSuccessor(this.lastKey!), encodeHandle(this.pending));
      this.pending = null;
    }
    const indexHandle = this.writeBlock(this.index.finish());
    const footer = new Uint8Array(FOOTER_SIZE);
    footer.set([...encodeHandle(metaindex), ...encodeHandle(indexHandle)]);
    footer.set(TABLE_MAGIC, 40);
    this.chunks.push(footer);
    const out = new Uint8Array(this.offset + FOOTER_SIZE);
    let p = 0;
    for (const c of this.chunks) { out.set(c, p); p += c.length; }
    return out;
  }
}

function encodeHandle(h: BlockHandle): Uint8Array {
  const out: number[] = [];
  pushVarint(out, h.offset);
  pushVarint(out, h.size);
  return Uint8Array.from(out);
}
