/**
 * Exact integer weights for the solvers, and the exact objective.
 *
 * Cost scaling is exact only on integers below 2^53, so every score is
 * multiplied by one common factor that makes all of them integers: the
 * smallest 10^d (d ≤ 12) with Math.round(w·10^d) / 10^d === w for every
 * score — so 12.3 is treated as exactly 123/10, as the caller meant it — or,
 * failing that, the power of two that makes every double an integer (every
 * finite double is a dyadic rational m·2^e). When neither fits below 2^53 the
 * scale is `none` and only the BigInt reference can solve the pool.
 */
import type { PairRows } from './pair-rows.ts';

export type Scale =
  | { kind: 'decimal'; factor: number; maxInt: number }
  | { kind: 'dyadic'; factor: number; maxInt: number }
  | { kind: 'none' };

const MAX_DECIMALS = 12;

export function chooseScale(score: Float64Array, count: number): Scale {
  let maxScore = 0;
  for (let e = 0; e < count; e++) {
    const x = score[e]!;
    if (x > maxScore) maxScore = x;
  }
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const factor = 10 ** d;
    if (maxScore * factor > Number.MAX_SAFE_INTEGER) break;
    if (isExactDecimal(score, count, factor)) return { kind: 'decimal', factor, maxInt: Math.round(maxScore * factor) };
  }
  let minExp = 0;
  for (let e = 0; e < count; e++) {
    const x = score[e]!;
    if (x !== 0) minExp = Math.min(minExp, decompose(x).exp);
  }
  const shift = -minExp;
  if (shift <= 1023) {
    const factor = 2 ** shift;
    if (Number.isFinite(factor) && maxScore * factor <= Number.MAX_SAFE_INTEGER) return { kind: 'dyadic', factor, maxInt: maxScore * factor };
  }
  return { kind: 'none' };
}

function isExactDecimal(score: Float64Array, count: number, factor: number): boolean {
  for (let e = 0; e < count; e++) {
    const x = score[e]!;
    if (Math.round(x * factor) / factor !== x) return false;
  }
  return true;
}

/** The scores of `rows` as the exact integers of `scale` (which must not be `none`). */
export function scaleToIntegers(rows: PairRows, scale: Scale & { factor: number }): Float64Array {
  const weights = new Float64Array(rows.count);
  const { score } = rows;
  if (scale.kind === 'decimal') {
    for (let e = 0; e < rows.count; e++) weights[e] = Math.round(score[e]! * scale.factor);
  } else {
    for (let e = 0; e < rows.count; e++) weights[e] = score[e]! * scale.factor;
  }
  return weights;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface Dyadic {
  /** Odd (for x > 0). */
  mant: bigint;
  exp: number;
}

/** A positive finite double as odd mantissa · 2^exp, read from its bits. */
export function decompose(x: number): Dyadic {
  f64[0] = x;
  const lo = u32[LITTLE_ENDIAN ? 0 : 1]!;
  const hi = u32[LITTLE_ENDIAN ? 1 : 0]!;
  const biasedExp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biasedExp === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biasedExp - 1075;
  }
  while (mant > 0n && (mant & 1n) === 0n) {
    mant >>= 1n;
    exp++;
  }
  return { mant, exp };
}

/** Sum of the chosen scores, exact, rounded once to the nearest double. */
export function sumExactly(values: number[], scale: Scale): number {
  if (values.length === 0) return 0;
  if (scale.kind === 'decimal') {
    let sum = 0;
    for (const v of values) sum += Math.round(v * scale.factor);
    if (sum <= Number.MAX_SAFE_INTEGER) return sum / scale.factor;
  } else if (scale.kind === 'dyadic') {
    let sum = 0;
    for (const v of values) sum += v * scale.factor;
    if (sum <= Number.MAX_SAFE_INTEGER) return sum / scale.factor;
  }
  const parts = values.filter((v) => v !== 0).map((v) => decompose(v));
  if (parts.length === 0) return 0;
  let minExp = Infinity;
  for (const p of parts) minExp = Math.min(minExp, p.exp);
  let sum = 0n;
  for (const p of parts) sum += p.mant << BigInt(p.exp - minExp);
  return nearestDouble(sum, minExp);
}

/** Nearest double to s · 2^exp (s > 0). */
function nearestDouble(s: bigint, exp: number): number {
  // Keep 64 significant bits plus a sticky bit, then let Number() and the power of two do the rounding.
  const bits = s.toString(2).length;
  if (bits > 64) {
    const drop = bits - 64;
    const sticky = (s & ((1n << BigInt(drop)) - 1n)) !== 0n ? 1n : 0n;
    s = (s >> BigInt(drop)) | sticky;
    exp += drop;
  }
  let v = Number(s);
  // in steps, so that the factor 2^exp itself cannot overflow or underflow
  while (exp > 0) {
    const step = Math.min(exp, 1000);
    v *= 2 ** step;
    exp -= step;
  }
  while (exp < 0) {
    const step = Math.min(-exp, 1000);
    v /= 2 ** step;
    exp += step;
  }
  return v;
}
