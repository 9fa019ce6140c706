import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { getConsent, giveConsent, withdrawHealthData, type ConsentDeps } from './consent.service.ts';

const termsView = z.object({ termsVersion: z.string(), text: z.string() }).meta({ id: 'Terms' });

const consentState = z.object({ termsVersion: z.string(), healthData: z.boolean(), adult: z.boolean(), at: z.string() });
const consentView = z
  .object({
    current: consentState,
    currentTermsVersion: z.string().describe('The terms version the service asks consent to now'),
    upToDate: z.boolean().describe('Whether the data routes answer: consent to the current terms, health-data consent not withdrawn'),
    history: z.array(consentState.extend({ action: z.enum(['given', 'health-data-withdrawn']) })).describe('Every act of consent or withdrawal, oldest first'),
  })
  .meta({ id: 'Consent' });

const consentBody = z
  .strictObject({
    termsVersion: z.string().trim().min(1).max(40),
    healthData: z.literal(true, { message: 'Consent to keep recovery-related data is required.' }),
    adult: z.literal(true, { message: 'The service is for adults (18 and over).' }),
  })
  .meta({ id: 'ConsentRequest' });

export interface ConsentRouteDeps extends ConsentDeps {
  termsText: string;
}

export function consentRoutes(d: ConsentRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/terms',
      summary: 'The current terms: their version (what registration and consent name) and text',
      tag: 'Members',
      access: 'public',
      responses: { 200: { description: 'The terms', schema: termsView } },
      handle: () => Promise.resolve({ status: 200, body: { termsVersion: d.termsVersion, text: d.termsText } }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/consent',
      summary: 'My consent: what is in force, whether it is to the current terms, and its history',
      tag: 'Members',
      access: 'member',
      consentExempt: true,
      responses: { 200: { description: 'The consent', schema: consentView } },
      // Not audited: a member reading their own data is no audited read.
      handle: async ({ actor }) => ({ status: 200, body: await getConsent(d, actor) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/me/consent',
      summary: 'Give consent to the current terms (again): after the terms changed, or after withdrawing health-data consent',
      tag: 'Members',
      access: 'member',
      consentExempt: true,
      body: consentBody,
      responses: {
        200: { description: 'The consent, now current', schema: consentView },
        400: { description: 'Consent not given in full, or to other terms than the current ones (`terms-version-mismatch`, naming `termsVersion`)' },
      },
      audit: { action: 'consent-given', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor, body }) => ({ status: 200, body: await giveConsent(d, actor, body) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/me/consent/health-data',
      summary: 'Withdraw consent to keep health data: both profiles are deleted, open requests withdrawn, live matches end; the account stays',
      tag: 'Members',
      access: 'member',
      consentExempt: true,
      responses: { 200: { description: 'The consent, health data withdrawn: data routes answer 403 `consent-required` until consent is given again', schema: consentView } },
      audit: { action: 'health-data-consent-withdrawn', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor }) => ({ status: 200, body: await withdrawHealthData(d, actor) }),
    }),
  ];
}
