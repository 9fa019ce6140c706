import type { RequestHandler } from 'express';
import { bearerToken } from '../http/bearer-token.ts';
import { actorOf } from './auth.service.ts';
import { verifyAccessToken, type TokenConfig } from './tokens.ts';
import type { AccessCache } from './access-cache.ts';
import { AppError } from '../errors.ts';

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
    res.locals.token = token;
    res.locals.tokenId = verified.jti;
    next();
  };
}
