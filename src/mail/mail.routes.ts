import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import type { MailFailure, Outbox } from './outbox.service.ts';

const mailFailure = z
  .object({
    id: z.string(),
    template: z.string(),
    recipientId: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable().describe("A short code such as 'ECONNREFUSED', 'timeout' or 'EENVELOPE:550'"),
    createdAt: z.string(),
    failedAt: z.string().nullable(),
  })
  .meta({ id: 'MailFailure' });

const view = (f: MailFailure) => ({
  ...f,
  createdAt: new Date(f.createdAt).toISOString(),
  failedAt: f.failedAt ? new Date(f.failedAt).toISOString() : null,
});

export function mailRoutes(outbox: Pick<Outbox, 'listFailures'>): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/mail-failures',
      summary: 'Mails that could not be delivered after every attempt (newest first): whom and which template, never the address or the words',
      tag: 'Administration',
      access: 'admin',
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      responses: { 200: { description: 'Failed mails', schema: z.object({ failures: z.array(mailFailure) }) } },
      audit: {
        action: 'read-mail-failures',
        subjects: (_input, result) => [...new Set((result.body as { failures: Array<{ recipientId: string }> }).failures.map((f) => f.recipientId))],
      },
      handle: async ({ query }) => ({ status: 200, body: { failures: (await outbox.listFailures({ limit: query.limit })).map(view) } }),
    }),
  ];
}
