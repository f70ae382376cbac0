// GraphDef: `graph.toGraphDef()` writes a Kiln graph as TensorFlow's GraphDef; `importGraphDef` adds a GraphDef's nodes
// to a graph with TF1's `tf.import_graph_def` semantics. Every node is imported, whether Kiln has its op type or not:
// nodes Kiln cannot run (unknown op types, dtypes Kiln lacks) become opaque nodes (graph/graph.ts `addOpaqueNode`),
// and a plan that needs one fails with one error naming them all (session/plan.ts `checkRunnable`).
import { DType, isDType } from '../graph/dtypes.js';
import { InvalidArgumentError, KilnError } from '../graph/errors.js';
import { getDefaultGraph, Graph } from '../graph/graph.js';
import { NDArray } from '../graph/ndarray.js';
import { Shape } from '../graph/shape.js';
import { Attrs, AttrValue, Operation, Tensor } from '../graph/tensor.js';
import { addOp, AttrType, getOpDef, withDefaults } from '../ops/registry.js';
import { tensorflow } from '../proto/generated/tf.js';
import { dtypeFromEnum, dtypeToEnum, shapeFromProto, shapeToProto, tensorFromProto, tensorToProto } from './tensor_proto.js';

/** `versions.producer` Kiln writes: TensorFlow 1.15's TF_GRAPH_DEF_VERSION, so TF applies no legacy rewrites. */
export const GRAPH_DEF_PRODUCER = 134;

export interface ToGraphDefOptions {
  /** Write each node's `_output_shapes` attr (list(shape)), as `tf.Graph.as_graph_def(add_shapes=True)`. Default false. */
  addShapes?: boolean;
}

declare module '../graph/graph.js' {
  interface Graph {
    /** The graph as a TensorFlow GraphDef message (encode with `tensorflow.GraphDef.encode(g).finish()`). */
    toGraphDef(opts?: ToGraphDefOptions): tensorflow.GraphDef;
  }
}

// What an import could not turn into Kiln attr values, kept so that writing the graph back reproduces it exactly:
// attrs of kinds Kiln has no value for (func, list(func), list(tensor), placeholder), tensors of dtypes Kiln lacks,
// and every attr an op's declaration does not list (its TF type is then known only from the file).
const importedAttrs = new WeakMap<Operation, Map<string, { value: AttrValue; proto: tensorflow.IAttrValue }>>();
const importedLibraries = new WeakMap<Graph, tensorflow.IFunctionDefLibrary>();

