// A member's copy of everything the service holds about them (GDPR art. 15 and
// 20), as one document. Built only from reads of the repositories, and shaped
// so that nothing about anyone else leaves with it: the other member of a
// match appears as the card the member was shown, the other member's or a
// coordinator's words are left out (the step and its date stay), and every
// other person in the audit log is "someone else".

import type { Actor } from '../access/actor.ts';
import type { AuditRepository, PseudonymsRepository } from '../audit/audit.repository.ts';
import { isVerified, type UsersRepository } from '../auth/users.repository.ts';
import type { CheckInsRepository } from '../checkins/checkins.repository.ts';
import type { ChainVersion } from '../db/chain.ts';
import { notFound } from '../errors.ts';
import type { OutboxRepository } from '../mail/outbox.repository.ts';
import type { LifecycleRepository, MatchDoc, MatchStatus, RequestState } from '../matches/lifecycle.repository.ts';
import { matchCards } from '../matches/lifecycle.service.ts';
import type { SponsorHandles } from '../matching/sponsor-handles.ts';
import type { ProfileChangesRepository } from '../profiles/profile-changes.repository.ts';
import type { ProfilesRepository } from '../profiles/profiles.repository.ts';
import type { StoredProgram } from '../programs/programs.repository.ts';
import type { VettingRepository } from '../vetting/vetting.repository.ts';
import type { ConsentRepository } from './consent.repository.ts';

export interface ExportDeps {
  users: Pick<UsersRepository, 'findById'>;
  consent: Pick<ConsentRepository, 'history'>;
  profiles: Pick<ProfilesRepository, 'getNewcomer' | 'getSponsor' | 'contactOf'>;
  profileChanges: Pick<ProfileChangesRepository, 'history'>;
  vetting: Pick<VettingRepository, 'history'>;
  lifecycle: Pick<LifecycleRepository, 'requestsOf' | 'requestHistory' | 'matchesOf' | 'statusHistory' | 'concernsBy'>;
  checkIns: Pick<CheckInsRepository, 'settings' | 'checkInsOfMatch' | 'responsesOfMatch' | 'alertsOfMatch'>;
  outbox: Pick<OutboxRepository, 'sentTo'>;
  audit: Pick<AuditRepository, 'about'>;
  pseudonyms: Pick<PseudonymsRepository, 'existing'>;
  /** The programs as the matching engine holds them: the cards name a program and count recovery time by its rule. */
  programs: () => ReadonlyMap<string, StoredProgram>;
  /** The handle a newcomer's cards show for a sponsor. */
  handles: Pick<SponsorHandles, 'compute'>;
  /** The terms version the service asks consent to now. */
  termsVersion: string;
  clock: () => Date;
}

type Party = 'newcomer' | 'sponsor';
/** Who took a step, as the member may read it: never another person's id or name. */
type Who = 'you' | 'the other member' | 'a coordinator' | 'the service';

const iso = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());
const isoOf = (d: Date | string): string => new Date(d).toISOString();

export async function exportOwnData(deps: ExportDeps, actor: Actor) {
  const me = actor.id;
  const user = await deps.users.findById(me);
  if (!user) throw notFound('user');
  const [asNewcomer, asSponsor] = await Promise.all([deps.lifecycle.matchesOf('newcomerId', me), deps.lifecycle.matchesOf('sponsorId', me)]);
  const matches = [...asNewcomer.map((m) => ({ m, party: 'newcomer' as const })), ...asSponsor.map((m) => ({ m, party: 'sponsor' as const }))];
  const histories = new Map(await Promise.all(matches.map(async ({ m }) => [m._id, await deps.lifecycle.statusHistory(m._id)] as const)));
  // A sponsor's match is theirs once they were asked (before, it waited for a coordinator and was never shown to them).
  const mine = matches.filter(({ m, party }) => party === 'newcomer' || (histories.get(m._id) ?? []).some((v) => v.state.sponsorAsked));

  return {
    generatedAt: deps.clock().toISOString(),
    termsVersion: deps.termsVersion,
    account: {
      id: user._id,
      email: user.email,
      displayName: user.displayName,
      roles: { admin: Boolean(user.roles?.admin), coordinatorOf: [...(user.roles?.coordinatorOf ?? [])] },
      createdAt: iso(user.createdAt),
      emailVerified: isVerified(user),
      ...(user.emailVerifiedAt ? { emailVerifiedAt: iso(user.emailVerifiedAt) } : {}),
      ...(user.passwordChangedAt ? { passwordChangedAt: iso(user.passwordChangedAt) } : {}),
      // The address asked for, and when; the link's id stays inside (it is what confirms the change).
      ...(user.pendingEmail ? { pendingEmail: { email: user.pendingEmail.email, requestedAt: iso(user.pendingEmail.requestedAt) } } : {}),
    },
    consent: await consentSection(deps, me, user.consent),
    profiles: await profilesSection(deps, me),
    requests: await requestsSection(deps, me),
    matches: await Promise.all(mine.map(({ m, party }) => matchSection(deps, me, m, party, histories.get(m._id) ?? []))),
    checkIns: await checkInsSection(deps, me, mine.map(({ m }) => m._id)),
    concerns: (await deps.lifecycle.concernsBy(me)).map((c) => ({
      id: c._id,
      matchId: c.matchId,
      role: c.role,
      text: c.text,
      at: iso(c.at),
      ...(c.ack ? { acknowledgedAt: iso(c.ack.at) } : {}),
    })),
    emails: (await deps.outbox.sentTo(me)).map((e) => ({
      template: e.template,
      // Absent once the retention job removed the words of an old message.
      ...(e.subject !== undefined ? { subject: e.subject } : {}),
      createdAt: iso(e.createdAt),
      status: e.status,
      ...(e.sentAt ? { sentAt: iso(e.sentAt) } : {}),
      ...(e.failedAt ? { failedAt: iso(e.failedAt) } : {}),
    })),
    audit: await auditSection(deps, me),
  };
}

