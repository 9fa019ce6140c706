import { createHmac, hkdfSync } from 'node:crypto';
import { BoundedMap } from '../lib/bounded-map.ts';

/**
 * The name a newcomer's card gives a sponsor: HMAC-SHA256 of the pair under a
 * server secret, base64url. A sponsor's user id on a card would follow them
 * from one newcomer to the next (and into anything else that shows ids); a
 * handle means nothing outside this newcomer's cards, is the same on every
 * instance with the same secret, and cannot be turned back into an id without
 * the secret.
 */
export interface SponsorHandles {
  /** This newcomer's handle for this sponsor, remembered so that resolving it later is a lookup. */
  handleFor(newcomerId: string, sponsorId: string): string;
  /** A sponsor this instance gave this handle to this newcomer, if it remembers one. */
  recall(newcomerId: string, handle: string): string | undefined;
  /** The handle, computed only (for a search among candidates). */
  compute(newcomerId: string, sponsorId: string): string;
}

/** A handle is 32 bytes in base64url: anything else is refused before any work. */
export const HANDLE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

// Handles remembered per newcomer: a newcomer sees at most a few cards per
// request and changes their profile a few times a day, so a small map each.
const NEWCOMERS_REMEMBERED = 20_000;
const HANDLES_PER_NEWCOMER = 64;

/**
 * Outside production, without HANDLE_SECRET: a key derived from the token
 * secret (HKDF), so that a local run needs no setup and every instance
 * sharing the token secret agrees. A key of its own, never the token secret
 * itself: knowing one does not sign the other.
 */
export function deriveHandleSecret(tokenSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', tokenSecret, 'recovery-match', 'sponsor-handle v1', 32));
}

export function createSponsorHandles(secret: string | Buffer): SponsorHandles {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const issued = new BoundedMap<string, Map<string, string>>(NEWCOMERS_REMEMBERED);
  // The two ids are fixed-format, but a separator keeps ("ab","c") and ("a","bc") apart whatever they are.
  const compute = (newcomerId: string, sponsorId: string) => createHmac('sha256', key).update(`${newcomerId}\n${sponsorId}`).digest('base64url');
  return {
    compute,
    handleFor(newcomerId, sponsorId) {
      const handle = compute(newcomerId, sponsorId);
      let mine = issued.get(newcomerId);
      if (!mine) {
        mine = new Map();
        issued.set(newcomerId, mine);
      }
      mine.delete(handle);
      mine.set(handle, sponsorId);
      if (mine.size > HANDLES_PER_NEWCOMER) mine.delete(mine.keys().next().value as string);
      return handle;
    },
    recall(newcomerId, handle) {
      return issued.peek(newcomerId)?.get(handle);
    },
  };
}
