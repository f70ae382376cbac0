#!/usr/bin/env node
// The `kiln` command: inspect, run, convert and freeze TensorFlow graphs from the shell.
// Exit status: 0 ok, 1 a failure (missing or bad file, unknown name, a run that fails), 2 a usage error.
process.env.EGL_PLATFORM ??= 'surfaceless'; // before Dawn can load, as session/webgpu/device.ts does

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '../index.js';
import { tensorflow } from '../proto/generated/tf.js';
import { decodeMessageFile, writeFileAtomic } from '../serialization/io.js';
import { dtypeFromEnum, shapeFromProto } from '../serialization/tensor_proto.js';
import { formatShape } from '../graph/shape.js';
import { allocArray } from '../graph/dtypes.js';

/** A mistake in the command line: exit status 2, with a pointer to the help. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) { super(message); }
}
/** A failure with a file or a name the user gave: exit status 1. */
class Failure extends Error {}

const HELP: Record<string, string> = {
  main: `Usage: kiln <command> [options]

Commands:
  inspect FILE|DIR       inputs, likely outputs, op histogram, parameter count, op types Kiln lacks
  run FILE|DIR --input NAME=X.npy [--output NAME] [--save OUT]
                         run a GraphDef (or SavedModel) on .npy inputs; print or save the outputs
  convert IN OUT         GraphDef binary (.pb) <-> text format (.pbtxt), the format from OUT's extension
  freeze --checkpoint PREFIX --meta M.meta --outputs y[,z] -o OUT
                         a checkpoint + MetaGraph -> a frozen GraphDef (variables as constants)
  explain FILE [--shape NAME=1,128,128,3 | --input NAME=X.npy] [--output NAME] [--json]
                         what the optimizer does: passes, kernels with FLOPs and bytes, the memory plan
  optimize FILE -o OUT [--shape ... | --input ...] [--output NAME]
                         write the optimized GraphDef (TF op names; Kiln-only fused nodes written back as their ops)

Run 'kiln <command> --help' for a command's options.
Exit status: 0 success, 1 failure (missing or invalid file, unknown name, failed run), 2 usage error.`,
  inspect: `Usage: kiln inspect FILE|DIR

FILE: a GraphDef, binary (.pb) or text (.pbtxt), told apart by content, or a MetaGraphDef (.meta). DIR: a SavedModel folder (saved_model.pb),
whose signatures are listed before its graph.
Prints: op types Kiln lacks, inputs (Placeholders with dtype and shape), likely outputs (nodes no other node consumes,
save/restore/init ops left out), parameter count (elements of float Const/Variable tensors), op histogram.`,
  run: `Usage: kiln run FILE|DIR --input NAME=IN.npy [--input ...] [--output NAME ...] [--save OUT] [--executor cpu|webgpu|auto] [--float64 error|float32]

  --input NAME=FILE.npy   feed a placeholder ('x' or 'x:0') from a NumPy file; repeat for several inputs
  --output NAME           a tensor to fetch ('y' means 'y:0'); repeat or comma-separate; default: the likely outputs
  --save OUT              write the outputs as .npy instead of printing their values:
                            one output: OUT is the file;
                            several: OUT is a comma-separated list of files, one per output in order,
                            or a directory (created if needed) holding NAME_K.npy per output ('/' in NAME -> '__')
  --executor E            cpu, webgpu or auto (default: $KILN_EXECUTOR, else auto)
  --float64 M             error (default) or float32: run a float64 graph in float32 on webgpu (WGSL has no f64)
FILE: a GraphDef (.pb/.pbtxt). DIR: a SavedModel (tags 'serve'), its variables restored; NAMEs may be the keys of its
serving_default signature, and the outputs default to that signature's.
Prints each output's name, dtype, shape and first values.`,
  convert: `Usage: kiln convert IN OUT

Rewrites a GraphDef in the other format: OUT ending in .pbtxt (or .txt) is written as text format, anything else as
binary. IN's format is told by content. Node order, attrs and the function library are kept as they are.`,
  freeze: `Usage: kiln freeze --checkpoint PREFIX --meta FILE.meta --outputs y[,z] -o FROZEN.pb

Imports the MetaGraphDef, restores the variables from the V2 checkpoint PREFIX (PREFIX.index + data files), keeps what
the outputs need and replaces variables by constants (TF1's freeze_graph). OUT's format from its extension.`,
};

