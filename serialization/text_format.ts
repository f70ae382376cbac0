// Protocol buffer text format (`.pbtxt`), as TensorFlow writes it (`tf.io.write_graph(as_text=True)`, Python's
// `text_format.MessageToString`) and reads it (`text_format.Parse`). protobufjs has no text format, so this one is
// driven by protobufjs reflection: the message types come from proto/generated/tf.json (the reflection bundle the
// generator writes next to the static code), and a static class such as `tensorflow.GraphDef` is mapped to its
// reflection type by name.
//
// Parsing is one pass of a hand-written tokenizer (regular expressions only check single tokens, and none of them
// can backtrack) and a recursive-descent parser whose depth is capped at MAX_DEPTH, protobufjs's decoding limit.
// 64-bit integers are JS numbers, as everywhere in Kiln: a value beyond 2^53 is an error, never silently rounded.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { InvalidArgumentError } from '../graph/errors.js';
import { tensorflow } from '../proto/generated/tf.js';

/** Deepest message nesting accepted (protobufjs's and protoc's default recursion limit). */
export const MAX_DEPTH = 100;

/** A class of the generated static module (`tensorflow.GraphDef`): what `fromObject` returns is what parsing returns. */
export interface StaticMessageClass<T = unknown> {
  fromObject(object: { [k: string]: unknown }): T;
}

/** What names a message type: a reflection Type, a generated static class, or a full name ('tensorflow.GraphDef'). */
export type MessageTypeRef = protobuf.Type | StaticMessageClass | string;

// ---------------------------------------------------------------------------------------------------------------
// Types

let tfRootCache: protobuf.Root | undefined;

// tsc copies no .json into dist/, so the bundle is read from the package root, found by walking up from this file:
// one folder up from serialization/ in the source tree (ts-jest), two up from dist/serialization/ after a build.
function tfRoot(): protobuf.Root {
  if (tfRootCache !== undefined) return tfRootCache;
  const candidates = [1, 2, 3, 4].map((up) => new URL('../'.repeat(up) + 'proto/generated/tf.json', import.meta.url));
  for (const url of candidates) {
    let json: string;
    try {
      json = readFileSync(url, 'utf8');
    } catch {
      continue;
    }
    const root = protobuf.Root.fromJSON(JSON.parse(json) as protobuf.INamespace);
    root.resolveAll();
    return (tfRootCache = root);
  }
  throw new InvalidArgumentError(`text format: TensorFlow's message types not found (looked for ${candidates.map((u) => u.pathname).join(', ')})`);
}

/** The reflection type of one of TensorFlow's messages, e.g. `tfType('tensorflow.GraphDef')`. */
export function tfType(fullName: string): protobuf.Type {
  try {
    return tfRoot().lookupType(fullName);
  } catch (e) {
    throw new InvalidArgumentError(`text format: no message type ${fullName} (${(e as Error).message})`);
  }
}

export function graphDefType(): protobuf.Type { return tfType('tensorflow.GraphDef'); }

let staticNames: Map<unknown, string> | undefined;

// The generated namespace object, walked once: class -> full name ('tensorflow.AttrValue.ListValue').
function staticClassName(cls: unknown): string | undefined {
  if (staticNames === undefined) {
    staticNames = new Map();
    const walk = (ns: Record<string, unknown>, prefix: string, depth: number): void => {
      for (const [k, v] of Object.entries(ns)) {
        if (typeof v !== 'function' || !('decode' in v)) continue;
        staticNames!.set(v, `${prefix}.${k}`);
        if (depth < 8) walk(v as unknown as Record<string, unknown>, `${prefix}.${k}`, depth + 1);
      }
    };
    walk(tensorflow as unknown as Record<string, unknown>, 'tensorflow', 0);
  }
  return staticNames.get(cls);
}

const resolvedRoots = new WeakSet<object>();

function resolveType(ref: MessageTypeRef): protobuf.Type {
  if (ref instanceof protobuf.Type) {
    const root = ref.root;
    if (!resolvedRoots.has(root)) {
      root.resolveAll();
      resolvedRoots.add(root);
    }
    return ref;
  }
  if (typeof ref === 'string') return tfType(ref);
  const name = staticClassName(ref);
  if (name === undefined) throw new InvalidArgumentError('text format: not a message type (a protobufjs Type, a class of proto/generated/tf.js, or a type name)');
  return tfType(name);
}

