import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { experienceKey, programKey } from './program-rules.ts';
import * as programs from './programs.service.ts';

const programRulesBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    roleWord: z.enum(['sponsor', 'mentor']),
    minRecoveryDays: z.number().int().min(0).max(36_500).default(365),
    minRecoveryGapDays: z.number().int().min(0).max(36_500).default(365),
    genderRule: z.enum(['same-gender-by-default', 'none']),
    requiresOwnSponsor: z.boolean(),
    experiences: z.array(experienceKey).max(60),
  })
  .meta({ id: 'ProgramRulesInput' });

const programView = programRulesBody.extend({ key: z.string() }).meta({ id: 'Program' });

const programKeyParams = z.strictObject({ key: programKey });

export function programsRoutes(deps: programs.ProgramsDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/programs',
      summary: 'The programs (fellowships) this deployment serves, with their matching rules',
      tag: 'Programs',
      access: 'member',
      responses: { 200: { description: 'Programs', schema: z.object({ programs: z.array(programView) }) } },
      handle: async () => ({ status: 200, body: { programs: await programs.listPrograms(deps) } }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/admin/programs/{key}',
      summary: 'Add a program or replace its rules',
      tag: 'Administration',
      access: 'admin',
      params: programKeyParams,
      body: programRulesBody,
      responses: { 200: { description: 'The program', schema: programView } },
      audit: { action: 'put-program', decision: true },
      handle: async ({ params, body, actor }) => ({ status: 200, body: await programs.putProgram(deps, actor.id, { key: params.key, ...body }) }),
    }),
  ];
}