/** The AttrValue message an imported node carried for `name`, when Kiln kept it as is (see above). */
export function importedAttrProto(op: Operation, name: string): tensorflow.IAttrValue | undefined {
  return importedAttrs.get(op)?.get(name)?.proto;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

Graph.prototype.toGraphDef = function toGraphDef(this: Graph, opts: ToGraphDefOptions = {}): tensorflow.GraphDef {
  const nodes = this.getOperations().map((op) => nodeToProto(op, opts));
  const lib = importedLibraries.get(this);
  return tensorflow.GraphDef.fromObject({ node: nodes, versions: { producer: GRAPH_DEF_PRODUCER }, ...(lib !== undefined ? { library: lib } : {}) });
};

function tensorRef(t: Tensor): string { return t.index === 0 ? t.op.name : `${t.op.name}:${t.index}`; }

function nodeToProto(op: Operation, opts: ToGraphDefOptions): tensorflow.INodeDef {
  const def = getOpDef(op.type);
  const kept = importedAttrs.get(op);
  const attr: Record<string, tensorflow.IAttrValue> = {};
  // Sorted keys: deterministic bytes, and the order TF's own text format prints.
  for (const [k, v] of Object.entries(op.attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const raw = kept?.get(k);
    if (raw !== undefined && raw.value === v) { attr[k] = raw.proto; continue; }
    const type = def?.attrs?.[k]?.type ?? inferAttrType(k, v);
    if (type === null) continue;
    attr[k] = encodeAttr(v, type, `${op.type} node '${op.name}' attr '${k}'`);
  }
  if (opts.addShapes && op.outputs.length > 0) attr._output_shapes = { list: { shape: op.outputs.map((t) => shapeToProto(t.shape)) } };
  return { name: op.name, op: op.type, input: [...op.inputs.map(tensorRef), ...op.controlInputs.map((c) => `^${c.name}`)], attr };
}

/** The TF attr type of an attr no declaration lists, from its JS value; null: nothing to write (an unset value). */
function inferAttrType(name: string, v: AttrValue): AttrType | null {
  if (v === null) return null;
  if (name.startsWith('_') && typeof v === 'string') return 'string'; // _gradient_op_type, _class-like internal attrs
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return isDType(v) ? 'type' : 'string';
  if (v instanceof NDArray) return 'tensor';
  if (v.length === 0) return 'list(int)';
  if (typeof v[0] === 'string') return (v as string[]).every(isDType) ? 'list(type)' : 'list(string)';
  if ((v as Array<number | null>).some((x) => x === null)) return 'shape';
  return (v as number[]).every(Number.isInteger) ? 'list(int)' : 'list(float)';
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function encodeAttr(v: AttrValue, type: AttrType, what: string): tensorflow.IAttrValue {
  const bad = (): never => { throw new InvalidArgumentError(`${what}: cannot write ${JSON.stringify(v)} as a TF '${type}' attr`); };
  switch (type) {
    case 'type': return typeof v === 'string' ? { type: dtypeToEnum(v) } : bad();
    case 'shape': return v === null || Array.isArray(v) ? { shape: shapeToProto(v as Shape) } : bad();
    case 'int': return typeof v === 'number' ? { i: v } : bad();
    case 'float': return typeof v === 'number' ? { f: v } : bad();
    case 'bool': return typeof v === 'boolean' ? { b: v } : bad();
    case 'string': return typeof v === 'string' ? { s: utf8.encode(v) } : bad();
    case 'tensor': return v instanceof NDArray ? { tensor: tensorToProto(v) } : bad();
    case 'list(int)': return Array.isArray(v) ? { list: { i: v as number[] } } : bad();
    case 'list(float)': return Array.isArray(v) ? { list: { f: v as number[] } } : bad();
    case 'list(type)': return Array.isArray(v) ? { list: { type: (v as string[]).map(dtypeToEnum) } } : bad();
    case 'list(string)': return Array.isArray(v) ? { list: { s: (v as string[]).map((s) => utf8.encode(s)) } } : bad();
    case 'list(shape)': return Array.isArray(v) ? { list: { shape: (v as unknown as Shape[]).map(shapeToProto) } } : bad();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

export interface ImportGraphDefOptions {
  /** Existing tensors to use in place of the GraphDef's: keys 'x:0' or 'x' (output 0). */
  inputMap?: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>;
  /** Names to return, in order: 'x:k' gives a Tensor, 'x' an Operation (TF1's rule). */
  returnElements?: readonly string[];
  /** Name scope for the imported nodes: default 'import' (made unique: 'import_1', ...); '' imports names as they are. */
  name?: string;
  /** The graph to add to; default the default graph. */
  graph?: Graph;
}

/** TF1's `tf.import_graph_def`. Accepts a GraphDef message or its serialized bytes. */
export function importGraphDef(
  graphDef: tensorflow.IGraphDef | Uint8Array,
  opts: ImportGraphDefOptions = {},
): Array<Tensor | Operation> {
  // A message built in JS is normalized by an encode/decode round trip: the importer then sees decoded messages only.
  const gd = decodeGraphDef(graphDef instanceof Uint8Array ? graphDef : tensorflow.GraphDef.encode(graphDef).finish(), 'importGraphDef');
  const graph = opts.graph ?? getDefaultGraph();
  const scopeName = opts.name ?? 'import';
  return graph.withNameScope(scopeName, (scope) => new Importer(graph, gd, scope, opts).run());
}

/** Decodes a binary GraphDef; `source` (a file name) goes into the error. */
export function decodeGraphDef(bytes: Uint8Array, source: string): tensorflow.GraphDef {
  let gd: tensorflow.GraphDef;
  try {
    gd = tensorflow.GraphDef.decode(bytes);
  } catch (e) {
    throw new InvalidArgumentError(`${source}: not a binary GraphDef (${(e as Error).message})`);
  }
  return gd;
}

interface ParsedInput { node: string; index: number; control: boolean }

function parseInput(s: string): ParsedInput {
  if (s.startsWith('^')) return { node: s.slice(1), index: -1, control: true };
  const m = /^(.*):(\d+)$/.exec(s);
  return m === null ? { node: s, index: 0, control: false } : { node: m[1], index: Number(m[2]), control: false };
}

class Importer {
  private readonly nodes = new Map<string, tensorflow.INodeDef>();
  private readonly ops = new Map<string, Operation>();
  /** TF dtype names of imported outputs Kiln lacks, keyed 'node:k' (file names). */
  private readonly foreign = new Map<string, string>();
  private readonly inputMap = new Map<string, Tensor>();
  private readonly usedInputMap = new Set<string>();
  private readonly backEdges: Array<{ op: Operation; slot: number; ref: ParsedInput }> = [];
  /** Opaque nodes and the nodes computed from them: their dtypes and shapes are guesses. */
  private readonly guessed = new Set<Operation>();

  constructor(
    private readonly graph: Graph,
    private readonly gd: tensorflow.GraphDef,
    private readonly scope: string,
    private readonly opts: ImportGraphDefOptions,
  ) {
    const entries = opts.inputMap instanceof Map ? [...opts.inputMap.entries()] : Object.entries(opts.inputMap ?? {});
    for (const [k, t] of entries) {
      if (!(t instanceof Tensor) || t.graph !== graph) throw new InvalidArgumentError(`importGraphDef: inputMap['${k}'] must be a Tensor of the target graph`);
      const p = parseInput(k);
      if (p.control) throw new InvalidArgumentError(`importGraphDef: inputMap key '${k}': control inputs cannot be mapped`);
      this.inputMap.set(`${p.node}:${p.index}`, t);
    }
  }

  private fullName(n: string): string { return this.scope === '' ? n : `${this.scope}/${n}`; }

  run(): Array<Tensor | Operation> {
    for (const n of this.gd.node ?? []) {
      const name = n.name ?? '';
      if (name === '') throw new InvalidArgumentError('importGraphDef: a NodeDef has no name');
      if (this.nodes.has(name)) throw new InvalidArgumentError(`importGraphDef: duplicate node name '${name}' in the GraphDef`);
      this.nodes.set(name, n);
    }
    for (const n of this.nodes.values()) {
      for (const s of n.input ?? []) {
        const p = parseInput(s);
        if (!p.control && this.inputMap.has(`${p.node}:${p.index}`)) continue;
        if (!this.nodes.has(p.node)) throw new InvalidArgumentError(`importGraphDef: node '${n.name}' has input '${s}', which is not in the GraphDef`);
      }
    }
    for (const n of this.order()) this.importNode(n);
    for (const e of this.backEdges) this.graph.setOpaqueInput(e.op, e.slot, this.resolve(e.ref, e.op.name));
    const unused = [...this.inputMap.keys()].filter((k) => !this.usedInputMap.has(k));
    if (unused.length > 0) throw new InvalidArgumentError(`importGraphDef: inputMap names tensors the GraphDef does not use: ${unused.join(', ')}`);
    if (this.gd.library != null && ((this.gd.library.function?.length ?? 0) > 0 || (this.gd.library.gradient?.length ?? 0) > 0)) {
      if (!importedLibraries.has(this.graph)) importedLibraries.set(this.graph, this.gd.library);
    }
    return (this.opts.returnElements ?? []).map((r) => {
      const p = parseInput(r);
      const op = this.ops.get(p.node);
      if (op === undefined || p.control) throw new InvalidArgumentError(`importGraphDef: returnElements names '${r}', which is not a node of the GraphDef`);
      return /:\d+$/.test(r) ? this.outputOf(op, p.index, r) : op;
    });
  }

  /**
   * A topological order of the nodes (inputs first, file order among equals). A cycle (a TF1 while loop's
   * NextIteration -> Merge back edge) is broken at the first waiting node, in file order, that Kiln cannot run anyway
   * (an op type it lacks); that node is imported with the back-edge inputs filled in at the end.
   */
  private order(): tensorflow.INodeDef[] {
    const indeg = new Map<string, number>();
    const users = new Map<string, string[]>();
    for (const [name, n] of this.nodes) {
      const deps = new Set<string>();
      for (const s of n.input ?? []) {
        const p = parseInput(s);
        if (!p.control && this.inputMap.has(`${p.node}:${p.index}`)) continue;
        deps.add(p.node);
      }
      indeg.set(name, deps.size);
      for (const d of deps) users.set(d, [...(users.get(d) ?? []), name]);
    }
    const out: tensorflow.INodeDef[] = [];
    const done = new Set<string>();
    const ready: string[] = [...this.nodes.keys()].filter((k) => indeg.get(k) === 0);
    const release = (name: string): void => {
      for (const u of users.get(name) ?? []) {
        const d = indeg.get(u)! - 1;
        indeg.set(u, d);
        if (d === 0 && !done.has(u)) ready.push(u);
      }
    };
    while (out.length < this.nodes.size) {
      let name = ready.shift();
      if (name === undefined) {
        const waiting = [...this.nodes.keys()].filter((k) => !done.has(k));
        name = waiting.find((k) => getOpDef(this.nodes.get(k)!.op ?? '') === undefined) ?? waiting[0];
      }
      if (done.has(name)) continue;
      done.add(name);
      out.push(this.nodes.get(name)!);
      release(name);
    }
    return out;
  }

  private outputOf(op: Operation, index: number, what: string): Tensor {
    if (this.graph.opaqueReason(op) !== undefined) return this.graph.opaqueOutput(op, index);
    const t = op.outputs[index];
    if (t === undefined) throw new InvalidArgumentError(`importGraphDef: '${what}' names output ${index} of '${op.name}' (${op.type}), which has ${op.outputs.length}`);
    return t;
  }

  private resolve(p: ParsedInput, consumer: string): Tensor {
    const key = `${p.node}:${p.index}`;
    const mapped = this.inputMap.get(key);
    if (mapped !== undefined) { this.usedInputMap.add(key); return mapped; }
    const op = this.ops.get(p.node)!;
    return this.outputOf(op, p.index, `${consumer}'s input ${key}`);
  }

  private importNode(n: tensorflow.INodeDef): void {
    const fileName = n.name!;
    const type = n.op ?? '';
    const name = this.fullName(fileName);
    const def = getOpDef(type);
    const what = `importGraphDef: ${type} node '${fileName}'`;
    const refs = (n.input ?? []).map(parseInput);
    const dataRefs = refs.filter((p) => !p.control);
    const controlInputs = refs.filter((p) => p.control).map((p) => {
      const op = this.ops.get(p.node);
      if (op === undefined) throw new InvalidArgumentError(`${what}: control input '^${p.node}' forms a cycle`);
      return op;
    });
    const kept = new Map<string, { value: AttrValue; proto: tensorflow.IAttrValue }>();
    const attrs: Attrs = {};
    const foreignTypes: string[] = [];
    for (const [k, proto] of Object.entries(n.attr ?? {})) {
      const spec = def?.attrs?.[k];
      const decoded = decodeAttr(proto, spec?.type, `${what} attr '${k}'`);
      attrs[k] = decoded.value;
      if (decoded.foreign !== undefined) foreignTypes.push(`${k}=${decoded.foreign}`);
      if (spec === undefined || decoded.keep) kept.set(k, { value: decoded.value, proto });
    }
    const pending = dataRefs.some((p) => !this.inputMap.has(`${p.node}:${p.index}`) && !this.ops.has(p.node));
    const inputs = dataRefs.map((p) => (pending && !this.inputMap.has(`${p.node}:${p.index}`) && !this.ops.has(p.node) ? undefined : this.resolve(p, fileName)));
    const foreignIn = dataRefs.filter((p) => this.foreign.has(`${p.node}:${p.index}`)).map((p) => `${p.node}:${p.index} (${this.foreign.get(`${p.node}:${p.index}`)})`);
    // An opaque node's outputs are guesses (Where's T is its input's dtype, not its output's), and so is everything
    // computed from them: a shape rule failing anywhere downstream is that guess, not the file, being wrong.
    const fromOpaque = inputs.some((t) => t === undefined || this.guessed.has(t.op));

    let reason: string | null = null;
    if (def === undefined) reason = `op type ${type} is not registered in Kiln`;
    else if (pending) reason = 'part of a cycle (TF1 control flow)';
    else if (foreignTypes.length > 0) reason = `uses dtypes Kiln lacks (${foreignTypes.join(', ')})`;
    else if (foreignIn.length > 0) reason = `reads tensors of dtypes Kiln lacks: ${foreignIn.join(', ')}`;

    // A ref input that is not a variable (a frozen graph's variable is a Const): the op's value form, when it has one.
    const valueRef = def?.refInputs?.some((i) => inputs[i] !== undefined && inputs[i]!.op.type !== 'VariableV2') ?? false;
    if (reason === null && valueRef && def!.refAsValue === undefined) reason = `ref input of ${type} is not a variable, and Kiln has no value form of ${type}`;

    let op: Operation | undefined;
    if (reason === null) {
      const addOpts = { name, exactName: true, graph: this.graph, controlInputs };
      try {
        op = valueRef ? def!.refAsValue!(inputs as Tensor[], withDefaults(def!, attrs), addOpts) : addOp(type, inputs as Tensor[], attrs, addOpts);
      } catch (e) {
        // A shape rule meeting inputs or attrs no builder would pass (a wrong input count, say) may throw anything.
        if (!(e instanceof KilnError)) throw new InvalidArgumentError(`${what}: its inputs and attrs do not fit op ${type} (${(e as Error).message})`);
        const own = `${type} node '${name}': `;
        const message = e.message.startsWith(own) ? e.message.slice(own.length) : e.message;
        if (!fromOpaque) throw new (e.constructor as new (m: string) => KilnError)(`${what}: ${message}`);
        reason = `its shape rule failed on inputs from nodes Kiln cannot run: ${message}`;
      }
    }
    if (op !== undefined && fromOpaque) this.guessed.add(op);
    if (op === undefined) {
      const outputs = this.opaqueOutputs(n, fileName);
      op = this.graph.addOpaqueNode(type, name, inputs, attrs, controlInputs, { reason: reason!, output: outputs });
      inputs.forEach((t, slot) => { if (t === undefined) this.backEdges.push({ op: op!, slot, ref: dataRefs[slot] }); });
      this.guessed.add(op);
    }
    if (kept.size > 0) importedAttrs.set(op, kept);
    this.ops.set(fileName, op);
  }

  /**
   * The dtype and shape of output k of a node Kiln cannot run: from `_output_types` / `_output_shapes` when TF recorded
   * them, else the `T`, `dtype`, `out_type` attrs, else float32. A dtype Kiln lacks is recorded as foreign (the Tensor
   * says float32, the node cannot run anyway).
   */
  private opaqueOutputs(n: tensorflow.INodeDef, fileName: string): (k: number) => { dtype: DType; shape: Shape } {
    const a = n.attr ?? {};
    const typeAt = (k: number): string | undefined => {
      const listed = a._output_types?.list?.type;
      if (listed != null && listed.length > k) return dtypeFromEnum(listed[k]);
      for (const key of ['T', 'dtype', 'out_type', 'DstT', 'Tout']) {
        const v = a[key];
        if (v !== undefined && v.value === 'type') return dtypeFromEnum(v.type ?? 0);
      }
      return undefined;
    };
    const shapes = a._output_shapes?.list?.shape;
    for (let k = 0; k < Math.max(1, shapes?.length ?? 0); k++) {
      const t = typeAt(k);
      if (t !== undefined && !isDType(t)) this.foreign.set(`${fileName}:${k}`, t);
    }
    return (k) => {
      const t = typeAt(k);
      if (t !== undefined && !isDType(t)) this.foreign.set(`${fileName}:${k}`, t);
      return {
        dtype: t !== undefined && isDType(t) ? t : 'float32',
        shape: shapes != null && shapes.length > k ? shapeFromProto(shapes[k]) : null,
      };
    };
  }
}


// ---- attrs ----

interface DecodedAttr {
  value: AttrValue;
  /** Set when the value stands for something Kiln cannot hold: the proto must be written back as it was. */
  keep?: boolean;
  /** TF's name of a dtype Kiln lacks, when the attr holds one. */
  foreign?: string;
}

/** The AttrValue cases a declared attr type is read from (an int is a valid float, as TF's own parser allows). */
const ATTR_CASES: Record<AttrType, readonly string[]> = {
  type: ['type'], shape: ['shape'], int: ['i'], float: ['f', 'i'], bool: ['b'], string: ['s'], tensor: ['tensor'],
  'list(int)': ['list'], 'list(type)': ['list'], 'list(shape)': ['list'], 'list(float)': ['list'], 'list(string)': ['list'],
};

/**
 * Decodes per the declared attr type when there is one (a value of another oneof case, or none, is an error: the op's
 * shape rule and kernel would read it as the declared kind); else by the oneof case.
 */
function decodeAttr(p: tensorflow.IAttrValue, declared: AttrType | undefined, what: string): DecodedAttr {
  const m = p as tensorflow.AttrValue;
  const kind = m.value;
  if (declared !== undefined && !ATTR_CASES[declared].includes(kind ?? '')) {
    throw new InvalidArgumentError(`${what}: expected a ${declared} value, got ${kind === undefined ? 'an empty AttrValue' : `'${kind}'`}`);
  }
  const typeVal = (n: number): DecodedAttr => {
    const d = dtypeFromEnum(n);
    return isDType(d) ? { value: d } : { value: d, keep: true, foreign: d };
  };
  switch (kind) {
    case 's': {
      const bytes = m.s ?? new Uint8Array(0);
      const s = fromUtf8.decode(bytes);
      // Bytes that are not UTF-8 (a serialized proto in an attr) survive only as the kept proto.
      return { value: s, keep: !sameBytes(utf8.encode(s), bytes) };
    }
    case 'i': return { value: Number(m.i), keep: declared === 'float' };
    case 'f': return { value: m.f ?? 0 };
    case 'b': return { value: m.b ?? false };
    case 'type': return typeVal(m.type ?? 0);
    case 'shape': return { value: shapeFromProto(m.shape) };
    case 'tensor': {
      const t = tensorFromProto(m.tensor!, what);
      return t instanceof NDArray ? { value: t } : { value: null, keep: true, foreign: t.foreign };
    }
    case 'func': return { value: m.func?.name ?? '', keep: true };
    case 'placeholder': return { value: m.placeholder ?? '', keep: true };
    case 'list': {
      const l = m.list as tensorflow.AttrValue.ListValue;
      if (l.type.length > 0 || declared === 'list(type)') {
        const ds = l.type.map(dtypeFromEnum);
        const bad = ds.filter((d) => !isDType(d));
        return { value: ds, keep: bad.length > 0, foreign: bad.length > 0 ? bad.join(',') : undefined };
      }
      if (l.s.length > 0 || declared === 'list(string)') return { value: l.s.map((b) => fromUtf8.decode(b)), keep: declared === undefined };
      if (l.i.length > 0 || declared === 'list(int)') return { value: l.i.map(Number) };
      if (l.f.length > 0 || declared === 'list(float)') return { value: [...l.f], keep: declared === undefined };
      if (l.shape.length > 0 || declared === 'list(shape)') return { value: l.shape.map(shapeFromProto) as unknown as number[], keep: declared === undefined };
      if (l.b.length > 0) return { value: null, keep: true };
      if (l.tensor.length > 0 || l.func.length > 0) return { value: null, keep: true };
      return { value: [], keep: declared === undefined };
    }
    default: return { value: null, keep: true };
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
