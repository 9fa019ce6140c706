import { expect } from 'chai';
import fc from 'fast-check';
import {
  ACTIONS_WITH_REASON,
  actionsFor,
  decide,
  END_REASONS,
  holdsPlace,
  isIntroduced,
  isLive,
  isTerminal,
  MATCH_STATES,
  MEMBER_ACTIONS,
  type MatchAction,
  type MatchRole,
  type MatchState,
} from '../../src/matches/transitions.ts';

// Written out from the issue, not read from the code: a change to the table has to change this list too.
const STATES: readonly MatchState[] = ['pending-approval', 'awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused', 'rejected', 'declined', 'expired', 'withdrawn', 'ended'];
const MEMBER_STEPS: readonly MatchAction[] = ['approve', 'reject', 'accept', 'decline', 'pause', 'resume', 'end'];
const SYSTEM_STEPS: readonly MatchAction[] = ['expire', 'withdraw', 'term-end', 'block', 'leave'];
const ACTIONS: readonly MatchAction[] = [...MEMBER_STEPS, ...SYSTEM_STEPS];
const ROLES: readonly MatchRole[] = ['newcomer', 'sponsor', 'coordinator', 'system'];

const TERMINAL: readonly MatchState[] = ['rejected', 'declined', 'expired', 'withdrawn', 'ended'];
const PLACE_HOLDING: readonly MatchState[] = ['awaiting-sponsor', 'awaiting-newcomer', 'active', 'paused'];

/** Every allowed step as [from, action, who, to]; any combination not listed is refused. */
const ALLOWED: ReadonlyArray<readonly [MatchState, MatchAction, MatchRole, MatchState]> = [
  // Waiting for a coordinator: the sponsor has not been asked, so only the coordinator decides (the newcomer may still block, which withdraws it).
  ['pending-approval', 'approve', 'coordinator', 'awaiting-sponsor'],
  ['pending-approval', 'reject', 'coordinator', 'rejected'],
  ['pending-approval', 'withdraw', 'system', 'withdrawn'],
  ['pending-approval', 'leave', 'system', 'withdrawn'],
  ['pending-approval', 'block', 'newcomer', 'withdrawn'],

  ['awaiting-sponsor', 'accept', 'sponsor', 'awaiting-newcomer'],
  ['awaiting-sponsor', 'decline', 'sponsor', 'declined'],
  ['awaiting-sponsor', 'expire', 'system', 'expired'],
  ['awaiting-sponsor', 'withdraw', 'system', 'withdrawn'],
  ['awaiting-sponsor', 'leave', 'system', 'withdrawn'],
  ['awaiting-sponsor', 'block', 'newcomer', 'withdrawn'],
  ['awaiting-sponsor', 'block', 'sponsor', 'declined'],

  ['awaiting-newcomer', 'accept', 'newcomer', 'active'],
  ['awaiting-newcomer', 'decline', 'newcomer', 'declined'],
  ['awaiting-newcomer', 'expire', 'system', 'expired'],
  ['awaiting-newcomer', 'withdraw', 'system', 'withdrawn'],
  ['awaiting-newcomer', 'leave', 'system', 'withdrawn'],
  ['awaiting-newcomer', 'block', 'newcomer', 'declined'],
  ['awaiting-newcomer', 'block', 'sponsor', 'withdrawn'],

  ['active', 'pause', 'newcomer', 'paused'],
  ['active', 'pause', 'sponsor', 'paused'],
  ['active', 'pause', 'coordinator', 'paused'],
  ['active', 'end', 'newcomer', 'ended'],
  ['active', 'end', 'sponsor', 'ended'],
  ['active', 'end', 'coordinator', 'ended'],
  ['active', 'term-end', 'system', 'ended'],
  ['active', 'leave', 'system', 'ended'],
  ['active', 'block', 'newcomer', 'ended'],
  ['active', 'block', 'sponsor', 'ended'],

  ['paused', 'resume', 'newcomer', 'active'],
  ['paused', 'resume', 'sponsor', 'active'],
  ['paused', 'resume', 'coordinator', 'active'],
  ['paused', 'end', 'newcomer', 'ended'],
  ['paused', 'end', 'sponsor', 'ended'],
  ['paused', 'end', 'coordinator', 'ended'],
  ['paused', 'term-end', 'system', 'ended'],
  ['paused', 'leave', 'system', 'ended'],
  ['paused', 'block', 'newcomer', 'ended'],
  ['paused', 'block', 'sponsor', 'ended'],
];

const nextOf = (state: MatchState, action: MatchAction, role: MatchRole) => ALLOWED.find(([s, a, r]) => s === state && a === action && r === role)?.[3];
const someoneMay = (state: MatchState, action: MatchAction) => ALLOWED.some(([s, a]) => s === state && a === action);
const expectedAllowed = (state: MatchState, role: MatchRole) => ALLOWED.filter(([s, , r]) => s === state && r === role).map(([, a]) => a);
const aMatch = (state: MatchState) => `${/^[aeiou]/.test(state) ? 'an' : 'a'} ${state} match`;

