import type { Actor } from '../access/actor.ts';
import { requireSponsorCoordinator, requireVettingDecisionAccess, sponsorListScope } from '../access/policy.ts';
import type { ProfilesRepository, StoredSponsor } from '../profiles/profiles.repository.ts';
import type { ProgramsRepository } from '../programs/programs.repository.ts';
import type { VettingRecord, VettingRepository } from './vetting.repository.ts';
import { ownVettingView, requiresSponsorVetting, vettingStatusOf, type OwnVettingView, type VettingStatus } from './vetting-rules.ts';

export interface VettingDeps {
  vetting: VettingRepository;
  profiles: ProfilesRepository;
  programs: ProgramsRepository;
  /** The matching engine re-reads the sponsor here and tells the other instances, before the answer is sent. */
  sponsorChanged(userId: string, by: string): Promise<void>;
  clock: () => Date;
}

export interface SponsorListQuery {
  vetting?: VettingStatus;
  program?: string;
  limit: number;
}

const iso = (d: Date) => new Date(d).toISOString();

function profileView(doc: StoredSponsor) {
  const { _id, updatedAt, ...rest } = doc;
  return { userId: _id, ...rest, updatedAt: iso(updatedAt) };
}

/** The state a coordinator reads: the status for the sponsor's current program, and the decision behind it. */
function stateView(sponsorProgram: string, required: boolean, current: VettingRecord | undefined) {
  const status = vettingStatusOf(current, sponsorProgram);
  const decision = current && current.program === sponsorProgram ? current : undefined;
  return {
    status,
    required,
    ...(decision
      ? { decidedAt: iso(decision.at), decidedBy: decision.by, ...(decision.note !== undefined ? { note: decision.note } : {}) }
      : {}),
  };
}

const historyView = (r: VettingRecord) => ({
  program: r.program,
  status: r.status,
  at: iso(r.at),
  by: r.by,
  ...(r.note !== undefined ? { note: r.note } : {}),
});

/**
 * Sponsors of the coordinator's programs, by vetting status: those waiting
 * longest first. A short summary each; the whole profile is one audited read away.
 */
export async function listSponsors(deps: VettingDeps, actor: Actor, query: SponsorListQuery) {
  const inScope = sponsorListScope(actor, query.program);
  const [sponsors, decisions] = await Promise.all([deps.profiles.allSponsors(), deps.vetting.currentAll()]);
  const rows = sponsors
    .filter((s) => inScope(s.program))
    .map((s) => ({ s, status: vettingStatusOf(decisions.get(s._id), s.program) }))
    .filter(({ status }) => !query.vetting || status === query.vetting)
    .sort((a, b) => new Date(a.s.updatedAt).getTime() - new Date(b.s.updatedAt).getTime() || (a.s._id < b.s._id ? -1 : 1));
  return {
    total: rows.length,
    sponsors: rows.slice(0, query.limit).map(({ s, status }) => {
      const decision = decisions.get(s._id);
      return {
        userId: s._id,
        displayName: s.displayName,
        program: s.program,
        updatedAt: iso(s.updatedAt),
        vetting: { status, ...(decision && decision.program === s.program ? { decidedAt: iso(decision.at) } : {}) },
      };
    }),
  };
}

/** One sponsor's whole profile and vetting (with the coordinators' notes and every decision), for a coordinator of their program. */
export async function getSponsorForCoordinator(deps: VettingDeps, actor: Actor, sponsorId: string) {
  const doc = await deps.profiles.getSponsor(sponsorId);
  requireSponsorCoordinator(actor, doc);
  const sponsor = doc!;
  const [program, history] = await Promise.all([deps.programs.get(sponsor.program), deps.vetting.history(sponsorId)]);
  return {
    ...profileView(sponsor),
    vetting: { ...stateView(sponsor.program, requiresSponsorVetting(program), history.at(-1)), history: history.map(historyView) },
  };
}

/**
 * A coordinator's decision on a sponsor, for the program the sponsor is in now.
 * Two decisions at the same moment are both recorded, in order; the later one
 * holds. The matching engines learn of it before the answer is sent.
 */
export async function vetSponsor(deps: VettingDeps, actor: Actor, sponsorId: string, input: { approved: boolean; note?: string }) {
  const doc = await deps.profiles.getSponsor(sponsorId);
  requireVettingDecisionAccess(actor, doc ? { userId: doc._id, program: doc.program } : undefined);
  const sponsor = doc!;
  const note = input.note?.trim();
  const record = await deps.vetting.decide(
    sponsorId,
    { program: sponsor.program, status: input.approved ? 'approved' : 'refused', ...(note ? { note } : {}) },
    actor.id,
    deps.clock,
  );
  await deps.sponsorChanged(sponsorId, actor.id);
  const program = await deps.programs.get(sponsor.program);
  return { sponsorId, program: sponsor.program, ...stateView(sponsor.program, requiresSponsorVetting(program), record) };
}

/** What the sponsor reads about their own vetting (never the coordinator's note). */
export async function ownVetting(deps: Pick<VettingDeps, 'vetting' | 'programs'>, sponsorId: string, sponsorProgram: string): Promise<OwnVettingView> {
  const [current, program] = await Promise.all([deps.vetting.current(sponsorId), deps.programs.get(sponsorProgram)]);
  return ownVettingView(current, sponsorProgram, program);
}
