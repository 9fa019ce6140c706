// Weekly check-ins: one email a week per member of an active match, at their
// own local day and hour, answered with one click; alerts to coordinators when
// someone needs help or goes quiet. Exactly once by claims (checkins.repository.ts).

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Actor } from '../access/actor.ts';
import { coordinatorProgramScope, hasCurrentConsent, matchParty } from '../access/policy.ts';
import { signCheckInLink, verifyCheckInLink, type CheckInPurpose, type TokenConfig } from '../auth/tokens.ts';
import type { UsersRepository } from '../auth/users.repository.ts';
import type { CrisisResources } from '../config.ts';
import { AppError, notFound } from '../errors.ts';
import type { Outbox } from '../mail/outbox.service.ts';
import type { LifecycleRepository, MatchDoc } from '../matches/lifecycle.repository.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import {
  alertIdFor,
  checkInIdFor,
  checkInMailIdFor,
  type AlertDoc,
  type AlertKind,
  type AnswerWord,
  type CheckInDoc,
  type CheckInRole,
  type CheckInsRepository,
  type ResponseDoc,
  type SettingsDoc,
} from './checkins.repository.ts';
import { ANSWERS, renderCheckInMail, type Answer, type CheckInMailItem } from './render.ts';
import { addWeeks, slotsBetween, type Weekday } from './schedule.ts';

const HOUR_MS = 3_600_000;
/** A slot every worker missed is still sent this long after its hour; an older one is skipped (not sent at 3 a.m.). */
export const CATCH_UP_MS = 12 * HOUR_MS;
/** Each fan-out looks this far behind where the last one started (clocks and runs overlap). */
const OVERLAP_MS = 15 * 60_000;
/** After a long outage, slots older than this are neither sent nor counted. */
const SKIP_HORIZON_MS = 8 * 7 * 24 * HOUR_MS;

export const DEFAULT_SETTINGS = { day: 'sun' as Weekday, hour: 18, paused: false };

export interface CheckInDeps {
  repo: CheckInsRepository;
  matches: Pick<LifecycleRepository, 'liveByHint' | 'match' | 'status' | 'statusHistory'>;
  profiles: Pick<ProfilesRepository, 'timezones' | 'getNewcomer' | 'getSponsor'>;
  users: Pick<UsersRepository, 'findById' | 'coordinatorsOf'>;
  outbox: Pick<Outbox, 'enqueue' | 'enqueueRendered' | 'publicUrl'>;
  tokens: TokenConfig;
  crisis: CrisisResources;
  /** This many unanswered check-ins in a row alert the coordinators (CHECKIN_MISSED_ALERT). */
  missedAlertAfter: number;
  /** The current terms (TERMS_VERSION): a member whose consent is to older ones, or who withdrew health-data consent, gets no check-ins. */
  termsVersion: string;
  clock: () => Date;
  log: Pick<Logger, 'info' | 'warn'>;
}

// ---- settings ----

function settingsView(deps: CheckInDeps, s: Pick<SettingsDoc, 'day' | 'hour' | 'paused'>, zone: string | undefined) {
  const now = deps.clock();
  const next = zone && !s.paused ? slotsBetween(now, new Date(now.getTime() + 8 * 24 * HOUR_MS), zone, s.day, s.hour)[0] : undefined;
  return { day: s.day, hour: s.hour, paused: s.paused, ...(zone ? { timezone: zone } : {}), ...(next ? { nextCheckInAt: next.at.toISOString() } : {}) };
}

async function zoneOf(deps: CheckInDeps, userId: string): Promise<string | undefined> {
  return (await deps.profiles.getNewcomer(userId))?.timezone ?? (await deps.profiles.getSponsor(userId))?.timezone;
}

export async function getSettings(deps: CheckInDeps, actor: Actor) {
  const s = (await deps.repo.settings(actor.id)) ?? DEFAULT_SETTINGS;
  return settingsView(deps, s, await zoneOf(deps, actor.id));
}

export async function putSettings(deps: CheckInDeps, actor: Actor, input: { day: Weekday; hour: number; paused: boolean }) {
  const now = deps.clock();
  const before = await deps.repo.settings(actor.id);
  // Resuming starts at the next slot: the ones missed while paused are not sent.
  const resumedAt = before?.paused && !input.paused ? now : before?.resumedAt;
  await deps.repo.putSettings({ _id: actor.id, ...input, ...(resumedAt ? { resumedAt } : {}), updatedAt: now });
  return settingsView(deps, input, await zoneOf(deps, actor.id));
}

