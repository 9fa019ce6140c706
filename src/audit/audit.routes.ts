import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { listAudit, type AuditDeps } from './audit.service.ts';

const party = z.object({ pseudonym: z.string(), userId: z.string().nullable() });
const auditEntry = z
  .object({ id: z.string(), at: z.string(), action: z.string(), route: z.string(), requestId: z.string(), actor: party, subjects: z.array(party), note: z.string().optional() })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(deps: AuditDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/audit',
      summary: "The audit log: coordinators' and admins' reads of members' data, their decisions and role changes (newest first)",
      tag: 'Administration',
      access: 'admin',
      query: z.strictObject({
        subject: z.string().uuid().optional().describe('Entries about this member'),
        actor: z.string().uuid().optional().describe('Entries by this member'),
        from: z.iso.datetime().optional(),
        to: z.iso.datetime().optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(200),
      }),
      responses: { 200: { description: 'Entries', schema: z.object({ entries: z.array(auditEntry) }) } },
      audit: { action: 'read-audit-log', subjects: ({ query }) => (query.subject ? [query.subject] : []) },
      handle: async ({ query }) => ({
        status: 200,
        body: {
          entries: await listAudit(deps, {
            limit: query.limit,
            ...(query.subject ? { subject: query.subject } : {}),
            ...(query.actor ? { actor: query.actor } : {}),
            ...(query.from ? { from: new Date(query.from) } : {}),
            ...(query.to ? { to: new Date(query.to) } : {}),
          }),
        },
      }),
    }),
  ];
}
