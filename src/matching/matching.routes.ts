import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { programKey } from '../programs/program-rules.ts';
import { TEXTS } from './texts.ts';
import { FACTORS } from './types.ts';
import * as matching from './matching.service.ts';

const reason = z.object({ factor: z.string(), contribution: z.number().optional(), text: z.string() });
const proposalCard = z.object({
  sponsorId: z
    .string()
    .describe(
      "Coordinators: the sponsor's user id. The newcomer: an opaque handle for this sponsor (base64url), the same on every request and every instance, different for every newcomer, and no user id.",
    ),
  displayName: z.string(),
  program: z.string(),
  programName: z.string(),
  roleWord: z.string(),
  yearsOfRecovery: z.number().int(),
  languages: z.array(z.string()),
  score: z.number().optional().describe('Coordinators only. The newcomer gets the cards in rank order, without scores.'),
  reasons: z.array(reason),
});
const emptyResult = z
  .object({
    reason: z.string().meta({
      description: 'Why there is no proposal yet, in kind words: a kind of reason (no sponsor yet in this program, or in this language, all full), never about one sponsor.',
      example: 'There is no sponsor in Narcotics Anonymous here yet who speaks your language. New sponsors join, and you can look again any time.',
    }),
    whatYouCanDo: z.string().meta({ description: "What the newcomer can do now: meetings, and what the program itself offers." }),
    crisisLine: z.string().meta({ description: 'Where to turn now in a crisis (config CRISIS_LINE).', example: 'If you are in crisis or thinking about harming yourself, reach out now: 988 (call or text, in the US).' }),
  })
  .meta({ id: 'EmptyProposals', description: 'Present when there are no proposals (and the program does pair members): never a bare empty list.' });

const proposalsView = z
  .object({
    newcomerId: z.string(),
    newcomerName: z.string().optional().describe('Coordinators only'),
    proposals: z.array(proposalCard).optional(),
    eligibleCount: z.number().int().optional().describe('Coordinators only'),
    excluded: z.array(z.object({ rule: z.string(), count: z.number().int(), text: z.string() })).optional().describe('Coordinators only'),
    sponsorId: z.string().optional(),
    eligible: z.boolean().optional(),
    score: z.number().optional(),
    failingRules: z.array(z.object({ rule: z.string(), text: z.string() })).optional(),
    unavailable: z
      .object({ reason: z.string(), offers: z.string() })
      .optional()
      .describe("When the newcomer's program does not pair members one to one (pairing none): why there are no cards, and what the program offers instead"),
    empty: emptyResult.optional(),
    tieRule: z
      .string()
      .optional()
      .meta({ description: 'Coordinators only: how sponsors with equal scores are ordered.', example: TEXTS.tieRule }),
    mentalHealth: z
      .string()
      .optional()
      .meta({
        description:
          'The newcomer only, once per answer, when they list co-occurring mental health: a kind pointer to professional help beside peer support, with the crisis line.',
      }),
  })
  .meta({ id: 'Proposals' });

const runView = z
  .object({
    id: z.string(),
    mode: z.enum(['participation', 'score']),
    programs: z.array(z.string()),
    createdAt: z.string(),
    pairs: z.array(
      z.object({
        newcomerId: z.string(),
        newcomerName: z.string().nullable().describe('Resolved when read; null if the member has left'),
        sponsorId: z.string(),
        sponsorName: z.string().nullable(),
        score: z.number(),
        reasons: z.array(reason),
      }),
    ),
    unmatched: z.array(
      z.object({
        newcomerId: z.string(),
        newcomerName: z.string().nullable(),
        reasons: z
          .array(z.object({ rule: z.string().optional(), count: z.number().optional(), text: z.string() }))
          .meta({
            description:
              'Why this newcomer is unmatched: the rules that left out every sponsor (with counts), or which capacity ran out (every eligible sponsor full; in score mode also those whose pair scored 0).',
          }),
      }),
    ),
  })
  .meta({ id: 'MatchingRun' });

const uuidParam = z.string().uuid();

