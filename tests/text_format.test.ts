import { readdirSync, readFileSync, existsSync } from 'node:fs';
import protobuf from 'protobufjs';
import { InvalidArgumentError } from '../graph/errors.js';
import { tensorflow } from '../proto/generated/tf.js';
import { graphDefType, MAX_DEPTH, parseTextFormat, pyFloatRepr, pyFloatRepr32, tfType, toTextFormat } from '../serialization/text_format.js';
import { pathToFileURL } from 'node:url';
import { TF_TESTDATA } from './testdata.js';

const TF_DIR = pathToFileURL(`${TF_TESTDATA}/`);

// A small schema covering every kind of field, independent of TensorFlow's.
const TEST_PROTO = `
syntax = "proto3";
package t;
enum Color { NONE = 0; RED = 1; GREEN = 2; }
message Inner { int32 a = 1; string s = 2; repeated Inner kids = 3; }
message All {
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; fixed32 f32 = 6;
  float f = 7; double d = 8; bool b = 9; string s = 10; bytes by = 11; Color c = 12;
  Inner inner = 13; repeated int32 ri = 14; repeated string rs = 15; repeated Inner rm = 16;
  map<string, Inner> ms = 17; map<int32, string> mi = 18; repeated float rf = 19; repeated Color rc = 20;
  oneof choice { int32 oi = 21; string os = 22; }
}
`;
const testRoot = protobuf.parse(TEST_PROTO, { keepCase: true }).root;
const All = testRoot.lookupType('t.All');

