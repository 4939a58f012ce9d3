// e^x for floats with the same bits on every x86-64 CPU.
//
// glibc's expf is an ifunc: CPUs with FMA and AVX2 get a variant compiled with
// -mfma -mavx2, older ones an SSE2 variant. Over all 2^32 floats (glibc 2.36,
// Debian 12; scripts/cpu-kinds/libm-bits.c, natively and under QEMU as a
// Nehalem) they give different bits at exactly two inputs, where the FMA
// variant is 0.5013 and 0.5001 ULP off and the SSE2 one correctly rounded.
// Softmax calls e^x on every logit, so a Haswell and a Nehalem could otherwise
// train different models. Everywhere else glibc's result stands: the bits
// gradlab computed before on this machine do not move, and the two inputs get
// the SSE2 (correct) result on every CPU.
//
// A different glibc could disagree elsewhere; scripts/check-cpu-kinds.sh and
// libm-bits.c are how to find out.

#include "cgemm.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

float cgemm_expf(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if (__builtin_expect(u == 0x4202422fu, 0)) return 0x1.f93e36p+46f;  // e^32.5646324: 1.38880145675599256e14
    if (__builtin_expect(u == 0xc27c65d9u, 0)) return 0x1.f45324p-92f;  // e^-63.0994606: 3.94686661475424647e-28
    return expf(x);
}
