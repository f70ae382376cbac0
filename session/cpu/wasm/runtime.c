// Per-thread runtime: each worker's instance of the module shares the memory but has its own globals, so each gets
// its own C stack, carved from the shared heap by the host (the main thread keeps the linker's stack).
#include "kiln.h"

__asm__(".globaltype __stack_pointer, i32\n");

KILN_EXPORT void kiln_set_stack(uint32_t top) {
  __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" ::"r"(top));
}