interface TypeInfo {
  byName: Map<string, protobuf.Field>;
  ordered: protobuf.Field[]; // by field number, as TF prints
}
const typeInfos = new WeakMap<protobuf.Type, TypeInfo>();

function info(type: protobuf.Type): TypeInfo {
  let ti = typeInfos.get(type);
  if (ti === undefined) {
    const byName = new Map<string, protobuf.Field>();
    for (const f of type.fieldsArray) byName.set(protoName(f), f);
    ti = { byName, ordered: [...type.fieldsArray].sort((a, b) => a.id - b.id) };
    typeInfos.set(type, ti);
  }
  return ti;
}

/** The name a field has in the .proto (and in text format), whatever case protobufjs gave its JS property. */
function protoName(f: protobuf.Field): string { return (f as protobuf.Field & { protoName?: string }).protoName ?? f.name; }

function mapKeyType(f: protobuf.Field): string { return (f as unknown as protobuf.MapField).keyType; }
function messageType(f: protobuf.Field): protobuf.Type | null { return f.resolvedType instanceof protobuf.Type ? f.resolvedType : null; }
function enumType(f: protobuf.Field): protobuf.Enum | null { return f.resolvedType instanceof protobuf.Enum ? f.resolvedType : null; }

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Plain = { [k: string]: unknown };

/**
 * Parses text format into a message of `type`. A static class (`tensorflow.GraphDef`) gives an instance of it; a
 * reflection Type gives `type.fromObject(...)`. Errors are InvalidArgumentError naming `source`, line and column.
 */
export function parseTextFormat<T>(type: StaticMessageClass<T>, text: string, source?: string): T;
export function parseTextFormat(type: protobuf.Type | string, text: string, source?: string): protobuf.Message;
export function parseTextFormat(type: MessageTypeRef, text: string, source?: string): unknown {
  const rtype = resolveType(type);
  const parser = new Parser(text, source ?? '<text>');
  const plain = parser.parseTop(rtype);
  try {
    if (typeof type === 'function') return (type as StaticMessageClass).fromObject(plain);
    return rtype.fromObject(plain);
  } catch (e) {
    throw new InvalidArgumentError(`${source ?? '<text>'}: text format: ${(e as Error).message}`);
  }
}

const enum Tok { Eof, Ident, Number, String, Symbol }

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isIdentStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c);
// Python's tokenizer lets a number run on over letters, dots and signs ("1e-05", "1.5f", "-inf", "0x1F").
const isNumberPart = (c: number): boolean => isIdentPart(c) || c === 46 || c === 43 || c === 45;

class Parser {
  private pos = 0;
  private kind: Tok = Tok.Eof;
  private value = '';
  private start = 0; // offset of the current token

  constructor(private readonly text: string, private readonly source: string) {
    this.advance();
  }

  parseTop(type: protobuf.Type): Plain {
    const msg = this.parseFields(type, null, 0);
    if (this.kind !== Tok.Eof) throw this.error(`expected a field name, found ${this.describe()}`);
    return msg;
  }

  // ----- tokenizer

  private error(message: string, at = this.start): InvalidArgumentError {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return new InvalidArgumentError(`${this.source}:${line}:${at - lineStart + 1}: ${message}`);
  }

  private describe(): string {
    switch (this.kind) {
      case Tok.Eof: return 'end of input';
      case Tok.String: return 'a string';
      default: return `'${this.value.length > 40 ? this.value.slice(0, 40) + '...' : this.value}'`;
    }
  }

