/**
 * Exact optimal assignment of newcomers to sponsors (bipartite b-matching).
 *
 * Every newcomer gets at most one sponsor, sponsor j takes at most
 * `capacities[j]` newcomers, and only the listed (newcomer, sponsor, score)
 * pairs are eligible. Two objectives:
 *
 * - `score`: maximise the total score of the chosen pairs.
 * - `participation`: maximise the number of matched newcomers first, then the
 *   total score among all maximum-cardinality assignments.
 *
 * Algorithm (exact, no tolerance involved):
 *
 * 1. Scores are turned into exact integers. The smallest decimal scale 10^d
 *    (d ≤ 12) with `Math.round(w·10^d) / 10^d === w` for every score is used —
 *    so `12.3` is treated as exactly 123/10 — or, failing that, the power of two
 *    that makes every double an integer (every finite double is a dyadic
 *    rational). The integer weights must fit a budget that keeps every price of
 *    step 3 below 2^52 (checked up front and again at run time).
 * 2. `participation` mode first computes the maximum cardinality k* with a
 *    Hopcroft–Karp style augmenting-path algorithm generalised to sponsor
 *    capacities. The score optimisation then runs on a network in which exactly
 *    `n − k*` newcomers may stay unmatched, so the lexicographic objective needs
 *    no big-M weights (which would overflow exact double arithmetic).
 * 3. Min-cost flow by cost scaling (Goldberg–Tarjan push–relabel with FIFO
 *    discharge and Goldberg–Kennedy "double push" for both newcomers and
 *    sponsors; each sponsor keeps the list of newcomers currently sending it
 *    flow so that its operations cost O(load), not O(degree)) on the network: newcomer (supply 1) → sponsor
 *    (capacity 1 per edge, cost −w·(N+1)) → sink (capacity c_j); newcomer →
 *    "unmatched" node (cost 0) → sink (capacity n in score mode, n − k* in
 *    participation mode). Costs are multiplied by N+1 (N = node count) and ε is
 *    divided by a constant factor down to ε = 1. A 1-optimal flow for the scaled
 *    integer costs is (1/(N+1))-optimal for the original integer costs, so every
 *    residual cycle (≤ N arcs) has cost > −1, hence ≥ 0: the flow is optimal.
 *    All arithmetic is on integers below 2^53, so it is exact in doubles.
 *    Warm start: every newcomer first sends its unit along its best pair with
 *    price w_best·α (all other prices 0); that pseudoflow is 0-optimal, so the
 *    first refine can run at ε = 1 directly. With loose capacity this touches
 *    only the over-subscribed sponsors; if it stops making progress (tight
 *    pools: price wars over the last places) the flow is reset and ordinary
 *    cost scaling from ε = C·α/64 takes over. Either way the last refine is at
 *    ε = 1, so the result is optimal.
 *    Fast path before all that (both modes): if every newcomer's best pair
 *    fits within the capacities, that assignment is returned as is — each
 *    newcomer gets its individual maximum and everyone with a pair is matched,
 *    so it is optimal for both objectives (see bestEdgesFit).
 * 4. If the integer weights do not fit the budget of step 1 (e.g. arbitrary
 *    floats with 50 significant bits on a large pool) the solver falls back to
 *    successive shortest paths (Dijkstra with Johnson potentials) in BigInt
 *    arithmetic on the exact dyadic values of the doubles. It is exact but much
 *    slower (O(k · E log V) BigInt operations).
 *
 * Duplicate (newcomer, sponsor) pairs are merged keeping the best score. In
 * `score` mode zero-score edges are ignored (they cannot add anything), so a
 * pair is only chosen if its score is positive; in `participation` mode they
 * count for cardinality. Determinism: the edges are put in a canonical order
 * (by newcomer, then sponsor) before solving, and the algorithm has no
 * randomness, so the output depends only on the set of merged edges.
 */

export type AssignMode = 'participation' | 'score';

export interface AssignProblem {
  /** Number of newcomers; newcomer indices are 0..newcomers-1. */
  newcomers: number;
  /** Free places per sponsor; sponsor indices are 0..capacities.length-1. */
  capacities: ArrayLike<number>;
  /** Eligible pairs as [newcomer, sponsor, score]. */
  edges: ReadonlyArray<readonly [number, number, number]>;
}

export interface AssignResult {
  /** Sum of the chosen pairs' scores (exact decimal/dyadic sum, rounded once to a double). */
  objective: number;
  /** Number of matched newcomers. */
  matched: number;
  /** Chosen pairs [newcomer, sponsor], ordered by newcomer. */
  pairs: Array<[number, number]>;
}

/** Column (typed-array) form of the problem: edge k is (edgeNewcomer[k], edgeSponsor[k], edgeScore[k]). */
export interface AssignColumnsProblem {
  newcomers: number;
  capacities: ArrayLike<number>;
  edgeNewcomer: ArrayLike<number>;
  edgeSponsor: ArrayLike<number>;
  edgeScore: ArrayLike<number>;
}

export interface AssignColumnsResult {
  objective: number;
  matched: number;
  /** sponsorOf[i] is the sponsor of newcomer i, or -1 when unmatched. */
  sponsorOf: Int32Array;
}

export interface AssignOptions {
  /**
   * `auto` (default): cost scaling when the integer weights fit the exact-double
   * budget, else the BigInt fallback. `cost-scaling` throws a RangeError when
   * the weights do not fit; `exact-bigint` always uses the BigInt fallback
   * (useful for cross-checking).
   */
  algorithm?: 'auto' | 'cost-scaling' | 'exact-bigint';
}

/** Solve with the tuple API. */
export function assign(problem: AssignProblem, mode: AssignMode = 'participation', options: AssignOptions = {}): AssignResult {
  if (problem === null || typeof problem !== 'object') throw new TypeError('problem must be an object');
  const edges = problem.edges;
  if (!Array.isArray(edges)) throw new TypeError('problem.edges must be an array of [newcomer, sponsor, score]');
  const count = edges.length;
  const en = new Float64Array(count);
  const es = new Float64Array(count);
  const ew = new Float64Array(count);
  for (let k = 0; k < count; k++) {
    const e = edges[k];
    if (!Array.isArray(e) || e.length !== 3) {
      throw new TypeError(`edge ${k}: expected [newcomer, sponsor, score]`);
    }
    const [a, b, c] = e as readonly unknown[];
    if (typeof a !== 'number' || typeof b !== 'number' || typeof c !== 'number') {
      throw new TypeError(`edge ${k}: newcomer, sponsor and score must be numbers`);
    }
    en[k] = a;
    es[k] = b;
    ew[k] = c;
  }
  const res = assignColumns(
    { newcomers: problem.newcomers, capacities: problem.capacities, edgeNewcomer: en, edgeSponsor: es, edgeScore: ew },
    mode,
    options,
  );
  const pairs: Array<[number, number]> = [];
  const so = res.sponsorOf;
  for (let i = 0; i < so.length; i++) {
    const j = so[i]!;
    if (j >= 0) pairs.push([i, j]);
  }
  return { objective: res.objective, matched: res.matched, pairs };
}