async function consentSection(deps: ExportDeps, me: string, current: { healthData: boolean; adult: boolean; termsVersion: string; at: Date }) {
  return {
    current: { termsVersion: current.termsVersion, healthData: current.healthData, adult: current.adult, at: iso(current.at) },
    history: (await deps.consent.history(me)).map((e) => ({
      action: e.action,
      termsVersion: e.termsVersion,
      healthData: e.healthData,
      adult: e.adult,
      at: iso(e.at),
    })),
  };
}

async function profilesSection(deps: ExportDeps, me: string) {
  const [newcomer, sponsor, newcomerContact, sponsorContact, changes, vetting] = await Promise.all([
    deps.profiles.getNewcomer(me),
    deps.profiles.getSponsor(me),
    deps.profiles.contactOf(me, 'newcomer'),
    deps.profiles.contactOf(me, 'sponsor'),
    deps.profileChanges.history(me),
    deps.vetting.history(me),
  ]);
  const own = <T extends { _id: string; updatedAt: Date }>(doc: T | undefined, contact: unknown) => {
    if (!doc) return null;
    const { _id, updatedAt, ...profile } = doc;
    return { ...profile, contact, updatedAt: iso(updatedAt) };
  };
  return {
    newcomer: own(newcomer, newcomerContact),
    sponsor: own(sponsor, sponsorContact),
    /** When they changed what selects their proposals (program, languages, preferences…): the service counts these. */
    limitedChanges: changes.map(isoOf),
    // Who decided is a coordinator, named by role only; their note is the coordinator's own words (never shown to the sponsor).
    vetting: vetting.map((v) => ({ program: v.program, status: v.status, at: iso(v.at), decidedBy: 'a coordinator' as const })),
  };
}

async function requestsSection(deps: ExportDeps, me: string) {
  const requests = (await deps.lifecycle.requestsOf(me)).sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
  return Promise.all(
    requests.map(async (r) => ({
      id: r._id,
      kind: r.kind,
      program: r.program,
      ...(r.note !== undefined ? { note: r.note } : {}),
      createdAt: iso(r.createdAt),
      history: (await deps.lifecycle.requestHistory(r._id)).map((v: ChainVersion<RequestState>) => ({
        n: v.n,
        status: v.state.status,
        change: v.state.change,
        at: iso(v.at),
        by: v.by === me ? 'you' : v.by === 'system' ? 'the service' : 'a coordinator',
        // The match it led to, by id only (the match's own section shows the other member as their card).
        ...(v.state.match ? { matchId: v.state.match.matchId } : {}),
      })),
    })),
  );
}

/** The other member as the member was shown them: a newcomer sees a sponsor's card (with its handle), a sponsor the newcomer's. */
async function otherCard(deps: ExportDeps, m: MatchDoc, party: Party) {
  // Only the other member's card is kept (the member's own side is their profile section).
  const { newcomerCard, sponsorCard } = await matchCards({ profiles: deps.profiles, programs: deps.programs(), now: deps.clock().getTime() }, m);
  if (party === 'newcomer') return { sponsor: { handle: deps.handles.compute(m.newcomerId, m.sponsorId), ...sponsorCard } };
  return { newcomer: newcomerCard };
}

