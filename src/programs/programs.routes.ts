import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { experienceKey, programKey } from './program-rules.ts';
import * as programs from './programs.service.ts';

const programRulesBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    pairing: z
      .enum(['sponsor', 'mentor', 'none'])
      .optional()
      .describe('Whether the program pairs members one to one, and what it calls the experienced member; `none`: no proposals, the program\'s offers instead.'),
    roleWord: z.enum(['sponsor', 'mentor']).optional().describe('Deprecated: the pairing, for clients written before `pairing`. Ignored when `pairing` is given.'),
    minRecoveryDays: z.number().int().min(0).max(36_500).default(365),
    minRecoveryGapDays: z.number().int().min(0).max(36_500).default(365),
    genderRule: z.enum(['same-gender-by-default', 'none']),
    requiresOwnSponsor: z.boolean(),
    experiences: z.array(experienceKey).max(60),
    sources: z
      .array(z.strictObject({ title: z.string().trim().min(1).max(200), url: z.url({ protocol: /^https?$/ }).max(500) }))
      .max(20)
      .default([])
      .describe('The literature the rules follow, so that a coordinator can check them'),
    notes: z.string().max(4000).default('').describe('Plain text: where each rule comes from, and deliberate choices'),
    offers: z.string().trim().min(1).max(1000).optional().describe('What the program offers instead of one-to-one pairing, in kind words (shown to newcomers when pairing is none)'),
  })
  .refine((b) => b.pairing !== undefined || b.roleWord !== undefined, { path: ['pairing'], message: 'Required: sponsor, mentor or none.' })
  .meta({ id: 'ProgramRulesInput' });

const programView = z
  .object({
    key: z.string(),
    name: z.string(),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    pairing: z.enum(['sponsor', 'mentor', 'none']),
    minRecoveryDays: z.number().int(),
    minRecoveryGapDays: z.number().int(),
    genderRule: z.enum(['same-gender-by-default', 'none']),
    requiresOwnSponsor: z.boolean(),
    experiences: z.array(z.string()),
    sources: z.array(z.object({ title: z.string(), url: z.string() })),
    notes: z.string(),
    offers: z.string().optional(),
  })
  .meta({ id: 'Program' });

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
      handle: async ({ params, body, actor }) => {
        const { pairing, roleWord, ...rules } = body;
        return { status: 200, body: await programs.putProgram(deps, actor.id, { key: params.key, pairing: (pairing ?? roleWord)!, ...rules }) };
      },
    }),
  ];
}
