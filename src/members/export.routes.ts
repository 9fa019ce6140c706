import { z } from 'zod';
import { accountLimiter } from '../http/rate-limit.ts';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { exportOwnData, type ExportDeps } from './export.service.ts';

const HOUR = 3_600_000;

const section = (description: string) => z.unknown().describe(description);
const exportView = z
  .object({
    generatedAt: z.string(),
    termsVersion: z.string().describe('The terms version the service asks consent to now'),
    account: section('The account: email, display name, roles, dates; never the password hash'),
    consent: section('The current consent and every act of consent or withdrawal'),
    profiles: section('The newcomer and sponsor profiles with their contact details, the times of limited changes, and vetting decisions (by role only)'),
    requests: section('Every request for a sponsor, with its history'),
    matches: section("Every match, with its history: the other member only as the card you were shown; others' notes and reasons left out"),
    checkIns: section('Check-in settings, the check-ins sent to you, your answers, and alerts raised about you'),
    concerns: section('The concerns you reported, with their text'),
    emails: section('The emails sent to you: template, subject, dates, status'),
    audit: section('Audit entries naming you; anyone else is "someone else"'),
  })
  .meta({ id: 'MemberExport' });

export function exportRoutes(deps: ExportDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/me/export',
      summary: 'Everything the service holds about me, as one JSON document to download (nothing about anyone else)',
      tag: 'Members',
      access: 'member',
      // A member who has not accepted new terms can still take their data with them.
      consentExempt: true,
      // Heavy (every collection that holds the member's data is read): a few an hour per account.
      before: [accountLimiter({ windowMs: HOUR, limit: 10, detail: 'Several exports were made in the last hour. Please try again later.' })],
      responses: {
        200: { description: 'The export, served as an attachment (`Content-Disposition`)', schema: exportView },
        429: { description: 'More than 10 exports in an hour for this account' },
      },
      // Not audited: a member reading their own data is no audited read (the access policy's isAuditedRead).
      handle: async ({ actor }) => {
        const body = await exportOwnData(deps, actor);
        return {
          status: 200,
          body,
          headers: { 'Content-Disposition': `attachment; filename="recovery-match-export-${body.generatedAt.slice(0, 10)}.json"` },
        };
      },
    }),
  ];
}
