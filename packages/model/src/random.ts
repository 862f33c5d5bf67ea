/**
 * A seeded pseudo-random generator for test data, synthetic streams and benchmarks: the same seed
 * gives the same sequence on every machine, so a generated file or a failing run can be
 * reproduced. The model itself draws no random numbers; callers pass this in where they need one.
 *
 * mulberry32 (Tommy Ettinger, 2017, public domain): one 32-bit state word advanced by a Weyl
 * sequence and mixed by multiply-xorshift steps; period 2^32, fast, good enough for data
 * generation, NOT for cryptography or long Monte Carlo runs.
 */

/** A generator of floats in [0, 1) (multiples of 2^-32) determined by `seed` (taken modulo 2^32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
