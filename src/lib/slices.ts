// Long loops on the event loop, cut into slices: every SLICE_MS the loop is given
// back, so that other requests are answered while a large piece of work (a pool
// run of thousands of newcomers) goes on.

/** How long one piece of work may hold the event loop before it gives other work a turn. */
export const SLICE_MS = 10;

/** Resolves on the event loop's next turn (after pending I/O callbacks). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `step(0)` … `step(count - 1)`, yielding to the event loop whenever SLICE_MS have passed. */
export async function inSlices(count: number, step: (i: number) => void): Promise<void> {
  let sliceStart = performance.now();
  for (let i = 0; i < count; i++) {
    step(i);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
}

/** `items.map(fn)`, in slices. */
export async function mapInSlices<T, U>(items: readonly T[], fn: (item: T, i: number) => U): Promise<U[]> {
  const out: U[] = new Array<U>(items.length);
  await inSlices(items.length, (i) => {
    out[i] = fn(items[i] as T, i);
  });
  return out;
}
