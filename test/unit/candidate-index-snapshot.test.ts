import { expect } from 'chai';
import { createCandidateIndex } from '../../src/matching/candidate-index.ts';
import { rank } from '../../src/matching/rank.ts';
import { makeContext, makeNewcomer, makeSponsor, ruleVarietyPrograms, SAMPLE_NOW, syntheticNewcomers, syntheticSponsors } from '../support/profile-factories.ts';

describe('candidate index snapshots', () => {
  it('when the index changes after a snapshot, then the snapshot still ranks as the index did when it was taken', () => {
    // Arrange
    const sponsors = syntheticSponsors(400, 21, SAMPLE_NOW);
    const newcomers = syntheticNewcomers(20, 22, SAMPLE_NOW);
    const live = createCandidateIndex(sponsors);
    live.setUsedPlaces(sponsors[1]!.userId, 1);
    const ctx = makeContext();
    const before = newcomers.map((n) => rank(live, n, ctx, 400));
    const view = live.snapshot();

    // Act: every kind of change, including new programs, zones, languages and experiences to intern.
    for (const s of sponsors.slice(0, 100)) live.upsertSponsor({ ...s, acceptingNewcomers: !s.acceptingNewcomers });
    for (const s of sponsors.slice(100, 150)) live.removeSponsor(s.userId);
    for (const s of sponsors.slice(150, 200)) live.setUsedPlaces(s.userId, s.capacity);
    for (let i = 0; i < 2000; i++) {
      live.upsertSponsor(makeSponsor({ userId: `new-${i}`, program: i % 2 ? 'aa' : 'brand-new', timezone: 'Asia/Tokyo', languages: ['ja', 'en'], experiences: [`exp-${i % 40}`] }));
    }

    // Assert
    expect(newcomers.map((n) => rank(view, n, ctx, 400))).to.deep.equal(before);
    expect(view.size).to.equal(400);
    expect(view.usedPlaces(sponsors[150]!.userId)).to.equal(0);
    expect(live.size).to.equal(400 - 50 + 2000);
    expect(live.getSponsor(sponsors[0]!.userId)?.acceptingNewcomers).to.equal(!sponsors[0]!.acceptingNewcomers);
    const fresh = createCandidateIndex([...live.sponsors()]);
    for (const [id, n] of sponsors.slice(150, 200).map((s) => [s.userId, s.capacity] as const)) fresh.setUsedPlaces(id, n);
    fresh.setUsedPlaces(sponsors[1]!.userId, 1);
    for (const n of newcomers) expect(rank(live, n, ctx, 50), n.userId).to.deep.equal(rank(fresh, n, ctx, 50));
  });

  it('when the sponsors\' own limits, sponsoring languages, steps and availableSince change after a snapshot, then the snapshot still ranks as before', () => {
    // Arrange: a population with every per-program rule and sponsor limit in play.
    const sponsors = syntheticSponsors(300, 31, SAMPLE_NOW, { small: true, limits: true });
    const newcomers = syntheticNewcomers(20, 32, SAMPLE_NOW, { small: true, limits: true });
    const live = createCandidateIndex(sponsors);
    const ctx = makeContext({ programs: ruleVarietyPrograms() });
    const before = newcomers.map((n) => rank(live, n, ctx, 300));
    const view = live.snapshot();

    // Act: the new columns change, and new languages are interned for sponsoring only.
    for (const [i, s] of sponsors.entries()) {
      live.upsertSponsor({
        ...s,
        sponsorsGenders: i % 3 === 0 ? ['man'] : undefined,
        newcomerAgeBands: i % 4 === 0 ? ['65+'] : undefined,
        languages: [...s.languages, ...(i % 5 === 0 ? [`x${i % 50}`] : [])],
        languagesForSponsoring: i % 5 === 0 ? [`x${i % 50}`] : s.languagesForSponsoring,
        stepsCompleted: (s.stepsCompleted + 5) % 13,
        programSince: undefined,
        availableSince: new Date(SAMPLE_NOW - i * 1000).toISOString(),
      });
    }

    // Assert
    expect(newcomers.map((n) => rank(view, n, ctx, 300))).to.deep.equal(before);
    const fresh = createCandidateIndex([...live.sponsors()]);
    for (const n of newcomers) expect(rank(live, n, ctx, 50), n.userId).to.deep.equal(rank(fresh, n, ctx, 50));
  });

  it('when two snapshots are out and one is released, then a change still leaves both as they were', () => {
    const live = createCandidateIndex([makeSponsor({ userId: 'a' }), makeSponsor({ userId: 'b' })]);
    const first = live.snapshot();
    const second = live.snapshot();
    first.release();
    first.release();

    live.upsertSponsor(makeSponsor({ userId: 'a', acceptingNewcomers: false }));
    live.removeSponsor('b');

    for (const view of [first, second]) {
      expect(rank(view, makeNewcomer(), makeContext(), 10).top.map((s) => s.sponsorId)).to.deep.equal(['a', 'b']);
    }
    expect(rank(live, makeNewcomer(), makeContext(), 10).top).to.deep.equal([]);
  });

  it('when a snapshot is asked to change, then it refuses', () => {
    const view = createCandidateIndex([makeSponsor()]).snapshot();
    expect(() => view.upsertSponsor(makeSponsor({ userId: 'x' }))).to.throw(/read-only/);
    expect(() => view.removeSponsor('sponsor-1')).to.throw(/read-only/);
    expect(() => view.setUsedPlaces('sponsor-1', 1)).to.throw(/read-only/);
    expect(view.getSponsor('sponsor-1')?.userId).to.equal('sponsor-1');
  });

  it('when a snapshot is taken in a later week than the index prepared, then both rank by their own week', () => {
    const live = createCandidateIndex([makeSponsor()]);
    live.prepareWeek(SAMPLE_NOW);
    const view = live.snapshot();
    const nextWeek = SAMPLE_NOW + 7 * 86_400_000;
    const a = rank(view, makeNewcomer(), makeContext({ now: nextWeek }), 1);
    const b = rank(live, makeNewcomer(), makeContext(), 1);
    expect(a.eligibleCount).to.equal(1);
    expect(b).to.deep.equal(rank(createCandidateIndex([makeSponsor()]), makeNewcomer(), makeContext(), 1));
  });
});
