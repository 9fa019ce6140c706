import type { RequestHandler } from 'express';
import { bearerToken } from '../http/bearer-token.ts';
import { actorOf } from './auth.service.ts';
import { verifyAccessToken, type TokenConfig } from './tokens.ts';
import type { AccessCache } from './access-cache.ts';
import { AppError } from '../errors.ts';
import { requireCurrentConsent } from '../access/policy.ts';
import type { AccessEntry } from './users.repository.ts';

const unauthenticated = () =>
  new AppError('unauthenticated', 'unauthenticated', 'A valid access token is required in the Authorization header.');

// The user and the revocation list come from the access cache on every
// request, so a revoked role or a logout takes effect on the very next request
// (in other instances, as soon as the change feed brings it).
export function authenticate(deps: { access: AccessCache; tokens: TokenConfig; clock: () => Date }): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw unauthenticated();
    const now = deps.clock();
    const verified = verifyAccessToken(deps.tokens, token, Math.floor(now.getTime() / 1000));
    if (!verified || deps.access.isRevoked(verified.jti, now)) throw unauthenticated();
    const user = await deps.access.user(verified.userId);
    if (!user) throw unauthenticated();
    // Signed out everywhere, or the password changed, after this token was issued.
    if (user.notBeforeMs !== undefined && verified.issuedAtMs <= user.notBeforeMs && verified.jti !== user.notBeforeExcept) throw unauthenticated();
    res.locals.actor = actorOf(user);
    // What the consent gate reads (requireConsent): from the same cache entry, so a re-consent applies on the next request.
    res.locals.access = user;
    res.locals.token = token;
    res.locals.tokenId = verified.jti;
    next();
  };
}

/**
 * The consent gate, after `authenticate`, on every route not exempt from it:
 * 403 `consent-required` naming the current terms while the member's consent
 * is to older terms or their health-data consent is withdrawn.
 */
export function requireConsent(currentVersion: string): RequestHandler {
  return (_req, res, next) => {
    const entry = res.locals.access as AccessEntry | undefined;
    requireCurrentConsent(entry, currentVersion);
    next();
  };
}
