import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { accountLimiter } from '../http/rate-limit.ts';
import { userIdParams } from '../auth/auth.schemas.ts';
import { eraseMe, eraseUser, type ErasureDeps } from './erasure.service.ts';

const eraseMeBody = z.strictObject({ password: z.string().min(1).max(1000) });
const eraseUserBody = z.strictObject({ reason: z.string().trim().min(3, 'Say why (kept in the audit log).').max(500) });

export function erasureRoutes(deps: ErasureDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'delete',
      path: '/api/v1/me',
      summary: 'Delete my account and everything the service holds about me',
      tag: 'Your data',
      access: 'member',
      consentExempt: true,
      body: eraseMeBody,
      before: [accountLimiter({ windowMs: 15 * 60_000, limit: 5, failuresOnly: true, detail: 'Too many wrong passwords for this account. Wait 15 minutes, or reset your password.' })],
      responses: {
        204: { description: 'The account is gone (its address is free, its tokens end); the rest of its data goes within minutes' },
        401: { description: 'Wrong password' },
      },
      audit: { action: 'erase-account', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor, body }) => {
        await eraseMe(deps, actor, body.password);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/admin/users/{id}',
      summary: "Delete a member's account and everything the service holds about them",
      tag: 'Administration',
      access: 'admin',
      params: userIdParams,
      body: eraseUserBody,
      responses: {
        204: { description: 'The account is gone; the rest of its data goes within minutes' },
        404: { description: 'No such account' },
      },
      audit: { action: 'erase-user', decision: true, subjects: ({ params }) => [params.id], note: ({ body }) => body.reason },
      handle: async ({ actor, params }) => {
        await eraseUser(deps, actor, params.id);
        return { status: 204 };
      },
    }),
  ];
}
