import type { Logger } from 'pino';
import type { Actor } from '../access/actor.ts';
import { hasCurrentConsent } from '../access/policy.ts';
import { termsVersionMismatch } from '../auth/auth.service.ts';
import type { AccessCache } from '../auth/access-cache.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import { notFound } from '../errors.ts';
import { memberLeft, type CoreDeps } from '../matches/lifecycle.service.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import type { ProfileChanges } from '../profiles/profiles.service.ts';
import type { ConsentEntry, ConsentRepository } from './consent.repository.ts';

export interface ConsentDeps {
  users: Pick<UsersRepository, 'findById' | 'setConsent'>;
  /** This instance's access cache: the gate reads the new consent on the very next request (others: through the feed). */
  access: Pick<AccessCache, 'forgetUser'>;
  consents: ConsentRepository;
  profiles: Pick<ProfilesRepository, 'deleteNewcomer' | 'deleteSponsor'>;
  /** The caches that hold profiles and the candidate index (the matching engine): told before the answer is sent. */
  changes: ProfileChanges;
  /** The match lifecycle: a withdrawal ends the member's requests and matches through it. */
  lifecycle: CoreDeps;
  /** The current terms (TERMS_VERSION). */
  termsVersion: string;
  clock: () => Date;
  log: Pick<Logger, 'info'>;
}

export interface ConsentView {
  current: { termsVersion: string; healthData: boolean; adult: boolean; at: string };
  currentTermsVersion: string;
  /** Whether the data routes answer: consent to the current terms, health-data consent not withdrawn. */
  upToDate: boolean;
  history: Array<{ termsVersion: string; healthData: boolean; adult: boolean; action: ConsentEntry['action']; at: string }>;
}

type Consent = { termsVersion: string; healthData: boolean; adult: boolean; at: Date };

async function viewOf(deps: ConsentDeps, userId: string, current: Consent): Promise<ConsentView> {
  const history = await deps.consents.history(userId);
  return {
    current: { termsVersion: current.termsVersion, healthData: current.healthData, adult: current.adult, at: new Date(current.at).toISOString() },
    currentTermsVersion: deps.termsVersion,
    upToDate: hasCurrentConsent(current, deps.termsVersion),
    history: history.map((e) => ({ termsVersion: e.termsVersion, healthData: e.healthData, adult: e.adult, action: e.action, at: new Date(e.at).toISOString() })),
  };
}

async function consentOf(deps: ConsentDeps, actor: Actor): Promise<Consent> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  return user.consent;
}

export async function getConsent(deps: ConsentDeps, actor: Actor): Promise<ConsentView> {
  return viewOf(deps, actor.id, await consentOf(deps, actor));
}

/**
 * Consent to the current terms, given (again): after a change of terms, or
 * after withdrawing health-data consent. The record comes first: a consent in
 * force must always be one the history can show (GDPR art. 7(1)); a retry
 * after a failure adds another entry, never a state without one.
 */
export async function giveConsent(deps: ConsentDeps, actor: Actor, input: { termsVersion: string; healthData: true; adult: true }): Promise<ConsentView> {
  if (input.termsVersion !== deps.termsVersion) throw termsVersionMismatch(deps.termsVersion);
  await consentOf(deps, actor);
  const consent: Consent = { termsVersion: deps.termsVersion, healthData: true, adult: true, at: deps.clock() };
  await deps.consents.add({ userId: actor.id, ...consent, action: 'given' });
  if (!(await deps.users.setConsent(actor.id, consent))) throw notFound('user');
  deps.access.forgetUser(actor.id);
  // A sponsor kept out of the candidate index while their consent was not current is taken back in (here and, through the feed, everywhere).
  await deps.changes.sponsorChanged(actor.id, actor.id);
  return viewOf(deps, actor.id, consent);
}

/**
 * Withdrawing health-data consent: the gate closes first, then what the
 * consent covered goes: open requests are withdrawn and live matches end with
 * the neutral notice to the other member (the lifecycle's `memberLeft`, which
 * still reads the profiles), then both profiles are deleted and every cache
 * that holds them is told. The account stays. Safe to ask again: a member
 * already withdrawn gets no second entry, and what a failed attempt left is
 * finished.
 */
export async function withdrawHealthData(deps: ConsentDeps, actor: Actor): Promise<ConsentView> {
  const before = await consentOf(deps, actor);
  let current = before;
  if (before.healthData) {
    current = { ...before, healthData: false, at: deps.clock() };
    await deps.consents.add({ userId: actor.id, ...current, action: 'health-data-withdrawn' });
    if (!(await deps.users.setConsent(actor.id, current))) throw notFound('user');
    deps.access.forgetUser(actor.id);
  }
  await memberLeft(deps.lifecycle, actor.id, actor.id);
  const [newcomer, sponsor] = [await deps.profiles.deleteNewcomer(actor.id), await deps.profiles.deleteSponsor(actor.id)];
  await deps.changes.newcomerChanged(actor.id, actor.id);
  await deps.changes.sponsorChanged(actor.id, actor.id);
  deps.log.info({ user: actor.id, newcomerProfile: newcomer, sponsorProfile: sponsor }, 'health-data consent withdrawn: profiles removed');
  return viewOf(deps, actor.id, current);
}