async function pauseMember(deps: CheckInDeps, memberId: string): Promise<void> {
  const before = await deps.repo.settings(memberId);
  await deps.repo.putSettings({ ...(before ?? { _id: memberId, ...DEFAULT_SETTINGS }), _id: memberId, paused: true, updatedAt: deps.clock() });
}

// ---- the fan-out ----

export interface FanOutResult {
  /** Check-ins written (claimed) by this run. */
  checkIns: number;
  /** Emails recorded in the outbox by this run. */
  mails: number;
  /** Check-ins whose slot had passed by more than the catch-up window: not sent, counted. */
  skipped: number;
  /** Member-weeks left half done by an earlier run and finished by this one. */
  recovered: number;
  alerts: number;
  errors: number;
}

interface MemberMatch {
  match: MatchDoc;
  role: CheckInRole;
}

interface Round {
  now: Date;
  byMember: Map<string, MemberMatch[]>;
  result: FanOutResult;
}

/**
 * One pass: whose local slot has come since the last pass (at most CATCH_UP_MS
 * ago) gets this week's check-ins written, then one email listing them. Any
 * number of workers may run it at once: every write is a claim or idempotent.
 */
export async function fanOut(deps: CheckInDeps): Promise<FanOutResult> {
  const now = deps.clock();
  const result: FanOutResult = { checkIns: 0, mails: 0, skipped: 0, recovered: 0, alerts: 0, errors: 0 };
  // Another worker's clock may run a little ahead: a "last run" after our now counts as now.
  const lastRecorded = await deps.repo.lastFanOut();
  const last = lastRecorded ? new Date(Math.min(lastRecorded.getTime(), now.getTime())) : undefined;
  const byMember = new Map<string, MemberMatch[]>();
  for (const m of await deps.matches.liveByHint()) {
    if (m.state !== 'active') continue;
    for (const [id, role] of [
      [m.newcomerId, 'newcomer'],
      [m.sponsorId, 'sponsor'],
    ] as const) {
      const list = byMember.get(id) ?? [];
      list.push({ match: m, role });
      byMember.set(id, list);
    }
  }
  const round: Round = { now, byMember, result };

  // What an earlier run left between its claims and its email.
  for (const p of await deps.repo.allPending()) {
    await guarded(deps, round, () => finishPending(deps, round, p.memberId, p.week, p.slotAt, true));
  }

  const settings = await deps.repo.allSettings();
  const zones = await deps.profiles.timezones();
  // Slots at most CATCH_UP_MS old are due (slotsBetween excludes its start, hence the millisecond).
  const catchUpFrom = now.getTime() - CATCH_UP_MS - 1;
  const sinceLast = (last?.getTime() ?? catchUpFrom) - OVERLAP_MS;
  const changedSinceLast = (at: Date | undefined) => at !== undefined && new Date(at).getTime() >= sinceLast;
  for (const [memberId, list] of byMember) {
    const stored = settings.get(memberId);
    const s = stored ?? DEFAULT_SETTINGS;
    const zone = zones.get(memberId);
    if (s.paused || !zone) continue;
    // Slots since the last run; the whole catch-up window for a member whose slot or
    // matches changed since (a new hour earlier today, a match that just became active).
    const fresh = changedSinceLast(stored?.updatedAt) || list.some((mm) => changedSinceLast(mm.match.stateAt));
    const from = new Date(fresh ? catchUpFrom : Math.max(catchUpFrom, sinceLast));
    const resumedAt = stored?.resumedAt ? new Date(stored.resumedAt).getTime() : undefined;
    const after = (at: Date) => resumedAt === undefined || at.getTime() > resumedAt;
    await guarded(deps, round, async () => {
      // While their consent is not current their check-ins pause, as a paused member's do: nothing is claimed, so
      // nothing counts as unanswered. Asked (by _id) only of a member with a slot to handle in this pass.
      let consents: boolean | undefined;
      const hasConsent = async () => (consents ??= hasCurrentConsent((await deps.users.findById(memberId))?.consent, deps.termsVersion));
      for (const slot of slotsBetween(from, now, zone, s.day, s.hour)) {
        if (after(slot.at) && (await hasConsent())) await writeMemberWeek(deps, round, memberId, list, slot.week, slot.at);
      }
      // Every worker was away longer than the catch-up window: those slots are skipped, and counted.
      if (last && last.getTime() < catchUpFrom) {
        const skipFrom = new Date(Math.max(last.getTime() - OVERLAP_MS, now.getTime() - SKIP_HORIZON_MS));
        for (const slot of slotsBetween(skipFrom, new Date(catchUpFrom), zone, s.day, s.hour)) {
          if (!after(slot.at) || !(await hasConsent())) continue;
          for (const mm of await owed(deps, list, slot.at)) {
            if (await deps.repo.claimCheckIn(checkInDoc(mm, memberId, slot.week, slot.at, now, 'skipped'))) result.skipped += 1;
          }
        }
      }
    });
  }

  for (const a of await deps.repo.unmailedAlerts()) await guarded(deps, round, () => mailAlert(deps, a));

  // Only a run that did everything moves the window on; otherwise the next one looks again.
  if (result.errors === 0) await deps.repo.setLastFanOut(now);
  return result;
}

