import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { programKey } from '../programs/program-rules.ts';
import * as lifecycle from './lifecycle.service.ts';
import { END_REASONS, MATCH_STATES, MEMBER_ACTIONS, type MemberAction } from './transitions.ts';

const uuid = z.string().uuid();
const idParams = z.strictObject({ id: uuid });
const note = z.string().trim().min(1).max(500);

const requestView = z
  .object({
    id: z.string(),
    kind: z.enum(['ongoing', 'temporary']),
    note: z.string().optional(),
    status: z.enum(['open', 'closed', 'withdrawn']).describe('open: waiting for a match (or one is being arranged); closed: it led to an active match; withdrawn: you withdrew it'),
    createdAt: z.string(),
    updatedAt: z.string(),
    match: z.object({ id: z.string(), state: z.enum(MATCH_STATES) }).optional().describe('The match being arranged for it, while it is live'),
  })
  .meta({ id: 'MatchRequest' });

const card = z.object({
  displayName: z.string(),
  program: z.string(),
  programName: z.string(),
  languages: z.array(z.string()),
  contactModes: z.array(z.string()),
});
const matchView = z
  .object({
    id: z.string(),
    state: z.enum(MATCH_STATES),
    kind: z.enum(['ongoing', 'temporary']),
    you: z.enum(['newcomer', 'sponsor', 'coordinator']),
    createdAt: z.string(),
    updatedAt: z.string(),
    allowedActions: z.array(z.string()).describe('The steps you may take now'),
    activeSince: z.string().optional(),
    endsAt: z.string().optional().describe('A temporary match: when its term ends'),
    sponsor: card
      .extend({ handle: z.string().optional(), userId: z.string().optional(), roleWord: z.string(), yearsOfRecovery: z.number().int() })
      .partial()
      .optional()
      .describe("The sponsor's card: for the newcomer with an opaque handle (never an id, email, phone or date); for coordinators with the user id"),
    newcomer: card
      .extend({ userId: z.string().optional(), monthsOfRecovery: z.number().int() })
      .partial()
      .nullable()
      .optional()
      .describe("The newcomer's card (months of recovery, never a date)"),
    contact: z
      .object({ lines: z.array(z.string()), email: z.string().optional(), phone: z.string().optional(), note: z.string().optional() })
      .optional()
      .describe('A member, once the match is active: what the other member chose to share (profile `contact`)'),
    notice: z.string().optional().describe('A member, after the other side ended it: the same neutral words whatever the reason'),
    requestId: z.string().optional(),
    origin: z.enum(['choice', 'coordinator', 'run']).optional(),
    flags: z.array(z.string()).optional().describe('Coordinators: what needs a conversation'),
    history: z
      .array(z.object({ n: z.number().int(), state: z.string(), action: z.string(), role: z.string(), by: z.string(), at: z.string(), reason: z.string().optional(), note: z.string().optional() }))
      .optional()
      .describe('Coordinators only: every step, who took it, when and why'),
  })
  .meta({ id: 'Match' });

const reasonBody = z
  .strictObject({ reason: z.enum(END_REASONS).describe('Seen by coordinators only: the other member gets a neutral notice'), note: note.optional() })
  .meta({ id: 'MatchStepWithReason' });
const stepBody = z.strictObject({ note: note.optional() }).meta({ id: 'MatchStep' });

const STEP_SUMMARY: Record<MemberAction, string> = {
  approve: 'A coordinator approves a match the newcomer chose: the sponsor is asked',
  reject: 'A coordinator rejects a match (before it is active), with a reason',
  accept: 'The sponsor accepts (then the newcomer is asked), or the newcomer accepts (then both are introduced)',
  decline: 'The sponsor or the newcomer declines, with a reason seen by coordinators only',
  pause: 'Pause an active match (either member or a coordinator)',
  resume: 'Resume a paused match',
  end: 'End an active or paused match, with a reason seen by coordinators only',
};

const auditMatch = (action: string) => ({
  action,
  decision: true,
  subjects: (_i: unknown, r: { body?: unknown }) => lifecycle.matchSubjects(r.body ?? {}),
});

