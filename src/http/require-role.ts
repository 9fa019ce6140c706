import type { RequestHandler } from 'express';
import type { Actor } from '../access/actor.ts';
import { requireRoleFor } from '../access/policy.ts';

export function requireRole(role: 'coordinator' | 'admin'): RequestHandler {
  return (_req, res, next) => {
    requireRoleFor(res.locals.actor as Actor | undefined, role);
    next();
  };
}