async function guarded(deps: CheckInDeps, round: Round, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    round.result.errors += 1;
    deps.log.warn({ errName: (err as Error)?.name, errCode: (err as { kind?: string })?.kind }, 'check-in fan-out: one member-week failed; the next run tries again');
  }
}

function checkInDoc(mm: MemberMatch, memberId: string, week: string, slotAt: Date, now: Date, status: CheckInDoc['status']): CheckInDoc {
  return {
    _id: checkInIdFor(mm.match._id, memberId, week),
    matchId: mm.match._id,
    memberId,
    role: mm.role,
    week,
    program: mm.match.newcomerProgram,
    slotAt,
    createdAt: now,
    status,
  };
}

/**
 * The member's active matches that owe this slot's check-in: all but one resumed
 * after the slot (the check-ins missed while a match was paused are not sent).
 * A match that became active for the first time after the slot gets it (its
 * first check-in), within the catch-up window like any other.
 */
async function owed(deps: CheckInDeps, list: readonly MemberMatch[], slotAt: Date): Promise<MemberMatch[]> {
  const out: MemberMatch[] = [];
  for (const mm of list) {
    if (new Date(mm.match.stateAt).getTime() < slotAt.getTime()) {
      out.push(mm);
      continue;
    }
    // The hint moved after the slot: how did this stretch of being active begin (a flag or a yes keeps it active)?
    const history = await deps.matches.statusHistory(mm.match._id);
    let i = history.length - 1;
    while (i > 0 && history[i - 1]!.state.status === 'active') i -= 1;
    const began = history[i];
    if (began?.state.status !== 'active') continue;
    const resumedAfterSlot = began.state.action === 'resume' && new Date(began.at).getTime() >= slotAt.getTime();
    if (!resumedAfterSlot) out.push(mm);
  }
  return out;
}

async function writeMemberWeek(deps: CheckInDeps, round: Round, memberId: string, list: readonly MemberMatch[], week: string, slotAt: Date): Promise<void> {
  const matches = await owed(deps, list, slotAt);
  if (matches.length === 0) return;
  // First the marker, then the claims: a worker killed after any claim leaves the marker for the next run.
  await deps.repo.addPending({ _id: checkInMailIdFor(memberId, week), memberId, week, slotAt, at: round.now });
  await finishPending(deps, round, memberId, week, slotAt, false);
}

