// Types for the npm package `snappyjs` (it ships none). Only tests use it (to produce snappy data); the checkpoint
// reader decodes with serialization/checkpoint/snappy.ts.
declare module 'snappyjs' {
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
