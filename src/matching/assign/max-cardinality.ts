/**
 * Maximum number of newcomers that can be matched at once (Hopcroft–Karp
 * generalised to sponsor capacities). `participation` mode needs this number
 * k* before optimising the score: the flow network then lets exactly n − k*
 * newcomers stay unmatched, which makes the lexicographic objective exact
 * without big-M weights (those would overflow exact double arithmetic).
 *
 * Each phase layers the graph by a BFS from the free newcomers over
 * alternating paths (newcomer → sponsor over an unused pair, sponsor →
 * newcomer over a used one) and then augments along vertex-disjoint shortest
 * paths by DFS, each ending at a sponsor with a free place; O(√V) phases.
 */
import { clampToDegree, indexBySponsor, type SponsorColumns } from './pair-rows.ts';

const UNREACHED = 0x7fffffff;

interface Matching {
  rowStart: Int32Array;
  pairSponsor: Int32Array;
  columns: SponsorColumns;
  usable: Int32Array;
  /** Sponsor of newcomer i, or -1. */
  matchOf: Int32Array;
  load: Int32Array;
  /** BFS layer of each newcomer (UNREACHED if none); a dead end found by DFS is reset to UNREACHED. */
  layer: Int32Array;
  /** Layer of the newcomer through which the BFS first reached each sponsor, or -1. */
  sponsorLayer: Int32Array;
  queue: Int32Array;
  /** DFS current-arc pointers into the rows and into the sponsor columns. */
  nextPair: Int32Array;
  nextColumn: Int32Array;
  /** DFS path: newcomer path[d] would take sponsor via[d]. */
  path: Int32Array;
  via: Int32Array;
}

/**
 * Returns the maximum number of newcomers that can be matched. Pairs: CSR
 * rows rs/cs over newcomers; cap[j] sponsor capacities.
 */
export function maxCardinality(n: number, m: number, cap: ArrayLike<number>, rs: Int32Array, cs: Int32Array): number {
  const columns = indexBySponsor({ newcomers: n, count: rs[n]!, rowStart: rs, sponsor: cs }, m);
  const state: Matching = {
    rowStart: rs,
    pairSponsor: cs,
    columns,
    usable: clampToDegree(cap, columns),
    matchOf: new Int32Array(n).fill(-1),
    load: new Int32Array(m),
    layer: new Int32Array(n),
    sponsorLayer: new Int32Array(m),
    queue: new Int32Array(n),
    nextPair: new Int32Array(n),
    nextColumn: new Int32Array(m),
    path: new Int32Array(n + 1),
    via: new Int32Array(n + 1),
  };
  let matched = matchGreedily(state);
  while (layerFromFreeNewcomers(state)) {
    state.nextPair.set(rs.subarray(0, n));
    state.nextColumn.set(columns.start.subarray(0, m));
    let augmented = 0;
    for (let root = 0; root < n; root++) {
      if (state.matchOf[root] === -1 && state.layer[root] === 0 && augmentFrom(state, root)) augmented++;
    }
    if (augmented === 0) break; // cannot happen; guards against an infinite loop
    matched += augmented;
  }
  return matched;
}

function matchGreedily({ rowStart, pairSponsor, usable, matchOf, load }: Matching): number {
  let matched = 0;
  for (let i = 0; i + 1 < rowStart.length; i++) {
    for (let e = rowStart[i]!, end = rowStart[i + 1]!; e < end; e++) {
      const j = pairSponsor[e]!;
      if (load[j]! < usable[j]!) {
        load[j]!++;
        matchOf[i] = j;
        matched++;
        break;
      }
    }
  }
  return matched;
}

/** BFS layering; returns whether some layer reaches a sponsor with a free place. */
function layerFromFreeNewcomers(state: Matching): boolean {
  const { rowStart, pairSponsor, columns, usable, matchOf, load, layer, sponsorLayer, queue } = state;
  let head = 0;
  let tail = 0;
  layer.fill(UNREACHED);
  sponsorLayer.fill(-1);
  for (let i = 0; i < matchOf.length; i++) {
    if (matchOf[i] === -1 && rowStart[i + 1]! > rowStart[i]!) {
      layer[i] = 0;
      queue[tail++] = i;
    }
  }
  let found = false;
  while (head < tail) {
    const i = queue[head++]!;
    const depth = layer[i]!;
    for (let e = rowStart[i]!, end = rowStart[i + 1]!; e < end; e++) {
      const j = pairSponsor[e]!;
      if (j === matchOf[i] || sponsorLayer[j] !== -1) continue;
      sponsorLayer[j] = depth;
      if (load[j]! < usable[j]!) {
        found = true;
        continue;
      }
      for (let r = columns.start[j]!, rEnd = columns.start[j + 1]!; r < rEnd; r++) {
        const next = columns.newcomer[r]!;
        if (matchOf[next] === j && layer[next] === UNREACHED) {
          layer[next] = depth + 1;
          queue[tail++] = next;
        }
      }
    }
  }
  return found;
}

/** Iterative DFS along the layers from a free newcomer; on success every newcomer on the path moves one sponsor along. */
function augmentFrom(state: Matching, root: number): boolean {
  const { rowStart, pairSponsor, usable, matchOf, load, layer, sponsorLayer, nextPair, path, via } = state;
  let top = 0;
  path[0] = root;
  while (top >= 0) {
    const i = path[top]!;
    const depth = layer[i]!;
    const end = rowStart[i + 1]!;
    let e = nextPair[i]!;
    let next = -1;
    for (; e < end; e++) {
      const j = pairSponsor[e]!;
      if (j === matchOf[i] || sponsorLayer[j] !== depth) continue;
      via[top] = j;
      if (load[j]! < usable[j]!) break;
      next = findNextOnLayer(state, j, depth + 1);
      if (next >= 0) break;
    }
    nextPair[i] = e; // the search resumes at pair e when it comes back to i
    if (e === end) {
      layer[i] = UNREACHED; // a dead end: no later path may use it in this phase
      top--;
    } else if (next >= 0) {
      path[++top] = next;
    } else {
      load[via[top]!]!++;
      for (let d = top; d >= 0; d--) matchOf[path[d]!] = via[d]!;
      return true;
    }
  }
  return false;
}

/** The next newcomer matched to sponsor j on layer `depth`, or -1; advances j's pointer past the others. */
function findNextOnLayer({ columns, matchOf, layer, nextColumn }: Matching, j: number, depth: number): number {
  const end = columns.start[j + 1]!;
  let r = nextColumn[j]!;
  while (r < end) {
    const next = columns.newcomer[r]!;
    if (matchOf[next] === j && layer[next] === depth) break;
    r++;
  }
  nextColumn[j] = r;
  return r < end ? columns.newcomer[r]! : -1;
}