// ---------------------------------------------------------------------------------------------------------------
// Reading models

interface LoadedModel {
  graphDef: tensorflow.GraphDef;
  /** Set for a SavedModel folder. */
  savedModel?: tensorflow.SavedModel;
  /** What was read, for messages. */
  source: string;
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Failure(`${file}: no such file`);
    if (err.code === 'EISDIR') throw new Failure(`${file}: is a directory`);
    throw new Failure(`${file}: cannot read (${err.message})`);
  }
}

/** A GraphDef from bytes (binary or text), checked to look like one: protobuf decodes many random files. */
async function graphDefFromBytes(bytes: Uint8Array, file: string): Promise<tensorflow.GraphDef> {
  const gd = await decodeMessageFile(tensorflow.GraphDef, 'GraphDef', bytes, file);
  const nodes = gd.node ?? [];
  if (nodes.length === 0) throw new Failure(`${file}: not a GraphDef (no nodes)`);
  if (nodes.some((n) => !n.name || !n.op)) throw new Failure(`${file}: not a GraphDef (nodes without a name or op type)`);
  return gd;
}

async function loadModel(file: string): Promise<LoadedModel> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new Failure(`${file}: no such file or directory`);
  }
  if (stat.isDirectory()) {
    const pb = path.join(file, 'saved_model.pb');
    const bytes = await readBytes(pb).catch(() => {
      throw new Failure(`${file}: a directory without saved_model.pb (not a SavedModel)`);
    });
    const sm = await decodeMessageFile(tensorflow.SavedModel, 'SavedModel', bytes, pb);
    const metas = sm.meta_graphs ?? [];
    if (metas.length === 0) throw new Failure(`${pb}: not a SavedModel (no meta graphs)`);
    const meta = metas.find((m) => (m.meta_info_def?.tags ?? []).includes('serve')) ?? metas[0];
    const gd = tensorflow.GraphDef.decode(tensorflow.GraphDef.encode(meta.graph_def ?? {}).finish());
    return { graphDef: gd, savedModel: sm, source: pb };
  }
  if (file.toLowerCase().endsWith('.meta')) {
    const mgd = await decodeMessageFile(tensorflow.MetaGraphDef, 'MetaGraphDef', await readBytes(file), file);
    const gd = tensorflow.GraphDef.decode(tensorflow.GraphDef.encode(mgd.graph_def ?? {}).finish());
    if ((gd.node ?? []).length === 0) throw new Failure(`${file}: not a MetaGraphDef (no graph nodes)`);
    return { graphDef: gd, source: file };
  }
  return { graphDef: await graphDefFromBytes(await readBytes(file), file), source: file };
}

/** A GraphDef imported as is (no name scope) into a new graph. */
function importModel(m: LoadedModel): tf.Graph {
  const g = new tf.Graph();
  try {
    tf.importGraphDef(m.graphDef, { graph: g, name: '' });
  } catch (e) {
    throw new Failure(`${m.source}: ${(e as Error).message}`);
  }
  return g;
}

// ---------------------------------------------------------------------------------------------------------------
// Graph facts (on the GraphDef, so that they hold for op types Kiln lacks too)

