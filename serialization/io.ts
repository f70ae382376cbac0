// `tf.io`: GraphDef files. writeGraph writes atomically (a temp file in the same folder, then rename); readGraph tells
// binary from text by content (text format is printable text; a binary GraphDef always holds control bytes).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, KilnError, NotFoundError, UnimplementedError } from '../graph/errors.js';
import { Graph } from '../graph/graph.js';
import { tensorflow } from '../proto/generated/tf.js';
import { importGraphDef, ToGraphDefOptions } from './graphdef.js';

export interface WriteGraphOptions extends ToGraphDefOptions {
  /** Text format (.pbtxt). Default: true when the path ends in `.pbtxt`, else binary. */
  asText?: boolean;
}

interface TextFormatModule {
  parseTextFormat(type: unknown, text: string, source?: string): unknown;
  toTextFormat(type: unknown, message: unknown): string;
}

/** serialization/text_format.ts, loaded when first needed (it is written separately; binary files never need it). */
async function textFormat(file: string): Promise<TextFormatModule> {
  const spec = './text_format.js';
  try {
    return (await import(spec)) as TextFormatModule;
  } catch (e) {
    throw new UnimplementedError(`${file}: GraphDef text format needs serialization/text_format.ts, which could not be loaded: ${(e as Error).message}`);
  }
}

/** Writes `bytes` to `file` atomically: readers see the old file or the new one, never a partial one. */
export async function writeFileAtomic(file: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(bytes);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** TF1's `tf.io.write_graph`: the graph as a GraphDef file, binary or text. */
/** `tf.io.writeGraph(graphOrGraphDef, path, {asText?})`: as TF1's write_graph, a Graph or a GraphDef (a frozen one). */
export async function writeGraph(graph: Graph | tensorflow.IGraphDef, file: string, opts: WriteGraphOptions = {}): Promise<void> {
  const gd = graph instanceof Graph ? graph.toGraphDef(opts) : tensorflow.GraphDef.fromObject(graph);
  const asText = opts.asText ?? file.toLowerCase().endsWith('.pbtxt');
  if (asText) {
    const tf = await textFormat(file);
    await writeFileAtomic(file, tf.toTextFormat(tensorflow.GraphDef, gd));
  } else {
    await writeFileAtomic(file, tensorflow.GraphDef.encode(gd).finish());
  }
}

/** Whether the bytes look like protobuf text format: UTF-8 text without control characters. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  for (const b of bytes) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A generated protobufjs message class (tensorflow.GraphDef, tensorflow.MetaGraphDef, ...). */
export interface MessageClass<T> {
  decode(bytes: Uint8Array): T;
  encode(message: object): { finish(): Uint8Array };
}

/**
 * A message from a file's bytes: protobuf text format when the bytes are text (told apart by content, as TF's
 * readers do), else binary. Any failure is an InvalidArgumentError `<source>: not a <name> (...)`.
 */
export async function decodeMessageFile<T>(type: MessageClass<T>, name: string, bytes: Uint8Array, source: string): Promise<T> {
  const text = looksLikeText(bytes);
  const tf = text ? await textFormat(source) : null;
  try {
    if (tf === null) return type.decode(bytes);
    // Re-encoded so text and binary files give the same message class, defaults included.
    return type.decode(type.encode(tf.parseTextFormat(type, new TextDecoder().decode(bytes), source) as object).finish());
  } catch (e) {
    throw new InvalidArgumentError(`${source}: not a ${name} (${text ? 'text format' : 'binary protobuf'}: ${(e as Error).message})`);
  }
}

/** Reads a GraphDef file (binary or text, told apart by content) into a message. Errors name the file. */
export async function readGraphDef(file: string): Promise<tensorflow.GraphDef> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new NotFoundError(`${file}: cannot read GraphDef file (${(e as Error).message})`);
  }
  return decodeMessageFile(tensorflow.GraphDef, 'GraphDef', bytes, file);
}

/** TF's `tf.io.read_graph` equivalent: a new Graph whose nodes are exactly the file's (same names, no prefix). */
export async function readGraph(file: string): Promise<Graph> {
  const gd = await readGraphDef(file);
  const g = new Graph();
  try {
    importGraphDef(gd, { graph: g, name: '' });
  } catch (e) {
    if (e instanceof KilnError) throw new (e.constructor as new (m: string) => KilnError)(`${file}: ${e.message}`);
    throw e;
  }
  return g;
}