  private advance(): void {
    const t = this.text;
    const n = t.length;
    let p = this.pos;
    for (;;) {
      while (p < n) {
        const c = t.charCodeAt(p);
        if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) p++;
        else break;
      }
      if (p < n && t.charCodeAt(p) === 35 /* # */) {
        while (p < n && t.charCodeAt(p) !== 10) p++;
        continue;
      }
      break;
    }
    this.start = p;
    if (p >= n) {
      this.kind = Tok.Eof;
      this.value = '';
      this.pos = p;
      return;
    }
    const c = t.charCodeAt(p);
    let q = p + 1;
    if (isIdentStart(c)) {
      while (q < n && isIdentPart(t.charCodeAt(q))) q++;
      this.kind = Tok.Ident;
    } else if (isDigit(c) || (q < n && (c === 46 ? isDigit(t.charCodeAt(q)) : (c === 45 || c === 43) && (isIdentPart(t.charCodeAt(q)) || t.charCodeAt(q) === 46)))) {
      while (q < n && isNumberPart(t.charCodeAt(q))) q++;
      this.kind = Tok.Number;
    } else if (c === 34 || c === 39) {
      while (q < n) {
        const d = t.charCodeAt(q);
        if (d === c) break;
        if (d === 10) throw this.error('string not terminated before the end of the line', p);
        q += d === 92 /* \ */ ? 2 : 1;
      }
      if (q >= n) throw this.error('string not terminated', p);
      q++;
      this.kind = Tok.String;
    } else if ('{}<>[]:,;-/'.includes(t[p]!)) {
      this.kind = Tok.Symbol;
    } else {
      const cp = t.codePointAt(p)!;
      throw this.error(`unexpected character ${cp >= 32 && cp < 127 ? `'${t[p]}'` : `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`}`, p);
    }
    this.value = t.slice(p, q);
    this.pos = q;
  }

  private isSymbol(s: string): boolean { return this.kind === Tok.Symbol && this.value === s; }

  private tryConsume(s: string): boolean {
    if (!this.isSymbol(s)) return false;
    this.advance();
    return true;
  }

  private consume(s: string, what: string): void {
    if (!this.tryConsume(s)) throw this.error(`expected '${s}' ${what}, found ${this.describe()}`);
  }

  // ----- messages

  /** Fields up to `close` ('}' or '>'), or to the end of input at the top level. */
  private parseFields(type: protobuf.Type, close: string | null, depth: number): Plain {
    const msg: Plain = {};
    const seen = new Set<string>(); // non-repeated fields already given
    const oneofs = new Map<string, string>(); // oneof name -> member given
    const ti = info(type);
    for (;;) {
      if (close === null ? this.kind === Tok.Eof : this.isSymbol(close)) return msg;
      if (this.kind === Tok.Eof) throw this.error(`expected '${close}' to close ${type.fullName.slice(1)}, found end of input`);
      if (this.isSymbol('[')) {
        this.parseAnyField(type, msg, seen, depth);
      } else {
        if (this.kind !== Tok.Ident) throw this.error(`expected a field name of ${type.fullName.slice(1)}, found ${this.describe()}`);
        const name = this.value;
        const field = ti.byName.get(name);
        if (field === undefined) throw this.error(`message type ${type.fullName.slice(1)} has no field named "${name}"`);
        const fieldStart = this.start;
        this.advance();
        if (!field.repeated && !field.map) {
          if (seen.has(name)) throw this.error(`field "${name}" of ${type.fullName.slice(1)} is given more than once`, fieldStart);
          seen.add(name);
          if (field.partOf) {
            const other = oneofs.get(field.partOf.name);
            if (other !== undefined) throw this.error(`field "${name}" is given along with "${other}": both are members of oneof ${field.partOf.name}`, fieldStart);
            oneofs.set(field.partOf.name, name);
          }
        }
        this.parseField(field, msg, depth);
      }
      if (!this.tryConsume(',')) this.tryConsume(';');
    }
  }

  private parseField(field: protobuf.Field, msg: Plain, depth: number): void {
    const mtype = field.map ? null : messageType(field);
    const isMessage = field.map || mtype !== null;
    if (isMessage) this.tryConsume(':');
    else this.consume(':', `after field name "${protoName(field)}"`);
    const one = (): unknown => (field.map ? this.parseMapEntry(field, depth) : mtype !== null ? this.parseMessage(mtype, depth) : this.parseScalar(field, field.type));
    const store = (v: unknown): void => {
      if (field.map) {
        const [k, val] = v as [string, unknown];
        ((msg[field.name] ??= {}) as Plain)[k] = val;
      } else if (field.repeated) {
        ((msg[field.name] ??= []) as unknown[]).push(v);
      } else {
        msg[field.name] = v;
      }
    };
    if (this.isSymbol('[')) {
      if (!field.repeated && !field.map) throw this.error(`field "${protoName(field)}" is not repeated: a [...] list is not allowed`);
      this.advance();
      if (!this.tryConsume(']')) {
        for (;;) {
          store(one());
          if (this.tryConsume(']')) break;
          this.consume(',', 'between list elements');
        }
      }
    } else {
      store(one());
    }
  }

  private openMessage(depth: number, what: string): string {
    if (depth + 1 > MAX_DEPTH) throw this.error(`messages nested more than ${MAX_DEPTH} deep`);
    if (this.tryConsume('{')) return '}';
    if (this.tryConsume('<')) return '>';
    throw this.error(`expected '{' or '<' to start ${what}, found ${this.describe()}`);
  }

  private parseMessage(type: protobuf.Type, depth: number): Plain {
    const close = this.openMessage(depth, type.fullName.slice(1));
    const msg = this.parseFields(type, close, depth + 1);
    this.advance(); // the closing bracket
    return msg;
  }

  /** A map entry `{ key: K value: V }`, as TF writes `attr`; a missing key or value takes its default. */
  private parseMapEntry(field: protobuf.Field, depth: number): [string, unknown] {
    const close = this.openMessage(depth, `an entry of map field "${protoName(field)}"`);
    const keyType = mapKeyType(field);
    const vtype = messageType(field);
    let key: unknown;
    let value: unknown;
    while (!this.isSymbol(close)) {
      if (this.kind !== Tok.Ident || (this.value !== 'key' && this.value !== 'value')) {
        throw this.error(`expected "key" or "value" in an entry of map field "${protoName(field)}", found ${this.describe()}`);
      }
      const which = this.value;
      if ((which === 'key' ? key : value) !== undefined) throw this.error(`"${which}" given more than once in a map entry`);
      this.advance();
      if (which === 'key') {
        this.consume(':', 'after "key"');
        key = this.parseScalar(field, keyType);
      } else if (vtype !== null) {
        this.tryConsume(':');
        value = this.parseMessage(vtype, depth + 1);
      } else {
        this.consume(':', 'after "value"');
        value = this.parseScalar(field, field.type);
      }
      if (!this.tryConsume(',')) this.tryConsume(';');
    }
    this.advance();
    const k = key === undefined ? (keyType === 'string' ? '' : keyType === 'bool' ? 'false' : '0') : String(key);
    return [k, value ?? (vtype !== null ? {} : defaultScalar(field))];
  }

  /** `[type.googleapis.com/pkg.Type] { ... }` inside a google.protobuf.Any: the message is parsed and packed. */
  private parseAnyField(type: protobuf.Type, msg: Plain, seen: Set<string>, depth: number): void {
    const at = this.start;
    const end = this.text.indexOf(']', this.pos);
    const name = end < 0 ? '' : this.text.slice(this.pos, end).replace(/\s+/g, '');
    if (end < 0 || name.length === 0) throw this.error('expected a type URL or extension name inside [...]');
    if (type.fullName !== '.google.protobuf.Any' || !name.includes('/')) throw this.error(`extension fields are not supported ([${name}] in ${type.fullName.slice(1)})`);
    if (seen.has('type_url') || seen.has('value')) throw this.error('an expanded Any given along with its type_url or value, or twice');
    seen.add('type_url').add('value');
    let packed: protobuf.Type;
    try {
      packed = type.root.lookupType(name.slice(name.lastIndexOf('/') + 1));
    } catch {
      throw this.error(`unknown message type in Any: ${name}`, at);
    }
    this.pos = end + 1;
    this.advance();
    this.tryConsume(':');
    const inner = this.parseMessage(packed, depth);
    let bytes: Uint8Array;
    try {
      bytes = packed.encode(packed.fromObject(inner)).finish();
    } catch (e) {
      throw this.error(`cannot pack ${name}: ${(e as Error).message}`, at);
    }
    const f = info(type).byName;
    msg[f.get('type_url')?.name ?? 'type_url'] = name;
    msg[f.get('value')?.name ?? 'value'] = bytes;
  }

  // ----- scalars

  private parseScalar(field: protobuf.Field, scalarType: string): unknown {
    const et = scalarType === field.type ? enumType(field) : null;
    if (et !== null) return this.parseEnum(field, et);
    switch (scalarType) {
      case 'string':
      case 'bytes': {
        if (this.kind !== Tok.String) throw this.error(`expected a string for field "${protoName(field)}", found ${this.describe()}`);
        const parts: Uint8Array[] = [];
        while (this.kind === Tok.String) {
          parts.push(this.unescape(this.value, this.start));
          this.advance();
        }
        const bytes = concat(parts);
        if (scalarType === 'bytes') return bytes;
        try {
          return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
        } catch {
          throw this.error(`string field "${protoName(field)}" holds invalid UTF-8 (use a bytes field for binary data)`);
        }
      }
      case 'bool': {
        const v = this.value;
        if (this.kind === Tok.Ident || this.kind === Tok.Number) {
          if (v === 'true' || v === 't' || v === 'True' || v === '1') return this.take(true);
          if (v === 'false' || v === 'f' || v === 'False' || v === '0') return this.take(false);
        }
        throw this.error(`expected true or false for field "${protoName(field)}", found ${this.describe()}`);
      }
      case 'float':
      case 'double': {
        const v = this.parseFloat(field);
        return scalarType === 'float' ? Math.fround(v) : v;
      }
      default: {
        const range = INT_RANGES[scalarType];
        if (range === undefined) throw this.error(`field "${protoName(field)}" has unsupported type ${scalarType}`);
        return this.parseInt(field, range[0], range[1], range[2]);
      }
    }
  }

  private take<V>(v: V): V {
    this.advance();
    return v;
  }

  private parseEnum(field: protobuf.Field, et: protobuf.Enum): number {
    if (this.kind === Tok.Ident) {
      if (!hasOwn(et.values, this.value)) throw this.error(`enum ${et.fullName.slice(1)} has no value named "${this.value}" (field "${protoName(field)}")`);
      return this.take(et.values[this.value]!);
    }
    if (this.kind === Tok.Number) return this.parseInt(field, -(2n ** 31n), 2n ** 31n - 1n, false); // proto3 enums are open
    throw this.error(`expected an enum value for field "${protoName(field)}", found ${this.describe()}`);
  }

  private parseInt(field: protobuf.Field, min: bigint, max: bigint, is64: boolean): number {
    if (this.kind !== Tok.Number) throw this.error(`expected an integer for field "${protoName(field)}", found ${this.describe()}`);
    const t = this.value;
    const neg = t.startsWith('-');
    const body = neg || t.startsWith('+') ? t.slice(1) : t;
    let v: bigint;
    if (/^0[xX][0-9a-fA-F]{1,16}$/.test(body)) v = BigInt(body);
    else if (/^0[0-7]{1,22}$/.test(body)) v = BigInt('0o' + body.slice(1));
    else if (/^(0|[1-9][0-9]{0,19})$/.test(body)) v = BigInt(body);
    else throw this.error(`expected an integer for field "${protoName(field)}", found ${this.describe()}`);
    if (neg) v = -v;
    if (v < min || v > max) throw this.error(`integer ${t} out of range for field "${protoName(field)}"`);
    if (is64 && (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))) {
      throw this.error(`integer ${t} of field "${protoName(field)}" is beyond 2^53: Kiln holds 64-bit integers as JS numbers, exact only up to 2^53`);
    }
    return this.take(Number(v));
  }

  private parseFloat(field: protobuf.Field): number {
    if (this.kind !== Tok.Number && this.kind !== Tok.Ident) throw this.error(`expected a number for field "${protoName(field)}", found ${this.describe()}`);
    const t = this.value;
    const neg = t.startsWith('-');
    const body = (neg || t.startsWith('+') ? t.slice(1) : t).toLowerCase();
    let v: number;
    if (body === 'inf' || body === 'infinity' || body === 'inff' || body === 'infinityf') v = Infinity;
    else if (body === 'nan' || body === 'nanf') v = NaN;
    else if (/^([0-9]+(\.[0-9]*)?|\.[0-9]+)(e[+-]?[0-9]{1,5})?f?$/.test(body)) v = Number(body.endsWith('f') ? body.slice(0, -1) : body);
    else if (/^0x[0-9a-f]{1,16}$/.test(body)) v = Number(BigInt(body)); // an integer literal is a valid float
    else throw this.error(`expected a number for field "${protoName(field)}", found ${this.describe()}`);
    if (Number.isNaN(v) && body !== 'nan' && body !== 'nanf') throw this.error(`expected a number for field "${protoName(field)}", found ${this.describe()}`);
    return this.take(neg ? -v : v);
  }

  /** A quoted string token's bytes: C escapes as protobuf's text format defines them. */
  private unescape(tok: string, at: number): Uint8Array {
    const out: number[] = [];
    const end = tok.length - 1;
    for (let i = 1; i < end; ) {
      const c = tok.charCodeAt(i);
      if (c !== 92) {
        if (c < 0x80) {
          out.push(c);
          i++;
        } else {
          const cp = tok.codePointAt(i)!;
          pushUtf8(out, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp);
          i += cp > 0xffff ? 2 : 1;
        }
        continue;
      }
      const e = tok[i + 1]!;
      i += 2;
      const simple = SIMPLE_ESCAPES[e];
      if (simple !== undefined) {
        out.push(simple);
      } else if (e >= '0' && e <= '7') {
        let v = e.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && i < end && tok[i]! >= '0' && tok[i]! <= '7'; k++) v = v * 8 + tok.charCodeAt(i++) - 48;
        if (v > 255) throw this.error(`octal escape \\${v.toString(8)} is beyond \\377`, at + i);
        out.push(v);
      } else if (e === 'x' || e === 'X') {
        let digits = '';
        while (digits.length < 2 && i < end && /[0-9a-fA-F]/.test(tok[i]!)) digits += tok[i++];
        if (digits.length === 0) throw this.error('\\x escape without hex digits', at + i - 2);
        out.push(parseInt(digits, 16));
      } else if (e === 'u' || e === 'U') {
        const len = e === 'u' ? 4 : 8;
        const digits = tok.slice(i, i + len);
        if (i + len > end || !/^[0-9a-fA-F]+$/.test(digits)) throw this.error(`\\${e} escape needs ${len} hex digits`, at + i - 2);
        const cp = parseInt(digits, 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw this.error(`\\${e}${digits} is not a Unicode code point`, at + i - 2);
        pushUtf8(out, cp);
        i += len;
      } else {
        throw this.error(`unknown escape sequence \\${e}`, at + i - 2);
      }
    }
    return Uint8Array.from(out);
  }
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63,
};
Object.setPrototypeOf(SIMPLE_ESCAPES, null);