describe('match transitions: the pure table', () => {
  it('when the states and the member actions are listed, then they are exactly those of the issue', () => {
    expect([...MATCH_STATES]).to.deep.equal(STATES);
    expect([...MEMBER_ACTIONS]).to.deep.equal(MEMBER_STEPS);
  });

  describe('every state × action × role', () => {
    for (const state of STATES) {
      for (const action of ACTIONS) {
        for (const role of ROLES) {
          const next = nextOf(state, action, role);
          const allowed = expectedAllowed(state, role);
          const outcome = next
            ? `it becomes ${next}`
            : someoneMay(state, action)
              ? `it is refused as another role's step (not-your-action), offering [${allowed.join(', ')}]`
              : `it is refused as not possible now (not-allowed-now), offering [${allowed.join(', ')}]`;
          it(`when the ${role} takes "${action}" on ${aMatch(state)}, then ${outcome}`, () => {
            const d = decide(state, action, role);
            if (next) {
              expect(d).to.deep.equal({ ok: true, next });
              return;
            }
            expect(d.ok).to.equal(false);
            if (d.ok) return;
            expect(d.why).to.equal(someoneMay(state, action) ? 'not-your-action' : 'not-allowed-now');
            expect(d.allowed).to.have.members(allowed);
            expect(d.allowed).to.have.length(allowed.length);
          });
        }
      }
    }
  });

  for (const state of STATES) {
    for (const role of ROLES) {
      it(`when the ${role} asks what they may do on ${aMatch(state)}, then the answer is [${expectedAllowed(state, role).join(', ')}]`, () => {
        const allowed = actionsFor(state, role);
        expect(allowed).to.have.members(expectedAllowed(state, role));
        expect(allowed).to.have.length(expectedAllowed(state, role).length);
      });
    }
  }

  for (const state of TERMINAL) {
    it(`when a match is ${state}, then it is terminal and nobody may take any step from it`, () => {
      expect(isTerminal(state)).to.equal(true);
      expect(isLive(state)).to.equal(false);
      for (const role of ROLES) {
        expect(actionsFor(state, role), role).to.deep.equal([]);
        for (const action of ACTIONS) expect(decide(state, action, role), `${role} ${action}`).to.deep.equal({ ok: false, why: 'not-allowed-now', allowed: [] });
      }
    });
  }

  it('when a state is live, then it is not terminal, and the terminal states are exactly rejected, declined, expired, withdrawn and ended', () => {
    for (const state of STATES) {
      expect(isTerminal(state), state).to.equal(TERMINAL.includes(state));
      expect(isLive(state), state).to.equal(!TERMINAL.includes(state));
    }
  });

  for (const state of STATES) {
    const holds = PLACE_HOLDING.includes(state);
    it(`when a match is ${state}, then it ${holds ? 'holds' : 'does not hold'} one of the sponsor's places`, () => {
      expect(holdsPlace(state)).to.equal(holds);
    });
  }

  it('when the members are introduced, then the match is active or paused, and only then', () => {
    for (const state of STATES) expect(isIntroduced(state), state).to.equal(state === 'active' || state === 'paused');
  });

  it('when a step needs a reason, then it is reject, decline or end, and the reasons are the five of the issue', () => {
    expect([...ACTIONS].filter((a) => ACTIONS_WITH_REASON.has(a))).to.have.members(['reject', 'decline', 'end']);
    expect([...END_REASONS]).to.deep.equal(['not-a-good-fit', 'no-time', 'moved', 'safety-concern', 'other']);
  });

  const anyState = fc.constantFrom(...STATES);
  const anyAction = fc.constantFrom(...ACTIONS);
  const anyRole = fc.constantFrom(...ROLES);

  it('when a step is refused, then what it offers instead is exactly what that role may do, never the refused step, and each offer is allowed', () => {
    fc.assert(
      fc.property(anyState, anyAction, anyRole, (state, action, role) => {
        const d = decide(state, action, role);
        if (d.ok) return;
        expect(d.allowed).to.deep.equal(actionsFor(state, role));
        expect(d.allowed).not.to.include(action);
        for (const a of d.allowed) expect(decide(state, a, role).ok).to.equal(true);
      }),
    );
  });

  it("when a step takes one of the sponsor's places, then it is the coordinator's approval; nothing else starts holding one", () => {
    fc.assert(
      fc.property(anyState, anyAction, anyRole, (state, action, role) => {
        const d = decide(state, action, role);
        if (d.ok && holdsPlace(d.next) && !holdsPlace(state)) expect([state, action, role]).to.deep.equal(['pending-approval', 'approve', 'coordinator']);
      }),
    );
  });

  it('when the same step is asked twice, then the answer is the same', () => {
    fc.assert(
      fc.property(anyState, anyAction, anyRole, (state, action, role) => {
        expect(decide(state, action, role)).to.deep.equal(decide(state, action, role));
      }),
    );
  });
});
