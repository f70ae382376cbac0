// Per-thread runtime: each worker's instance of the module shares the memory but has its own globals, so each gets
// its own C stack, carved from the shared heap by the host (the main thread keeps the linker's stack).
#include "simd_math.h"

__asm__(".globaltype __stack_pointer, i32\n");

KILN_EXPORT void kiln_set_stack(uint32_t top) {
  __asm__ volatile("local.get %0\n\tglobal.set __stack_pointer" ::"r"(top));
}

#define SPLAT(v) {.f = {v, v, v, v}}
// simd_math.h's constants, in the order of its MC_* enum (see there why they live in memory).
kiln_math_entry_t kiln_math_table[MC_COUNT] = {
  [MC_EXP_HI] = SPLAT(88.72283935546875f), [MC_EXP_LO] = SPLAT(-87.33654022216797f),
  [MC_LOG2E] = SPLAT(1.44269504088896341f), [MC_MAGIC] = SPLAT(12582912.0f),
  [MC_LN2_HI] = SPLAT(0.693359375f), [MC_LN2_LO] = SPLAT(-2.12194440e-4f),
  [MC_P5] = SPLAT(1.9875691500e-4f), [MC_P4] = SPLAT(1.3981999507e-3f), [MC_P3] = SPLAT(8.3334519073e-3f),
  [MC_P2] = SPLAT(4.1665795894e-2f), [MC_P1] = SPLAT(1.6666665459e-1f), [MC_P0] = SPLAT(5.0000001201e-1f),
  [MC_ONE] = SPLAT(1.0f), [MC_INF] = SPLAT(__builtin_inff()), [MC_SIX] = SPLAT(6.0f),
  [MC_TANH_CLAMP] = SPLAT(7.90531110763549805f), [MC_TANH_TINY] = SPLAT(0.0004f),
  [MC_A13] = SPLAT(-2.76076847742355e-16f), [MC_A11] = SPLAT(2.00018790482477e-13f),
  [MC_A9] = SPLAT(-8.60467152213735e-11f), [MC_A7] = SPLAT(5.12229709037114e-08f),
  [MC_A5] = SPLAT(1.48572235717979e-05f), [MC_A3] = SPLAT(6.37261928875436e-04f),
  [MC_A1] = SPLAT(4.89352455891786e-03f), [MC_B6] = SPLAT(1.19825839466702e-06f),
  [MC_B4] = SPLAT(1.18534705686654e-04f), [MC_B2] = SPLAT(2.26843463243900e-03f),
  [MC_B0] = SPLAT(4.89352518554385e-03f),
  [MC_I127] = {.i = {127, 127, 127, 127}},
};
