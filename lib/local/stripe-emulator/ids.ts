// Object ids shaped like Stripe's (`in_` + 24 base62 characters). With a seed
// the sequence is reproducible, so a test can assert on exact ids.
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_BODY_LENGTH = 24;

/** A source of uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

export interface IdGenerator {
  /** `prefix_` followed by 24 base62 characters, e.g. `cus_4Hq…`. */
  next(prefix: string): string;
  /** Random characters from `alphabet` (base62 by default). */
  token(length: number, alphabet?: string): string;
}

/** sfc32 seeded through cyrb128: small, fast and good enough for test data. */
export function seededRandom(seed: string | number): RandomSource {
  const text = String(seed);
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  let a = h1 >>> 0;
  let b = h2 >>> 0;
  let c = h3 >>> 0;
  let d = h4 >>> 0;
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

export function cryptoRandom(): RandomSource {
  return () => randomBytes(4).readUInt32BE(0) / 4294967296;
}

export function createIdGenerator(random: RandomSource): IdGenerator {
  const token = (length: number, alphabet = BASE62): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
    return out;
  };
  return {
    next: (prefix) => `${prefix}_${token(ID_BODY_LENGTH)}`,
    token,
  };
}