// [min, max, 64-bit]
const INT_RANGES: Record<string, [bigint, bigint, boolean]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n, false],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n, false],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n, false],
  uint32: [0n, 2n ** 32n - 1n, false],
  fixed32: [0n, 2n ** 32n - 1n, false],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, true],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n, true],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n, true],
  uint64: [0n, 2n ** 64n - 1n, true],
  fixed64: [0n, 2n ** 64n - 1n, true],
};
Object.setPrototypeOf(INT_RANGES, null);

function defaultScalar(field: protobuf.Field): unknown {
  if (enumType(field) !== null) return 0;
  switch (field.type) {
    case 'string': return '';
    case 'bytes': return new Uint8Array(0);
    case 'bool': return false;
    default: return 0;
  }
}

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Printing

/**
 * The message in text format exactly as TensorFlow's Python writes it (`text_format.MessageToString`): fields in
 * field-number order, two-space indentation, proto3 default values left out, map entries sorted by key, enums by
 * name, strings and bytes with C escapes (octal for non-printable bytes), floats as Python's repr.
 */
export function toTextFormat(type: MessageTypeRef, message: unknown, opts: TextFormatOptions = {}): string {
  const rtype = resolveType(type);
  const out: string[] = [];
  printMessage(rtype, message as Plain, '', out, 0, opts.floatStyle === 'double' ? pyFloatRepr : pyFloatRepr32);
  return out.join('');
}