function parse(text: string): Record<string, unknown> {
  return All.toObject(parseTextFormat(All, text, 'test.pbtxt'), { defaults: false, bytes: Array, enums: String }) as Record<string, unknown>;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('text format: parsing', () => {
  test('scalars of every type', () => {
    const m = parse(`i32: -5 i64: 9007199254740991 u32: 4294967295 u64: 0x10 s32: 017 f32: 7
      f: 1.5 d: 1e-05 b: true s: "hi" by: "\\001\\x02" c: GREEN`);
    expect(m).toEqual({ i32: -5, i64: 9007199254740991, u32: 4294967295, u64: 16, s32: 15, f32: 7, f: 1.5, d: 1e-5, b: true, s: 'hi', by: [1, 2], c: 'GREEN' });
  });

  test('messages with { }, < >, and an optional colon; separators; comments', () => {
    const m = parse(`# a comment
      inner { a: 1, s: "x"; kids < a: 2 > kids: { a: 3 } } # trailing
      rm { } rm: < >`);
    expect(m).toEqual({ inner: { a: 1, s: 'x', kids: [{ a: 2 }, { a: 3 }] }, rm: [{}, {}] });
  });

  test('repeated fields as entries and as [a, b] lists', () => {
    const m = parse('ri: 1 ri: [2, 3] ri: [] rs: ["a", "b"] rm: [{a: 1}, <a: 2>] rc: [RED, 2] rf: [1, inf]');
    expect(m).toEqual({ ri: [1, 2, 3], rs: ['a', 'b'], rm: [{ a: 1 }, { a: 2 }], rc: ['RED', 'GREEN'], rf: [1, Infinity] });
  });

  test('map fields as key/value entries; a later key replaces an earlier one', () => {
    const m = parse('ms { key: "b" value { a: 2 } } ms { key: "a" value: { a: 1 } } mi { key: 3 value: "x" } mi { key: 3 value: "y" } ms { key: "e" }');
    expect(m).toEqual({ ms: { a: { a: 1 }, b: { a: 2 }, e: {} }, mi: { 3: 'y' } });
  });

  test('enums by name or by number', () => {
    expect(parse('c: RED').c).toBe('RED');
    expect(parse('c: 2').c).toBe('GREEN');
  });

  test('string escapes, adjacent strings, UTF-8', () => {
    expect(parse(String.raw`s: "a\n\t\"\'\\\101\x41\u00e9" 'b' "c"`).s).toBe('a\n\t"\'\\AAébc');
    expect(parse('s: "héllo"').s).toBe('héllo');
    expect(parse(String.raw`by: "\000\000\200?"`).by).toEqual([0, 0, 128, 63]);
    expect(parse(String.raw`by: "\x7f\1\12\123"`).by).toEqual([127, 1, 10, 83]);
  });

  test('floats: inf, -inf, nan, exponents, f suffix, integers; stored as float32', () => {
    const m = parse('rf: [inf, -inf, nan, 1e-05, 1.5f, -2, .5, 0.1, -Infinity] d: 0.1');
    const rf = m.rf as number[];
    expect(rf.slice(0, 2)).toEqual([Infinity, -Infinity]);
    expect(Number.isNaN(rf[2])).toBe(true);
    expect(rf.slice(3)).toEqual([Math.fround(1e-5), 1.5, -2, 0.5, Math.fround(0.1), -Infinity]);
    expect(m.d).toBe(0.1);
  });

  test('bools', () => {
    for (const [t, v] of [['true', true], ['t', true], ['True', true], ['1', true], ['false', false], ['f', false], ['False', false], ['0', false]] as const) {
      const msg = parseTextFormat(All, `b: ${t}`) as unknown as { b: boolean };
      expect(msg.b).toBe(v);
    }
  });

  test('oneof members', () => {
    expect(parse('oi: 0')).toEqual({ oi: 0 });
    expect(errorOf(() => parse('oi: 1 os: "x"')).message).toMatch(/oneof choice/);
  });

  test('int64 beyond 2^53 is an error, not rounded', () => {
    const e = errorOf(() => parse('i64: 9007199254740993'));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/test\.pbtxt:1:6: .*beyond 2\^53/);
    expect(parse('i64: -9007199254740991').i64).toBe(-9007199254740991);
  });

  test('errors name the file, line and column', () => {
    const e = errorOf(() => parseTextFormat(All, 'i32: 1\n  bogus: 2', 'model.pbtxt'));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toBe('model.pbtxt:2:3: message type t.All has no field named "bogus"');
    expect(errorOf(() => parseTextFormat(All, 'inner { zz: 1 }')).message).toBe('<text>:1:9: message type t.Inner has no field named "zz"');
  });

  test.each([
    ['i32: 2147483648', /out of range/],
    ['u32: -1', /out of range/],
    ['i32: 1.5', /expected an integer/],
    ['i32 1', /expected ':'/],
    ['s: "abc', /not terminated/],
    ['s: "a\nb"', /not terminated before the end of the line/],
    ['s: abc', /expected a string/],
    [String.raw`s: "\q"`, /unknown escape/],
    [String.raw`by: "\400"`, /beyond \\377/],
    [String.raw`by: "\x"`, /without hex digits/],
    [String.raw`s: "\377"`, /invalid UTF-8/],
    ['c: BLUE', /no value named "BLUE"/],
    ['b: yes', /true or false/],
    ['f: 1.2.3', /expected a number/],
    ['f: nanx', /expected a number/],
    ['inner { a: 1', /expected '}' to close t.Inner/],
    ['inner { a: 1 >', /expected a field name/],
    ['inner: 5', /expected '\{' or '<'/],
    ['i32: 1 i32: 2', /given more than once/],
    ['inner {} inner {}', /given more than once/],
    ['i32: [1]', /not repeated/],
    ['ri: [1 2]', /expected ','/],
    ['}', /expected a field name/],
    ['i32: 1 @', /unexpected character '@'/],
    ['i32: \u0001', /unexpected character U\+0001/],
    ['__proto__: 1', /no field named "__proto__"/],
    ['toString: 1', /no field named "toString"/],
    ['c: __proto__', /no value named/],
    ['ms { key: "a" key: "b" }', /given more than once in a map entry/],
    ['ms { k: "a" }', /expected "key" or "value"/],
    ['[ext.foo]: 1', /extension fields are not supported/],
  ])('malformed input %j is a clear error', (text, re) => {
    const e = errorOf(() => parseTextFormat(All, text, 'bad.pbtxt'));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/^bad\.pbtxt:\d+:\d+: /);
    expect(e.message).toMatch(re);
  });

  test(`nesting is capped at ${MAX_DEPTH} levels, with a clear error, not a stack overflow`, () => {
    const nested = (n: number): string => 'inner { ' + 'kids { '.repeat(n - 1) + '}'.repeat(n);
    expect(() => parseTextFormat(All, nested(MAX_DEPTH))).not.toThrow();
    const e = errorOf(() => parseTextFormat(All, nested(100000)));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e.message).toMatch(/nested more than 100 deep/);
  });

  test('fuzz: truncated, bit-flipped and random inputs give InvalidArgumentError or a message, nothing else', () => {
    const bases = ['tf_grappler_while_loop/while_loop.pbtxt', 'dl4j_conv_0/frozen_graph.pbtxt'].map((f) => readFileSync(new URL(f, TF_DIR), 'utf8'));
    const gd = graphDefType();
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const inputs: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const base = bases[i % 2]!;
      inputs.push(base.slice(0, rand(base.length)));
    }
    for (let i = 0; i < 1000; i++) {
      const base = bases[i % 2]!;
      const chars = base.split('');
      for (let k = 0; k < 1 + rand(4); k++) {
        const p = rand(chars.length);
        chars[p] = String.fromCharCode(chars[p]!.charCodeAt(0) ^ (1 << rand(7)));
      }
      inputs.push(chars.join(''));
    }
    const alphabet = 'ab_:{}<>[],;#"\'\\-+.0159eEfxn \n\tinfatr';
    for (let i = 0; i < 1000; i++) inputs.push(Array.from({ length: rand(200) }, () => alphabet[rand(alphabet.length)]).join(''));
    inputs.push('node {'.repeat(5000), '"'.repeat(1000), '\\'.repeat(1000), '['.repeat(1000), 'node: ['.repeat(1000));
    // Inputs that would be slow for a backtracking tokenizer.
    inputs.push(`node { attr { key: "a" value { f: ${'1'.repeat(200000)}x } } }`, `node { name: "${'\\0'.repeat(200000)}`, '#\n'.repeat(200000) + '}');
    inputs.push(`versions { producer: ${'9'.repeat(100000)} }`, `node { name: ${"'a' ".repeat(100000)} }`);
    const t0 = Date.now();
    let ok = 0;
    for (const text of inputs) {
      try {
        parseTextFormat(gd, text, 'fuzz.pbtxt');
        ok++;
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw new Error(`non-Kiln error ${(e as Error).stack} for input ${JSON.stringify(text.slice(0, 300))}`);
        expect((e as Error).message).toMatch(/^fuzz\.pbtxt/);
      }
    }
    expect(ok).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(20000);
  });
});