/** Throws the error for edge k if it is invalid (the detailed checks, in order). */
function checkEdge(k: number, a: unknown, b: unknown, w: unknown, n: number, m: number): void {
  if (typeof a !== 'number' || !Number.isInteger(a)) throw new TypeError(`edge ${k}: newcomer index must be an integer (got ${String(a)})`);
  if (typeof b !== 'number' || !Number.isInteger(b)) throw new TypeError(`edge ${k}: sponsor index must be an integer (got ${String(b)})`);
  if (a < 0 || a >= n) throw new RangeError(`edge ${k}: newcomer index ${a} out of range [0, ${n})`);
  if (b < 0 || b >= m) throw new RangeError(`edge ${k}: sponsor index ${b} out of range [0, ${m})`);
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new RangeError(`edge ${k}: score must be a finite non-negative number (got ${String(w)})`);
  }
}

const MAX_DECIMALS = 12;
/** Prices must stay below this magnitude; 2^52 leaves one bit of headroom. */
const PRICE_LIMIT = 2 ** 52;

/** Solve with the column API (fast path, no per-edge objects). */
export function assignColumns(problem: AssignColumnsProblem, mode: AssignMode = 'participation', options: AssignOptions = {}): AssignColumnsResult {
  if (mode !== 'participation' && mode !== 'score') {
    throw new RangeError(`unknown mode ${JSON.stringify(mode)}; expected "participation" or "score"`);
  }
  const algorithm = options.algorithm ?? 'auto';
  if (algorithm !== 'auto' && algorithm !== 'cost-scaling' && algorithm !== 'exact-bigint') {
    throw new RangeError(`unknown algorithm ${JSON.stringify(algorithm)}`);
  }
  const n = problem.newcomers;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0x3fffffff) {
    throw new RangeError(`newcomers must be a non-negative integer (got ${String(n)})`);
  }
  const caps = problem.capacities;
  if (caps === null || typeof caps !== 'object' || typeof caps.length !== 'number') {
    throw new TypeError('capacities must be an array of non-negative integers');
  }
  const m = caps.length;
  if (m > 0x3fffffff) throw new RangeError('too many sponsors');
  for (let j = 0; j < m; j++) {
    const c = caps[j];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) {
      throw new RangeError(`capacity of sponsor ${j} must be a non-negative integer (got ${String(c)})`);
    }
  }
  const { edgeNewcomer: EN, edgeSponsor: ES, edgeScore: EW } = problem;
  const E = EN.length;
  if (ES.length !== E || EW.length !== E) {
    throw new RangeError('edgeNewcomer, edgeSponsor and edgeScore must have the same length');
  }
  // One pass validates every edge, copies the indices into Int32Arrays (so the
  // passes below are monomorphic whatever array type the caller used) and
  // counts the rows of both counting sorts. The quick test implies every
  // detailed check below it, so the first failing edge gets the same message.
  const ENi = new Int32Array(E);
  const ESi = new Int32Array(E);
  const cntS = new Int32Array(m + 1);
  const cntN = new Int32Array(n + 1);
  for (let k = 0; k < E; k++) {
    const a = EN[k]!;
    const b = ES[k]!;
    const w = EW[k]!;
    if (!((a | 0) === a && a >= 0 && a < n && (b | 0) === b && b >= 0 && b < m && typeof w === 'number' && w >= 0 && w <= Number.MAX_VALUE)) {
      checkEdge(k, a, b, w, n, m);
    }
    ENi[k] = a;
    ESi[k] = b;
    cntS[b + 1]!++;
    cntN[a + 1]!++;
  }

  // ---- canonical CSR by newcomer, sorted by sponsor, duplicates merged (max score) ----
  // Two stable counting sorts: by sponsor, then by newcomer.
  for (let j = 0; j < m; j++) cntS[j + 1]! += cntS[j]!;
  const bySponsor = new Int32Array(E);
  for (let k = 0; k < E; k++) bySponsor[cntS[ESi[k]!]!++] = k;
  for (let i = 0; i < n; i++) cntN[i + 1]! += cntN[i]!;
  const order = new Int32Array(E);
  for (let q = 0; q < E; q++) {
    const k = bySponsor[q]!;
    order[cntN[ENi[k]!]!++] = k;
  }
  // order is now sorted by (newcomer, sponsor). Merge duplicates, drop capacity-0 sponsors.
  const rowStart = new Int32Array(n + 1);
  const colSponsor = new Int32Array(E);
  const colScore = new Float64Array(E);
  let L = 0;
  {
    let q = 0;
    for (let i = 0; i < n; i++) {
      rowStart[i] = L;
      const end = cntN[i]!; // after the placement loop cntN[i] is the end of row i
      let lastJ = -1;
      for (; q < end; q++) {
        const k = order[q]!;
        const j = ESi[k]!;
        const w = EW[k]!;
        if (caps[j]! <= 0) continue;
        if (j === lastJ) {
          if (w > colScore[L - 1]!) colScore[L - 1] = w;
          continue;
        }
        lastJ = j;
        colSponsor[L] = j;
        colScore[L] = w;
        L++;
      }
    }
    rowStart[n] = L;
  }

  // ---- exact integer weights ----
  const scale = chooseScale(colScore, L);
  // In score mode, drop zero-score edges (they cannot increase the objective).
  let rs = rowStart;
  let cs = colSponsor;
  let cw = colScore;
  if (mode === 'score') {
    let zeros = 0;
    for (let e = 0; e < L; e++) if (colScore[e] === 0) zeros++;
    if (zeros > 0) {
      const L2 = L - zeros;
      const rs2 = new Int32Array(n + 1);
      const cs2 = new Int32Array(L2);
      const cw2 = new Float64Array(L2);
      let p = 0;
      for (let i = 0; i < n; i++) {
        rs2[i] = p;
        for (let e = rowStart[i]!; e < rowStart[i + 1]!; e++) {
          if (colScore[e] !== 0) {
            cs2[p] = colSponsor[e]!;
            cw2[p] = colScore[e]!;
            p++;
          }
        }
      }
      rs2[n] = p;
      rs = rs2;
      cs = cs2;
      cw = cw2;
      L = L2;
    }
  }

  const sponsorOf = new Int32Array(n).fill(-1);
  if (L > 0) {
    let done = false;
    // Fast path (exact, see bestEdgesFit): every newcomer's best pair fits.
    // Not used by `exact-bigint` (kept as an independent reference) nor by
    // `cost-scaling` when the weights do not fit its budget (it must throw).
    if (algorithm === 'auto' || (algorithm === 'cost-scaling' && scale.kind !== 'none')) {
      done = bestEdgesFit(n, m, caps, rs, cs, cw, sponsorOf);
    }
    if (!done && algorithm !== 'exact-bigint' && scale.kind !== 'none') {
      const Wint = new Float64Array(L);
      for (let e = 0; e < L; e++) Wint[e] = scale.kind === 'decimal' ? Math.round(cw[e]! * scale.factor) : cw[e]! * scale.factor;
      done = solveCostScaling(n, m, caps, rs, cs, Wint, mode, sponsorOf);
      if (!done) sponsorOf.fill(-1);
    }
    if (!done) {
      if (algorithm === 'cost-scaling') {
        throw new RangeError('scores need more precision than the exact cost-scaling budget allows; use algorithm "auto"');
      }
      solveExactBigInt(n, m, caps, rs, cs, cw, mode, sponsorOf);
    }
  }

  // ---- objective (exact sum of the scaled integers, or of the exact dyadic values) ----
  let matched = 0;
  const chosenW: number[] = [];
  for (let i = 0; i < n; i++) {
    const j = sponsorOf[i]!;
    if (j < 0) continue;
    matched++;
    // binary search the (sorted) row for sponsor j
    let lo = rs[i]!;
    let hi = rs[i + 1]! - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cs[mid]! < j) lo = mid + 1;
      else hi = mid;
    }
    chosenW.push(cw[lo]!);
  }
  return { objective: exactSum(chosenW, scale), matched, sponsorOf };
}