export interface TextFormatOptions {
  /**
   * How float (32-bit) fields are written. 'shortest' (default): the fewest digits that read back as the same
   * float32, as protobuf's Python text_format writes them today (`f: 0.001`). 'double': Python's repr of the value
   * widened to double, as older protobuf releases wrote them (`f: 0.0010000000474974513`), for reproducing such files.
   */
  floatStyle?: 'shortest' | 'double';
}

type FloatText = (x: number) => string;

function printMessage(type: protobuf.Type, msg: Plain, indent: string, out: string[], depth: number, ft: FloatText): void {
  if (depth > MAX_DEPTH) throw new InvalidArgumentError(`text format: messages nested more than ${MAX_DEPTH} deep`);
  for (const field of info(type).ordered) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const name = protoName(field);
    if (field.map) {
      const keyType = mapKeyType(field);
      for (const k of sortKeys(Object.keys(v as object), keyType)) {
        out.push(`${indent}${name} {\n`);
        const inner = indent + '  ';
        out.push(`${inner}key: ${keyType === 'string' ? quote(utf8(k)) : k}\n`);
        printValue(field, (v as Plain)[k], inner, 'value', out, depth + 1, true, ft);
        out.push(`${indent}}\n`);
      }
    } else if (field.repeated) {
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new InvalidArgumentError(`text format: repeated field "${name}" of ${type.fullName.slice(1)} is not an array`);
      for (const el of v as Iterable<unknown>) printValue(field, el, indent, name, out, depth, true, ft);
    } else {
      printValue(field, v, indent, name, out, depth, isPresent(field, v, msg), ft);
    }
  }
}