async function finishPending(deps: CheckInDeps, round: Round, memberId: string, week: string, slotAt: Date, recovering: boolean): Promise<void> {
  const pendingId = checkInMailIdFor(memberId, week);
  const list = round.byMember.get(memberId) ?? [];
  const { now, result } = round;
  if (now.getTime() - slotAt.getTime() > CATCH_UP_MS) {
    // Too late to send kindly: what was claimed stays unsent, and counts as skipped.
    deps.log.warn({ week }, 'check-in fan-out: a member-week left unsent past the catch-up window is skipped');
    result.skipped += 1;
    // Its claims were never sent: they must not count as unanswered check-ins.
    for (const mm of list) await deps.repo.markSkipped(checkInIdFor(mm.match._id, memberId, week));
    await deps.repo.removePending(pendingId);
    return;
  }
  const owedNow = await owed(deps, list, slotAt);
  for (const mm of owedNow) {
    const doc = checkInDoc(mm, memberId, week, slotAt, now, 'due');
    if (!(await deps.repo.claimCheckIn(doc))) continue;
    result.checkIns += 1;
    await missedAlert(deps, round, doc);
  }
  // Everything claimed for this member-week, by whichever worker: one email lists it all.
  const claims: Array<{ doc: CheckInDoc; mm: MemberMatch }> = [];
  for (const mm of list) {
    const doc = await deps.repo.checkIn(checkInIdFor(mm.match._id, memberId, week));
    if (doc?.status === 'due') claims.push({ doc, mm });
  }
  if (claims.length > 0) {
    const sent = await mailCheckIns(deps, round, memberId, week, claims);
    if (sent) result.mails += 1;
  }
  if (recovering) result.recovered += 1;
  await deps.repo.removePending(pendingId);
}

const nowSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

function linkUrl(deps: CheckInDeps, path: string, token: string): string {
  const base = deps.outbox.publicUrl();
  const url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set('token', token);
  return url.href;
}

async function nameOf(deps: CheckInDeps, userId: string, role: CheckInRole): Promise<string> {
  const profile = role === 'newcomer' ? await deps.profiles.getNewcomer(userId) : await deps.profiles.getSponsor(userId);
  return profile?.displayName ?? (await deps.users.findById(userId))?.displayName ?? 'your match';
}

async function mailCheckIns(deps: CheckInDeps, round: Round, memberId: string, week: string, claims: ReadonlyArray<{ doc: CheckInDoc; mm: MemberMatch }>): Promise<boolean> {
  const user = await deps.users.findById(memberId);
  if (!user) return false;
  const iat = nowSeconds(round.now);
  const sign = (doc: CheckInDoc, purpose: CheckInPurpose, answer?: Answer) =>
    signCheckInLink(deps.tokens, { memberId, checkInId: doc._id, purpose, ...(answer ? { answer } : {}) }, iat);
  const items: CheckInMailItem[] = [];
  for (const { doc, mm } of claims) {
    const otherId = mm.role === 'newcomer' ? mm.match.sponsorId : mm.match.newcomerId;
    const otherName = await nameOf(deps, otherId, mm.role === 'newcomer' ? 'sponsor' : 'newcomer');
    const answerUrls = Object.fromEntries(ANSWERS.map((a) => [a, linkUrl(deps, 'check-ins/respond', sign(doc, 'answer', a))])) as Record<Answer, string>;
    items.push({
      role: mm.role,
      otherName,
      answerUrls,
      noteUrl: linkUrl(deps, 'check-ins/note', sign(doc, 'note')),
      ...(mm.role === 'sponsor' ? { concernUrl: linkUrl(deps, 'check-ins/concern', sign(doc, 'concern')) } : {}),
    });
  }
  const displayName = (await nameOf(deps, memberId, claims[0]!.mm.role)) || user.displayName;
  const rendered = renderCheckInMail(
    { displayName, items, pauseUrl: linkUrl(deps, 'check-ins/pause', sign(claims[0]!.doc, 'pause')), crisis: deps.crisis },
    { publicUrl: deps.outbox.publicUrl() },
  );
  const { already } = await deps.outbox.enqueueRendered({
    id: checkInMailIdFor(memberId, week),
    event: `checkin:${week}`,
    recipientId: memberId,
    to: user.email,
    template: 'checkin',
    rendered,
  });
  return !already;
}

// ---- alerts ----

async function raiseAlert(deps: CheckInDeps, kind: AlertKind, c: CheckInDoc): Promise<boolean> {
  const doc: AlertDoc = {
    _id: alertIdFor(kind, c._id),
    kind,
    checkInId: c._id,
    matchId: c.matchId,
    memberId: c.memberId,
    role: c.role,
    program: c.program,
    week: c.week,
    at: deps.clock(),
  };
  if (!(await deps.repo.raiseAlert(doc))) return false;
  deps.log.info({ alert: doc._id.split(':')[0], match: c.matchId }, 'check-in alert raised');
  await mailAlert(deps, doc);
  return true;
}

