import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { programKey } from '../programs/program-rules.ts';
import { sponsorProfileView } from '../profiles/profiles.schemas.ts';
import * as vetting from './vetting.service.ts';

const status = z.enum(['pending', 'approved', 'refused']);
const state = {
  status: status.describe("For the sponsor's current program: a decision made for another program counts as pending"),
  required: z.boolean().describe("Whether the sponsor's program asks for vetting before its sponsors are proposed"),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional().describe('The user id of the coordinator or admin who decided'),
  note: z.string().optional().describe('The coordinator’s note: for coordinators only, never shown to the sponsor'),
};
const historyEntry = z.object({ program: z.string(), status: z.enum(['approved', 'refused']), at: z.string(), by: z.string(), note: z.string().optional() });
const sponsorForCoordinator = sponsorProfileView
  .extend({ vetting: z.object({ ...state, history: z.array(historyEntry).describe('Every decision, oldest first') }) })
  .meta({ id: 'SponsorForCoordinator' });
const sponsorList = z
  .object({
    total: z.number().int(),
    sponsors: z.array(
      z.object({
        userId: z.string(),
        displayName: z.string(),
        program: z.string(),
        updatedAt: z.string(),
        vetting: z.object({ status, decidedAt: z.string().optional() }),
      }),
    ),
  })
  .meta({ id: 'SponsorsForVetting' });
const vetBody = z
  .strictObject({
    approved: z.boolean(),
    note: z.string().max(500).optional().describe('For other coordinators: never shown to the sponsor'),
  })
  .meta({ id: 'VettingDecision' });
const vetResult = z.object({ sponsorId: z.string(), program: z.string(), ...state }).meta({ id: 'VettingState' });

const idParams = z.strictObject({ id: z.string().uuid() });

export function vettingRoutes(deps: vetting.VettingDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/sponsors',
      summary: "Sponsors of the coordinator's programs (all for an admin), by vetting status, those waiting longest first (audited)",
      tag: 'Coordination',
      access: 'coordinator',
      query: z.strictObject({
        vetting: status.optional(),
        program: programKey.optional().describe('Only this program (one you coordinate)'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      responses: { 200: { description: 'The sponsors, and how many match in all', schema: sponsorList }, 403: { description: 'Not a coordinator of the program named' } },
      audit: { action: 'list-sponsors', subjects: (_input, result) => (result.body as { sponsors: Array<{ userId: string }> }).sponsors.map((s) => s.userId) },
      handle: async ({ actor, query }) => ({
        status: 200,
        body: await vetting.listSponsors(deps, actor, { limit: query.limit, ...(query.vetting ? { vetting: query.vetting } : {}), ...(query.program ? { program: query.program } : {}) }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/sponsors/{id}',
      summary: "A sponsor's profile and vetting, for a coordinator of their program (audited)",
      tag: 'Coordination',
      access: 'coordinator',
      params: idParams,
      responses: {
        200: { description: 'The profile, the vetting state and every decision', schema: sponsorForCoordinator },
        403: { description: "Not a coordinator of the sponsor's program" },
        404: { description: 'No such sponsor' },
      },
      audit: { action: 'read-sponsor-profile', subjects: ({ params }) => [params.id] },
      handle: async ({ actor, params }) => ({ status: 200, body: await vetting.getSponsorForCoordinator(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/sponsors/{id}/vet',
      summary: "Approve or refuse a sponsor for their current program (a coordinator of it, or an admin; audited). The latest decision holds; every one is kept.",
      tag: 'Coordination',
      access: 'coordinator',
      params: idParams,
      body: vetBody,
      responses: {
        200: { description: 'The vetting state after the decision', schema: vetResult },
        403: { description: "Not a coordinator of the sponsor's program" },
        404: { description: 'No such sponsor' },
        409: { description: 'Too many decisions on this sponsor at the same moment; try again' },
      },
      audit: { action: 'vet-sponsor', decision: true, subjects: ({ params }) => [params.id] },
      handle: async ({ actor, params, body }) => ({
        status: 200,
        body: await vetting.vetSponsor(deps, actor, params.id, { approved: body.approved, ...(body.note !== undefined ? { note: body.note } : {}) }),
      }),
    }),
  ];
}
