import { createHash } from 'node:crypto';
import { getSystemErrorName } from 'node:util';

// The pure rules of delivery: when to try again, what to call a failure, how a message is identified.

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const DEFAULT_MAX_ATTEMPTS = 8;
// Well above the SMTP timeouts (transport.ts): a claim this old belongs to a worker that died.
export const DEFAULT_LEASE_MS = 10 * MINUTE;

/**
 * The wait after `completed` failed attempts: 1, 3, 9 … minutes, so that eight
 * attempts span about 18 hours (a server down overnight is waited for), and no
 * single wait exceeds a day when more attempts are allowed.
 */
export function retryDelayMs(completed: number): number {
  return Math.min(MINUTE * 3 ** completed, DAY);
}

const CODE = /^[A-Z][A-Z0-9_]{1,31}$/;

/**
 * A failure as a short code: 'ECONNREFUSED', 'timeout', 'EENVELOPE:451'. Never
 * the error's message or the server's reply, which can quote the address.
 */
export function failureCode(err: unknown): string {
  if (typeof err !== 'object' || err === null) return 'error';
  const e = err as { code?: unknown; errno?: unknown; responseCode?: unknown };
  if (e.code === 'ETIMEDOUT') return 'timeout';
  if (typeof e.errno === 'number' && e.errno < 0) {
    const name = getSystemErrorName(e.errno);
    if (name === 'ETIMEDOUT') return 'timeout';
    if (CODE.test(name)) return name;
  }
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : 'error';
  return typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? `${code}:${e.responseCode}` : code;
}

const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** The domain of the sender's address (`Name <a@example.org>` or `a@example.org`), for Message-IDs. */
export function senderDomain(from: string): string | undefined {
  const domain = /@([^@\s<>]+)>?\s*$/.exec(from)?.[1];
  return domain && DOMAIN.test(domain) ? domain.toLowerCase() : undefined;
}

/**
 * The Message-ID of an outbox message: the same on every attempt, so that a
 * resend after a crash can be recognised by the receiving side; a hash, so
 * that it does not carry the member's id or the event.
 */
export function messageIdFor(outboxId: string, domain: string): string {
  return `<${createHash('sha256').update(`outbox-message:${outboxId}`).digest('hex').slice(0, 40)}@${domain}>`;
}
