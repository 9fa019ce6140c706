import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { experienceKey, GENDER_RULES, GENDERS, OWN_SPONSOR_RULES, programKey, type ProgramSettings } from './program-rules.ts';
import * as programs from './programs.service.ts';

const genderRule = z
  .enum(GENDER_RULES as [string, ...string[]])
  .describe('`same-gender-by-default`: same gender unless the newcomer chooses otherwise; `same-required`: same gender, no newcomer override; `none`');
const ownSponsor = z
  .enum(OWN_SPONSOR_RULES as [string, ...string[]])
  .describe('Whether a sponsor needs a sponsor of their own: `required` (hard rule), `preferred` (a weighted soft factor) or `none`');
const timeCountedAs = z
  .enum(['recovery', 'program'])
  .describe('Whose date counts: `recovery` (recoveryDate) or `program` (programSince, time in the program: Al-Anon, Nar-Anon)');

const programRulesBody = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    pairing: z
      .enum(['sponsor', 'mentor', 'none'])
      .optional()
      .describe('Whether the program pairs members one to one, and what it calls the experienced member; `none`: no proposals, the program\'s offers instead.'),
    roleWord: z.enum(['sponsor', 'mentor']).optional().describe('Deprecated: the pairing, for clients written before `pairing`. Ignored when `pairing` is given.'),
    minRecoveryDays: z.number().int().min(0).max(36_500).default(365).describe('Hard: the least counted time (see timeCountedAs) a sponsor needs, in days'),
    minRecoveryGapDays: z
      .number().int().min(0).max(36_500).default(0)
      .describe('Hard: the sponsor needs at least the newcomer\'s counted time plus this many days (0: at least as much); more time than that is a soft factor'),
    genderRule: genderRule,
    ownSponsor: ownSponsor.optional(),
    requiresOwnSponsor: z.boolean().optional().describe('Deprecated: true means ownSponsor `required`, false `none`. Ignored when `ownSponsor` is given.'),
    minStepsCompleted: z.number().int().min(1).max(12).optional().describe('Hard: a sponsor has completed at least this many of the Twelve Steps'),
    completedStepsPreferred: z.boolean().default(false).describe('Soft: completed steps raise the score (a weighted factor), never exclude'),
    memberGenders: z
      .array(z.enum(GENDERS as [string, ...string[]]))
      .min(1).max(5).optional()
      .describe('Hard, for both sides: the program is only for members of these genders (Women for Sobriety: woman). Absent: everyone'),
    timeCountedAs: timeCountedAs.default('recovery'),
    requiresSponsorVetting: z
      .boolean()
      .default(true)
      .describe('A coordinator of the program approves each sponsor (POST /api/v1/sponsors/{id}/vet) before anyone is proposed to them'),
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
  .refine((b) => b.ownSponsor !== undefined || b.requiresOwnSponsor !== undefined, { path: ['ownSponsor'], message: 'Required: required, preferred or none.' })
  .meta({ id: 'ProgramRulesInput' });

const programView = z
  .object({
    key: z.string(),
    name: z.string(),
    family: z.enum(['twelve-step', 'secular', 'religious', 'contemplative', 'family']),
    pairing: z.enum(['sponsor', 'mentor', 'none']),
    minRecoveryDays: z.number().int(),
    minRecoveryGapDays: z.number().int(),
    genderRule,
    ownSponsor,
    minStepsCompleted: z.number().int().optional(),
    completedStepsPreferred: z.boolean(),
    memberGenders: z.array(z.string()).optional(),
    timeCountedAs,
    requiresSponsorVetting: z.boolean(),
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
        const { pairing, roleWord, ownSponsor: own, requiresOwnSponsor, ...rules } = body;
        const settings = {
          key: params.key,
          pairing: (pairing ?? roleWord)!,
          ownSponsor: own ?? (requiresOwnSponsor === true ? 'required' : 'none'),
          ...rules,
        } as ProgramSettings;
        return { status: 200, body: await programs.putProgram(deps, actor.id, settings) };
      },
    }),
  ];
}