/** Why a step was taken without anyone of the match asking, when that is the member's own business. */
function causeFor(s: MatchStatus, party: Party): string | undefined {
  if (s.cause === 'request-withdrawn' && party === 'newcomer') return s.cause;
  if (s.cause === 'sponsor-no-longer-qualifies' && party === 'sponsor') return s.cause;
  if (s.cause === 'member-left' && s.leftBy === party) return s.cause;
  return undefined;
}

async function matchSection(deps: ExportDeps, me: string, m: MatchDoc, party: Party, history: readonly ChainVersion<MatchStatus>[]) {
  const latest = history[history.length - 1];
  const who = (v: ChainVersion<MatchStatus>): Who => {
    if (v.state.role === party && v.by === me) return 'you';
    if (v.state.role === 'coordinator') return 'a coordinator';
    if (v.state.role === 'system') return 'the service';
    return 'the other member';
  };
  return {
    id: m._id,
    you: party,
    origin: m.origin,
    kind: latest?.state.kind ?? m.kind,
    state: latest?.state.status ?? m.state,
    program: party === 'newcomer' ? m.newcomerProgram : m.sponsorProgram,
    createdAt: iso(m.createdAt),
    ...(latest?.state.activeSince ? { activeSince: iso(latest.state.activeSince) } : {}),
    ...(await otherCard(deps, m, party)),
    history: history.map((v) => {
      const own = who(v) === 'you';
      const cause = causeFor(v.state, party);
      return {
        n: v.n,
        state: v.state.status,
        step: v.state.action,
        by: who(v),
        at: iso(v.at),
        // Reasons and notes are the words of whoever wrote them: the member's own only.
        ...(own && v.state.reason ? { reason: v.state.reason } : {}),
        ...(own && v.state.note ? { note: v.state.note } : {}),
        ...(cause ? { cause } : {}),
        // A flag is about the sponsor's recovery date: theirs to read, not the newcomer's.
        ...(party === 'sponsor' && v.state.flag ? { flag: v.state.flag } : {}),
      };
    }),
  };
}

async function checkInsSection(deps: ExportDeps, me: string, matchIds: readonly string[]) {
  const settings = await deps.checkIns.settings(me);
  const checkIns = [];
  const alerts = [];
  for (const matchId of matchIds) {
    const [rows, responses, raised] = await Promise.all([
      deps.checkIns.checkInsOfMatch(matchId),
      deps.checkIns.responsesOfMatch(matchId),
      deps.checkIns.alertsOfMatch(matchId),
    ]);
    // Only the member's own: the other member's answers stay theirs, even those shared with this member.
    for (const c of rows.filter((x) => x.memberId === me)) {
      checkIns.push({
        id: c._id,
        matchId: c.matchId,
        role: c.role,
        week: c.week,
        slotAt: iso(c.slotAt),
        createdAt: iso(c.createdAt),
        status: c.status,
        ...(c.answer ? { answer: c.answer, answeredAt: iso(c.answeredAt) } : {}),
        responses: responses
          .filter((r) => r.memberId === me && r.checkInId === c._id)
          .map((r) => ({ ...(r.answer ? { answer: r.answer } : {}), ...(r.note ? { note: r.note } : {}), shared: r.shared, at: iso(r.at) })),
      });
    }
    for (const a of raised.filter((x) => x.memberId === me)) {
      alerts.push({ kind: a.kind, matchId: a.matchId, checkInId: a.checkInId, week: a.week, at: iso(a.at), ...(a.ack ? { acknowledgedAt: iso(a.ack.at) } : {}) });
    }
  }
  return {
    settings: settings
      ? { day: settings.day, hour: settings.hour, paused: settings.paused, ...(settings.resumedAt ? { resumedAt: iso(settings.resumedAt) } : {}), updatedAt: iso(settings.updatedAt) }
      : null,
    checkIns,
    alerts,
  };
}

async function auditSection(deps: ExportDeps, me: string) {
  // Without a pseudonym the member was never named in the log (none is made by asking).
  const pseudonym = await deps.pseudonyms.existing(me);
  if (!pseudonym) return [];
  return (await deps.audit.about(pseudonym)).map((e) => ({
    at: iso(e.at),
    action: e.action,
    route: e.route,
    actor: e.actor === pseudonym ? ('you' as const) : ('someone else' as const),
    aboutYou: e.subjects.includes(pseudonym),
  }));
}