// proto3: a scalar outside a oneof is written only when it differs from its default; a message whenever it is set.
function isPresent(field: protobuf.Field, v: unknown, msg: Plain): boolean {
  if (messageType(field) !== null) return true;
  // A oneof member (or proto3 `optional`) is written when set, default or not (AttrValue's `i: 0`). Set means an own
  // property: reflection messages keep oneof defaults on their prototype.
  if (field.partOf || field.hasPresence) return hasOwn(msg, field.name);
  return !isDefaultScalar(field, v);
}

function isDefaultScalar(field: protobuf.Field, v: unknown): boolean {
  const et = enumType(field);
  if (et !== null) return v === 0 || (typeof v === 'string' && et.values[v] === 0);
  if (typeof v === 'number') return Object.is(v, 0);
  if (typeof v === 'string') return v === '' || (field.type !== 'string' && field.type !== 'bytes' && v === '0');
  if (typeof v === 'boolean') return v === false;
  if (typeof v === 'bigint') return v === 0n;
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return (v as ArrayLike<unknown>).length === 0; // bytes
  if (isLong(v)) return v.low === 0 && v.high === 0;
  return false;
}

function printValue(field: protobuf.Field, v: unknown, indent: string, name: string, out: string[], depth: number, present: boolean, ft: FloatText): void {
  if (!present || v === undefined || v === null) return;
  const mt = messageType(field);
  if (mt !== null) {
    out.push(`${indent}${name} {\n`);
    printMessage(mt, v as Plain, indent + '  ', out, depth + 1, ft);
    out.push(`${indent}}\n`);
  } else {
    out.push(`${indent}${name}: ${scalarText(field, v, ft)}\n`);
  }
}

