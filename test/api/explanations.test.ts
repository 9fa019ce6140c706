import { expect } from 'chai';
import { isFromTable, text, TEXTS } from '../../src/matching/texts.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeCoordinator, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

// Honest explanations and the empty result (issue 9): an anniversary reads
// 1 year in both views, no proposal is never a bare [], runs say which
// capacity ran out, and every sentence the API says comes from the one table.

const CRISIS = '988 (call or text, in the US)';
// The keys whose values are the service's own sentences (program data such as `offers` is the program's words).
const SENTENCE_KEYS = new Set(['text', 'reason', 'whatYouCanDo', 'crisisLine', 'mentalHealth', 'tieRule']);

describe('honest explanations and the empty result', () => {
  let t: TestApp;
  const said: string[] = [];
  /** Keeps every sentence of an answer, for the check against the table at the end. */
  const collect = <B>(body: B): B => {
    const walk = (v: unknown, key?: string): void => {
      if (typeof v === 'string' && key !== undefined && SENTENCE_KEYS.has(key)) said.push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
    };
    walk(body);
    return body;
  };
  const proposals = async (newcomer: Member, reader: Member = newcomer, query: Record<string, string | number> = {}) => {
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query(query).set(bearer(reader));
    expect(res.status).to.equal(200);
    return collect(res.body);
  };

  before(async () => {
    t = await startTestApp('explanations');
  });
  after(async () => {
    await t.close();
  });

  describe('anniversaries', () => {
    it('when a sponsor is on their first anniversary in their own zone, then the newcomer’s card and the coordinator’s reasons both read 1 year', async () => {
      // The clock is 2026-11-21 12:00 UTC, 06:00 in Chicago: the anniversary morning there; 365 days, the program's minimum.
      await withSponsor(t, { program: 'ca', recoveryDate: '2025-11-21', timezone: 'America/Chicago' }, { displayName: 'Ann' });
      const newcomer = await withNewcomer(t, { program: 'ca' });
      const coordinator = await makeCoordinator(t, ['ca']);

      const own = await proposals(newcomer);
      const theirs = await proposals(newcomer, coordinator);

      expect(own.proposals).to.have.length(1);
      expect(own.proposals[0]).to.include({ displayName: 'Ann', yearsOfRecovery: 1 });
      expect(own.proposals[0].reasons.find((r: { factor: string }) => r.factor === 'recoveryGap').text).to.equal('1 year of recovery');
      expect(theirs.proposals[0]).to.include({ displayName: 'Ann', yearsOfRecovery: 1 });
      expect(theirs.proposals[0].reasons.find((r: { factor: string }) => r.factor === 'recoveryGap').text).to.match(/^1 year of recovery, /);
      expect(JSON.stringify([own, theirs])).not.to.include('Less than a year');
    });
  });

  describe('an empty result is never a bare []', () => {
    it('when no sponsor has joined the newcomer’s program, then 200 with a kind reason, what they can do now, and the crisis line', async () => {
      const newcomer = await withNewcomer(t, { program: 'cma' });

      const body = await proposals(newcomer);

      expect(body).to.deep.equal({
        newcomerId: newcomer.id,
        proposals: [],
        empty: {
          reason: text('empty.noneInProgram', { role: 'sponsor', program: 'Crystal Meth Anonymous' }),
          whatYouCanDo: text('empty.whatYouCanDo', { role: 'sponsor', program: 'Crystal Meth Anonymous' }),
          crisisLine: text('crisisLine', { crisisLine: CRISIS }),
        },
      });
      expect(body.empty.crisisLine).to.include('988');
    });

    it('when the program’s sponsors speak none of the newcomer’s languages, then the reason says so, and names no sponsor', async () => {
      await withSponsor(t, { program: 'ma', languages: ['en'] }, { displayName: 'Quinn' });
      const newcomer = await withNewcomer(t, { program: 'ma', languages: ['fr'] });

      const body = await proposals(newcomer);

      expect(body.proposals).to.deep.equal([]);
      expect(body.empty.reason).to.equal(text('empty.language', { role: 'sponsor', program: 'Marijuana Anonymous' }));
      expect(JSON.stringify(body)).not.to.include('Quinn');
    });

    it('when the only sponsor of the program is paused, then the reason says every sponsor is already helping as many people as they can', async () => {
      await withSponsor(t, { program: 'refuge-recovery', acceptingNewcomers: false, spiritualOrientation: 'spiritual' });
      const newcomer = await withNewcomer(t, { program: 'refuge-recovery', experiences: [] });
      const coordinator = await makeCoordinator(t, ['refuge-recovery']);

      const own = await proposals(newcomer);
      const theirs = await proposals(newcomer, coordinator);

      const words = { role: 'mentor', program: 'Refuge Recovery' };
      expect(own.empty.reason).to.equal(text('empty.full', words));
      expect(theirs.empty.reason).to.equal(own.empty.reason);
      expect(theirs.excluded).to.deep.include({ rule: 'not-accepting', count: 1, text: TEXTS['rule.not-accepting'] });
      expect(theirs.tieRule).to.equal(TEXTS.tieRule);
    });
  });

  describe('a newcomer who lists co-occurring mental health', () => {
    it('when they read their proposals, then one kind note points to professional help beside peer support, with the crisis line; once, whatever the number of cards', async () => {
      await withSponsor(t, { program: 'ca', recoveryDate: '2015-01-01' });
      const newcomer = await withNewcomer(t, { program: 'ca', experiences: ['co-occurring-mental-health', 'stimulants'] });

      const body = await proposals(newcomer);

      expect(body.proposals.length).to.be.greaterThan(1);
      expect(body.mentalHealth).to.equal(text('mentalHealth', { crisisLine: CRISIS }));
      expect(JSON.stringify(body).split('professional care').length - 1).to.equal(1);
    });

    it('when a newcomer without it, or a coordinator, reads proposals, then there is no note', async () => {
      const other = await withNewcomer(t, { program: 'ca' });
      expect(await proposals(other)).not.to.have.property('mentalHealth');
      const listing = await withNewcomer(t, { program: 'ca', experiences: ['co-occurring-mental-health'] });
      expect(await proposals(listing, await makeCoordinator(t, ['ca']))).not.to.have.property('mentalHealth');
    });
  });

  describe('ties and the gender rule, for coordinators', () => {
    it('when a coordinator reads proposals, then they read how equal scores are ordered; the newcomer does not', async () => {
      const newcomer = await withNewcomer(t, { program: 'ca' });
      const coordinator = await makeCoordinator(t, ['ca']);
      expect((await proposals(newcomer, coordinator)).tieRule).to.equal(
        'Equal scores: fewer places in use first, then the sponsor who has been available longest, then a stable id order',
      );
      expect(await proposals(newcomer)).not.to.have.property('tieRule');
    });

    it('when a newcomer stated no gender preference, then a sponsor of another gender is left out by the program’s rule; when they stated one, by their preference', async () => {
      const man = await withSponsor(t, { program: 'aa', gender: 'man' });
      const coordinator = await makeCoordinator(t, ['aa']);
      const unstated = await withNewcomer(t, { program: 'aa' });
      const stated = await withNewcomer(t, { program: 'aa', sponsorGenderPreference: ['woman'] });

      const byProgram = await proposals(unstated, coordinator);
      const byPreference = await proposals(stated, coordinator);
      const explained = collect((await t.request.get(`/api/v1/newcomers/${unstated.id}/proposals`).query({ sponsor: man.id }).set(bearer(coordinator))).body);

      expect(byProgram.excluded).to.deep.include({ rule: 'gender-rule', count: 1, text: 'The program pairs people of the same gender' });
      expect(byPreference.excluded).to.deep.include({ rule: 'gender-rule', count: 1, text: 'Outside the newcomer’s sponsor gender preference' });
      expect(explained.failingRules).to.deep.include({ rule: 'gender-rule', text: 'The program pairs people of the same gender' });
    });
  });

  describe('pool runs: an unmatched newcomer', () => {
    for (const mode of ['participation', 'score'] as const) {
      it(`when the eligible sponsors' places all went to others (${mode} mode), then the newcomer's entry says which capacity ran out, not a higher total score`, async () => {
        const program = mode === 'participation' ? 'na' : 'celebrate-recovery';
        await withSponsor(t, { program, capacity: 1 });
        await withSponsor(t, { program, capacity: 1 });
        const newcomers = [await withNewcomer(t, { program }), await withNewcomer(t, { program }), await withNewcomer(t, { program })];
        const coordinator = await makeCoordinator(t, [program]);

        const res = await t.request.post('/api/v1/matching/runs').set(bearer(coordinator)).send({ program, mode });

        expect(res.status).to.equal(201);
        collect(res.body);
        expect(res.body.pairs).to.have.length(2);
        expect(res.body.unmatched).to.have.length(1);
        expect(newcomers.map((n) => n.id)).to.include(res.body.unmatched[0].newcomerId);
        expect(res.body.unmatched[0].reasons).to.deep.equal([
          { text: 'Every eligible sponsor’s places were taken by other newcomers in this run: 2 eligible sponsors, all full.' },
        ]);
        expect(JSON.stringify(res.body)).not.to.include('higher total score');
      });
    }
  });

  describe('the API document', () => {
    it('when the OpenAPI document is read, then the proposals answer documents empty, tieRule and mentalHealth, and runs their unmatched reasons', async () => {
      const res = await t.request.get('/api/v1/openapi.json');
      expect(res.status).to.equal(200);
      const schemas = res.body.components.schemas;
      expect(schemas.Proposals.properties).to.include.keys(['empty', 'tieRule', 'mentalHealth', 'unavailable']);
      expect(schemas.EmptyProposals.properties).to.have.keys(['reason', 'whatYouCanDo', 'crisisLine']);
      expect(schemas.EmptyProposals.required).to.have.members(['reason', 'whatYouCanDo', 'crisisLine']);
      expect(JSON.stringify(schemas.MatchingRun)).to.include('which capacity ran out');
    });
  });

  describe('one table of texts', () => {
    it('when a program does not pair members, then its words are the table’s too', async () => {
      const newcomer = await withNewcomer(t, { program: 'smart', spiritualOrientation: 'secular' });
      const body = await proposals(newcomer);
      expect(body.unavailable.reason).to.equal(text('unavailable.reason', { program: 'SMART Recovery' }));
    });

    it('when every answer of this file is read, then each sentence the API said comes from the table of texts', async () => {
      // A few more answers: explain an eligible sponsor, and proposals with many kinds of reasons.
      const sponsor = await withSponsor(t, {
        program: 'ca',
        contactModes: ['in-person', 'phone', 'text'],
        location: { region: 'US-IL', lat: 41.88, lon: -87.63 },
        experiences: ['lgbtq', 'co-occurring-mental-health'],
        experiencesOnCard: ['lgbtq'],
        ageBand: '35-44',
      });
      const newcomer = await withNewcomer(t, {
        program: 'ca',
        acceptedPrograms: ['aa', 'na'],
        contactModes: ['in-person', 'phone', 'video'],
        location: { region: 'US-IL', lat: 41.95, lon: -87.7 },
        experiences: ['lgbtq', 'stimulants', 'veteran'],
        wantsLgbtqAffirming: true,
        preferredAgeBands: ['25-34'],
      });
      const coordinator = await makeCoordinator(t, ['ca', 'aa', 'na']);
      await proposals(newcomer);
      await proposals(newcomer, coordinator, { limit: 50 });
      await proposals(newcomer, coordinator, { sponsor: sponsor.id });

      if (process.env.SHOW_TEXTS) console.log([...new Set(said)].join('\n'));
      expect(said.length).to.be.greaterThan(20);
      const strays = said.filter((s) => !isFromTable(s));
      expect(strays).to.deep.equal([]);
      // And the wording the review found misleading is gone.
      const all = said.join(' | ');
      expect(all).not.to.match(/\d\.\d h\b|\d+ min\b|higher total score/);
      expect(all).to.include('LGBTQ+');
    });
  });
});

describe('the crisis line is configured per deployment', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('explanations-crisis-line', { CRISIS_LINE: '116 123 (Samaritans, free, day or night)' });
  });
  after(async () => {
    await t.close();
  });

  it('when CRISIS_LINE is set, then an empty result gives that line', async () => {
    const newcomer = await withNewcomer(t, { program: 'cma' });
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(newcomer));
    expect(res.status).to.equal(200);
    expect(res.body.empty.crisisLine).to.equal('If you are in crisis or thinking about harming yourself, reach out now: 116 123 (Samaritans, free, day or night).');
  });
});
