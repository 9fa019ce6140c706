import { randomUUID } from 'node:crypto';
import type { Actor } from '../access/actor.ts';
import type { AccessCache } from '../auth/access-cache.ts';
import { verifyPassword } from '../auth/passwords.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import { AppError, notFound } from '../errors.ts';
import { memberLeft, type CoreDeps } from '../matches/lifecycle.service.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import type { ConsentRepository } from './consent.repository.ts';
import type { ErasureDoc, ErasureRepository } from './erasure.repository.ts';

/**
 * Erasing a member (GDPR art. 17): their personal data goes from everywhere
 * it lives. It is a claimed, resumable piece of work: the record (`_id` = the
 * member's id) is inserted first, each step is safe to run again, and a step
 * is marked done after it is made; a process killed half-way leaves the record,
 * and the next run (at start, and every minute in the jobs) finishes it.
 *
 * The request itself makes the first step: the account goes (its login entry,
 * so the address is free for a new account at once; the user document, so its
 * tokens stop working: at once here, within the feed's delay elsewhere). The
 * rest follows in the background.
 */
export interface ErasureDeps {
  repo: ErasureRepository;
  consent: Pick<ConsentRepository, 'deleteOf'>;
  users: Pick<UsersRepository, 'findById'>;
  profiles: Pick<ProfilesRepository, 'getNewcomer' | 'getSponsor' | 'contactOf' | 'deleteNewcomer' | 'deleteSponsor'>;
  lifecycle: CoreDeps;
  feed: ChangeFeed;
  /** This instance's access cache (the API); other instances hear through the feed. */
  access?: AccessCache;
  /** This instance's matching index (the API): a sponsor leaves it at once; elsewhere through the feed. */
  sponsorChanged?: (id: string, by: string) => Promise<void>;
  newcomerChanged?: (id: string, by: string) => Promise<void>;
  clock: () => Date;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Followers of the feed not heard from for this long are taken for gone (the feed's pruning uses the same). */
  feedLiveWithinMs: number;
  /** Called after each step is marked done (tests: to stop a process half-way). */
  afterStep?: (step: ErasureStep) => Promise<void>;
}

export const ERASURE_STEPS = ['account', 'matches', 'profiles', 'notes', 'check-ins', 'mail', 'consent', 'everywhere', 'feed', 'pseudonym'] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

/** `paused`: stopped where asked (`until`) or at the feed, until every follower has passed; the next run goes on. */
export type ErasureOutcome = 'done' | 'paused' | 'none';

const SYSTEM = 'erasure';

async function begin(deps: ErasureDeps, userId: string, by: 'self' | 'admin'): Promise<void> {
  const user = await deps.users.findById(userId);
  if (!user) {
    // An erasure already under way has deleted the user first: asking again is the same request.
    if (await deps.repo.get(userId)) return;
    throw notFound('user');
  }
  const [newcomer, sponsor, contactN, contactS, asNewcomer, asSponsor] = await Promise.all([
    deps.profiles.getNewcomer(userId),
    deps.profiles.getSponsor(userId),
    deps.profiles.contactOf(userId, 'newcomer'),
    deps.profiles.contactOf(userId, 'sponsor'),
    deps.lifecycle.repo.matchesOf('newcomerId', userId),
    deps.lifecycle.repo.matchesOf('sponsorId', userId),
  ]);
  const texts = [user.email, user.pendingEmail?.email, contactN?.phone, contactN?.note, contactS?.phone, contactS?.note, sponsor?.bio].filter(
    (t): t is string => typeof t === 'string' && t.trim().length > 0,
  );
  const names = [user.displayName, newcomer?.displayName, sponsor?.displayName].filter((t): t is string => typeof t === 'string' && t.trim().length > 0);
  const doc: ErasureDoc = {
    _id: userId,
    opaqueId: `erased-${randomUUID()}`,
    requestedAt: deps.clock(),
    by,
    matchIds: [...asNewcomer, ...asSponsor].map((m) => m._id),
    others: [...new Set([...asNewcomer.map((m) => m.sponsorId), ...asSponsor.map((m) => m.newcomerId)])],
    texts: [...new Set(texts)],
    names: [...new Set(names)],
    done: [],
  };
  await deps.repo.begin(doc); // false: already under way (its record stands)
}

async function makeStep(deps: ErasureDeps, rec: ErasureDoc, step: ErasureStep): Promise<boolean> {
  const id = rec._id;
  switch (step) {
    case 'account':
      await deps.repo.deleteAccount(id);
      deps.access?.forgetUser(id);
      await deps.feed.announce({ kind: 'user', id }, SYSTEM);
      return true;
    case 'matches':
      // Open requests withdrawn; every live match ends, the other member told with the neutral notice.
      await memberLeft(deps.lifecycle, id, SYSTEM);
      return true;
    case 'profiles':
      // Both profiles, with their contact details.
      await deps.profiles.deleteNewcomer(id);
      await deps.profiles.deleteSponsor(id);
      await (deps.sponsorChanged ?? ((s: string, by: string) => deps.feed.announce({ kind: 'sponsor', id: s }, by)))(id, SYSTEM);
      await (deps.newcomerChanged ?? ((s: string, by: string) => deps.feed.announce({ kind: 'newcomer', id: s }, by)))(id, SYSTEM);
      return true;
    case 'notes':
      await deps.repo.clearRequestNotes(id);
      await deps.repo.clearStepNotes(id, rec.matchIds);
      await deps.repo.deleteConcernsBy(id);
      return true;
    case 'check-ins':
      await deps.repo.deleteCheckIns(id);
      return true;
    case 'mail':
      await deps.repo.scrubMail(id, rec, deps.clock());
      return true;
    case 'consent':
      await deps.consent.deleteOf(id);
      return true;
    case 'everywhere': {
      const r = await deps.repo.scrubEverywhere(id, rec.opaqueId, rec);
      deps.log.info({ erasure: rec.opaqueId, deleted: r.deleted, rewritten: r.rewritten }, 'erasure: records removed and rewritten');
      return true;
    }
    case 'feed': {
      // Every event naming the member must first reach every live follower (their caches drop them);
      // then those events are rewritten in place, never deleted.
      let at = rec.feedAt;
      if (at === undefined) {
        await deps.feed.flush();
        at = await deps.feed.head();
        await deps.repo.setFeedAt(id, at);
        rec.feedAt = at;
      }
      if (!(await deps.feed.followersPast(at, deps.feedLiveWithinMs))) return false;
      const { later } = await deps.repo.scrubFeed(id, rec.opaqueId, at);
      if (later === 0) return true;
      // Announced since (another runner of this erasure): those wait for the followers in turn.
      await deps.feed.flush();
      const head = await deps.feed.head();
      await deps.repo.setFeedAt(id, head);
      rec.feedAt = head;
      return false;
    }
    case 'pseudonym':
      // Last, so that the audit entry of the request that asked (written as it is answered) is made before the mapping goes.
      await deps.repo.deletePseudonym(id, rec.opaqueId, [...rec.texts, ...rec.names]);
      return true;
  }
}

/** Makes the steps not yet done, in order (none after `until`); stops at the feed until every follower has passed (the next run goes on). */
export async function runErasure(deps: ErasureDeps, userId: string, until?: ErasureStep): Promise<ErasureOutcome> {
  const rec = await deps.repo.get(userId);
  if (!rec) return 'none';
  for (const step of ERASURE_STEPS) {
    if (rec.done.includes(step)) continue;
    if (until && ERASURE_STEPS.indexOf(step) > ERASURE_STEPS.indexOf(until)) return 'paused';
    if (!(await makeStep(deps, rec, step))) return 'paused';
    await deps.repo.markDone(userId, step);
    rec.done.push(step);
    await deps.afterStep?.(step);
  }
  await deps.repo.finish(userId);
  deps.log.info({ erasure: rec.opaqueId, by: rec.by }, 'erasure completed');
  return 'done';
}

/** Every erasure under way (at start, and from the jobs): each finished or left for the next run. */
export async function resumeErasures(deps: ErasureDeps): Promise<{ done: number; waiting: number }> {
  let done = 0;
  let waiting = 0;
  for (const rec of await deps.repo.pending()) {
    try {
      if ((await runErasure(deps, rec._id)) === 'done') done += 1;
      else waiting += 1;
    } catch (err) {
      waiting += 1;
      deps.log.warn({ erasure: rec.opaqueId, errName: (err as Error)?.name }, 'erasure step failed; the next run goes on from it');
    }
  }
  return { done, waiting };
}

/**
 * In this process, right after the answer: the remaining steps, then the feed
 * step again every second until every follower has passed (a minute at most;
 * after that the jobs' next run finishes it).
 */
function continueInBackground(deps: ErasureDeps, userId: string): void {
  void (async () => {
    for (let i = 0; i < 60; i++) {
      if ((await runErasure(deps, userId)) !== 'paused') return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  })().catch((err: unknown) => deps.log.warn({ errName: (err as Error)?.name }, 'erasure paused by an error; the jobs finish it'));
}

/** DELETE /api/v1/me: the member, with their password. */
export async function eraseMe(deps: ErasureDeps, actor: Actor, password: string): Promise<void> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  if (!(await verifyPassword(user.passwordHash, password))) throw new AppError('unauthenticated', 'wrong-password', 'The password is not right.');
  await erase(deps, actor.id, 'self');
}

/** DELETE /api/v1/admin/users/{id}: an admin, for a stated reason (the audit keeps it). */
export async function eraseUser(deps: ErasureDeps, actor: Actor, userId: string): Promise<void> {
  if (userId === actor.id) throw new AppError('validation', 'erase-yourself-through-me', 'To delete your own account, use DELETE /api/v1/me with your password.');
  await erase(deps, userId, 'admin');
}

async function erase(deps: ErasureDeps, userId: string, by: 'self' | 'admin'): Promise<void> {
  await begin(deps, userId, by);
  // The account goes before the answer: the address is free and the tokens end at once.
  await runErasure(deps, userId, 'account');
  continueInBackground(deps, userId);
}
