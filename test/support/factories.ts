import { randomUUID } from 'node:crypto';
import type { TestApp } from './test-app.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { createVettingRepository } from '../../src/vetting/vetting.repository.ts';

export const GOOD_PASSWORD = 'a long and quiet river 42';

export function registration(over: Record<string, unknown> = {}) {
  return {
    email: `member-${randomUUID().slice(0, 8)}@example.org`,
    password: GOOD_PASSWORD,
    displayName: 'Sam',
    consent: { healthData: true, adult: true, termsVersion: '2026-11' },
    ...over,
  };
}

export interface Member {
  id: string;
  email: string;
  token: string;
}

/**
 * The newest single-use link of `template` recorded for this member (read from
 * the outbox as it would be mailed), and its token.
 */
export async function mailedLink(t: Pick<TestApp, 'db'>, recipientId: string, template: string): Promise<{ url: string; token: string }> {
  const docs = await t.db.conn.db!.collection('outbox').find({ recipientId, template }).sort({ createdAt: -1 }).toArray();
  const text = docs[0]?.text as string | undefined;
  const url = text?.match(/(https?:\/\/\S+\?token=[\w.-]+)/)?.[1];
  if (!url) throw new Error(`no ${template} link recorded for ${recipientId}`);
  return { url, token: new URL(url).searchParams.get('token')! };
}

/** Confirms a member's address through the API, with the link the verification email carries. */
export async function verifyMember(t: TestApp, id: string): Promise<void> {
  const { token } = await mailedLink(t, id, 'verify-email');
  const res = await t.request.post('/api/v1/auth/verify-email').send({ token });
  if (res.status !== 200) throw new Error(`verification failed: ${res.status} ${JSON.stringify(res.body)}`);
}

/** A member registered through the API and (unless `verify: false`) with the address confirmed by the mailed link. */
export async function registerMember(t: TestApp, over: Record<string, unknown> = {}, opts: { verify?: boolean } = {}): Promise<Member> {
  const body = registration(over);
  const res = await t.request.post('/api/v1/auth/register').send(body);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (opts.verify ?? true) await verifyMember(t, res.body.user.id);
  return { id: res.body.user.id, email: res.body.user.email, token: res.body.accessToken };
}

export async function makeAdmin(t: TestApp, over: Record<string, unknown> = {}): Promise<Member> {
  const m = await registerMember(t, over);
  await createUsersRepository(t.db.conn, t.feed).setAdmin(m.id, true);
  return m;
}

export async function makeCoordinator(t: TestApp, programs: string[], over: Record<string, unknown> = {}): Promise<Member> {
  const m = await registerMember(t, over);
  await createUsersRepository(t.db.conn, t.feed).setCoordinatorOf(m.id, programs);
  return m;
}

export const bearer = (m: { token: string }) => ({ Authorization: `Bearer ${m.token}` });

export function newcomerBody(over: Record<string, unknown> = {}) {
  return {
    program: 'na',
    acceptedPrograms: [],
    recoveryDate: '2026-09-01',
    timezone: 'America/New_York',
    availability: [
      { day: 'mon', start: '18:00', end: '21:00' },
      { day: 'wed', start: '18:00', end: '21:00' },
    ],
    contactModes: ['phone', 'video'],
    languages: ['en'],
    gender: 'woman',
    wantsLgbtqAffirming: false,
    spiritualOrientation: 'spiritual',
    experiences: ['opioids', 'parent'],
    ...over,
  };
}

export function sponsorBody(over: Record<string, unknown> = {}) {
  return {
    program: 'na',
    recoveryDate: '2019-03-15',
    timezone: 'America/Chicago',
    availability: [
      { day: 'mon', start: '17:00', end: '20:00' },
      { day: 'wed', start: '17:00', end: '20:00' },
    ],
    contactModes: ['phone', 'text'],
    languages: ['en-US'],
    gender: 'woman',
    lgbtqAffirming: true,
    spiritualOrientation: 'spiritual',
    experiences: ['opioids', 'parent', 'justice-involved'],
    experiencesOnCard: ['opioids'],
    capacity: 3,
    acceptingNewcomers: true,
    hasOwnSponsor: true,
    stepsCompleted: 12,
    bio: 'Sober since 2019. Mum of two. Happy to talk most evenings.',
    ...over,
  };
}

/**
 * A member with a newcomer profile who has asked for a sponsor (an open
 * ongoing request, as pool runs take only those), unless `opts.request` is
 * false or their program does not pair members.
 */
export async function withNewcomer(
  t: TestApp,
  over: Record<string, unknown> = {},
  account: Record<string, unknown> = {},
  opts: { request?: boolean } = {},
): Promise<Member> {
  const m = await registerMember(t, account);
  const res = await t.request.put('/api/v1/me/newcomer-profile').set(bearer(m)).send(newcomerBody(over));
  if (res.status !== 200) throw new Error(`newcomer profile failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (opts.request !== false) {
    const req = await t.request.post('/api/v1/match-requests').set(bearer(m)).send({ kind: 'ongoing' });
    if (req.status !== 201 && req.body?.type !== '/problems/program-has-no-pairing') throw new Error(`match request failed: ${req.status} ${JSON.stringify(req.body)}`);
  }
  return m;
}

/**
 * A coordinator's approval of a sponsor for `program`, written through the
 * vetting repository (no audit entry, no extra member) and announced as the
 * vetting route does, so every engine indexes the sponsor.
 */
export async function approveSponsor(t: TestApp, sponsorId: string, program: string): Promise<void> {
  await createVettingRepository(t.db.conn).decide(sponsorId, { program, status: 'approved' }, 'test-factory', t.clock);
  await t.engine.sponsorChanged(sponsorId, 'test-factory');
}

/** A sponsor with a profile, approved by a coordinator of their program unless `vetted: false` (for the vetting tests). */
export async function withSponsor(
  t: TestApp,
  over: Record<string, unknown> = {},
  account: Record<string, unknown> = {},
  opts: { vetted?: boolean; verify?: boolean } = {},
): Promise<Member> {
  const m = await registerMember(t, account, { verify: opts.verify ?? true });
  const body = sponsorBody(over);
  const res = await t.request.put('/api/v1/me/sponsor-profile').set(bearer(m)).send(body);
  if (res.status !== 200) throw new Error(`sponsor profile failed: ${res.status} ${JSON.stringify(res.body)}`);
  if (opts.vetted ?? true) await approveSponsor(t, m.id, body.program);
  return m;
}
