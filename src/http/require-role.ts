import type { RequestHandler } from 'express';
import type { Actor } from '../auth/actor.ts';
import { AppError } from '../errors.ts';

export function requireRole(role: 'coordinator' | 'admin'): RequestHandler {
  return (_req, res, next) => {
    const actor = res.locals.actor as Actor | undefined;
    const allowed = actor && (actor.isAdmin || (role === 'coordinator' && actor.coordinatorOf.length > 0));
    if (!allowed) throw new AppError('forbidden', 'forbidden', `This needs the ${role} role.`);
    next();
  };
}
