/**
 * The match as a state machine: one pure table, state × action × who → the
 * next state. Services ask it; nothing else decides whether a step is allowed.
 *
 *   pending-approval ─approve (coordinator)→ awaiting-sponsor ─accept (sponsor)→ awaiting-newcomer ─accept (newcomer)→ active ⇄ paused → ended
 *
 * Terminal: rejected, declined, expired, withdrawn, ended. A place of the
 * sponsor is held from awaiting-sponsor until a terminal state.
 */

export const MATCH_STATES = ['pending-approval', 'awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused', 'rejected', 'declined', 'expired', 'withdrawn', 'ended'] as const;
export type MatchState = (typeof MATCH_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<MatchState> = new Set(['rejected', 'declined', 'expired', 'withdrawn', 'ended']);
/** The states in which the sponsor's place is taken. */
export const PLACE_HOLDING_STATES: ReadonlySet<MatchState> = new Set(['awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused']);
/** Waiting for someone's answer: these expire after MATCH_RESPONSE_HOURS. */
export const AWAITING_STATES: ReadonlySet<MatchState> = new Set(['awaiting-sponsor', 'awaiting-newcomer']);

export const isTerminal = (s: MatchState): boolean => TERMINAL_STATES.has(s);
export const holdsPlace = (s: MatchState): boolean => PLACE_HOLDING_STATES.has(s);
/** Live: not terminal. */
export const isLive = (s: MatchState): boolean => !TERMINAL_STATES.has(s);
/** Introduced: contact details are shared from here on. */
export const isIntroduced = (s: MatchState): boolean => s === 'active' || s === 'paused';

/** What a person asks through the API. */
export const MEMBER_ACTIONS = ['approve', 'reject', 'accept', 'decline', 'pause', 'resume', 'end'] as const;
export type MemberAction = (typeof MEMBER_ACTIONS)[number];
/** What happens without anyone asking (jobs, a withdrawn request, a sponsor who no longer qualifies, a member who left: withdrew health-data consent or deleted the account) or through its own route (block). */
export type SystemAction = 'expire' | 'withdraw' | 'term-end' | 'block' | 'leave';
export type MatchAction = MemberAction | SystemAction;

/** Who acts, as seen from this match. `coordinator`: of the newcomer's program (or an admin). */
export type MatchRole = 'newcomer' | 'sponsor' | 'coordinator' | 'system';

export const END_REASONS = ['not-a-good-fit', 'no-time', 'moved', 'safety-concern', 'other'] as const;
export type EndReason = (typeof END_REASONS)[number];
/** These actions need a reason (seen by coordinators only). */
export const ACTIONS_WITH_REASON: ReadonlySet<MatchAction> = new Set(['reject', 'decline', 'end']);

type Row = Partial<Record<MatchAction, Partial<Record<MatchRole, MatchState>>>>;

const members = (next: MatchState) => ({ newcomer: next, sponsor: next, coordinator: next });

// Before the coordinator's approval the sponsor has not been asked: the match is not theirs to see or act on.
// A coordinator decides once, at pending-approval (approve or reject); after that the two members decide,
// and a coordinator acts again only on an active or paused match (pause, resume, end).
const TABLE: Readonly<Record<MatchState, Row>> = {
  'pending-approval': {
    approve: { coordinator: 'awaiting-sponsor' },
    reject: { coordinator: 'rejected' },
    withdraw: { system: 'withdrawn' },
    leave: { system: 'withdrawn' },
    block: { newcomer: 'withdrawn' },
  },
  'awaiting-sponsor': {
    accept: { sponsor: 'awaiting-newcomer' },
    decline: { sponsor: 'declined' },
    expire: { system: 'expired' },
    withdraw: { system: 'withdrawn' },
    leave: { system: 'withdrawn' },
    block: { newcomer: 'withdrawn', sponsor: 'declined' },
  },
  'awaiting-newcomer': {
    accept: { newcomer: 'active' },
    decline: { newcomer: 'declined' },
    expire: { system: 'expired' },
    withdraw: { system: 'withdrawn' },
    leave: { system: 'withdrawn' },
    block: { newcomer: 'declined', sponsor: 'withdrawn' },
  },
  active: {
    pause: members('paused'),
    end: members('ended'),
    'term-end': { system: 'ended' },
    leave: { system: 'ended' },
    block: { newcomer: 'ended', sponsor: 'ended' },
  },
  paused: {
    resume: members('active'),
    end: members('ended'),
    'term-end': { system: 'ended' },
    leave: { system: 'ended' },
    block: { newcomer: 'ended', sponsor: 'ended' },
  },
  rejected: {},
  declined: {},
  expired: {},
  withdrawn: {},
  ended: {},
};

export type Decision = { ok: true; next: MatchState } | { ok: false; why: 'not-allowed-now' | 'not-your-action'; allowed: MatchAction[] };

/** The actions this role may take from this state. */
export function actionsFor(state: MatchState, role: MatchRole): MatchAction[] {
  return (Object.entries(TABLE[state]) as Array<[MatchAction, Partial<Record<MatchRole, MatchState>>]>).filter(([, who]) => who[role] !== undefined).map(([a]) => a);
}

/**
 * The next state, or why not: `not-allowed-now` when nobody may take this
 * action from this state (409), `not-your-action` when someone else may (403).
 */
export function decide(state: MatchState, action: MatchAction, role: MatchRole): Decision {
  const who = TABLE[state][action];
  const next = who?.[role];
  if (next !== undefined) return { ok: true, next };
  return { ok: false, why: who ? 'not-your-action' : 'not-allowed-now', allowed: actionsFor(state, role) };
}
