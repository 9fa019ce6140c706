import type { RequestHandler } from 'express';
import { actorOf, bearerToken } from '../auth/auth.service.ts';
import { verifyAccessToken, type TokenConfig } from '../auth/tokens.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import { AppError } from '../errors.ts';

const unauthenticated = () =>
  new AppError('unauthenticated', 'unauthenticated', 'A valid access token is required in the Authorization header.');

// The user is read on every request (by _id), so a revoked role or a deleted
// account takes effect on the very next request, not when the token expires.
export function authenticate(deps: { users: UsersRepository; tokens: TokenConfig; clock: () => Date }): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw unauthenticated();
    const verified = verifyAccessToken(deps.tokens, token, Math.floor(deps.clock().getTime() / 1000));
    if (!verified) throw unauthenticated();
    const [revoked, user] = await Promise.all([deps.users.isTokenRevoked(verified.jti), deps.users.findById(verified.userId)]);
    if (revoked || !user) throw unauthenticated();
    res.locals.actor = actorOf(user);
    res.locals.token = token;
    next();
  };
}
