// Seeded fuzzing helpers shared by the fuzz tests: a deterministic PRNG (a failure replays from its
// seed), a list of hostile strings, and a generator of random JSON values.

export type Rand = () => number;

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

export const HOSTILE_STRINGS = [
  "", " ", "/", "//", "/app", "/../..", "dev", "fuzz", "1h", "30s", "10y", "11y", "-1m", "1e3", "NaN", "Infinity",
  "{{randomUsername}}", "{{", "}}", "{{{", "{{#if}}", "{{> p}}", "{{identity.name}}", "\u0000", "a\u0000b", "\ud800", "💥",
  "é", "\n", "'; DROP TABLE dynamic_secrets; --", "__proto__", "constructor", "prototype", "%00", "\\", '"', "a".repeat(300),
  "x".repeat(70_000), "fuzz-totp", "fuzz-sql", "Fuzz-Totp", "-", "a--b",
];

/** A random JSON value built from `strings` (HOSTILE_STRINGS by default) and `keys` for objects. */
export function randomValue(
  rand: Rand,
  depth: number,
  strings: readonly string[] = HOSTILE_STRINGS,
  keys: readonly string[] = [...HOSTILE_STRINGS.slice(0, 20), "key", "value", "host", "port", "password"],
): unknown {
  switch (Math.floor(rand() * (depth > 3 ? 6 : 9))) {
    case 0: return null;
    case 1: return rand() < 0.5;
    case 2: return pick(rand, [0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 3306, 5432]);
    case 3:
    case 4:
    case 5: return pick(rand, strings);
    case 6: return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1, strings, keys));
    default: {
      const out: Record<string, unknown> = {};
      for (let i = Math.floor(rand() * 4); i > 0; i -= 1) out[pick(rand, keys)] = randomValue(rand, depth + 1, strings, keys);
      return out;
    }
  }
}