describe('text format: printing', () => {
  test("TF's layout: field-number order, two-space indent, defaults left out, map keys sorted", () => {
    const m = All.fromObject({
      s: 'x', i32: 0, b: false, inner: { a: 1, kids: [{}] }, ri: [0, 1], c: 'RED',
      ms: { b: { a: 2 }, a: {}, B: { s: 'y' } }, mi: { 10: 'ten', 2: 'two', '-1': 'neg' }, oi: 0,
    });
    expect(toTextFormat(All, m)).toBe(
      's: "x"\nc: RED\ninner {\n  a: 1\n  kids {\n  }\n}\nri: 0\nri: 1\n' +
        'ms {\n  key: "B"\n  value {\n    s: "y"\n  }\n}\nms {\n  key: "a"\n  value {\n  }\n}\nms {\n  key: "b"\n  value {\n    a: 2\n  }\n}\n' +
        'mi {\n  key: -1\n  value: "neg"\n}\nmi {\n  key: 2\n  value: "two"\n}\nmi {\n  key: 10\n  value: "ten"\n}\noi: 0\n',
    );
    expect(toTextFormat(All, {})).toBe('');
  });

  test("strings and bytes escaped as Python's text_format does", () => {
    expect(toTextFormat(All, { s: 'a"b\'c\\d\n\t\ré\u0001~' })).toBe(String.raw`s: "a\"b\'c\\d\n\t\r\303\251\001~"` + '\n');
    expect(toTextFormat(All, { by: Uint8Array.from([0, 0, 128, 63, 127, 32]) })).toBe(String.raw`by: "\000\000\200?\177 "` + '\n');
  });

  test('enums by name, unknown enum numbers as numbers, int64 exactly', () => {
    expect(toTextFormat(All, { c: 2, rc: [1, 7] })).toBe('c: GREEN\nrc: RED\nrc: 7\n');
    expect(toTextFormat(All, { i64: -9007199254740991, u64: 2 ** 60 })).toBe('i64: -9007199254740991\nu64: 1152921504606846976\n');
  });

  test.each([
    [1, '1.0'], [0.5, '0.5'], [0.0001, '0.0001'], [1e-5, '1e-05'], [0.1, '0.1'], [1 / 3, '0.33333334'], [0.333333, '0.333333'], [-2.5, '-2.5'],
    [1e10, '10000000000.0'], [1e16, '1e+16'], [123456789, '123456790.0'], [3.4028234663852886e38, '3.4028235e+38'],
    [Math.fround(0.9), '0.9'], [1.401298464324817e-45, '1.4013e-45'], [0.001953125, '0.001953125'], [Infinity, 'inf'], [-Infinity, '-inf'],
    [NaN, 'nan'], [-0, '-0.0'], [16777216, '16777216.0'], [0.3, '0.3'], [1e-7, '1e-07'],
  ])('float %p prints as %s (Python text_format)', (x, s) => {
    expect(pyFloatRepr32(x)).toBe(s);
  });

  test.each([
    [1, '1.0'], [0.1, '0.1'], [1 / 3, '0.3333333333333333'], [1e-5, '1e-05'], [1e16, '1e+16'], [1e15, '1000000000000000.0'],
    [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [0.1 + 0.2, '0.30000000000000004'], [123.456, '123.456'],
  ])('double %p prints as %s (Python repr)', (x, s) => {
    expect(pyFloatRepr(x)).toBe(s);
  });

  test('float fields print through the float32 rule, double fields through repr', () => {
    expect(toTextFormat(All, { f: 0.1, d: 0.1, rf: [1, 1e-5] })).toBe('f: 0.1\nd: 0.1\nrf: 1.0\nrf: 1e-05\n');
  });

  test('round trip: parse(print(m)) == m', () => {
    const m = All.fromObject({
      i32: -7, i64: 2 ** 53 - 1, u32: 4294967295, u64: 12, s32: -3, f32: 9, f: Math.fround(3.14159), d: Math.PI, b: true,
      s: 'tab\there "quoted" \'single\' back\\slash é 漢 😀', by: Uint8Array.from({ length: 256 }, (_, i) => i), c: 'GREEN',
      inner: { a: 1, kids: [{ s: 'k' }, {}] }, ri: [1, -2, 0], rs: ['', 'x'], rm: [{}, { a: 5 }], ms: { '': { a: 1 }, z: {} }, mi: { 0: '', 5: 'five' },
      rf: [Infinity, -Infinity, Math.fround(1e-30), -0], rc: ['NONE', 'RED'], os: '',
    });
    const text = toTextFormat(All, m);
    const back = parseTextFormat(All, text);
    const opts = { bytes: Array, enums: String, defaults: false };
    expect(All.toObject(back, opts)).toEqual(All.toObject(m, opts));
    expect(toTextFormat(All, back)).toBe(text);
    expect(All.encode(back).finish()).toEqual(All.encode(m).finish());
  });

  test('random messages round trip', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const f32 = new Float32Array(1);
    const u32 = new Uint32Array(f32.buffer);
    for (let i = 0; i < 200; i++) {
      const floats = Array.from({ length: 8 }, () => {
        u32[0] = (rand(65536) << 16) | rand(65536);
        return f32[0]!;
      });
      const m = All.fromObject({
        rf: floats, d: (rand(1e9) - 5e8) / 3 ** rand(40), s: String.fromCharCode(...Array.from({ length: rand(10) }, () => rand(0x3000))),
        by: Uint8Array.from({ length: rand(20) }, () => rand(256)), i64: rand(2 ** 31) * 2 ** 21 - 2 ** 50,
      });
      const text = toTextFormat(All, m);
      const back = parseTextFormat(All, text);
      expect(toTextFormat(All, back)).toBe(text);
      const a = All.toObject(back, { bytes: Array }) as { rf: number[] };
      expect(a.rf.map((x) => (Number.isNaN(x) ? 'nan' : x))).toEqual(floats.map((x) => (Number.isNaN(x) ? 'nan' : x)));
    }
  });
});

