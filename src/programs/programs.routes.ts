import { z } from 'zod';
import type { Actor } from '../auth/actor.ts';
import { isCoordinatorOf } from '../auth/actor.ts';
import { programKey } from '../auth/auth.schemas.ts';
import { AppError, notFound } from '../errors.ts';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import type { MatchingEngine } from '../matching/matching-engine.ts';
import { FACTORS } from '../matching/types.ts';
import type { ProgramsRepository } from './programs.repository.ts';

export interface ProgramsDeps {
  programs: ProgramsRepository;
  engine: MatchingEngine;
  clock: () => Date;
}

const programRulesBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    roleWord: z.enum(['sponsor', 'mentor']),
    minRecoveryDays: z.number().int().min(0).max(36_500).default(365),
    minRecoveryGapDays: z.number().int().min(0).max(36_500).default(365),
    genderRule: z.enum(['same-gender-by-default', 'none']),
    requiresOwnSponsor: z.boolean(),
    experiences: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/)).max(60),
  })
  .meta({ id: 'ProgramRulesInput' });

const programView = programRulesBody.extend({ key: z.string() }).meta({ id: 'Program' });

const weightsBody = z
  .strictObject(Object.fromEntries(FACTORS.map((f) => [f, z.number().min(0).max(100)])) as Record<(typeof FACTORS)[number], z.ZodNumber>)
  .refine((w) => Object.values(w).some((v) => v > 0), 'At least one weight must be above zero.')
  .meta({ id: 'MatchingWeights' });

const keyParams = z.strictObject({ key: programKey });

async function requireProgramCoordinator(deps: ProgramsDeps, actor: Actor, key: string) {
  const program = await deps.programs.get(key);
  if (!program) throw notFound('program');
  if (!isCoordinatorOf(actor, key)) throw new AppError('forbidden', 'not-coordinator-of-program', 'Only coordinators of this program (or admins) can do this.');
  return program;
}

export function programsRoutes(deps: ProgramsDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/programs',
      summary: 'The programs (fellowships) this deployment serves, with their matching rules',
      tag: 'Programs',
      access: 'member',
      responses: { 200: { description: 'Programs', schema: z.object({ programs: z.array(programView) }) } },
      handle: async () => ({
        status: 200,
        body: { programs: (await deps.programs.list()).map(({ weights: _w, ...p }) => p) },
      }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/admin/programs/{key}',
      summary: 'Add a program or replace its rules',
      tag: 'Administration',
      access: 'admin',
      params: keyParams,
      body: programRulesBody,
      responses: { 200: { description: 'The program', schema: programView } },
      handle: async ({ params, body, actor }) => {
        const { weights: _w, ...stored } = await deps.programs.put({ key: params.key, ...body }, deps.clock());
        await deps.engine.programsChanged(actor.id);
        return { status: 200, body: stored };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/programs/{key}/matching-weights',
      summary: "A program's matching weights",
      tag: 'Programs',
      access: 'coordinator',
      params: keyParams,
      responses: { 200: { description: 'Weights per factor', schema: weightsBody } },
      handle: async ({ params, actor }) => {
        await requireProgramCoordinator(deps, actor, params.key);
        return { status: 200, body: deps.engine.weightsFor(params.key) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/programs/{key}/matching-weights',
      summary: "Replace a program's matching weights (non-negative; hard rules are not weights)",
      tag: 'Programs',
      access: 'coordinator',
      params: keyParams,
      body: weightsBody,
      responses: { 200: { description: 'Weights per factor', schema: weightsBody } },
      handle: async ({ params, actor, body }) => {
        await requireProgramCoordinator(deps, actor, params.key);
        await deps.programs.setWeights(params.key, body, deps.clock());
        await deps.engine.programsChanged(actor.id);
        return { status: 200, body: deps.engine.weightsFor(params.key) };
      },
    }),
  ];
}
