import { randomUUID } from 'node:crypto';
import type { TestApp } from './test-app.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';

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

export async function registerMember(t: TestApp, over: Record<string, unknown> = {}): Promise<Member> {
  const body = registration(over);
  const res = await t.request.post('/api/v1/auth/register').send(body);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email: res.body.user.email, token: res.body.accessToken };
}

export async function makeAdmin(t: TestApp, over: Record<string, unknown> = {}): Promise<Member> {
  const m = await registerMember(t, over);
  await createUsersRepository(t.db.conn).setAdmin(m.id, true);
  return m;
}

export async function makeCoordinator(t: TestApp, programs: string[], over: Record<string, unknown> = {}): Promise<Member> {
  const m = await registerMember(t, over);
  await createUsersRepository(t.db.conn).setCoordinatorOf(m.id, programs);
  return m;
}

export const bearer = (m: { token: string }) => ({ Authorization: `Bearer ${m.token}` });