const NOT_OUTPUTS = new Set([
  'NoOp', 'Assign', 'AssignAdd', 'AssignSub', 'AssignVariableOp', 'Save', 'SaveV2', 'SaveSlices', 'Restore', 'RestoreV2',
  'RestoreSlice', 'MergeV2Checkpoints', 'ShardedFilename', 'StringJoin', 'IsVariableInitialized', 'VarIsInitializedOp',
  'Const', 'Placeholder', 'PlaceholderWithDefault',
]);
const FLOAT_ENUMS = new Set([1, 2, 14, 19]); // float, double, bfloat16, half
const VARIABLE_OPS = new Set(['VariableV2', 'Variable', 'VarHandleOp']);

function nodeOfInput(s: string): string {
  const n = s.startsWith('^') ? s.slice(1) : s;
  const m = /^(.*):\d+$/.exec(n);
  return m === null ? n : m[1];
}

function placeholders(gd: tensorflow.GraphDef): Array<{ name: string; dtype: string; shape: string }> {
  const isInput = (n: tensorflow.INodeDef): boolean =>
    n.op === 'Placeholder' || (n.op === 'PlaceholderWithDefault' && !/^save(_\d+)?\//.test(n.name!));
  return (gd.node ?? []).filter(isInput).map((n) => {
    const attr = n.attr ?? {};
    const dtype = attr.dtype?.type != null ? dtypeFromEnum(attr.dtype.type) : '?';
    const shape = attr.shape?.shape != null ? formatShape(shapeFromProto(attr.shape.shape)) : '<unknown>';
    return { name: n.name!, dtype, shape };
  });
}

function likelyOutputs(gd: tensorflow.GraphDef): tensorflow.INodeDef[] {
  const consumed = new Set<string>();
  for (const n of gd.node ?? []) for (const s of n.input ?? []) consumed.add(nodeOfInput(s));
  return (gd.node ?? []).filter((n) => !consumed.has(n.name!) && !NOT_OUTPUTS.has(n.op!) && !/^save(_\d+)?\//.test(n.name!));
}

function elementsOf(shape: tensorflow.ITensorShapeProto | null | undefined): number {
  if (shape == null || shape.unknown_rank) return 0;
  return (shape.dim ?? []).reduce((a, d) => a * Math.max(0, Number(d.size ?? 0)), 1);
}

function parameterCount(gd: tensorflow.GraphDef): { params: number; tensors: number } {
  let params = 0, tensors = 0;
  for (const n of gd.node ?? []) {
    const attr = n.attr ?? {};
    if (n.op === 'Const' && attr.value?.tensor != null && FLOAT_ENUMS.has(attr.value.tensor.dtype ?? 0)) {
      params += elementsOf(attr.value.tensor.tensor_shape); tensors++;
    } else if (VARIABLE_OPS.has(n.op!) && FLOAT_ENUMS.has((attr.dtype?.type ?? 0) % 100)) {
      params += elementsOf(attr.shape?.shape); tensors++;
    }
  }
  return { params, tensors };
}

function missingOpTypes(gd: tensorflow.GraphDef): string[] {
  return [...new Set((gd.node ?? []).map((n) => n.op!))].filter((t) => tf.getOpDef(t) === undefined).sort();
}

function tensorInfoText(t: tensorflow.ITensorInfo): string {
  const dtype = t.dtype != null ? dtypeFromEnum(t.dtype) : '?';
  const shape = t.tensor_shape != null ? formatShape(shapeFromProto(t.tensor_shape)) : '<unknown>';
  return `${t.name ?? '?'}  ${dtype}  ${shape}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Commands

async function inspect(args: string[]): Promise<void> {
  const { positionals } = parse('inspect', args, {});
  if (positionals.length !== 1) throw new UsageError('inspect takes one FILE or DIR', 'inspect');
  const m = await loadModel(positionals[0]);
  const out: string[] = [];
  const gd = m.graphDef;
  const nodes = gd.node ?? [];
  out.push(`${m.source}: GraphDef with ${nodes.length} nodes${gd.versions?.producer ? `, producer ${gd.versions.producer}` : ''}`);
  if (m.savedModel !== undefined) {
    for (const meta of m.savedModel.meta_graphs ?? []) {
      out.push(`MetaGraph tags [${(meta.meta_info_def?.tags ?? []).join(', ')}]`);
      const sigs = Object.entries(meta.signature_def ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
      if (sigs.length === 0) out.push('  (no signatures)');
      for (const [key, sig] of sigs) {
        out.push(`  signature '${key}'${sig.method_name ? ` (${sig.method_name})` : ''}`);
        for (const [k, t] of Object.entries(sig.inputs ?? {})) out.push(`    input  ${k}: ${tensorInfoText(t)}`);
        for (const [k, t] of Object.entries(sig.outputs ?? {})) out.push(`    output ${k}: ${tensorInfoText(t)}`);
      }
    }
  }
  const missing = missingOpTypes(gd);
  out.push(missing.length === 0 ? 'Op types Kiln lacks: none' : `Op types Kiln lacks (${missing.length}): ${missing.join(', ')}`);
  const ins = placeholders(gd);
  out.push(`Inputs (${ins.length}):`);
  for (const p of ins) out.push(`  ${p.name}  ${p.dtype}  ${p.shape}`);
  const outs = likelyOutputs(gd);
  out.push(`Likely outputs (${outs.length}):`);
  for (const n of outs) out.push(`  ${n.name}  (${n.op})`);
  const { params, tensors } = parameterCount(gd);
  out.push(`Parameters: ${params.toLocaleString('en-US')} (in ${tensors} float Const/Variable tensors)`);
  const hist = new Map<string, number>();
  for (const n of nodes) hist.set(n.op!, (hist.get(n.op!) ?? 0) + 1);
  out.push('Op histogram:');
  for (const [op, k] of [...hist].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    out.push(`  ${String(k).padStart(6)}  ${op}${missing.includes(op) ? '  (not in Kiln)' : ''}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

function tensorName(s: string): string { return /:\d+$/.test(s) ? s : `${s}:0`; }

function checkName(g: tf.Graph, gd: tensorflow.GraphDef, name: string, what: 'input' | 'output', file: string): void {
  const node = nodeOfInput(name);
  if (!g.hasOperation(node)) {
    const ps = placeholders(gd).map((p) => `${p.name} (${p.dtype} ${p.shape})`);
    const hint = what === 'input'
      ? `placeholders: ${ps.length > 0 ? ps.join(', ') : 'none'}`
      : `likely outputs: ${likelyOutputs(gd).map((n) => n.name).join(', ') || 'none'}`;
    throw new Failure(`${file}: unknown ${what} '${name}': no node '${node}' in the graph; ${hint}`);
  }
}

async function run(args: string[]): Promise<void> {
  const { values, positionals } = parse('run', args, {
    input: { type: 'string', multiple: true },
    output: { type: 'string', multiple: true },
    save: { type: 'string' },
    executor: { type: 'string' },
    float64: { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('run takes one model FILE or SavedModel DIR', 'run');
  const float64 = values.float64;
  if (float64 !== undefined && float64 !== 'error' && float64 !== 'float32') {
    throw new UsageError(`--float64 must be error or float32, not '${float64}'`, 'run');
  }
  const executor = values.executor;
  if (executor !== undefined && !['cpu', 'webgpu', 'auto'].includes(executor)) {
    throw new UsageError(`--executor must be cpu, webgpu or auto, not '${executor}'`, 'run');
  }
  const inputs = (values.input ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--input wants NAME=FILE.npy, got '${s}'`, 'run');
    return { name: s.slice(0, eq), file: s.slice(eq + 1) };
  });
  const file = positionals[0];
  const m = await loadModel(file);
  // A SavedModel runs with its variables restored; its serving_default signature's keys work as names too.
  const loaded = m.savedModel !== undefined ? await tf.savedModel.load(file, { executor: executor as tf.ExecutorName | undefined }) : undefined;
  const signature = loaded?.signatures.serving_default;
  const g = loaded?.graph ?? importModel(m);
  const bySignature = (name: string, keys: Record<string, string> | undefined): string => keys?.[name] ?? name;
  let outputs = (values.output ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')
    .map((o) => bySignature(o, signature?.outputs));
  if (outputs.length === 0) outputs = signature !== undefined ? Object.values(signature.outputs) : likelyOutputs(m.graphDef).map((n) => n.name!);
  if (outputs.length === 0) throw new UsageError('no --output given and the graph has no likely outputs', 'run');
  for (const i of inputs) i.name = bySignature(i.name, signature?.inputs);
  for (const i of inputs) checkName(g, m.graphDef, i.name, 'input', file);
  for (const o of outputs) checkName(g, m.graphDef, o, 'output', file);
  const saveTo = values.save !== undefined ? await savePaths(values.save, outputs) : undefined;

  const feeds: Record<string, tf.NDArray> = {};
  for (const i of inputs) {
    const bytes = await readBytes(i.file);
    try {
      feeds[tensorName(i.name)] = tf.io.readNpy(bytes, i.file);
    } catch (e) {
      throw new Failure(`bad .npy for input '${i.name}': ${(e as Error).message}`);
    }
  }
  const fed = new Set(Object.keys(feeds).map(nodeOfInput));
  const unfed = placeholders(m.graphDef).filter((p) => !fed.has(p.name) && m.graphDef.node!.find((n) => n.name === p.name)!.op === 'Placeholder');
  const session = loaded?.session ?? await tf.Session.create({ graph: g, executor: executor as tf.ExecutorName | undefined, float64 });
  let results: tf.NDArray[];
  try {
    results = await session.run(outputs.map(tensorName), feeds) as tf.NDArray[];
  } catch (e) {
    const hint = unfed.length > 0 ? ` (placeholders not fed: ${unfed.map((p) => p.name).join(', ')})` : '';
    throw new Failure(`${file}: run failed: ${(e as Error).message}${hint}`);
  } finally {
    await session.close();
  }
  for (let k = 0; k < outputs.length; k++) {
    const a = results[k];
    const head = `${tensorName(outputs[k])}  ${a.dtype}  ${formatShape(a.shape)}`;
    if (saveTo !== undefined) {
      await writeFileAtomic(saveTo[k], tf.io.writeNpy(a));
      process.stdout.write(`${head}  -> ${saveTo[k]}\n`);
    } else {
      const n = Math.min(a.size, 10);
      const show = (v: number): string => (a.dtype === 'bool' ? String(v !== 0) : a.dtype === 'float32' ? String(Number(v.toPrecision(7))) : String(v));
      const vals = Array.from(a.data.subarray(0, n), show);
      process.stdout.write(`${head}  [${vals.join(', ')}${a.size > n ? `, ... (${a.size} values)` : ''}]\n`);
    }
  }
}

/** Where `--save` puts each output: see HELP.run. */
async function savePaths(save: string, outputs: string[]): Promise<string[]> {
  const list = save.split(',').filter((s) => s !== '');
  let isDir = false;
  try { isDir = (await fs.stat(save)).isDirectory(); } catch { /* a new path */ }
  if (!isDir && list.length === outputs.length) return list;
  if (!isDir && (outputs.length === 1 || list.length > 1)) {
    throw new UsageError(`--save names ${list.length} files for ${outputs.length} outputs`, 'run');
  }
  if (!isDir && save.toLowerCase().endsWith('.npy')) throw new UsageError(`--save '${save}': ${outputs.length} outputs need a directory or ${outputs.length} comma-separated files`, 'run');
  await fs.mkdir(save, { recursive: true });
  return outputs.map((o) => {
    const t = tensorName(o);
    const i = t.lastIndexOf(':');
    return path.join(save, `${t.slice(0, i).replaceAll('/', '__')}_${t.slice(i + 1)}.npy`);
  });
}

function isTextPath(file: string): boolean { return /\.(pbtxt|txt|pbtext)$/i.test(file); }

async function writeGraphDefFile(gd: tensorflow.IGraphDef, file: string): Promise<void> {
  if (isTextPath(file)) {
    const { toTextFormat } = await import('../serialization/text_format.js');
    await writeFileAtomic(file, toTextFormat(tensorflow.GraphDef, gd));
  } else {
    await writeFileAtomic(file, tensorflow.GraphDef.encode(gd).finish());
  }
}

async function convert(args: string[]): Promise<void> {
  const { positionals } = parse('convert', args, {});
  if (positionals.length !== 2) throw new UsageError('convert takes IN and OUT', 'convert');
  const [inFile, outFile] = positionals;
  const m = await loadModel(inFile);
  try {
    await writeGraphDefFile(m.graphDef, outFile);
  } catch (e) {
    throw new Failure(`${outFile}: cannot write (${(e as Error).message})`);
  }
  process.stdout.write(`${outFile}: ${(m.graphDef.node ?? []).length} nodes, ${isTextPath(outFile) ? 'text format' : 'binary'}\n`);
}

async function freeze(args: string[]): Promise<void> {
  const { values, positionals } = parse('freeze', args, {
    checkpoint: { type: 'string' },
    meta: { type: 'string' },
    outputs: { type: 'string' },
    o: { type: 'string', short: 'o' },
    output: { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`freeze takes no positional arguments (got '${positionals[0]}')`, 'freeze');
  const out = values.o ?? values.output;
  if (values.checkpoint === undefined || values.meta === undefined || values.outputs === undefined || out === undefined) {
    throw new UsageError('freeze needs --checkpoint, --meta, --outputs and -o', 'freeze');
  }
  const outputs = values.outputs.split(',').map((s) => s.trim()).filter((s) => s !== '');
  await fs.stat(values.meta).catch(() => { throw new Failure(`${values.meta}: no such file`); });
  await fs.stat(`${values.checkpoint}.index`).catch(() => {
    throw new Failure(`${values.checkpoint}.index: no such file (--checkpoint takes a checkpoint prefix, as in model.ckpt-1000)`);
  });
  const g = new tf.Graph();
  let saver: tf.train.Saver | null;
  try {
    saver = await tf.train.importMetaGraph(values.meta, { graph: g, clearDevices: true });
  } catch (e) {
    throw new Failure(`${values.meta}: not a MetaGraphDef Kiln can import (${(e as Error).message})`);
  }
  if (saver === null) throw new Failure(`${values.meta}: the MetaGraphDef has no saver or no variables: nothing to restore`);
  const gd0 = g.toGraphDef();
  for (const o of outputs) {
    if (!g.hasOperation(nodeOfInput(o))) {
      throw new Failure(`${values.meta}: unknown output '${o}'; likely outputs: ${likelyOutputs(gd0).map((n) => n.name).join(', ') || 'none'}`);
    }
  }
  const sess = await tf.Session.create({ graph: g, executor: 'cpu' });
  let gd: tensorflow.GraphDef;
  try {
    await saver.restore(sess, values.checkpoint);
    gd = await tf.graphUtil.convertVariablesToConstants(sess, gd0, outputs.map(nodeOfInput));
  } finally {
    await sess.close();
  }
  await writeGraphDefFile(gd, out);
  const { params } = parameterCount(gd);
  process.stdout.write(`${out}: ${(gd.node ?? []).length} nodes, ${params.toLocaleString('en-US')} parameters (frozen)\n`);
}

// ---------------------------------------------------------------------------------------------------------------
// explain and optimize

const SHAPE_HELP = `  --shape NAME=D,D,...    specialise placeholder NAME to this shape (repeat for several)
  --input NAME=FILE.npy   take NAME's shape from a NumPy file (and, for explain, run nothing: only the shape is used)
  --output NAME           the tensors to optimize for ('y' means 'y:0'); default: the likely outputs`;
HELP.explain = `Usage: kiln explain FILE [--shape NAME=1,128,128,3 | --input NAME=X.npy ...] [--output NAME ...] [--executor E] [--json]

Prints, for the part of the graph the outputs need: each optimizer pass with the nodes before and after and what it
changed (what was folded, merged, fused into which kernel); the kernels that would run with FLOPs and bytes moved;
the memory plan (peak bytes against the sum of all intermediates). --json prints the report as JSON.
${SHAPE_HELP}`;
HELP.optimize = `Usage: kiln optimize FILE -o OUT [--shape NAME=D,... | --input NAME=X.npy ...] [--output NAME ...]

Writes the optimized GraphDef: pruned to the outputs, folded, simplified, fused (TF's _FusedMatMul/_FusedConv2D where
TensorFlow has a kernel for the combination; anything else Kiln fused is written back as its original ops).
OUT's format from its extension (.pbtxt: text).
${SHAPE_HELP}`;

/** The graph, its outputs, and the placeholder shapes given by --shape/--input (each checked to name a placeholder). */
async function loadForOptimizer(args: string[], cmd: 'explain' | 'optimize', extra: Options) {
  const { values, positionals } = parse(cmd, args, {
    shape: { type: 'string', multiple: true },
    input: { type: 'string', multiple: true },
    output: { type: 'string', multiple: true },
    ...extra,
  });
  if (positionals.length !== 1) throw new UsageError(`${cmd} takes one model FILE`, cmd);
  const file = positionals[0];
  const m = await loadModel(file);
  const g = importModel(m);
  const known = placeholders(m.graphDef);
  const shapes = new Map<tf.Tensor, number[]>();
  const named = (s: string, what: string): [string, string] => {
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new UsageError(`--${what} wants NAME=${what === 'shape' ? 'D,D,...' : 'FILE.npy'}, got '${s}'`, cmd);
    const name = s.slice(0, eq);
    if (!known.some((p) => p.name === nodeOfInput(name))) {
      throw new Failure(`${file}: --${what} '${name}' names no placeholder; placeholders: ${known.map((p) => `${p.name} (${p.dtype} ${p.shape})`).join(', ') || 'none'}`);
    }
    return [name, s.slice(eq + 1)];
  };
  for (const s of (values.shape as string[] | undefined) ?? []) {
    const [name, dims] = named(s, 'shape');
    const shape = dims.split(',').map((d) => Number(d.trim()));
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new UsageError(`--shape ${name}: dims must be non-negative integers, got '${dims}'`, cmd);
    shapes.set(g.getTensorByName(tensorName(name)), shape);
  }
  for (const s of (values.input as string[] | undefined) ?? []) {
    const [name, f] = named(s, 'input');
    shapes.set(g.getTensorByName(tensorName(name)), [...tf.io.readNpy(await readBytes(f), f).shape]);
  }
  let outputs = ((values.output as string[] | undefined) ?? []).flatMap((o) => o.split(',')).map((o) => o.trim()).filter((o) => o !== '');
  if (outputs.length === 0) outputs = likelyOutputs(m.graphDef).map((n) => n.name!);
  if (outputs.length === 0) throw new UsageError('no --output given and the graph has no likely outputs', cmd);
  for (const o of outputs) checkName(g, m.graphDef, o, 'output', file);
  return { g, file, values: values as Record<string, unknown>, shapes, outputs: outputs.map((o) => g.getTensorByName(tensorName(o))) };
}

async function explain(args: string[]): Promise<void> {
  const { g, shapes, outputs, values } = await loadForOptimizer(args, 'explain', { json: { type: 'boolean' }, executor: { type: 'string' } });
  const executor = (values.executor as string | undefined) ?? 'cpu';
  if (!['cpu', 'webgpu', 'auto'].includes(executor)) throw new UsageError(`--executor must be cpu, webgpu or auto, not '${executor}'`, 'explain');
  const sess = await tf.Session.create({ graph: g, executor: executor as tf.ExecutorName });
  let r: tf.ExplainReport;
  try {
    // Zero-filled arrays carry the shapes: explain reads shapes only and runs nothing.
    const feeds = new Map<tf.Tensor, tf.NDArray>([...shapes].map(([t, s]) => [t, zerosOf(t.dtype, s)]));
    r = sess.explain(outputs, feeds);
  } finally {
    await sess.close();
  }
  if (values.json === true) { process.stdout.write(JSON.stringify(r, null, 2) + '\n'); return; }
  const lines: string[] = ['passes:'];
  for (const p of r.passes) {
    lines.push(`  ${p.name.padEnd(17)} ${String(p.nodesBefore).padStart(6)} -> ${String(p.nodesAfter).padEnd(6)} ${p.changes.length} changes`);
    for (const c of p.changes.slice(0, 20)) lines.push(`      ${c}`);
    if (p.changes.length > 20) lines.push(`      ... ${p.changes.length - 20} more`);
  }
  lines.push(`kernels: ${r.kernels.length}`);
  for (const k of r.kernels) {
    const fused = k.nodes.length > 1 ? `  <- ${k.nodes.join(' + ')}` : '';
    lines.push(`  ${k.type.padEnd(28)} ${k.name.padEnd(40)} ${fmtCount(k.flops).padStart(9)} FLOP ${fmtCount(k.bytes).padStart(9)} B${fused}`);
  }
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MiB`;
  lines.push(`memory: peak ${mb(r.memory.peakBytes)} of ${mb(r.memory.totalBytes)} in all intermediates`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function optimizeCmd(args: string[]): Promise<void> {
  const { shapes, outputs, values, file } = await loadForOptimizer(args, 'optimize', { o: { type: 'string', short: 'o' } });
  const out = values.o as string | undefined;
  if (out === undefined) throw new UsageError('optimize needs -o OUT', 'optimize');
  const { optimizeGraph } = await import('../optimizer/export.js');
  const { graph, optimized } = optimizeGraph(outputs, shapes);
  const gd = graph.toGraphDef();
  try {
    await writeGraphDefFile(gd, out);
  } catch (e) {
    throw new Failure(`${out}: cannot write (${(e as Error).message})`);
  }
  const before = optimized.passes[0].nodesBefore;
  process.stdout.write(`${out}: ${(gd.node ?? []).length} nodes (${file}: ${before})\n`);
}

function zerosOf(dtype: tf.DType, shape: number[]): tf.NDArray {
  return new tf.NDArray(dtype, shape, allocArray(dtype, shape.reduce((a, b) => a * b, 1)));
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

// ---------------------------------------------------------------------------------------------------------------
// Main

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parse<O extends Options>(cmd: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''), cmd);
  }
}

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = { inspect, run, convert, freeze, explain, optimize: optimizeCmd };

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const topic = cmd === 'help' && rest[0] !== undefined && HELP[rest[0]] !== undefined ? rest[0] : 'main';
    process.stdout.write(HELP[topic] + '\n');
    return cmd === undefined ? 2 : 0;
  }
  const fn = COMMANDS[cmd];
  try {
    if (fn === undefined) throw new UsageError(`unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP[cmd] + '\n');
      return 0;
    }
    await fn(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`kiln: ${e.message}\nRun 'kiln ${e.command !== undefined ? `${e.command} ` : ''}--help' for usage.\n`);
      return 2;
    }
    if (e instanceof Failure || e instanceof tf.errors.KilnError) {
      process.stderr.write(`kiln: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`kiln: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

process.exit(await main(process.argv.slice(2)));