/** The program's coordinators (its admins if it has none) are told, with no name and no detail: they read it in the service. */
async function mailAlert(deps: CheckInDeps, a: AlertDoc): Promise<void> {
  for (const u of await deps.users.coordinatorsOf(a.program)) {
    await deps.outbox.enqueue({ event: `checkin-alert:${a._id}`, recipientId: u._id, to: u.email, template: 'checkin-alert', data: { displayName: u.displayName } });
  }
  await deps.repo.setAlertMailed(a._id, deps.clock());
}

/** Exactly `missedAlertAfter` unanswered check-ins before this one: the coordinators hear once per silence, not every week of it. */
async function missedAlert(deps: CheckInDeps, round: Round, c: CheckInDoc): Promise<void> {
  const n = deps.missedAlertAfter;
  let streak = 0;
  for (let k = 1; k <= n + 1; k += 1) {
    const before = await deps.repo.checkIn(checkInIdFor(c.matchId, c.memberId, addWeeks(c.week, -k)));
    if (!before || before.status !== 'due' || before.answeredAt) break;
    streak += 1;
  }
  if (streak === n && (await raiseAlert(deps, 'missed-check-ins', c))) round.result.alerts += 1;
}

/** After an answer: "need help now" at once; "struggling" in two weeks in a row (whichever of the two was answered last). */
async function escalate(deps: CheckInDeps, c: CheckInDoc, answer: AnswerWord): Promise<void> {
  if (answer === 'help') await raiseAlert(deps, 'need-help', c);
  if (answer !== 'struggling') return;
  const prev = await deps.repo.checkIn(checkInIdFor(c.matchId, c.memberId, addWeeks(c.week, -1)));
  if (prev?.answer === 'struggling') await raiseAlert(deps, 'struggling-twice', c);
  const next = await deps.repo.checkIn(checkInIdFor(c.matchId, c.memberId, addWeeks(c.week, 1)));
  if (next?.answer === 'struggling') await raiseAlert(deps, 'struggling-twice', next);
}

// ---- answering through a link (no sign-in: the link is the authority) ----

export interface LinkTarget {
  memberId: string;
  checkIn: CheckInDoc;
  answer?: Answer;
  otherName: string;
}

/** The check-in a link is for, if the link is good for this purpose; undefined for any link that is not (the page says so kindly). */
export async function openLink(deps: CheckInDeps, token: unknown, purpose: CheckInPurpose): Promise<LinkTarget | undefined> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 2000) return undefined;
  const link = verifyCheckInLink(deps.tokens, token, nowSeconds(deps.clock()));
  if (!link || link.purpose !== purpose) return undefined;
  if (purpose === 'answer' && !ANSWERS.includes(link.answer as Answer)) return undefined;
  const checkIn = await deps.repo.checkIn(link.checkInId);
  // Any status: a check-in marked skipped by a late worker while another was mailing it is still theirs to answer.
  if (!checkIn || checkIn.memberId !== link.memberId) return undefined;
  // A member whose consent is not current (withdrawn, or older terms) or whose account is gone records nothing through a link mailed before.
  const member = await deps.users.findById(checkIn.memberId);
  if (!member || !hasCurrentConsent(member.consent, deps.termsVersion)) return undefined;
  const match = await deps.matches.match(checkIn.matchId);
  if (!match) return undefined;
  const otherRole = checkIn.role === 'newcomer' ? 'sponsor' : 'newcomer';
  const otherName = await nameOf(deps, otherRole === 'sponsor' ? match.sponsorId : match.newcomerId, otherRole);
  return { memberId: link.memberId, checkIn, otherName, ...(link.answer ? { answer: link.answer as Answer } : {}) };
}

