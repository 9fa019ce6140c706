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

export function signAccessToken(cfg: TokenConfig, userId: string, nowSeconds: number): { accessToken: string; expiresIn: number } {
  const accessToken = jwt.sign({ iat: nowSeconds, exp: nowSeconds + cfg.ttlSeconds }, keyOf(cfg.secret), {
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
  ]);
}

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
  return { userId: sub, jti, expiresAt: new Date(exp * 1000) };
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