describe("text format: TensorFlow's own files", () => {
  const cases = readdirSync(TF_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/frozen_graph.pbtxt`, TF_DIR)))
    .map((d) => d.name);

  test('the test data is there', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  test.each(cases)('%s: frozen_graph.pbtxt parses to the same GraphDef as frozen_model.pb and prints back identically', (name) => {
    const file = new URL(`${name}/frozen_graph.pbtxt`, TF_DIR);
    const text = readFileSync(file, 'utf8');
    const parsed = parseTextFormat(tensorflow.GraphDef, text, file.pathname);
    expect(parsed).toBeInstanceOf(tensorflow.GraphDef);
    const binary = tensorflow.GraphDef.decode(readFileSync(new URL(`${name}/frozen_model.pb`, TF_DIR)));
    const opts = { bytes: Array, enums: String, defaults: false };
    expect(tensorflow.GraphDef.toObject(parsed, opts)).toEqual(tensorflow.GraphDef.toObject(binary, opts));
    // These files were written by an older protobuf, which printed float fields as the double repr of the float32;
    // floatStyle 'double' reproduces them byte for byte, the default (today's shortest style) differs only there.
    expect(toTextFormat(tensorflow.GraphDef, parsed, { floatStyle: 'double' })).toBe(text);
    expect(toTextFormat(tensorflow.GraphDef, binary, { floatStyle: 'double' })).toBe(text);
    const expected = name === 'dl4j_fused_batch_norm__float32_nhwc' ? text.replace('f: 0.0010000000474974513', 'f: 0.001') : text;
    expect(toTextFormat(tensorflow.GraphDef, parsed)).toBe(expected);
  });

  test('while_loop.pbtxt (grappler test data) prints back identically and round-trips through binary', () => {
    const file = new URL('tf_grappler_while_loop/while_loop.pbtxt', TF_DIR);
    const text = readFileSync(file, 'utf8');
    const parsed = parseTextFormat(tensorflow.GraphDef, text, file.pathname);
    expect(parsed.node.length).toBeGreaterThan(10);
    expect(toTextFormat(tensorflow.GraphDef, parsed)).toBe(text);
    const again = tensorflow.GraphDef.decode(tensorflow.GraphDef.encode(parsed).finish());
    expect(toTextFormat(tensorflow.GraphDef, again)).toBe(text);
  });

  test('the type can be given as a reflection Type or a name too', () => {
    const text = 'node { name: "x" op: "Const" attr { key: "dtype" value { type: DT_FLOAT } } }';
    const a = parseTextFormat(graphDefType(), text);
    const b = parseTextFormat('tensorflow.GraphDef', text);
    const c = parseTextFormat(tensorflow.GraphDef, text);
    expect(toTextFormat(graphDefType(), a)).toBe(toTextFormat('tensorflow.GraphDef', b));
    expect(toTextFormat(tensorflow.GraphDef, c)).toBe('node {\n  name: "x"\n  op: "Const"\n  attr {\n    key: "dtype"\n    value {\n      type: DT_FLOAT\n    }\n  }\n}\n');
    expect(tfType('tensorflow.AttrValue.ListValue').fullName).toBe('.tensorflow.AttrValue.ListValue');
    expect(toTextFormat(tensorflow.AttrValue.ListValue, { i: [1, 2] })).toBe('i: 1\ni: 2\n');
  });

  test('AttrValue oneof members are written even at their default (i: 0, b: false, s: "")', () => {
    const t = 'attr {\n  key: "a"\n  value {\n    i: 0\n  }\n}\n';
    const n = parseTextFormat(tensorflow.NodeDef, t);
    expect(n.attr.a!.value).toBe('i');
    expect(toTextFormat(tensorflow.NodeDef, n)).toBe(t);
    expect(toTextFormat(tensorflow.NodeDef, tensorflow.NodeDef.decode(tensorflow.NodeDef.encode(n).finish()))).toBe(t);
    expect(toTextFormat(tensorflow.AttrValue, { b: false })).toBe('b: false\n');
    // Outside a oneof, proto3 scalars at their default are left out even when set explicitly.
    expect(toTextFormat(tensorflow.NodeDef, tensorflow.NodeDef.fromObject({ name: '', op: 'X', device: '' }))).toBe('op: "X"\n');
    expect(toTextFormat(tensorflow.TensorProto, { dtype: 0, tensor_content: new Uint8Array(0), version_number: 0 })).toBe('');
  });

  test('an expanded google.protobuf.Any is parsed and packed', () => {
    const m = parseTextFormat(tensorflow.MetaGraphDef, 'meta_info_def { any_info { [type.googleapis.com/tensorflow.VersionDef] { producer: 27 } } }');
    const any = m.meta_info_def!.any_info!;
    expect(any.type_url).toBe('type.googleapis.com/tensorflow.VersionDef');
    expect(tensorflow.VersionDef.decode(any.value!).producer).toBe(27);
  });
});

describe('text format: through serialization/io.ts', () => {
  test('readGraphDef reads a .pbtxt into the same GraphDef as the binary', async () => {
    const { readGraphDef } = await import('../serialization/io.js');
    const dir = new URL('dl4j_simpleif_0/', TF_DIR);
    const fromText = await readGraphDef(new URL('frozen_graph.pbtxt', dir).pathname);
    const fromBinary = await readGraphDef(new URL('frozen_model.pb', dir).pathname);
    const opts = { bytes: Array, enums: String };
    expect(tensorflow.GraphDef.toObject(fromText, opts)).toEqual(tensorflow.GraphDef.toObject(fromBinary, opts));
  });
});
