// The allocator of the cpu executor's one shared WebAssembly.Memory: a bump pointer with a first-fit free list that
// coalesces neighbours and gives the top block back to the bump pointer. Blocks are 64-byte aligned (a cache line:
// packed panels and SIMD loads never straddle one at their start). wasm32 addresses stop at 4 GiB; asking for more
// is a ResourceExhaustedError, never a RangeError from memory.grow.
import { ResourceExhaustedError } from '../../graph/errors.js';

const PAGE = 65536;
export const ALIGN = 64;
export const MAX_BYTES = 4 * 1024 * 1024 * 1024;

interface Block { ptr: number; size: number }

export class Arena {
  private top: number;
  private readonly free: Block[] = []; // sorted by ptr, never adjacent (coalesced)
  private readonly sizes = new Map<number, number>();
  private live = 0;

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = alignUp(base);
  }

  /** Bytes handed out and not yet freed. */
  get liveBytes(): number { return this.live; }
  /** The high-water mark of the heap: everything below it is either live or on the free list. */
  get heapTop(): number { return this.top; }

  /** `bytes` bytes, 64-byte aligned; `what` names the caller in the error when the 4 GiB limit would be passed. */
  alloc(bytes: number, what = 'buffer'): number {
    const size = alignUp(Math.max(bytes, 1));
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      if (b.size < size) continue;
      const ptr = b.ptr;
      if (b.size === size) this.free.splice(i, 1);
      else { b.ptr += size; b.size -= size; }
      return this.hand(ptr, size);
    }
    if (this.top + size > MAX_BYTES) {
      throw new ResourceExhaustedError(`cpu executor: ${what} needs ${size} bytes, but the wasm memory would pass its 4 GiB limit (${this.live} bytes live)`);
    }
    const ptr = this.top;
    this.top += size;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      // Grow by a quarter at least, so a heap built up block by block does not grow page by page.
      const need = Math.ceil((this.top - have) / PAGE);
      const want = Math.min(Math.max(need, Math.ceil(have / PAGE / 4)), (MAX_BYTES - have) / PAGE);
      if (!tryGrow(this.memory, want) && !tryGrow(this.memory, need)) {
        this.top = ptr;
        throw new ResourceExhaustedError(`cpu executor: ${what} needs ${size} bytes and the wasm memory cannot grow past ${have} bytes`);
      }
    }
    return this.hand(ptr, size);
  }

  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`Arena.release: ${ptr} is not a live block`);
    this.sizes.delete(ptr);
    this.live -= size;
    let lo = 0, hi = this.free.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.free[mid].ptr < ptr) lo = mid + 1; else hi = mid; }
    let block: Block = { ptr, size };
    const prev = this.free[lo - 1], next = this.free[lo];
    if (prev && prev.ptr + prev.size === ptr) { prev.size += size; block = prev; } else this.free.splice(lo++, 0, block);
    if (next && block.ptr + block.size === next.ptr) { block.size += next.size; this.free.splice(lo, 1); }
    if (block.ptr + block.size === this.top) { this.top = block.ptr; this.free.splice(this.free.indexOf(block), 1); }
  }

  private hand(ptr: number, size: number): number {
    this.sizes.set(ptr, size);
    this.live += size;
    return ptr;
  }
}

function tryGrow(memory: WebAssembly.Memory, pages: number): boolean {
  try { memory.grow(pages); return true; } catch { return false; }
}

function alignUp(n: number): number { return Math.ceil(n / ALIGN) * ALIGN; }