const weightsBody = z
  .strictObject(Object.fromEntries(FACTORS.map((f) => [f, z.number().min(0).max(100)])) as Record<(typeof FACTORS)[number], z.ZodNumber>)
  .refine((w) => Object.values(w).some((v) => v > 0), 'At least one weight must be above zero.')
  .meta({ id: 'MatchingWeights' });

const programKeyParams = z.strictObject({ key: programKey });

interface RunSubjects {
  pairs: Array<{ newcomerId: string; sponsorId: string }>;
  unmatched: Array<{ newcomerId: string }>;
}
// Whose data a run holds: every newcomer in it and every sponsor paired.
const runSubjects = (run: RunSubjects) => [...run.pairs.flatMap((p) => [p.newcomerId, p.sponsorId]), ...run.unmatched.map((u) => u.newcomerId)];

export function matchingRoutes(deps: matching.MatchingDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/newcomers/{userId}/proposals',
      summary: 'Ranked sponsor proposals for one newcomer, each explained',
      tag: 'Matching',
      access: 'member',
      params: z.strictObject({ userId: uuidParam }),
      query: z.strictObject({
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(50)
          .default(10)
          .describe('How many proposals, 1 to 50. A newcomer gets at most 5: a larger limit from the newcomer is clamped to 5, not refused. Coordinators get up to 50.'),
        sponsor: uuidParam.optional().describe('Coordinators: explain this one sponsor, with every rule they fail'),
      }),
      responses: {
        200: { description: 'Proposals (for the newcomer: at most 5 anonymised cards, without scores, sponsors named by handles)', schema: proposalsView },
        404: { description: "No such newcomer, or (sponsor=) no such sponsor in the programs this newcomer can be matched in" },
      },
      audit: { action: 'read-proposals', subjects: ({ params }) => [params.userId] },
      handle: async ({ actor, params, query }) => ({
        status: 200,
        body: await matching.getProposals(deps, actor, params.userId, { limit: query.limit, ...(query.sponsor ? { sponsor: query.sponsor } : {}) }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/matching/runs',
      summary: "The optimal assignment of the seeking newcomers in the coordinator's programs",
      tag: 'Matching',
      access: 'coordinator',
      body: z
        .strictObject({ program: programKey.optional(), mode: z.enum(['participation', 'score']).default('participation') })
        .meta({ id: 'MatchingRunRequest' }),
      responses: { 201: { description: 'The stored run', schema: runView } },
      audit: { action: 'create-run', decision: true, subjects: (_input, result) => runSubjects(result.body as RunSubjects) },
      handle: async ({ actor, body }) => ({
        status: 201,
        body: await matching.createRun(deps, actor, { mode: body.mode, ...(body.program ? { program: body.program } : {}) }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/matching/runs/{id}',
      summary: 'A stored matching run',
      tag: 'Matching',
      access: 'coordinator',
      params: z.strictObject({ id: uuidParam }),
      responses: { 200: { description: 'The run', schema: runView } },
      audit: { action: 'read-run', decision: true, subjects: (_input, result) => runSubjects(result.body as RunSubjects) },
      handle: async ({ actor, params }) => ({ status: 200, body: await matching.getRun(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/programs/{key}/matching-weights',
      summary: "A program's matching weights",
      tag: 'Programs',
      access: 'coordinator',
      params: programKeyParams,
      responses: { 200: { description: 'Weights per factor', schema: weightsBody } },
      handle: async ({ params, actor }) => ({ status: 200, body: await matching.getWeights(deps, actor, params.key) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/programs/{key}/matching-weights',
      summary: "Replace a program's matching weights (non-negative; hard rules are not weights)",
      tag: 'Programs',
      access: 'coordinator',
      params: programKeyParams,
      body: weightsBody,
      responses: { 200: { description: 'Weights per factor', schema: weightsBody } },
      audit: { action: 'set-matching-weights', decision: true },
      handle: async ({ params, actor, body }) => ({ status: 200, body: await matching.setWeights(deps, actor, params.key, body) }),
    }),
  ];
}