// ---------------------------------------------------------------------------
// Fast path: every newcomer's best pair fits

/**
 * Gives every newcomer with at least one pair its best pair (the first one,
 * i.e. the lowest sponsor index, among equal best scores) and returns true
 * when that respects every capacity; otherwise leaves sponsorOf untouched
 * and returns false.
 *
 * Why this is optimal when it fits: no assignment can give newcomer i more
 * than its best score b_i, so Σ b_i (over newcomers with a pair) bounds every
 * objective and is attained — `score` mode is solved. Every newcomer that has
 * a pair is matched, which is the largest possible cardinality, so among
 * maximum-cardinality assignments it also has the best score — `participation`
 * mode is solved too. (In score mode zero-score pairs were dropped before, so
 * this matches exactly the newcomers the full solver can match.)
 */
function bestEdgesFit(n: number, m: number, caps: ArrayLike<number>, rs: Int32Array, cs: Int32Array, cw: Float64Array, sponsorOf: Int32Array): boolean {
  const load = new Int32Array(m);
  const best = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const s = rs[i]!;
    const end = rs[i + 1]!;
    if (s === end) {
      best[i] = -1;
      continue;
    }
    let be = s;
    let bw = cw[s]!;
    for (let e = s + 1; e < end; e++) {
      const w = cw[e]!;
      if (w > bw) {
        bw = w;
        be = e;
      }
    }
    const j = cs[be]!;
    best[i] = j;
    if (++load[j]! > caps[j]!) return false;
  }
  sponsorOf.set(best);
  return true;
}

// ---------------------------------------------------------------------------
// Scaling to integers

type Scale = { kind: 'decimal'; factor: number; maxInt: number } | { kind: 'dyadic'; factor: number; maxInt: number } | { kind: 'none' };

function chooseScale(w: Float64Array, L: number): Scale {
  let maxW = 0;
  for (let e = 0; e < L; e++) if (w[e]! > maxW) maxW = w[e]!;
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const f = 10 ** d;
    if (maxW * f > Number.MAX_SAFE_INTEGER) break;
    let ok = true;
    for (let e = 0; e < L; e++) {
      const x = w[e]!;
      if (Math.round(x * f) / f !== x) {
        ok = false;
        break;
      }
    }
    if (ok) return { kind: 'decimal', factor: f, maxInt: Math.round(maxW * f) };
  }
  // dyadic: every double is m·2^e; scale by 2^-min(e)
  let minExp = 0;
  for (let e = 0; e < L; e++) {
    const x = w[e]!;
    if (x === 0) continue;
    const ex = lowestBitExponent(x);
    if (ex < minExp) minExp = ex;
  }
  const shift = -minExp;
  if (shift <= 1023) {
    const f = 2 ** shift;
    if (Number.isFinite(f) && maxW * f <= Number.MAX_SAFE_INTEGER) return { kind: 'dyadic', factor: f, maxInt: maxW * f };
  }
  return { kind: 'none' };
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decompose a positive finite double into an odd integer mantissa and exponent: x = mant · 2^exp. */
function decompose(x: number): { mant: bigint; exp: number } {
  f64[0] = x;
  const lo = u32[LITTLE ? 0 : 1]!;
  const hi = u32[LITTLE ? 1 : 0]!;
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (bexp === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = bexp - 1075;
  }
  while (mant > 0n && (mant & 1n) === 0n) {
    mant >>= 1n;
    exp++;
  }
  return { mant, exp };
}

function lowestBitExponent(x: number): number {
  return decompose(x).exp;
}

