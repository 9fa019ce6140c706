import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

export interface TokenConfig {
  secret: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface VerifiedToken {
  userId: string;
  jti: string;
  expiresAt: Date;
  /** When it was issued, in milliseconds (`ims`; tokens signed before it existed: `iat` in seconds). */
  issuedAtMs: number;
}

const ALGORITHM = 'HS256' as const;

// jsonwebtoken turns a string secret into a key on every call (first trying,
// and failing, to read it as a public key): a key object made once is ~1 ms
// cheaper per request.
const keys = new Map<string, KeyObject>();
function keyOf(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}

/**
 * `now` in milliseconds: the token also carries them (`ims`), so that a
 * sign-out everywhere at a given millisecond ends exactly the tokens issued
 * before it (`iat` has only seconds).
 */
export function signAccessToken(cfg: TokenConfig, userId: string, nowMs: number): { accessToken: string; expiresIn: number } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const accessToken = jwt.sign({ iat: nowSeconds, exp: nowSeconds + cfg.ttlSeconds, ims: nowMs }, keyOf(cfg.secret), {
    algorithm: ALGORITHM,
    issuer: cfg.issuer,
    audience: cfg.audience,
    subject: userId,
    jwtid: randomUUID(),
  });
  return { accessToken, expiresIn: cfg.ttlSeconds };
}

// Machines' clocks disagree a little; a token issued further ahead than this was not issued by us.
const MAX_CLOCK_SKEW_SECONDS = 60;

// The longest life a token of each audience may claim, whatever its signature
// says: access tokens at most the configured ttl. Single-purpose links (email
// verification, ...) will have their own audience and a longer row here.
function maxLifetimeByAudience(cfg: TokenConfig): ReadonlyMap<string, number> {
  return new Map([
    [cfg.audience, cfg.ttlSeconds],
    [checkInAudience(cfg), CHECK_IN_LINK_SECONDS],
    ...ACCOUNT_LINK_PURPOSES.map((p) => [accountAudience(cfg, p), ACCOUNT_LINK_SECONDS[p]] as const),
  ]);
}

/**
 * The links of account emails, one audience each (a link of one purpose is
 * never taken for another, nor for an access token): verifying an address
 * (48 hours), resetting a password (30 minutes), confirming a new address
 * (24 hours). Each names one account, one address where it matters, and its
 * own id (`jti`), by which it is used once.
 */
export const ACCOUNT_LINK_PURPOSES = ['verify-email', 'password-reset', 'email-change'] as const;
export type AccountLinkPurpose = (typeof ACCOUNT_LINK_PURPOSES)[number];
export const ACCOUNT_LINK_SECONDS: Readonly<Record<AccountLinkPurpose, number>> = {
  'verify-email': 48 * 3600,
  'password-reset': 30 * 60,
  'email-change': 24 * 3600,
};
const accountAudience = (cfg: TokenConfig, purpose: AccountLinkPurpose) => `${cfg.audience}:${purpose}`;

export interface AccountLink {
  userId: string;
  /** The link's own id: it is used once (a claim of this id). */
  linkId: string;
  /** The address it was sent to. */
  email: string;
  issuedAtMs: number;
  expiresAt: Date;
}

export function signAccountLink(cfg: TokenConfig, purpose: AccountLinkPurpose, link: { userId: string; email: string }, nowMs: number): { token: string; linkId: string; expiresAt: Date } {
  const nowSeconds = Math.floor(nowMs / 1000);
  const linkId = randomUUID();
  const exp = nowSeconds + ACCOUNT_LINK_SECONDS[purpose];
  const token = jwt.sign({ iat: nowSeconds, exp, ims: nowMs, em: link.email }, keyOf(cfg.secret), {
    algorithm: ALGORITHM,
    issuer: cfg.issuer,
    audience: accountAudience(cfg, purpose),
    subject: link.userId,
    jwtid: linkId,
  });
  return { token, linkId, expiresAt: new Date(exp * 1000) };
}

/** The link's account, id and address, or undefined for any link that is not good (expired, tampered, another purpose, malformed). */
export function verifyAccountLink(cfg: TokenConfig, purpose: AccountLinkPurpose, token: string, nowSeconds: number): AccountLink | undefined {
  const payload = verifyToken(cfg, token, accountAudience(cfg, purpose), nowSeconds);
  if (!payload) return undefined;
  const { sub, jti, em, exp } = payload;
  if (typeof sub !== 'string' || !sub || typeof jti !== 'string' || !jti) return undefined;
  // Every account link names the address it was sent to: it works only while the account has that address (or, for a change, asks for it).
  if (typeof em !== 'string' || !em) return undefined;
  return { userId: sub, linkId: jti, email: em, issuedAtMs: issuedAtMs(payload), expiresAt: new Date(exp * 1000) };
}

