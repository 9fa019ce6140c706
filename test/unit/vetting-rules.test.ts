import { expect } from 'chai';
import fc from 'fast-check';
import { isVettedForMatching, ownVettingView, requiresSponsorVetting, vettingStatusOf, type VettingDecision } from '../../src/vetting/vetting-rules.ts';

const na = { key: 'na', name: 'Narcotics Anonymous', roleWord: 'sponsor' };
const approvedNa: VettingDecision = { program: 'na', status: 'approved' };
const refusedNa: VettingDecision = { program: 'na', status: 'refused', note: 'Private: see the group minutes of 12 May.' };

describe('vetting rules', () => {
  const flags: Array<[string, object | undefined, boolean]> = [
    ['a program stored before the flag existed', na, true],
    ['a program that turns vetting on', { ...na, requiresSponsorVetting: true }, true],
    ['a program that turns vetting off', { ...na, requiresSponsorVetting: false }, false],
    ['an unknown program', undefined, true],
    ['a program with a malformed flag', { ...na, requiresSponsorVetting: 'no' }, true],
  ];
  for (const [what, program, expected] of flags) {
    it(`when the program is ${what}, then vetting is ${expected ? 'required' : 'not required'}`, () => {
      expect(requiresSponsorVetting(program)).to.equal(expected);
    });
  }

  const statuses: Array<[string, VettingDecision | undefined, string, string]> = [
    ['no decision', undefined, 'na', 'pending'],
    ['an approval for the program', approvedNa, 'na', 'approved'],
    ['a refusal for the program', refusedNa, 'na', 'refused'],
    ['an approval for another program (the sponsor moved)', approvedNa, 'aa', 'pending'],
    ['a refusal for another program (the sponsor moved)', refusedNa, 'aa', 'pending'],
  ];
  for (const [what, decision, program, expected] of statuses) {
    it(`when the sponsor has ${what}, then the status is ${expected}`, () => {
      expect(vettingStatusOf(decision, program)).to.equal(expected);
    });
  }

  it('when the program asks for vetting, then only an approval for that very program lets a sponsor be matched; when it does not, anyone', () => {
    fc.assert(
      fc.property(
        fc.option(fc.record({ program: fc.constantFrom('na', 'aa'), status: fc.constantFrom('approved' as const, 'refused' as const) }), { nil: undefined }),
        fc.constantFrom('na', 'aa'),
        fc.boolean(),
        (decision, sponsorProgram, required) => {
          const program = { ...na, key: sponsorProgram, requiresSponsorVetting: required };
          const expected = !required || (decision?.program === sponsorProgram && decision.status === 'approved');
          expect(isVettedForMatching(sponsorProgram, program, decision)).to.equal(expected);
        },
      ),
    );
  });

  it("when a sponsor reads their own vetting, then each state has a kind message and none carries the coordinator's note", () => {
    const pending = ownVettingView(undefined, 'na', na);
    const approved = ownVettingView(approvedNa, 'na', na);
    const refused = ownVettingView(refusedNa, 'na', na);
    const notRequired = ownVettingView(undefined, 'na', { ...na, requiresSponsorVetting: false });
    const rd = { key: 'rd', name: 'Recovery Dharma', roleWord: 'mentor' };
    const mentor = ownVettingView(undefined, 'rd', rd);

    expect(pending).to.deep.equal({
      status: 'pending',
      message:
        'Thank you for offering to be a sponsor. A coordinator of Narcotics Anonymous will look at your profile soon; until then newcomers are not proposed to you. There is nothing you need to do meanwhile.',
    });
    expect(approved.status).to.equal('approved');
    expect(approved.message).to.match(/newcomers can be proposed to you/);
    expect(refused.status).to.equal('refused');
    expect(refused.message).to.match(/not a judgement of your recovery/);
    expect(notRequired.status).to.equal('not-required');
    expect(mentor.message).to.match(/to be a mentor\. A coordinator of Recovery Dharma/);
    for (const v of [pending, approved, refused, notRequired, mentor]) {
      expect(v.message).not.to.match(/minutes|12 May|note/i);
      expect(v.message).not.to.match(/fail|reject|denied|unsafe|unsuitable/i);
    }
  });
});
