/**
 * Coordinator vetting of sponsors, as pure rules: what a stored decision means
 * for a sponsor in a given program, and what the sponsor is told about it.
 */

/** A coordinator's decision as stored (the whole state after it). */
export interface VettingDecision {
  /** The program the decision was made for: it holds only while the sponsor stays in it. */
  program: string;
  status: 'approved' | 'refused';
  /** For coordinators only: never shown to the sponsor. */
  note?: string;
}

export type VettingStatus = 'pending' | 'approved' | 'refused';

/**
 * Whether a program asks a coordinator to vet its sponsors before they are
 * proposed. Read defensively: a program stored before the flag existed has no
 * such field, and vetting is on unless the program turns it off.
 */
export function requiresSponsorVetting(program: object | undefined): boolean {
  return (program as { requiresSponsorVetting?: unknown } | undefined)?.requiresSponsorVetting !== false;
}

/** A decision for another program counts as none: changing program starts the vetting again. */
export function vettingStatusOf(decision: VettingDecision | undefined, sponsorProgram: string): VettingStatus {
  if (!decision || decision.program !== sponsorProgram) return 'pending';
  return decision.status;
}

/** Whether a sponsor may be proposed and paired at all, as far as vetting goes. */
export function isVettedForMatching(sponsorProgram: string, program: object | undefined, decision: VettingDecision | undefined): boolean {
  return !requiresSponsorVetting(program) || vettingStatusOf(decision, sponsorProgram) === 'approved';
}

export type OwnVettingStatus = VettingStatus | 'not-required';

export interface OwnVettingView {
  status: OwnVettingStatus;
  message: string;
}

/**
 * What the sponsor reads about their own vetting. Kind in every case, and
 * never the coordinator's note: a refusal is not a judgement of anyone's
 * recovery, and the note was written for other coordinators.
 */
export function ownVettingView(
  decision: VettingDecision | undefined,
  sponsorProgram: string,
  program: { name: string; roleWord?: string; requiresSponsorVetting?: unknown } | undefined,
): OwnVettingView {
  const name = program?.name ?? 'your program';
  const role = program?.roleWord === 'mentor' ? 'mentor' : 'sponsor';
  if (!requiresSponsorVetting(program)) {
    return { status: 'not-required', message: `${name} does not ask a coordinator to review new ${role}s: newcomers can be proposed to you now.` };
  }
  const status = vettingStatusOf(decision, sponsorProgram);
  if (status === 'approved') return { status, message: `A coordinator of ${name} has welcomed you as a ${role}: newcomers can be proposed to you.` };
  if (status === 'refused') {
    return {
      status,
      message:
        `Thank you for offering your time. A coordinator of ${name} has decided not to propose you to newcomers as a ${role} for now. ` +
        'This is not a judgement of your recovery. If you would like to talk about it, your group’s coordinator is there for you.',
    };
  }
  return {
    status,
    message:
      `Thank you for offering to be a ${role}. A coordinator of ${name} will look at your profile soon; ` +
      'until then newcomers are not proposed to you. There is nothing you need to do meanwhile.',
  };
}