const issuedAtMs = (payload: { iat: number; ims?: unknown }): number => {
  const ims = payload.ims;
  // `ims` must agree with `iat` (same second): a token cannot claim a later issue than it was signed with.
  if (typeof ims === 'number' && Number.isInteger(ims) && Math.floor(ims / 1000) === payload.iat) return ims;
  return payload.iat * 1000;
};

/** A check-in email's links: their own audience (never an access token, nor one of another purpose), good for 14 days. */
export const CHECK_IN_LINK_SECONDS = 14 * 86_400;
const checkInAudience = (cfg: TokenConfig) => `${cfg.audience}:check-in`;
export const CHECK_IN_PURPOSES = ['answer', 'note', 'pause', 'concern'] as const;
export type CheckInPurpose = (typeof CHECK_IN_PURPOSES)[number];

/** What a check-in link may do: one purpose, for one member's one check-in (and, for an answer, which one). */
export interface CheckInLink {
  memberId: string;
  checkInId: string;
  purpose: CheckInPurpose;
  answer?: string;
}

export function signCheckInLink(cfg: TokenConfig, link: CheckInLink, nowSeconds: number): string {
  return jwt.sign({ iat: nowSeconds, exp: nowSeconds + CHECK_IN_LINK_SECONDS, cid: link.checkInId, pur: link.purpose, ...(link.answer ? { ans: link.answer } : {}) }, keyOf(cfg.secret), {
    algorithm: ALGORITHM,
    issuer: cfg.issuer,
    audience: checkInAudience(cfg),
    subject: link.memberId,
  });
}

/** The link's purpose and check-in, or undefined for any link that is not good (expired, tampered, another audience, malformed). */
export function verifyCheckInLink(cfg: TokenConfig, token: string, nowSeconds: number): CheckInLink | undefined {
  const payload = verifyToken(cfg, token, checkInAudience(cfg), nowSeconds);
  if (!payload) return undefined;
  const { sub, cid, pur, ans } = payload as { sub?: unknown; cid?: unknown; pur?: unknown; ans?: unknown };
  if (typeof sub !== 'string' || !sub || typeof cid !== 'string' || !cid) return undefined;
  if (!CHECK_IN_PURPOSES.includes(pur as CheckInPurpose)) return undefined;
  if (ans !== undefined && typeof ans !== 'string') return undefined;
  return { memberId: sub, checkInId: cid, purpose: pur as CheckInPurpose, ...(typeof ans === 'string' ? { answer: ans } : {}) };
}

/**
 * One algorithm pinned; `iat`, `exp`, `iss`, `aud`, `sub` and `jti` are
 * required and checked (jsonwebtoken accepts a token without `exp` unless told
 * otherwise), and so is a lifetime no longer than the audience allows.
 * Returns undefined for any token that is not good, whatever the reason.
 */
export function verifyAccessToken(cfg: TokenConfig, token: string, nowSeconds: number): VerifiedToken | undefined {
  const payload = verifyToken(cfg, token, cfg.audience, nowSeconds);
  if (!payload) return undefined;
  const { exp, sub, jti } = payload;
  if (typeof sub !== 'string' || !sub || typeof jti !== 'string' || !jti) return undefined;
  return { userId: sub, jti, expiresAt: new Date(exp * 1000), issuedAtMs: issuedAtMs(payload) };
}

function verifyToken(cfg: TokenConfig, token: string, audience: string, nowSeconds: number): (jwt.JwtPayload & { iat: number; exp: number }) | undefined {
  const maxLifetime = maxLifetimeByAudience(cfg).get(audience);
  if (maxLifetime === undefined) return undefined;
  let decoded: jwt.Jwt;
  try {
    decoded = jwt.verify(token, keyOf(cfg.secret), {
      algorithms: [ALGORITHM],
      issuer: cfg.issuer,
      audience,
      clockTimestamp: nowSeconds,
      complete: true,
    });
  } catch {
    return undefined;
  }
  // We understand no header extension, so whatever `crit` names is one we must refuse (RFC 7515, 4.1.11).
  if ('crit' in decoded.header) return undefined;
  const { payload } = decoded;
  if (typeof payload === 'string') return undefined;
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') return undefined;
  if (iat > nowSeconds + MAX_CLOCK_SKEW_SECONDS) return undefined;
  if (exp - iat > maxLifetime) return undefined;
  return { ...payload, iat, exp };
}