function exactSum(values: number[], scale: Scale): number {
  if (values.length === 0) return 0;
  if (scale.kind === 'decimal') {
    let s = 0;
    for (const v of values) s += Math.round(v * scale.factor);
    if (s <= Number.MAX_SAFE_INTEGER) return s / scale.factor;
  } else if (scale.kind === 'dyadic') {
    let s = 0;
    for (const v of values) s += v * scale.factor;
    if (s <= Number.MAX_SAFE_INTEGER) return s / scale.factor;
  }
  // exact dyadic sum in BigInt
  let minExp = Infinity;
  const parts = values.filter((v) => v !== 0).map((v) => decompose(v));
  if (parts.length === 0) return 0;
  for (const p of parts) if (p.exp < minExp) minExp = p.exp;
  let s = 0n;
  for (const p of parts) s += p.mant << BigInt(p.exp - minExp);
  return bigToNumberScaled(s, minExp);
}

/** Nearest double to s · 2^exp (s > 0). */
function bigToNumberScaled(s: bigint, exp: number): number {
  // Keep 64 significant bits, then let Number() and the power of two do the rounding.
  const bits = s.toString(2).length;
  if (bits > 64) {
    const drop = bits - 64;
    const sticky = (s & ((1n << BigInt(drop)) - 1n)) !== 0n ? 1n : 0n;
    s = (s >> BigInt(drop)) | sticky;
    exp += drop;
  }
  let v = Number(s);
  // multiply by 2^exp in steps to avoid overflow/underflow of the factor itself
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

// ---------------------------------------------------------------------------
// Maximum cardinality b-matching (Hopcroft–Karp generalised to capacities)

/**
 * Returns the maximum number of newcomers that can be matched. Edges: CSR
 * rows rs/cs over newcomers; cap[j] sponsor capacities.
 */
export function maxCardinality(n: number, m: number, cap: ArrayLike<number>, rs: Int32Array, cs: Int32Array): number {
  const L = rs[n]!;
  // reverse adjacency (sponsor -> newcomers)
  const rStart = new Int32Array(m + 1);
  for (let e = 0; e < L; e++) rStart[cs[e]! + 1]!++;
  for (let j = 0; j < m; j++) rStart[j + 1]! += rStart[j]!;
  const rAdj = new Int32Array(L);
  {
    const fill = rStart.slice(0, m);
    for (let i = 0; i < n; i++) for (let e = rs[i]!; e < rs[i + 1]!; e++) rAdj[fill[cs[e]!]!++] = i;
  }
  const capEff = new Int32Array(m);
  for (let j = 0; j < m; j++) capEff[j] = Math.min(cap[j]!, rStart[j + 1]! - rStart[j]!);
  const matchOf = new Int32Array(n).fill(-1);
  const load = new Int32Array(m);
  let matched = 0;
  // greedy start
  for (let i = 0; i < n; i++) {
    for (let e = rs[i]!; e < rs[i + 1]!; e++) {
      const j = cs[e]!;
      if (load[j]! < capEff[j]!) {
        load[j]!++;
        matchOf[i] = j;
        matched++;
        break;
      }
    }
  }
  const INF = 0x7fffffff;
  const dist = new Int32Array(n);
  const levS = new Int32Array(m);
  const queue = new Int32Array(n);
  const ptrN = new Int32Array(n);
  const ptrS = new Int32Array(m);
  const stack = new Int32Array(n + 1);
  const via = new Int32Array(n + 1);
  for (;;) {
    // BFS
    let qh = 0;
    let qt = 0;
    dist.fill(INF);
    levS.fill(-1);
    for (let i = 0; i < n; i++) {
      if (matchOf[i] === -1 && rs[i + 1]! > rs[i]!) {
        dist[i] = 0;
        queue[qt++] = i;
      }
    }
    let found = false;
    while (qh < qt) {
      const i = queue[qh++]!;
      const di = dist[i]!;
      for (let e = rs[i]!; e < rs[i + 1]!; e++) {
        const j = cs[e]!;
        if (j === matchOf[i] || levS[j] !== -1) continue;
        levS[j] = di;
        if (load[j]! < capEff[j]!) {
          found = true;
          continue;
        }
        for (let r = rStart[j]!; r < rStart[j + 1]!; r++) {
          const i2 = rAdj[r]!;
          if (matchOf[i2] === j && dist[i2] === INF) {
            dist[i2] = di + 1;
            queue[qt++] = i2;
          }
        }
      }
    }
    if (!found) break;
    // DFS phase
    for (let i = 0; i < n; i++) ptrN[i] = rs[i]!;
    for (let j = 0; j < m; j++) ptrS[j] = rStart[j]!;
    let augmented = 0;
    for (let root = 0; root < n; root++) {
      if (matchOf[root] !== -1 || dist[root] !== 0) continue;
      let top = 0;
      stack[0] = root;
      let success = false;
      while (top >= 0 && !success) {
        const i = stack[top]!;
        const di = dist[i]!;
        let advanced = false;
        while (ptrN[i]! < rs[i + 1]!) {
          const j = cs[ptrN[i]!]!;
          if (j === matchOf[i] || levS[j] !== di) {
            ptrN[i]!++;
            continue;
          }
          if (load[j]! < capEff[j]!) {
            // augment: stack[d] takes via[d] (via[top] = j)
            via[top] = j;
            load[j]!++;
            for (let d = top; d >= 0; d--) matchOf[stack[d]!] = via[d]!;
            success = true;
            break;
          }
          while (ptrS[j]! < rStart[j + 1]!) {
            const i2 = rAdj[ptrS[j]!]!;
            if (matchOf[i2] === j && dist[i2] === di + 1) {
              via[top] = j;
              stack[++top] = i2;
              advanced = true;
              break;
            }
            ptrS[j]!++;
          }
          if (advanced) break;
          ptrN[i]!++;
        }
        if (success || advanced) continue;
        dist[i] = INF; // dead end
        top--;
      }
      if (success) {
        augmented++;
        matched++;
      }
    }
    if (augmented === 0) break; // cannot happen; guards against an infinite loop
  }
  return matched;
}

// ---------------------------------------------------------------------------
// Cost scaling min-cost flow

/** Scale factor for ε between refinements. */
const EPS_FACTOR = 8;

/**
 * Returns false when the weights do not fit the exact-arithmetic budget
 * (the caller then falls back to the BigInt algorithm).
 */
function solveCostScaling(
  n: number,
  m: number,
  caps: ArrayLike<number>,
  rs: Int32Array,
  cs: Int32Array,
  W: Float64Array,
  mode: AssignMode,
  sponsorOf: Int32Array,
): boolean {
  const L = rs[n]!;
  // compact node numbering: active newcomers, active sponsors, u (unmatched), t (sink)
  const sDeg = new Int32Array(m);
  for (let e = 0; e < L; e++) sDeg[cs[e]!]!++;
  const sNode = new Int32Array(m).fill(-1);
  const nodeNewcomer: number[] = [];
  for (let i = 0; i < n; i++) if (rs[i + 1]! > rs[i]!) nodeNewcomer.push(i);
  const nA = nodeNewcomer.length;
  const nodeSponsor: number[] = [];
  for (let j = 0; j < m; j++) {
    if (sDeg[j]! > 0) {
      sNode[j] = nA + nodeSponsor.length;
      nodeSponsor.push(j);
    }
  }
  const mA = nodeSponsor.length;
  const U = nA + mA;
  const T = U + 1;
  const N = T + 1;
  let maxW = 0;
  for (let e = 0; e < L; e++) if (W[e]! > maxW) maxW = W[e]!;
  const alpha = N + 1;
  // Budget: total price drift ≤ ~ (factor+2)·N·ε summed over phases ≤ 2·(factor+2)·N·C·α.
  if (maxW * alpha * N * 2 * (EPS_FACTOR + 2) >= PRICE_LIMIT) return false;

  let uCap = nA;
  if (mode === 'participation') {
    const k = maxCardinality(n, m, caps, rs, cs);
    uCap = nA - k;
  }

  // ---- arcs ----
  const A = 2 * L + 2 * nA + 2 * mA + 2;
  const first = new Int32Array(N + 1);
  // out-degrees
  for (let k = 0; k < nA; k++) {
    const i = nodeNewcomer[k]!;
    first[k + 1] = rs[i + 1]! - rs[i]! + 1;
  }
  for (let q = 0; q < mA; q++) first[nA + q + 1] = sDeg[nodeSponsor[q]!]! + 1;
  first[U + 1] = nA + 1;
  first[T + 1] = mA + 1;
  for (let v = 0; v < N; v++) first[v + 1]! += first[v]!;
  // Arc ids: [0, A) are the node blocks above; the reverse arcs of the
  // newcomer arcs (first[0] ≤ a < F) do not live in the sponsor/u blocks but
  // at R + a (R = A), so the build writes sequentially instead of scattering
  // over the sponsor blocks. Sponsor and u blocks hold their arc to t at
  // first[v]; the rest of a block is only the room for its list (lst below),
  // never scanned as arcs.
  const F = first[nA]!;
  const R = A;
  const AT = A + F;
  const head = new Int32Array(AT);
  const rev = new Int32Array(AT);
  const rcap = new Int32Array(AT);
  const cost = new Float64Array(AT);
  // arcs to t (sponsor blocks and u) and their reverses in t's block
  {
    let b = first[T]!;
    for (let q = 0; q < mA; q++) {
      const v = nA + q;
      const a = first[v]!;
      head[a] = T;
      rev[a] = b;
      rcap[a] = Math.min(caps[nodeSponsor[q]!]!, sDeg[nodeSponsor[q]!]!);
      head[b] = v;
      rev[b] = a;
      b++;
    }
    const a = first[U]!;
    head[a] = T;
    rev[a] = b;
    rcap[a] = uCap;
    head[b] = U;
    rev[b] = a;
  }
  for (let k = 0; k < nA; k++) {
    const i = nodeNewcomer[k]!;
    let a = first[k]!;
    const e1 = rs[i + 1]!;
    for (let e = rs[i]!; e < e1; e++, a++) {
      const w = sNode[cs[e]!]!;
      const b = R + a;
      const c = W[e]! * alpha;
      head[a] = w;
      rev[a] = b;
      rcap[a] = 1;
      cost[a] = -c;
      head[b] = k;
      rev[b] = a;
      cost[b] = c;
    }
    const b = R + a;
    head[a] = U;
    rev[a] = b;
    rcap[a] = 1;
    head[b] = k;
    rev[b] = a;
  }

  const excess = new Int32Array(N);
  const price = new Float64Array(N);
  const cur = new Int32Array(N);
  const inQ = new Uint8Array(N);
  const queue = new Int32Array(N);
  // Sponsors and u ("list nodes", nA ≤ v ≤ U) have few residual reverse arcs
  // (one per newcomer currently sending flow to them) among many in-arcs; they
  // are kept in a per-node list so that discharging/relabelling such a node
  // costs O(load) rather than O(degree). The list of v lives in
  // lst[first[v]+1 .. first[v]+len[v]]; the arc first[v] is v's arc to t.
  const lst = new Int32Array(A);
  const pos = new Int32Array(AT);
  const len = new Int32Array(N);
  // ---- warm start ----
  // Every newcomer sends its unit along its best arc (the first one among
  // equal costs); each sponsor forwards what its arc to t can take and keeps
  // the rest as excess. With p(i) = −c(best arc of i) = w_best·α and every
  // other price 0, each residual arc has reduced cost ≥ 0: newcomer arcs
  // c(a) + p(i) − 0 = (w_best − w_a)·α ≥ 0 (arc to u: w_best·α ≥ 0), the
  // reverse of the best arc 0, sponsor/u ↔ t arcs 0. So this pseudoflow is
  // 0-optimal, hence ε-optimal for every ε, and refine may start at any ε
  // (the final ε = 1 is what makes the result optimal). When capacity is loose
  // nearly all units are already where they belong and only the sponsors with
  // excess start any work.
  excess[T] = -nA;
  for (let k = 0; k < nA; k++) {
    const end = first[k + 1]! - 1; // the last arc of a newcomer is its arc to u
    let bestA = first[k]!;
    let bestC = cost[bestA]!;
    for (let a = bestA + 1; a < end; a++) {
      const c = cost[a]!;
      if (c < bestC) {
        bestC = c;
        bestA = a;
      }
    }
    const w = head[bestA]!;
    const b = rev[bestA]!;
    rcap[bestA] = 0;
    rcap[b] = 1;
    const idx = first[w]! + 1 + len[w]!;
    lst[idx] = b;
    pos[b] = idx;
    len[w]!++;
    price[k] = -bestC;
  }
  for (let v = nA; v < U; v++) {
    const at = first[v]!;
    const load = len[v]!;
    const r = rcap[at]!;
    const f = load < r ? load : r;
    rcap[at] = r - f;
    rcap[rev[at]!]! += f;
    excess[v] = load - f;
    excess[T]! += f;
  }

  // The warm start is 0-optimal, so the ε schedule is a tuning choice only
  // (correctness needs just that the last refine runs at ε = 1). First try
  // ε = 1 straight away: when the warm start is nearly optimal (loose
  // capacity) that takes few relabels. In tight pools the last units turn into
  // long price wars, so progress is watched: after each window of nA + 64
  // relabels the remaining excess (−excess(t): in this first refine no node
  // but t has a deficit) must have dropped by ≥ 1/4 since the previous check
  // (the first window, which includes the start-up, is not judged). This
  // bounds the attempt at O(nA · log(excess)) relabels. If it stalls, the flow
  // is reset to zero (with zero prices, also 0-optimal) and ordinary cost
  // scaling runs from ε = C·α/64.
  let eps = 1;
  let warmPhase = true;
  let nextCheck = nA + 64;
  let lastRem = -1;
  let relabels = 0;
  let overflow = false;
  for (;;) {
    let aborted = false;
    // ---- refine(eps) ----
    if (!warmPhase) {
      // Make the current flow ε-optimal for the new ε (any ε-optimal pseudoflow
      // is a valid start for refine), keeping as much of it as possible:
      // (1) Sponsor (or u) v: its arc to t must satisfy p(v) ≥ p(t) − ε when it
      //     has residual capacity and p(v) ≤ p(t) + ε when it carries flow; clamp
      //     p(v) into that range (a range that is never empty).
      const pT = price[T]!;
      for (let v = nA; v <= U; v++) {
        const a = first[v]!;
        let pv = price[v]!;
        if (rcap[a]! > 0 && pv < pT - eps) pv = pT - eps;
        if (rcap[rev[a]!]! > 0 && pv > pT + eps) pv = pT + eps;
        price[v] = pv;
      }
      // (2) Newcomer i keeps its assigned arc a0 if some price p(i) satisfies
      //     both p(i) ≥ M − ε (M = best value p(w) − c(a) over its residual arcs)
      //     and p(i) ≤ value(a0) + ε (the reverse arc of a0); otherwise the unit
      //     goes back to i and p(i) = max value − ε.
      for (let v = 0; v < nA; v++) {
        const end = first[v + 1]!;
        let M = -Infinity;
        let a0 = -1;
        let v0 = 0;
        for (let a = first[v]!; a < end; a++) {
          const val = price[head[a]!]! - cost[a]!;
          if (rcap[a]! > 0) {
            if (val > M) M = val;
          } else {
            a0 = a;
            v0 = val;
          }
        }
        const lo = M - eps;
        if (a0 < 0) {
          if (price[v]! < lo) price[v] = lo;
        } else if (lo <= v0 + eps) {
          let pv = price[v]!;
          if (pv < lo) pv = lo;
          if (pv > v0 + eps) pv = v0 + eps;
          price[v] = pv;
        } else {
          const w = head[a0]!;
          const b = rev[a0]!;
          rcap[a0] = 1;
          rcap[b] = 0;
          const idx = pos[b]!;
          const lastIdx = first[w]! + len[w]!;
          const lb = lst[lastIdx]!;
          lst[idx] = lb;
          pos[lb] = idx;
          len[w]!--;
          excess[v] = 1;
          price[v] = (M > v0 ? M : v0) - eps;
          // The freed unit of w: if w's arc to t may carry less flow
          // (p(w) ≥ p(t) − ε), take the unit off that arc too (t gets the
          // deficit, and t never has to push flow back); otherwise w keeps a
          // deficit (a free place that is in demand).
          const at = first[w]!;
          if (price[w]! >= pT - eps) {
            rcap[at]!++;
            rcap[rev[at]!]!--;
            excess[T]!--;
          } else {
            excess[w]!--;
          }
        }
      }
    }
    let qh = 0;
    let qt = 0;
    let qlen = 0;
    for (let v = 0; v < N; v++) {
      cur[v] = first[v]!;
      if (excess[v]! > 0) {
        queue[qt++] = v;
        qlen++;
        inQ[v] = 1;
      }
    }
    if (qt === N) qt = 0;
    while (qlen > 0) {
      if (relabels >= nextCheck) {
        const rem = -excess[T]!;
        if (lastRem >= 0 && rem * 4 > lastRem * 3) {
          aborted = true;
          break;
        }
        lastRem = rem;
        nextCheck = relabels + nA + 64;
      }
      const v = queue[qh]!;
      qh = qh + 1 === N ? 0 : qh + 1;
      qlen--;
      inQ[v] = 0;
      let ex = excess[v]!;
      const start = first[v]!;
      if (v >= nA && v <= U) {
        // ---- discharge a list node (sponsor or u) ----
        while (ex > 0) {
          const pv = price[v]!;
          // arc to t
          const r0 = rcap[start]!;
          if (r0 > 0 && pv - price[T]! < 0) {
            const d = r0 < ex ? r0 : ex;
            rcap[start] = r0 - d;
            rcap[rev[start]!]! += d;
            ex -= d;
            const et: number = excess[T]! + d;
            excess[T] = et;
            if (et > 0 && inQ[T] === 0) {
              inQ[T] = 1;
              queue[qt] = T;
              qt = qt + 1 === N ? 0 : qt + 1;
              qlen++;
            }
            if (ex === 0) break;
          }
          // reverse arcs back to newcomers (each has residual capacity 1)
          for (let idx = start + len[v]!; idx > start && ex > 0; idx--) {
            const b = lst[idx]!;
            const w = head[b]!;
            if (cost[b]! + pv - price[w]! < 0) {
              rcap[b] = 0;
              rcap[rev[b]!] = 1;
              const lastIdx = start + len[v]!;
              const lb = lst[lastIdx]!;
              lst[idx] = lb;
              pos[lb] = idx;
              len[v]!--;
              ex--;
              const ew = excess[w]! + 1;
              excess[w] = ew;
              if (ew > 0 && inQ[w] === 0) {
                inQ[w] = 1;
                queue[qt] = w;
                qt = qt + 1 === N ? 0 : qt + 1;
                qlen++;
              }
            }
          }
          if (ex === 0) break;
          // relabel. With one unit of excess this is a "double push" as for
          // newcomers: relabel to second-best − ε and push the unit along the
          // best residual arc (only along that one, so every remaining residual
          // arc keeps reduced cost ≥ −ε). The t arc counts twice when it has
          // ≥ 2 units of residual capacity. Prices never increase.
          const r0t = rcap[start]!;
          let best = r0t > 0 ? price[T]! : -Infinity;
          let bestIdx = start; // start = the t arc
          let second = r0t > 1 ? best : -Infinity;
          const lend = start + len[v]!;
          for (let idx = start + 1; idx <= lend; idx++) {
            const b = lst[idx]!;
            const val = price[head[b]!]! - cost[b]!;
            if (val > best) {
              second = best;
              best = val;
              bestIdx = idx;
            } else if (val > second) {
              second = val;
            }
          }
          const dbl = ex === 1 && second !== -Infinity;
          let np = (dbl ? second : best) - eps;
          if (np > pv) np = pv;
          if (!(np > -PRICE_LIMIT)) {
            overflow = true;
            break;
          }
          price[v] = np;
          relabels++;
          if (dbl) {
            if (bestIdx === start) {
              rcap[start]!--;
              rcap[rev[start]!]!++;
              const et: number = excess[T]! + 1;
              excess[T] = et;
              if (et > 0 && inQ[T] === 0) {
                inQ[T] = 1;
                queue[qt] = T;
                qt = qt + 1 === N ? 0 : qt + 1;
                qlen++;
              }
            } else {
              const b = lst[bestIdx]!;
              const w = head[b]!;
              rcap[b] = 0;
              rcap[rev[b]!] = 1;
              const lastIdx = start + len[v]!;
              const lb = lst[lastIdx]!;
              lst[bestIdx] = lb;
              pos[lb] = bestIdx;
              len[v]!--;
              const ew = excess[w]! + 1;
              excess[w] = ew;
              if (ew > 0 && inQ[w] === 0) {
                inQ[w] = 1;
                queue[qt] = w;
                qt = qt + 1 === N ? 0 : qt + 1;
                qlen++;
              }
            }
            ex = 0;
            break;
          }
        }
        excess[v] = ex;
        if (overflow) break;
        continue;
      }
      if (v < nA) {
        // ---- newcomer: "double push" (Goldberg–Kennedy CSA). A newcomer with
        // excess has excess exactly 1 (supply 1, outflow ≥ 0). Find the best
        // and second-best residual arcs by p(w) − c(a); relabel to
        // second − ε (never an increase, keeps every residual arc ≥ −ε) and
        // push the unit along the best arc, which is then admissible.
        const end = first[v + 1]!;
        let best = -Infinity;
        let second = -Infinity;
        let bestA = -1;
        for (let a = start; a < end; a++) {
          if (rcap[a]! > 0) {
            const val = price[head[a]!]! - cost[a]!;
            if (val > best) {
              second = best;
              best = val;
              bestA = a;
            } else if (val > second) {
              second = val;
            }
          }
        }
        let np = (second === -Infinity ? best : second) - eps;
        if (np > price[v]!) np = price[v]!; // cannot happen; prices never increase
        if (!(np > -PRICE_LIMIT)) {
          overflow = true;
          break;
        }
        price[v] = np;
        relabels++;
        const w = head[bestA]!;
        const b = rev[bestA]!;
        rcap[bestA] = 0;
        rcap[b] = 1;
        const idx = first[w]! + 1 + len[w]!;
        lst[idx] = b;
        pos[b] = idx;
        len[w]!++;
        excess[v] = 0;
        const ew = excess[w]! + 1;
        excess[w] = ew;
        if (ew > 0 && inQ[w] === 0) {
          inQ[w] = 1;
          queue[qt] = w;
          qt = qt + 1 === N ? 0 : qt + 1;
          qlen++;
        }
        continue;
      }
      // ---- discharge t (plain arc scan with current-arc pointer) ----
      const end = first[v + 1]!;
      const isNewcomer = v < nA;
      let a = cur[v]!;
      while (ex > 0) {
        const pv = price[v]!;
        for (; a < end; a++) {
          const r = rcap[a]!;
          if (r === 0) continue;
          const w = head[a]!;
          if (cost[a]! + pv - price[w]! < 0) {
            const d = r < ex ? r : ex;
            const b = rev[a]!;
            rcap[a] = r - d;
            rcap[b]! += d;
            ex -= d;
            if (isNewcomer) {
              const idx = first[w]! + 1 + len[w]!;
              lst[idx] = b;
              pos[b] = idx;
              len[w]!++;
            }
            const ew = excess[w]! + d;
            excess[w] = ew;
            if (ew > 0 && inQ[w] === 0) {
              inQ[w] = 1;
              queue[qt] = w;
              qt = qt + 1 === N ? 0 : qt + 1;
              qlen++;
            }
            if (ex === 0) break;
          }
        }
        if (ex === 0) break;
        // relabel
        let best = -Infinity;
        for (let b = start; b < end; b++) {
          if (rcap[b]! > 0) {
            const val = price[head[b]!]! - cost[b]!;
            if (val > best) best = val;
          }
        }
        const np = best - eps;
        if (!(np > -PRICE_LIMIT)) {
          overflow = true;
          break;
        }
        price[v] = np;
        relabels++;
        a = start;
      }
      excess[v] = ex;
      cur[v] = a;
      if (overflow) break;
    }
    if (overflow) return false;
    warmPhase = false;
    if (aborted) {
      nextCheck = Infinity;
      // back to the zero flow with zero prices
      for (let v = nA; v <= U; v++) {
        const s0 = first[v]!;
        const lend = s0 + len[v]!;
        for (let idx = s0 + 1; idx <= lend; idx++) {
          const b = lst[idx]!;
          rcap[b] = 0;
          rcap[rev[b]!] = 1;
        }
        len[v] = 0;
        const rb = rev[s0]!;
        rcap[s0]! += rcap[rb]!;
        rcap[rb] = 0;
      }
      excess.fill(0);
      for (let k = 0; k < nA; k++) excess[k] = 1;
      excess[T] = -nA;
      price.fill(0);
      inQ.fill(0);
      eps = Math.max(1, Math.floor((maxW * alpha) / (EPS_FACTOR * EPS_FACTOR)));
      continue;
    }
    if (eps === 1) break;
    eps = Math.max(1, Math.floor(eps / EPS_FACTOR));
  }

  // extract
  for (let k = 0; k < nA; k++) {
    const end = first[k + 1]!;
    for (let a = first[k]!; a < end; a++) {
      if (rcap[a] === 0 && head[a]! < U) {
        sponsorOf[nodeNewcomer[k]!] = nodeSponsor[head[a]! - nA]!;
        break;
      }
    }
  }
  return true;
}

// ---------------------------------------------------------------------------
// Exact fallback: successive shortest paths in BigInt

function solveExactBigInt(
  n: number,
  m: number,
  caps: ArrayLike<number>,
  rs: Int32Array,
  cs: Int32Array,
  cw: Float64Array,
  mode: AssignMode,
  sponsorOf: Int32Array,
): void {
  const L = rs[n]!;
  // exact integer weights: w = mant·2^exp → W = mant·2^(exp - minExp)
  const parts: Array<{ mant: bigint; exp: number } | null> = [];
  let minExp = 0;
  for (let e = 0; e < L; e++) {
    const x = cw[e]!;
    if (x === 0) {
      parts.push(null);
      continue;
    }
    const p = decompose(x);
    if (p.exp < minExp) minExp = p.exp;
    parts.push(p);
  }
  const W: bigint[] = new Array<bigint>(L);
  let Wmax = 0n;
  for (let e = 0; e < L; e++) {
    const p = parts[e]!;
    const v = p === null ? 0n : p.mant << BigInt(p.exp - minExp);
    W[e] = v;
    if (v > Wmax) Wmax = v;
  }
  // arc cost (non-negative): a(e) = Wmax − W[e]
  const acost: bigint[] = W.map((v) => Wmax - v);
  const rowOf = new Int32Array(L);
  for (let i = 0; i < n; i++) for (let e = rs[i]!; e < rs[i + 1]!; e++) rowOf[e] = i;
  const rStart = new Int32Array(m + 1);
  for (let e = 0; e < L; e++) rStart[cs[e]! + 1]!++;
  for (let j = 0; j < m; j++) rStart[j + 1]! += rStart[j]!;
  const rEdge = new Int32Array(L);
  {
    const fill = rStart.slice(0, m);
    for (let e = 0; e < L; e++) rEdge[fill[cs[e]!]!++] = e;
  }
  const capEff = new Int32Array(m);
  for (let j = 0; j < m; j++) capEff[j] = Math.min(caps[j]!, rStart[j + 1]! - rStart[j]!);
  // nodes: newcomers [0,n), sponsors [n, n+m), t = n+m
  const T = n + m;
  const NN = T + 1;
  const pot: bigint[] = new Array<bigint>(NN).fill(0n);
  const dist: Array<bigint | null> = new Array<bigint | null>(NN).fill(null);
  const done = new Uint8Array(NN);
  const parentEdge = new Int32Array(NN); // for sponsors: edge used to enter; for t: sponsor
  const matchEdge = new Int32Array(n).fill(-1);
  const load = new Int32Array(m);
  const touched: number[] = [];
  // binary heap of [key, node]
  const hKeys: bigint[] = [];
  const hNodes: number[] = [];
  const hpush = (key: bigint, node: number): void => {
    let i = hKeys.length;
    hKeys.push(key);
    hNodes.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (hKeys[p]! < key || (hKeys[p] === key && hNodes[p]! <= node)) break;
      hKeys[i] = hKeys[p]!;
      hNodes[i] = hNodes[p]!;
      i = p;
    }
    hKeys[i] = key;
    hNodes[i] = node;
  };
  const hpop = (): number => {
    const top = hNodes[0]!;
    const lk = hKeys.pop()!;
    const ln = hNodes.pop()!;
    const size = hKeys.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= size) break;
        if (c + 1 < size && (hKeys[c + 1]! < hKeys[c]! || (hKeys[c + 1] === hKeys[c] && hNodes[c + 1]! < hNodes[c]!))) c++;
        if (lk < hKeys[c]! || (lk === hKeys[c] && ln <= hNodes[c]!)) break;
        hKeys[i] = hKeys[c]!;
        hNodes[i] = hNodes[c]!;
        i = c;
      }
      hKeys[i] = lk;
      hNodes[i] = ln;
    }
    return top;
  };
  for (;;) {
    for (const v of touched) {
      dist[v] = null;
      done[v] = 0;
    }
    touched.length = 0;
    hKeys.length = 0;
    hNodes.length = 0;
    const relax = (v: number, d: bigint): boolean => {
      const cur = dist[v];
      if (cur === null || cur === undefined) touched.push(v);
      else if (cur <= d) return false;
      dist[v] = d;
      hpush(d, v);
      return true;
    };
    for (let i = 0; i < n; i++) if (matchEdge[i] === -1 && rs[i + 1]! > rs[i]!) relax(i, -pot[i]!);
    let dT: bigint | null = null;
    while (hKeys.length > 0) {
      const key = hKeys[0]!;
      const v = hpop();
      if (done[v] || dist[v] !== key) continue;
      done[v] = 1;
      if (v === T) {
        dT = key;
        break;
      }
      const pv = pot[v]!;
      if (v < n) {
        const me = matchEdge[v]!;
        for (let e = rs[v]!; e < rs[v + 1]!; e++) {
          if (e === me) continue;
          const j = n + cs[e]!;
          if (done[j]) continue;
          if (relax(j, key + acost[e]! + pv - pot[j]!)) parentEdge[j] = e;
        }
      } else {
        const j = v - n;
        if (load[j]! < capEff[j]! && !done[T]) {
          if (relax(T, key + pv - pot[T]!)) parentEdge[T] = j;
        }
        for (let r = rStart[j]!; r < rStart[j + 1]!; r++) {
          const e = rEdge[r]!;
          const i = rowOf[e]!;
          if (matchEdge[i] !== e || done[i]) continue;
          relax(i, key - acost[e]! + pv - pot[i]!);
        }
      }
    }
    if (dT === null) break;
    const trueCost = dT + pot[T]!;
    if (mode === 'score' && Wmax - trueCost <= 0n) break;
    // augment
    let j = parentEdge[T]!;
    load[j]!++;
    for (;;) {
      const e = parentEdge[n + j]!;
      const i = rowOf[e]!;
      const old = matchEdge[i]!;
      matchEdge[i] = e;
      if (old === -1) break;
      j = cs[old]!;
    }
    // potentials
    for (let v = 0; v < NN; v++) {
      const d = dist[v];
      pot[v] = pot[v]! + (d !== null && d !== undefined && done[v] && d < dT ? d : dT);
    }
  }
  for (let i = 0; i < n; i++) if (matchEdge[i]! >= 0) sponsorOf[i] = cs[matchEdge[i]!]!;
}
