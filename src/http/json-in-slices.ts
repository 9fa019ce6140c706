// A large JSON answer (a pool run names thousands of pairs, each with its
// reasons: megabytes) is serialised in slices, so that writing it does not hold
// the event loop for one long stretch. The text is exactly JSON.stringify's.

import { SLICE_MS, nextTurn } from '../lib/slices.ts';

/** Top-level arrays longer than this are serialised element by element, in slices. */
const LONG = 500;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/** Whether `body` has a long array at its top level (and is worth slicing). */
export function isLargeJson(body: unknown): boolean {
  return isPlainObject(body) && Object.values(body).some((v) => Array.isArray(v) && v.length > LONG);
}

/** JSON.stringify(body), yielding to the event loop every SLICE_MS while it serialises long top-level arrays. */
export async function jsonInSlices(body: unknown): Promise<string> {
  const parts: string[] = [];
  await writeJsonInSlices(body, (text) => parts.push(text));
  return parts.join('');
}

/**
 * Writes JSON.stringify(body) through `write` in pieces of about 64 KB, yielding
 * to the event loop every SLICE_MS: neither serialising nor encoding a
 * megabyte-sized answer happens in one stretch.
 */
export async function writeJsonInSlices(body: unknown, write: (text: string) => void): Promise<void> {
  if (!isLargeJson(body)) {
    write(JSON.stringify(body));
    return;
  }
  let pending = '';
  const emit = (text: string) => {
    pending += text;
    if (pending.length >= 65_536) {
      write(pending);
      pending = '';
    }
  };
  let sliceStart = performance.now();
  const breathe = async () => {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  };
  let first = true;
  emit('{');
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (Array.isArray(value) && value.length > LONG) {
      emit(`${first ? '' : ','}${JSON.stringify(key)}:[`);
      for (let i = 0; i < value.length; i++) {
        // As JSON.stringify writes array elements: undefined, functions and symbols become null.
        emit(`${i === 0 ? '' : ','}${JSON.stringify(value[i]) ?? 'null'}`);
        await breathe();
      }
      emit(']');
      first = false;
    } else {
      const text = JSON.stringify(value);
      if (text === undefined) continue;
      emit(`${first ? '' : ','}${JSON.stringify(key)}:${text}`);
      first = false;
    }
  }
  emit('}');
  write(pending);
}
