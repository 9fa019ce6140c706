import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { programKey } from '../programs/program-rules.ts';
import * as checkIns from './checkins.service.ts';
import { ANSWERS } from './render.ts';
import { WEEKDAYS } from './schedule.ts';

const settingsBody = z
  .strictObject({
    day: z.enum(WEEKDAYS).describe('The local weekday of your check-in'),
    hour: z.number().int().min(0).max(23).describe('The local hour (0–23) in your profile’s time zone'),
    paused: z.boolean().describe('true: no check-ins until you set it back to false (the missed ones are not sent)'),
  })
  .meta({ id: 'CheckInSettingsBody' });

const settingsView = z
  .object({
    day: z.enum(WEEKDAYS),
    hour: z.number().int(),
    paused: z.boolean(),
    timezone: z.string().optional().describe('Your newcomer profile’s time zone, else your sponsor profile’s'),
    nextCheckInAt: z.string().optional().describe('When your next check-in is due, if you have a profile and are not paused (it comes only while you are in an active match)'),
  })
  .meta({ id: 'CheckInSettings' });

const alertView = z
  .object({
    id: z.string(),
    kind: z.enum(['need-help', 'struggling-twice', 'missed-check-ins']),
    matchId: z.string(),
    memberId: z.string(),
    role: z.enum(['newcomer', 'sponsor']),
    program: z.string(),
    week: z.string(),
    at: z.string(),
    acknowledged: z.object({ by: z.string(), at: z.string() }).optional(),
  })
  .meta({ id: 'CheckInAlert' });

const responseView = z.object({ at: z.string(), answer: z.enum(ANSWERS).optional(), note: z.string().optional(), shared: z.boolean() });

const alertId = z
  .string()
  .max(300)
  .regex(/^(need-help|struggling-twice|missed-check-ins):checkin:[^/]+$/, 'not an alert id');

export function checkInsRoutes(deps: checkIns.CheckInDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/me/check-in-settings',
      summary: 'My weekly check-in: its local day and hour, and whether it is paused',
      tag: 'Check-ins',
      access: 'member',
      responses: { 200: { description: 'My settings (Sunday 18:00 until I change them)', schema: settingsView } },
      handle: async ({ actor }) => ({ status: 200, body: await checkIns.getSettings(deps, actor) }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/me/check-in-settings',
      summary: 'Set my check-in’s local day and hour, or pause it (for all my matches)',
      tag: 'Check-ins',
      access: 'member',
      body: settingsBody,
      responses: { 200: { description: 'My settings', schema: settingsView } },
      handle: async ({ actor, body }) => ({ status: 200, body: await checkIns.putSettings(deps, actor, body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/matches/{id}/check-ins',
      summary: "A match's check-ins: a member's own answers and what the other shared with them; the programs' coordinators see both and the alerts",
      tag: 'Check-ins',
      access: 'member',
      params: z.strictObject({ id: z.string().uuid() }),
      responses: {
        200: {
          description: 'The check-ins, oldest first',
          schema: z
            .object({
              matchId: z.string(),
              you: z.enum(['newcomer', 'sponsor', 'coordinator', 'reader']),
              checkIns: z.array(
                z.object({
                  id: z.string(),
                  week: z.string(),
                  role: z.enum(['newcomer', 'sponsor']),
                  memberId: z.string(),
                  status: z.enum(['due', 'skipped']),
                  slotAt: z.string(),
                  answer: z.enum(ANSWERS).optional().describe('The latest answer you may see'),
                  responses: z.array(responseView),
                }),
              ),
              alerts: z.array(alertView).optional().describe('Coordinators only'),
            })
            .meta({ id: 'MatchCheckIns' }),
        },
        403: { description: "You coordinate other programs" },
        404: { description: 'No such match, or not yours to see' },
      },
      audit: {
        action: 'read-check-ins',
        subjects: (_i, r) => [...new Set((r.body as { checkIns: Array<{ memberId: string }> }).checkIns.map((c) => c.memberId))],
      },
      handle: async ({ actor, params }) => ({ status: 200, body: await checkIns.matchCheckIns(deps, actor, params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/coordinator/alerts',
      summary: 'Check-in alerts of my programs, newest first: someone asked for help, struggled two weeks in a row, or stopped answering',
      tag: 'Coordinators',
      access: 'coordinator',
      query: z.strictObject({ program: programKey.optional(), open: z.enum(['true', 'false']).optional().describe('true: not acknowledged yet') }),
      responses: { 200: { description: 'Alerts', schema: z.object({ alerts: z.array(alertView) }).meta({ id: 'CheckInAlerts' }) } },
      audit: { action: 'read-alerts', subjects: (_i, r) => [...new Set((r.body as { alerts: Array<{ memberId: string }> }).alerts.map((a) => a.memberId))] },
      handle: async ({ actor, query }) => ({
        status: 200,
        body: await checkIns.listAlerts(deps, actor, { ...(query.program ? { program: query.program } : {}), ...(query.open ? { open: query.open === 'true' } : {}) }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/admin/check-ins/run',
      summary: 'Run the check-in fan-out now (it runs every 15 minutes anyway): after an outage, or to see a check-in at once in a demo',
      tag: 'Check-ins',
      access: 'admin',
      responses: {
        200: {
          description: 'What this run wrote',
          schema: z
            .object({ checkIns: z.number().int(), mails: z.number().int(), skipped: z.number().int(), recovered: z.number().int(), alerts: z.number().int(), errors: z.number().int() })
            .meta({ id: 'CheckInRun' }),
        },
      },
      audit: { action: 'run-check-ins', decision: true },
      handle: async () => ({ status: 200, body: await checkIns.fanOut(deps) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/coordinator/alerts/{id}/ack',
      summary: 'Acknowledge a check-in alert (the first acknowledgement stays)',
      tag: 'Coordinators',
      access: 'coordinator',
      params: z.strictObject({ id: alertId }),
      responses: { 200: { description: 'Acknowledged (by whoever did first)', schema: alertView }, 404: { description: 'No such alert' } },
      audit: { action: 'ack-alert', decision: true, subjects: (_i, r) => [(r.body as { memberId: string }).memberId] },
      handle: async ({ actor, params }) => ({ status: 200, body: await checkIns.ackAlert(deps, actor, params.id) }),
    }),
  ];
}
