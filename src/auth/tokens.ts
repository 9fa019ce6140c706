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

/**
 * One algorithm pinned; `exp`, `iss`, `aud`, `sub` and `jti` are required and
 * checked (jsonwebtoken accepts a token without `exp` unless told otherwise).
 * Returns undefined for any token that is not good, whatever the reason.
 */
export function verifyAccessToken(cfg: TokenConfig, token: string, nowSeconds: number): VerifiedToken | undefined {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, keyOf(cfg.secret), {
      algorithms: [ALGORITHM],
      issuer: cfg.issuer,
      audience: cfg.audience,
      clockTimestamp: nowSeconds,
    });
  } catch {
    return undefined;
  }
  if (typeof payload === 'string') return undefined;
  const { exp, sub, jti } = payload;
  if (typeof exp !== 'number' || typeof sub !== 'string' || !sub || typeof jti !== 'string' || !jti) return undefined;
  return { userId: sub, jti, expiresAt: new Date(exp * 1000) };
}
