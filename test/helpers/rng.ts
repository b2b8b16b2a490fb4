// The seeded generator of the tests: xorshift32, small and the same on every machine.
export type Rng = () => number;

/** Uniform in [0, 1). */
export function rng(seed: number): Rng {
  let s = (seed * 0x9e3779b1) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
