/**
 * Binary min-heap of (BigInt key, node) for the reference solver's Dijkstra.
 * Ties are broken by node so that the reference is deterministic too.
 */
export interface BigIntHeap {
  keys: bigint[];
  nodes: number[];
}

export function createHeap(): BigIntHeap {
  return { keys: [], nodes: [] };
}

export function clearHeap(heap: BigIntHeap): void {
  heap.keys.length = 0;
  heap.nodes.length = 0;
}

function isBefore(keyA: bigint, nodeA: number, keyB: bigint, nodeB: number): boolean {
  return keyA < keyB || (keyA === keyB && nodeA < nodeB);
}

export function pushHeap(heap: BigIntHeap, key: bigint, node: number): void {
  const { keys, nodes } = heap;
  let i = keys.length;
  keys.push(key);
  nodes.push(node);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const parentKey = keys[parent]!;
    const parentNode = nodes[parent]!;
    if (!isBefore(key, node, parentKey, parentNode)) break;
    keys[i] = parentKey;
    nodes[i] = parentNode;
    i = parent;
  }
  keys[i] = key;
  nodes[i] = node;
}

/** Removes the minimum and returns its node; the heap must not be empty. */
export function popHeap(heap: BigIntHeap): number {
  const { keys, nodes } = heap;
  const top = nodes[0]!;
  const lastKey = keys.pop()!;
  const lastNode = nodes.pop()!;
  const size = keys.length;
  if (size === 0) return top;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && isBefore(keys[child + 1]!, nodes[child + 1]!, keys[child]!, nodes[child]!)) child++;
    const childKey = keys[child]!;
    const childNode = nodes[child]!;
    if (!isBefore(childKey, childNode, lastKey, lastNode)) break;
    keys[i] = childKey;
    nodes[i] = childNode;
    i = child;
  }
  keys[i] = lastKey;
  nodes[i] = lastNode;
  return top;
}