export function matchesRoutes(deps: lifecycle.LifecycleDeps): RouteSpec[] {
  const steps = MEMBER_ACTIONS.map((action) => {
    const withReason = action === 'reject' || action === 'decline' || action === 'end';
    return defineRoute({
      method: 'post',
      path: `/api/v1/matches/{id}/${action}`,
      summary: STEP_SUMMARY[action],
      tag: 'Matches',
      access: 'member',
      params: idParams,
      body: withReason ? reasonBody : stepBody,
      responses: {
        200: { description: 'The match after the step', schema: matchView },
        403: { description: "You coordinate other programs (or only the sponsor's: you may read the match, not act on it)" },
        404: { description: 'No such match, or not yours to see' },
        409: {
          description:
            'Not a step you may take now: `illegal-transition` (nobody may, from this state) or `not-your-step` (another role takes it), each naming `state` and your `allowedActions`; or `sponsor-at-capacity`',
        },
      },
      audit: auditMatch(`match-${action}`),
      handle: async ({ actor, params, body }) => ({
        status: 200,
        body: await lifecycle.act(deps, actor, params.id, action, body as { reason?: (typeof END_REASONS)[number]; note?: string }),
      }),
    });
  });

  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/match-requests',
      summary: 'Ask for a sponsor (one open request per member)',
      tag: 'Matches',
      access: 'member',
      body: z
        .strictObject({
          kind: z.enum(['ongoing', 'temporary']).describe('temporary: a quick first contact who helps until an ongoing sponsor is found (TEMPORARY_MATCH_DAYS)'),
          note: note.optional().describe('For the coordinators: anything that helps them find the right person'),
        })
        .meta({ id: 'MatchRequestBody' }),
      responses: {
        201: { description: 'The open request', schema: requestView },
        409: { description: '`request-already-open` (with `openRequestId`); `program-has-no-pairing` (with `offers`); `newcomer-profile-required`' },
      },
      handle: async ({ actor, body }) => ({ status: 201, body: await lifecycle.createRequest(deps, actor, { kind: body.kind, ...(body.note ? { note: body.note } : {}) }) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me/match-requests',
      summary: 'My requests, newest first',
      tag: 'Matches',
      access: 'member',
      responses: { 200: { description: 'My requests', schema: z.object({ requests: z.array(requestView) }) } },
      handle: async ({ actor }) => ({ status: 200, body: await lifecycle.myRequests(deps, actor) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/match-requests/{id}',
      summary: 'Withdraw my open request (and the match being arranged for it)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      responses: { 204: { description: 'Withdrawn' }, 404: { description: 'No such request of yours' }, 409: { description: 'The request is not open' } },
      handle: async ({ actor, params }) => {
        await lifecycle.withdrawRequest(deps, actor, params.id);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/match-requests/{id}/choice',
      summary: 'Choose a sponsor from my proposals (a coordinator reviews it next)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      body: z.strictObject({ sponsorId: z.string().min(1).max(100).describe('The handle on your proposal card') }).meta({ id: 'MatchChoice' }),
      responses: {
        201: { description: 'The match, waiting for a coordinator', schema: matchView },
        409: { description: 'This person is no longer among your proposals; or a match is already being arranged for this request' },
      },
      handle: async ({ actor, params, body }) => ({ status: 201, body: await lifecycle.chooseSponsor(deps, actor, params.id, body.sponsorId) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/queue',
      summary: "Open requests of my programs, oldest first, each with the newcomer's three best proposals and flags",
      tag: 'Coordinators',
      access: 'coordinator',
      query: z.strictObject({ program: programKey.optional() }),
      responses: { 200: { description: 'The queue', schema: z.object({ requests: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'CoordinatorQueue' }) } },
      audit: { action: 'read-queue', subjects: (_i, r) => ((r.body as { requests: Array<{ newcomerId: string }> }).requests ?? []).map((x) => x.newcomerId) },
      handle: async ({ actor, query }) => ({ status: 200, body: await lifecycle.queue(deps, actor, query.program) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/matches',
      summary: 'A coordinator makes a match for a request (approved by that act: the sponsor is asked)',
      tag: 'Matches',
      access: 'coordinator',
      body: z.strictObject({ requestId: uuid, sponsorId: uuid }).meta({ id: 'MatchCreate' }),
      responses: {
        201: { description: 'The match, awaiting the sponsor', schema: matchView },
        409: { description: '`sponsor-at-capacity`, `no-open-request`, `request-has-match`, `pair-not-eligible` (with `failingRules`)' },
      },
      audit: auditMatch('create-match'),
      handle: async ({ actor, body }) => ({ status: 201, body: await lifecycle.coordinatorCreate(deps, actor, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/matching/runs/{id}/approve',
      summary: 'Approve all or some pairs of a stored run: each pair gets its own result',
      tag: 'Matching',
      access: 'coordinator',
      params: idParams,
      body: z
        .strictObject({ pairs: z.array(z.strictObject({ newcomerId: uuid, sponsorId: uuid })).min(1).max(5000).optional().describe('Default: every pair of the run') })
        .meta({ id: 'RunApproval' }),
      responses: {
        200: {
          description: 'One result per pair: `created` (with `matchId`), or why not (`no-open-request`, `sponsor-at-capacity`, `request-has-match`, `pair-not-eligible`, `not-in-run`…)',
          schema: z
            .object({
              runId: z.string(),
              results: z.array(z.object({ newcomerId: z.string(), sponsorId: z.string(), result: z.string(), matchId: z.string().optional(), detail: z.string().optional() })),
            })
            .meta({ id: 'RunApprovalResult' }),
        },
      },
      audit: {
        action: 'approve-run',
        decision: true,
        subjects: (_i, r) => (r.body as { results: Array<{ newcomerId: string; sponsorId: string }> }).results.flatMap((x) => [x.newcomerId, x.sponsorId]),
      },
      handle: async ({ actor, params, body }) => ({ status: 200, body: await lifecycle.approveRun(deps, actor, params.id, body.pairs) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/matches',
      summary: "My matches (a member), or my programs' matches (a coordinator), newest change first",
      tag: 'Matches',
      access: 'member',
      query: z.strictObject({
        state: z.enum(MATCH_STATES).optional(),
        program: programKey.optional().describe('Coordinators: one of your programs'),
        limit: z.coerce.number().int().min(1).max(200).default(50).describe('At most this many, newest change first (1 to 200)'),
      }),
      responses: { 200: { description: 'Matches, each shaped for you', schema: z.object({ matches: z.array(matchView) }) } },
      audit: { action: 'read-matches', subjects: (_i, r) => (r.body as { matches: unknown[] }).matches.flatMap(lifecycle.matchSubjects) },
      handle: async ({ actor, query }) => ({ status: 200, body: await lifecycle.listMatches(deps, actor, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/matches/{id}',
      summary: 'One match, shaped for who asks (a member sees the other’s card, and their contact once active)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      responses: { 200: { description: 'The match', schema: matchView }, 404: { description: 'No such match, or not yours to see' } },
      audit: { action: 'read-match', subjects: (_i, r) => lifecycle.matchSubjects(r.body) },
      handle: async ({ actor, params }) => ({ status: 200, body: await lifecycle.getMatch(deps, actor, params.id) }),
    }),
    ...steps,
    defineRoute({
      method: 'post',
      path: '/api/v1/matches/{id}/block',
      summary: 'Block the other member: the match ends if it is live, and the two are never proposed to each other again (they see only the neutral notice)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      body: stepBody,
      responses: { 200: { description: 'The match after the block', schema: matchView } },
      audit: { action: 'match-block', decision: true },
      handle: async ({ actor, params }) => ({ status: 200, body: await lifecycle.act(deps, actor, params.id, 'block') }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/matches/{id}/make-ongoing',
      summary: 'Say yes to continuing a temporary match as an ongoing one (both members must)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      responses: { 200: { description: 'The match (kind ongoing once both said yes)', schema: matchView } },
      audit: { action: 'match-make-ongoing', decision: true },
      handle: async ({ actor, params }) => ({ status: 200, body: await lifecycle.makeOngoing(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/matches/{id}/concerns',
      summary: 'Report a concern about a match to its coordinators (never shown to the other member)',
      tag: 'Matches',
      access: 'member',
      params: idParams,
      body: z.strictObject({ text: z.string().trim().min(1).max(4000) }).meta({ id: 'ConcernBody' }),
      responses: { 201: { description: 'Received', schema: z.object({ id: z.string(), receivedAt: z.string(), message: z.string() }) } },
      handle: async ({ actor, params, body }) => ({ status: 201, body: await lifecycle.reportConcern(deps, actor, params.id, body.text) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/concerns',
      summary: 'Concerns about matches of my programs, oldest first',
      tag: 'Coordinators',
      access: 'coordinator',
      query: z.strictObject({ program: programKey.optional(), open: z.enum(['true', 'false']).optional().describe('true: not acknowledged yet') }),
      responses: { 200: { description: 'Concerns', schema: z.object({ concerns: z.array(z.record(z.string(), z.unknown())) }).meta({ id: 'Concerns' }) } },
      audit: { action: 'read-concerns', subjects: (_i, r) => (r.body as { concerns: Array<{ reportedBy: string }> }).concerns.map((c) => c.reportedBy) },
      handle: async ({ actor, query }) => ({
        status: 200,
        body: await lifecycle.listConcerns(deps, actor, { ...(query.program ? { program: query.program } : {}), ...(query.open ? { open: query.open === 'true' } : {}) }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/coordinator/concerns/{id}/ack',
      summary: 'Acknowledge a concern (the first acknowledgement stays)',
      tag: 'Coordinators',
      access: 'coordinator',
      params: idParams,
      responses: {
        200: {
          description: 'Acknowledged (by whoever did first)',
          schema: z.object({ id: z.string(), acknowledged: z.object({ by: z.string(), at: z.string() }), reportedBy: z.string() }).meta({ id: 'ConcernAck' }),
        },
      },
      audit: { action: 'ack-concern', decision: true, subjects: (_i, r) => [(r.body as { reportedBy: string }).reportedBy] },
      handle: async ({ actor, params }) => ({ status: 200, body: await lifecycle.ackConcern(deps, actor, params.id) }),
    }),
  ];
}