function scalarText(field: protobuf.Field, v: unknown, ft: FloatText): string {
  const et = enumType(field);
  if (et !== null) {
    if (typeof v === 'string' && hasOwn(et.values, v)) return v;
    const n = Number(v);
    return et.valuesById[n] ?? String(n);
  }
  switch (field.type) {
    case 'string': return quote(utf8(String(v)));
    case 'bytes': return quote(typeof v === 'string' ? base64(v) : (v as Uint8Array));
    case 'bool': return v ? 'true' : 'false';
    case 'float': return ft(Math.fround(Number(v)));
    case 'double': return pyFloatRepr(Number(v));
    default: return intText(v, field.type);
  }
}

interface LongLike { low: number; high: number; unsigned?: boolean }
function isLong(v: unknown): v is LongLike {
  return typeof v === 'object' && v !== null && typeof (v as LongLike).low === 'number' && typeof (v as LongLike).high === 'number';
}

function intText(v: unknown, type: string): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new InvalidArgumentError(`text format: ${v} is not an integer`);
    return BigInt(Math.trunc(v)).toString();
  }
  if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v).toString();
  if (isLong(v)) {
    const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    const unsigned = v.unsigned ?? (type === 'uint64' || type === 'fixed64');
    return (unsigned ? bits : BigInt.asIntN(64, bits)).toString();
  }
  throw new InvalidArgumentError(`text format: ${String(v)} is not an integer`);
}

function base64(s: string): Uint8Array {
  const buf = new Uint8Array(protobuf.util.base64.length(s));
  protobuf.util.base64.decode(s, buf, 0);
  return buf;
}

