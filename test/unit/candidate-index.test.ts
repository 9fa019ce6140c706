import { expect } from 'chai';
import { createCandidateIndex } from '../../src/matching/candidate-index.ts';
import { rank, rankProfiles } from '../../src/matching/rank.ts';
import { makeContext, makeNewcomer, makeSponsor, SAMPLE_NOW } from '../support/profile-factories.ts';

const ids = (r: ReturnType<typeof rank>): string[] => r.top.map((s) => s.sponsorId);

describe('candidate index', () => {
  it('when a sponsor is upserted again, then the new profile replaces the old one', () => {
    // Arrange
    const index = createCandidateIndex([makeSponsor()]);

    // Act
    index.upsertSponsor(makeSponsor({ acceptingNewcomers: false }));

    // Assert
    expect(index.size).to.equal(1);
    const result = rank(index, makeNewcomer(), makeContext(), 5);
    expect(ids(result)).to.deep.equal([]);
    expect(result.excluded['not-accepting']).to.equal(1);
  });

  it('when a sponsor is removed, then they are neither proposed nor counted, and their slot is reused', () => {
    const index = createCandidateIndex([makeSponsor({ userId: 'a' }), makeSponsor({ userId: 'b' })]);

    expect(index.removeSponsor('a')).to.equal(true);
    expect(index.removeSponsor('a')).to.equal(false);
    const afterRemove = rank(index, makeNewcomer(), makeContext(), 5);
    index.upsertSponsor(makeSponsor({ userId: 'c' }));

    expect(ids(afterRemove)).to.deep.equal(['b']);
    expect(Object.values(afterRemove.excluded).reduce((s, n) => s + n, 0)).to.equal(0);
    expect(index.size).to.equal(2);
    expect(index.rows).to.equal(2);
    expect(ids(rank(index, makeNewcomer(), makeContext(), 5))).to.deep.equal(['b', 'c']);
    expect([...index.sponsors()].map((s) => s.userId).sort()).to.deep.equal(['b', 'c']);
  });

  it('when used places change, then capacity follows, and the count survives a profile update', () => {
    const index = createCandidateIndex([makeSponsor({ capacity: 2 })]);

    index.setUsedPlaces('sponsor-1', 2);
    const full = rank(index, makeNewcomer(), makeContext(), 5);
    index.upsertSponsor(makeSponsor({ capacity: 3 }));
    const oneFree = rank(index, makeNewcomer(), makeContext(), 5);

    expect(full.excluded['at-capacity']).to.equal(1);
    expect(ids(oneFree)).to.deep.equal(['sponsor-1']);
    expect(oneFree.top[0]?.reasons.find((r) => r.factor === 'freePlaces')?.text).to.equal('1 of 3 places free');
  });

  it('when used places are set before the sponsor is indexed, then they apply on arrival', () => {
    const index = createCandidateIndex();
    index.setUsedPlaces('sponsor-1', 3);
    index.upsertSponsor(makeSponsor({ capacity: 3 }));
    expect(rank(index, makeNewcomer(), makeContext(), 5).excluded['at-capacity']).to.equal(1);
  });

  it('when more than 32 languages and experiences are known, then matching on them stays exact', () => {
    // Arrange: 40 sponsors, each with its own language and experience.
    const sponsors = Array.from({ length: 40 }, (_, i) =>
      makeSponsor({ userId: `s${String(i).padStart(2, '0')}`, languages: [`x${i}`], experiences: [`e${i}`], experiencesOnCard: [`e${i}`] }),
    );
    const index = createCandidateIndex(sponsors);
    const newcomer = makeNewcomer({ languages: ['x35', 'x2'], experiences: ['e35'] });

    // Act
    const result = rank(index, newcomer, makeContext(), 5);

    // Assert
    expect(ids(result)).to.deep.equal(['s35', 's02']);
    expect(result.excluded['no-shared-language']).to.equal(38);
    expect(result).to.deep.equal(rankProfiles(sponsors, newcomer, makeContext(), 5));
  });

  it('when the week changes across a daylight-saving gap, then availability masks follow', () => {
    // Arrange: New York Mon 14-15 and London Mon 19-20 meet except when only the US has changed clocks.
    const index = createCandidateIndex([
      makeSponsor({ timezone: 'Europe/London', availability: [{ day: 'mon', start: '19:00', end: '20:00' }], location: undefined }),
    ]);
    const newcomer = makeNewcomer({ availability: [{ day: 'mon', start: '14:00', end: '15:00' }] });
    const before = Date.UTC(2025, 2, 5, 12);
    const during = Date.UTC(2025, 2, 19, 12);
    const after = Date.UTC(2025, 3, 2, 12);

    // Act
    index.prepareWeek(before);
    const results = [before, during, after].map((now) => rank(index, newcomer, makeContext({ now }), 5));

    // Assert
    expect(results.map((r) => r.top.length)).to.deep.equal([1, 0, 1]);
    expect(results[1]?.excluded['no-availability-overlap']).to.equal(1);
    // The hour in common counts (its words are reasons.ts's).
    expect(results[0]?.top[0]?.reasons.find((r) => r.factor === 'availability')?.contribution).to.be.greaterThan(0);
  });

  it('when a profile has an unknown time zone, then upsert throws and the index is unchanged', () => {
    const index = createCandidateIndex([makeSponsor()]);
    expect(() => index.upsertSponsor(makeSponsor({ userId: 'bad', timezone: 'Mars/Olympus' }))).to.throw(RangeError);
    expect(index.size).to.equal(1);
    expect(index.getSponsor('bad')).to.equal(undefined);
    expect(ids(rank(index, makeNewcomer(), makeContext({ now: SAMPLE_NOW }), 5))).to.deep.equal(['sponsor-1']);
  });
});
