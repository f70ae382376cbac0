// The part of the WebAssembly JS API the cpu executor uses. Node has it globally, but neither lib ES2022 nor
// @types/node 20 declares it (it lives in lib.dom), and pulling the DOM lib into the project would type `window`,
// `document` and friends everywhere. Shapes as in TypeScript's lib.dom.d.ts.
declare global {
  namespace WebAssembly {
    interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
    class Memory {
      constructor(descriptor: MemoryDescriptor);
      readonly buffer: ArrayBuffer | SharedArrayBuffer;
      grow(delta: number): number;
    }
    interface ModuleExportDescriptor { name: string; kind: 'function' | 'table' | 'memory' | 'global' }
    class Module {
      constructor(bytes: ArrayBufferView | ArrayBuffer);
      static exports(module: Module): ModuleExportDescriptor[];
    }
    class Global { value: unknown }
    type ExportValue = ((...args: number[]) => number | void) | Global | Memory;
    type Exports = Record<string, ExportValue>;
    type Imports = Record<string, Record<string, Memory | Global | ((...args: number[]) => unknown)>>;
    class Instance {
      constructor(module: Module, imports?: Imports);
      readonly exports: Exports;
    }
    function validate(bytes: ArrayBufferView | ArrayBuffer): boolean;
  }
}
export {};