/** Records an answer (and a note); the latest counts, every one is kept. Returns the answer it replaced, if any. */
export async function recordResponse(
  deps: CheckInDeps,
  target: LinkTarget,
  input: { answer?: Answer; note?: string; shared?: boolean },
): Promise<{ previous?: Answer }> {
  const c = target.checkIn;
  const at = deps.clock();
  const previous = c.answer;
  const doc: ResponseDoc = {
    _id: randomUUID(),
    checkInId: c._id,
    matchId: c.matchId,
    memberId: c.memberId,
    role: c.role,
    week: c.week,
    ...(input.answer ? { answer: input.answer } : {}),
    ...(input.note ? { note: input.note } : {}),
    // Only a newcomer's answers are theirs to share with their sponsor.
    shared: c.role === 'newcomer' && Boolean(input.shared),
    at,
  };
  await deps.repo.insertResponse(doc);
  if (input.answer) {
    await deps.repo.setAnswerHint(c._id, input.answer, at);
    await escalate(deps, { ...c, answer: input.answer, answeredAt: at }, input.answer);
  }
  return previous ? { previous } : {};
}

/** Another link to the same check-in (after an answer, the note page): it expires with the check-in's own links. */
export function linkToken(deps: CheckInDeps, target: LinkTarget, purpose: CheckInPurpose): string {
  return signCheckInLink(deps.tokens, { memberId: target.memberId, checkInId: target.checkIn._id, purpose }, nowSeconds(new Date(target.checkIn.createdAt)));
}

export async function pauseByLink(deps: CheckInDeps, target: LinkTarget): Promise<void> {
  await pauseMember(deps, target.memberId);
}

// ---- reading ----

function responseView(r: ResponseDoc) {
  return { at: r.at.toISOString(), ...(r.answer ? { answer: r.answer } : {}), ...(r.note ? { note: r.note } : {}), shared: r.shared };
}

function alertView(a: AlertDoc) {
  return {
    id: a._id,
    kind: a.kind,
    matchId: a.matchId,
    memberId: a.memberId,
    role: a.role,
    program: a.program,
    week: a.week,
    at: a.at.toISOString(),
    ...(a.ack ? { acknowledged: { by: a.ack.by, at: a.ack.at.toISOString() } } : {}),
  };
}

/**
 * A match's check-ins: each member reads their own answers and what the other
 * chose to share with them; the programs' coordinators read both, and the alerts.
 */
export async function matchCheckIns(deps: CheckInDeps, actor: Actor, matchId: string) {
  const match = await deps.matches.match(matchId);
  const status = match ? await deps.matches.status(matchId) : undefined;
  const party = matchParty(actor, match, status?.state.sponsorAsked ?? false);
  const checkIns = await deps.repo.checkInsOfMatch(matchId);
  const responses = await deps.repo.responsesOfMatch(matchId);
  const byCheckIn = new Map<string, ResponseDoc[]>();
  for (const r of responses) byCheckIn.set(r.checkInId, [...(byCheckIn.get(r.checkInId) ?? []), r]);
  const member = party === 'newcomer' || party === 'sponsor';
  const rows = [];
  for (const c of checkIns) {
    const own = c.memberId === actor.id;
    let visible = byCheckIn.get(c._id) ?? [];
    if (member && !own) visible = visible.filter((r) => r.shared);
    if (member && !own && visible.length === 0) continue;
    const latest = [...visible].reverse().find((r) => r.answer);
    rows.push({
      id: c._id,
      week: c.week,
      role: c.role,
      memberId: c.memberId,
      status: c.status,
      slotAt: c.slotAt.toISOString(),
      ...(latest?.answer ? { answer: latest.answer } : {}),
      responses: visible.map(responseView),
    });
  }
  return {
    matchId,
    you: party,
    checkIns: rows,
    ...(member ? {} : { alerts: (await deps.repo.alertsOfMatch(matchId)).map(alertView) }),
  };
}

export async function listAlerts(deps: CheckInDeps, actor: Actor, query: { program?: string; open?: boolean }) {
  const scope = coordinatorProgramScope(actor, query.program);
  const alerts = (await deps.repo.alertsIn(scope)).filter((a) => query.open === undefined || (query.open ? !a.ack : Boolean(a.ack)));
  return { alerts: alerts.map(alertView) };
}

export async function ackAlert(deps: CheckInDeps, actor: Actor, id: string) {
  const a = await deps.repo.alert(id);
  if (!a) throw notFound('alert');
  coordinatorProgramScope(actor, a.program);
  await deps.repo.ackAlert(id, actor.id, deps.clock());
  const after = await deps.repo.alert(id);
  if (!after?.ack) throw new AppError('unavailable', 'database-unavailable', 'The acknowledgement could not be read back; try again.');
  return alertView(after);
}
