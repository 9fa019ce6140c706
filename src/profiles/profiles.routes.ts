import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { newcomerProfileBody, newcomerProfileView, ownNewcomerProfileView, ownSponsorProfileView, sponsorProfileBody } from './profiles.schemas.ts';
import * as profiles from './profiles.service.ts';

/** What the sponsor is told of their vetting by a coordinator (wired by the composition root: vetting sits above profiles). */
export type OwnSponsorVetting = (userId: string, program: string) => Promise<{ status: 'pending' | 'approved' | 'refused' | 'not-required'; message: string }>;

const mySponsorProfileView = ownSponsorProfileView
  .extend({
    vetting: z
      .object({
        status: z
          .enum(['pending', 'approved', 'refused', 'not-required'])
          .describe("Whether a coordinator of the program has reviewed this profile; newcomers are proposed only 'approved' (or 'not-required') sponsors"),
        message: z.string().describe('What this means, in plain words'),
      })
      .optional(),
  })
  .meta({ id: 'MySponsorProfile' });

export function profilesRoutes(deps: profiles.ProfilesDeps & { sponsorVetting?: OwnSponsorVetting }): RouteSpec[] {
  return [
    defineRoute({
      method: 'put',
      path: '/api/v1/me/newcomer-profile',
      summary: 'Create or replace my newcomer profile',
      tag: 'Profiles',
      access: 'member',
      body: newcomerProfileBody,
      responses: {
        200: { description: 'The stored profile (availability merged)', schema: ownNewcomerProfileView },
        429: {
          description:
            'A fourth change in 24 hours of program, acceptedPrograms, languages, location or preferences (sponsorGenderPreference, wantsLgbtqAffirming, spiritualOrientation, orientationMustMatch, preferredAgeBands, maxDistanceKm). Retry-After gives the seconds until one more is allowed. Creating the profile, and a PUT that leaves these as they were, do not count.',
        },
      },
      handle: async ({ actor, body }) => ({ status: 200, body: await profiles.putNewcomerProfile(deps, actor, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/newcomer-profile',
      summary: 'My newcomer profile',
      tag: 'Profiles',
      access: 'member',
      responses: { 200: { description: 'The profile', schema: ownNewcomerProfileView }, 404: { description: 'No profile yet' } },
      handle: async ({ actor }) => ({ status: 200, body: await profiles.getNewcomerProfile(deps, actor) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/me/sponsor-profile',
      summary: 'Create or replace my sponsor (mentor) profile',
      tag: 'Profiles',
      access: 'member',
      body: sponsorProfileBody,
      responses: { 200: { description: 'The stored profile (availability merged)', schema: ownSponsorProfileView } },
      handle: async ({ actor, body }) => ({ status: 200, body: await profiles.putSponsorProfile(deps, actor, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/sponsor-profile',
      summary: 'My sponsor (mentor) profile',
      tag: 'Profiles',
      access: 'member',
      responses: { 200: { description: 'The profile, and where its vetting by a coordinator stands', schema: mySponsorProfileView }, 404: { description: 'No profile yet' } },
      handle: async ({ actor }) => {
        const profile = await profiles.getSponsorProfile(deps, actor);
        return { status: 200, body: deps.sponsorVetting ? { ...profile, vetting: await deps.sponsorVetting(actor.id, profile.program) } : profile };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/newcomers/{id}',
      summary: "A newcomer's profile, for a coordinator of their program (audited)",
      tag: 'Coordination',
      access: 'coordinator',
      params: z.strictObject({ id: z.string().uuid() }),
      responses: { 200: { description: 'The profile (without the contact, which is shared only at the introduction)', schema: newcomerProfileView }, 403: { description: 'Not a coordinator of their program' }, 404: { description: 'No such newcomer' } },
      audit: { action: 'read-newcomer-profile', subjects: ({ params }) => [params.id] },
      handle: async ({ actor, params }) => ({ status: 200, body: await profiles.getNewcomerForCoordinator(deps, actor, params.id) }),
    }),
  ];
}
