// The 32-bit string hash behind hash_policy, ring hash and Maglev. Envoy uses xxHash64; any
// well-mixed hash gives the same guarantees (stable host per key, minimal movement on change),
// though not the same host as Envoy for the same key.

/** FNV-1a over UTF-16 code units, finished with murmur3's avalanche mix. */
export function hash32(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Envoy's way of folding several hash_policy results into one: rotate left by one, xor. */
export function combineHash(acc: number | undefined, next: number): number {
  if (acc === undefined) return next >>> 0;
  return (((acc << 1) | (acc >>> 31)) ^ next) >>> 0;
}