function utf8(s: string): Uint8Array { return new TextEncoder().encode(s); }

/** Python text_format's CEscape: printable ASCII as is, \n \r \t \" \' \\ named, every other byte octal. */
function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    switch (b) {
      case 10: s += '\\n'; break;
      case 13: s += '\\r'; break;
      case 9: s += '\\t'; break;
      case 34: s += '\\"'; break;
      case 39: s += "\\'"; break;
      case 92: s += '\\\\'; break;
      default: s += b >= 32 && b < 127 ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0');
    }
  }
  return s + '"';
}

function sortKeys(keys: string[], keyType: string): string[] {
  if (keyType === 'string') return keys.sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
  if (keyType === 'bool') return keys.sort();
  for (const k of keys) if (!/^-?[0-9]{1,20}$/.test(k)) throw new InvalidArgumentError(`text format: map key ${JSON.stringify(k)} is not an integer`);
  return keys.sort((a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

// ----- floats, as Python prints them

/** Python's repr of a double given as significant digits and decimal point position (value = 0.DIGITS * 10^decpt). */
function pyFormat(neg: boolean, digits: string, decpt: number): string {
  let s: string;
  if (decpt <= -4 || decpt > 16) {
    const exp = decpt - 1;
    s = digits[0]! + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  } else if (decpt <= 0) {
    s = '0.' + '0'.repeat(-decpt) + digits;
  } else if (decpt >= digits.length) {
    s = digits + '0'.repeat(decpt - digits.length) + '.0';
  } else {
    s = digits.slice(0, decpt) + '.' + digits.slice(decpt);
  }
  return (neg ? '-' : '') + s;
}

function special(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  return null;
}

/** Python's `repr(x)` for a double: the shortest digits that read back as x. */
export function pyFloatRepr(x: number): string {
  const sp = special(x);
  if (sp !== null) return sp;
  const [mant, exp] = Math.abs(x).toExponential().split('e') as [string, string];
  return pyFormat(x < 0, mant.replace('.', ''), Number(exp) + 1);
}

/**
 * How Python's text_format prints a float field: the fewest significant digits, at least 6, that read back as the
 * same float32 (`'%.{p}g'`, round-half-even on the exact value), then repr of that double.
 */
export function pyFloatRepr32(x: number): string {
  x = Math.fround(x);
  const sp = special(x);
  if (sp !== null) return sp;
  const exact = exactDecimal(Math.abs(x));
  for (let p = 6; p <= 17; p++) {
    const [digits, decpt] = roundDigits(exact.digits, exact.decpt, p);
    const y = Number(`0.${digits}e${decpt}`);
    if (Math.fround(y) === Math.abs(x)) return pyFormat(x < 0, digits, decpt);
  }
  return pyFloatRepr(x); // unreachable: 9 digits always round-trip a float32
}

/** The exact decimal expansion of a positive finite double: value = 0.DIGITS * 10^decpt. */
function exactDecimal(x: number): { digits: string; decpt: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (bexp === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = bexp - 1075;
  }
  let digits: string;
  let scale: number; // value = digits * 10^scale
  if (e2 >= 0) {
    digits = (mant << BigInt(e2)).toString();
    scale = 0;
  } else {
    digits = (mant * 5n ** BigInt(-e2)).toString();
    scale = e2;
  }
  const stripped = digits.replace(/0+$/, '');
  scale += digits.length - stripped.length;
  return { digits: stripped, decpt: stripped.length + scale };
}

/** DIGITS rounded to p significant digits, half to even (C's printf), trailing zeros dropped. */
function roundDigits(digits: string, decpt: number, p: number): [string, number] {
  if (digits.length <= p) return [digits, decpt];
  let head = digits.slice(0, p);
  const next = digits.charCodeAt(p) - 48;
  const restNonZero = /[1-9]/.test(digits.slice(p + 1));
  const roundUp = next > 5 || (next === 5 && (restNonZero || (head.charCodeAt(p - 1) - 48) % 2 === 1));
  if (roundUp) {
    const n = (BigInt(head) + 1n).toString();
    if (n.length > head.length) decpt += 1;
    head = n.slice(0, p);
  }
  head = head.replace(/0+$/, '');
  return [head.length === 0 ? '0' : head, decpt];
}
