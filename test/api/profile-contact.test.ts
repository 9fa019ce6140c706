import { expect } from 'chai';
import type { Actor } from '../../src/access/actor.ts';
import { createUsersRepository } from '../../src/auth/users.repository.ts';
import { createProfileChangesRepository } from '../../src/profiles/profile-changes.repository.ts';
import { createProfilesRepository, type StoredSponsor } from '../../src/profiles/profiles.repository.ts';
import { sponsorProfileBody } from '../../src/profiles/profiles.schemas.ts';
import { putSponsorProfile, type ProfilesDeps } from '../../src/profiles/profiles.service.ts';
import { createProgramsRepository } from '../../src/programs/programs.repository.ts';
import { startTestApp, type TestApp } from '../support/test-app.ts';
import { bearer, makeCoordinator, newcomerBody, registerMember, sponsorBody, withNewcomer, withSponsor, type Member } from '../support/factories.ts';

// What a member shares at the introduction: their own to set and read, and
// nowhere else until a match is active (DOMAIN.md, "Safety, privacy").

const NEWCOMER_PATH = '/api/v1/me/newcomer-profile';
const SPONSOR_PATH = '/api/v1/me/sponsor-profile';
const CONTACT_DESCRIPTION = 'Shared with the other member only when a match becomes active (the introduction). Until then nobody sees it.';

type Body = (over?: Record<string, unknown>) => Record<string, unknown>;
const kinds: Array<[kind: 'newcomer' | 'sponsor', path: string, body: Body, collection: string]> = [
  ['newcomer', NEWCOMER_PATH, newcomerBody, 'newcomer_profiles'],
  ['sponsor', SPONSOR_PATH, sponsorBody, 'sponsor_profiles'],
];

describe('profiles: the contact shared at the introduction', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('profile-contact');
  });
  after(async () => {
    await t.close();
  });

  const stored = (collection: string, m: Member) => t.db.conn.collection(collection).findOne({ _id: m.id as never });

  for (const [kind, path, body, collection] of kinds) {
    describe(`the ${kind} profile`, () => {
      it('when the profile says nothing of a contact, then PUT and GET answer the default (the account email only) and nothing is stored for it', async () => {
        const m = await registerMember(t);

        const put = await t.request.put(path).set(bearer(m)).send(body());
        const get = await t.request.get(path).set(bearer(m));

        expect(put.status).to.equal(200);
        expect(put.body.contact).to.deep.equal({ email: true });
        expect(get.status).to.equal(200);
        expect(get.body.contact).to.deep.equal({ email: true });
        expect(await stored(collection, m)).not.to.have.property('contact');
        expect(await createProfilesRepository(t.db.conn).contactOf(m.id, kind)).to.deep.equal({ email: true });
      });

      it('when the profile gives a full contact, then it is stored trimmed and PUT and GET answer it', async () => {
        const m = await registerMember(t);
        const contact = { email: false, phone: '  +1 (555) 010-4477 ', note: '  Evenings after 6 are best.  ' };
        const trimmed = { email: false, phone: '+1 (555) 010-4477', note: 'Evenings after 6 are best.' };

        const put = await t.request.put(path).set(bearer(m)).send(body({ contact }));
        const get = await t.request.get(path).set(bearer(m));

        expect(put.status).to.equal(200);
        expect(put.body.contact).to.deep.equal(trimmed);
        expect(get.body.contact).to.deep.equal(trimmed);
        expect((await stored(collection, m))?.contact).to.deep.equal(trimmed);
        expect(await createProfilesRepository(t.db.conn).contactOf(m.id, kind)).to.deep.equal(trimmed);
      });

      it('when a later PUT leaves the contact out, then the whole profile is replaced and the default applies again', async () => {
        const m = await registerMember(t);
        await t.request.put(path).set(bearer(m)).send(body({ contact: { email: false, phone: '555 010 4477' } }));

        const put = await t.request.put(path).set(bearer(m)).send(body());

        expect(put.status).to.equal(200);
        expect(put.body.contact).to.deep.equal({ email: true });
        expect(await stored(collection, m)).not.to.have.property('contact');
      });

      const accepted: Array<[string, Record<string, unknown>]> = [
        ['a phone of 7 digits with dots', { email: true, phone: '555.0100' }],
        ['a phone of 15 digits with a leading +', { email: true, phone: '+123 456 789 012 345' }],
        ['a note of 200 characters', { email: true, note: 'x'.repeat(200) }],
        ['no email, only a phone', { email: false, phone: '(555) 010-4477' }],
      ];
      for (const [name, contact] of accepted) {
        it(`when the contact has ${name}, then it is stored as given`, async () => {
          const m = await registerMember(t);
          const res = await t.request.put(path).set(bearer(m)).send(body({ contact }));
          expect(res.status).to.equal(200);
          expect(res.body.contact).to.deep.equal(contact);
        });
      }

      const invalid: Array<[string, unknown, string]> = [
        ['a phone with letters', { email: true, phone: '555 CALL ME' }, 'contact.phone'],
        ['a phone of 6 digits', { email: true, phone: '555-010' }, 'contact.phone'],
        ['a phone of 16 digits', { email: true, phone: '+1234567890123456' }, 'contact.phone'],
        ['a + inside the phone', { email: true, phone: '555+0100123' }, 'contact.phone'],
        ['an empty phone', { email: true, phone: '' }, 'contact.phone'],
        ['a note of 201 characters', { email: true, note: 'x'.repeat(201) }, 'contact.note'],
        ['a note of spaces only', { email: true, note: '    ' }, 'contact.note'],
        ['an unknown key', { email: true, address: '1 Main St' }, 'contact.address'],
        ['an email that is not a boolean', { email: 'me@example.org' }, 'contact.email'],
        ['no email at all', { phone: '555 010 4477' }, 'contact.email'],
        ['a string instead of an object', 'me@example.org', 'contact'],
      ];
      for (const [name, contact, field] of invalid) {
        it(`when the contact has ${name}, then 400 problem+json naming ${field} and nothing stored`, async () => {
          const m = await registerMember(t);

          const res = await t.request.put(path).set(bearer(m)).send(body({ contact }));

          expect(res.status).to.equal(400);
          expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
          expect(res.body).to.include({ type: '/problems/invalid-profile', status: 400 });
          expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal([field]);
          // The error names the field and never echoes what was typed.
          expect(JSON.stringify(res.body)).not.to.include('Main St').and.not.to.include('me@example.org').and.not.to.include('CALL ME');
          expect(await t.db.conn.collection(collection).countDocuments({ _id: m.id as never })).to.equal(0);
        });
      }
    });
  }

  it('when a member has both profiles, then each keeps its own contact', async () => {
    const m = await registerMember(t);
    await t.request.put(SPONSOR_PATH).set(bearer(m)).send(sponsorBody({ contact: { email: false, phone: '555 010 1111' } }));
    await t.request.put(NEWCOMER_PATH).set(bearer(m)).send(newcomerBody({ program: 'aa', contact: { email: true, note: 'Text first, please.' } }));
    const profiles = createProfilesRepository(t.db.conn);

    expect(await profiles.contactOf(m.id, 'sponsor')).to.deep.equal({ email: false, phone: '555 010 1111' });
    expect(await profiles.contactOf(m.id, 'newcomer')).to.deep.equal({ email: true, note: 'Text first, please.' });
    expect((await t.request.get(SPONSOR_PATH).set(bearer(m))).body.contact).to.deep.equal({ email: false, phone: '555 010 1111' });
    expect((await t.request.get(NEWCOMER_PATH).set(bearer(m))).body.contact).to.deep.equal({ email: true, note: 'Text first, please.' });
  });

  it('when contactOf asks for a profile the member does not have, then it answers undefined', async () => {
    const m = await withNewcomer(t);
    const profiles = createProfilesRepository(t.db.conn);

    expect(await profiles.contactOf(m.id, 'sponsor')).to.equal(undefined);
    expect(await profiles.contactOf('00000000-0000-4000-8000-000000000000', 'newcomer')).to.equal(undefined);
  });

  it('when the OpenAPI document is fetched, then both profile inputs describe the contact as shared only at the introduction', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    const schemas = res.body.components.schemas;

    for (const id of ['NewcomerProfileInput', 'SponsorProfileInput']) {
      expect(schemas[id].properties.contact.description, id).to.equal(CONTACT_DESCRIPTION);
      expect(schemas[id].properties.contact.additionalProperties, id).to.equal(false);
    }
    for (const id of ['OwnNewcomerProfile', 'OwnSponsorProfile', 'MySponsorProfile']) expect(schemas[id].required, id).to.include('contact');
    // What coordinators read: the contact waits for the introduction.
    expect(schemas.NewcomerProfile.properties).not.to.have.property('contact');
    expect(schemas.SponsorForCoordinator.properties).not.to.have.property('contact');
  });
});

describe('profiles: a contact never reaches the matching index, a card or a coordinator read', () => {
  const PHONE = '+1 (555) 010-9876';
  const NOTE = 'Ring after the kids are asleep, zebra-lantern.';
  let t: TestApp;
  let newcomer: Member;
  let sponsor: Member;
  let coordinator: Member;
  before(async () => {
    t = await startTestApp('profile-contact-cards');
    sponsor = await withSponsor(t, { contact: { email: true, phone: PHONE, note: NOTE } }, { displayName: 'Robin' });
    newcomer = await withNewcomer(t, { contact: { email: true, phone: '555 010 2222', note: 'Newcomer note, quiet-harbour.' } });
    coordinator = await makeCoordinator(t, ['na']);
  });
  after(async () => {
    await t.close();
  });

  // The digits alone too: a reformatted number would still be the number.
  const secrets = () => [PHONE, '5550109876', NOTE, 'zebra-lantern', sponsor.email];

  for (const [who, caller] of [
    ['the newcomer', () => newcomer],
    ['a coordinator of the program', () => coordinator],
  ] as const) {
    it(`when ${who} reads the newcomer's proposals, then the sponsor is proposed and no phone, note or email of theirs is in the answer`, async () => {
      const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).set(bearer(caller()));

      expect(res.status).to.equal(200);
      expect(res.body.proposals.map((c: { displayName: string }) => c.displayName)).to.deep.equal(['Robin']);
      const text = JSON.stringify(res.body);
      const digits = text.replace(/\D/g, '');
      for (const secret of secrets()) expect(text, secret).not.to.include(secret);
      expect(digits).not.to.include('5550109876');
    });
  }

  it("when a coordinator asks why the sponsor fits, then the explanation carries none of the sponsor's contact", async () => {
    const res = await t.request.get(`/api/v1/newcomers/${newcomer.id}/proposals`).query({ sponsor: sponsor.id }).set(bearer(coordinator));

    expect(res.status).to.equal(200);
    expect(res.body.eligible).to.equal(true);
    const text = JSON.stringify(res.body);
    for (const secret of secrets()) expect(text, secret).not.to.include(secret);
  });

  it('when the matching index holds the sponsor, then it holds no contact', () => {
    const indexed = [...t.engine.index.sponsors()].find((s) => s.userId === sponsor.id);

    expect(indexed, 'the sponsor is indexed').not.to.equal(undefined);
    expect(indexed).not.to.have.property('contact');
    expect(JSON.stringify(indexed)).not.to.include('zebra-lantern');
  });

  it('when a coordinator reads either profile, then it comes without the contact (which waits for the introduction)', async () => {
    const sponsorRead = await t.request.get(`/api/v1/coordinator/sponsors/${sponsor.id}`).set(bearer(coordinator));
    const newcomerRead = await t.request.get(`/api/v1/coordinator/newcomers/${newcomer.id}`).set(bearer(coordinator));

    expect(sponsorRead.status).to.equal(200);
    expect(sponsorRead.body).to.include({ userId: sponsor.id }).and.not.to.have.property('contact');
    expect(JSON.stringify(sponsorRead.body)).not.to.include('zebra-lantern');
    expect(newcomerRead.status).to.equal(200);
    expect(newcomerRead.body).to.include({ userId: newcomer.id }).and.not.to.have.property('contact');
    expect(JSON.stringify(newcomerRead.body)).not.to.include('quiet-harbour');
  });

  it('when the repository reads profiles for matching, then none of them carries a contact', async () => {
    const profiles = createProfilesRepository(t.db.conn);

    expect(await profiles.getSponsor(sponsor.id)).to.include({ _id: sponsor.id }).and.not.to.have.property('contact');
    expect(await profiles.getNewcomer(newcomer.id)).to.include({ _id: newcomer.id }).and.not.to.have.property('contact');
    for (const doc of [...(await profiles.allSponsors()), ...(await profiles.allNewcomers())]) expect(doc, doc._id).not.to.have.property('contact');
  });
});

describe('profiles: the sponsorSaved hook', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp('profile-sponsor-saved');
  });
  after(async () => {
    await t.close();
  });

  interface Saved {
    before: StoredSponsor | undefined;
    after: StoredSponsor;
    by: string;
    /** What had happened when the hook ran. */
    steps: string[];
    storedRecoveryDate: unknown;
  }

  const actorOf = (m: Member): Actor => ({ id: m.id, role: 'member', isAdmin: false, coordinatorOf: [] });

  /** The service's dependencies as createApp wires them, with a hook that records what it was told and when. */
  function depsWith(sponsorSaved?: ProfilesDeps['sponsorSaved']) {
    const steps: string[] = [];
    const deps: ProfilesDeps = {
      profiles: createProfilesRepository(t.db.conn),
      programs: createProgramsRepository(t.db.conn),
      users: createUsersRepository(t.db.conn, t.feed),
      changes: {
        newcomerChanged: (id, by) => t.engine.newcomerChanged(id, by),
        sponsorChanged: async (id, by) => {
          await t.engine.sponsorChanged(id, by);
          steps.push('sponsorChanged');
        },
      },
      changeClaims: createProfileChangesRepository(t.db.conn),
      clock: t.clock,
      ...(sponsorSaved ? { sponsorSaved } : {}),
    };
    return { deps, steps };
  }

  function recording() {
    const saved: Saved[] = [];
    const { deps, steps } = depsWith(async (before, after, by) => {
      const doc = await t.db.conn.collection('sponsor_profiles').findOne({ _id: after._id as never });
      saved.push({ before, after, by, steps: [...steps], storedRecoveryDate: doc?.recoveryDate });
    });
    return { deps, saved };
  }

  const put = (deps: ProfilesDeps, m: Member, over: Record<string, unknown>) => putSponsorProfile(deps, actorOf(m), sponsorProfileBody.parse(sponsorBody(over)));

  it('when a new sponsor profile is stored and then its recovery date changes, then the hook is told before and after, once each, after the caches', async () => {
    const m = await registerMember(t);
    const { deps, saved } = recording();

    await put(deps, m, { recoveryDate: '2019-03-15', contact: { email: true, phone: '555 010 3333' } });
    await put(deps, m, { recoveryDate: '2021-06-01', contact: { email: true, phone: '555 010 3333' } });

    expect(saved).to.have.length(2);
    const [first, second] = saved as [Saved, Saved];
    expect(first.before).to.equal(undefined);
    expect(first.after).to.include({ _id: m.id, recoveryDate: '2019-03-15', program: 'na' });
    expect(first).to.include({ by: m.id, storedRecoveryDate: '2019-03-15' });
    expect(first.steps).to.deep.equal(['sponsorChanged']);
    expect(second.before).to.include({ _id: m.id, recoveryDate: '2019-03-15' });
    expect(second.after).to.include({ _id: m.id, recoveryDate: '2021-06-01' });
    expect(second).to.include({ by: m.id, storedRecoveryDate: '2021-06-01' });
    // As stored, and like every profile read: without the contact.
    expect(second.after).to.deep.equal(await createProfilesRepository(t.db.conn).getSponsor(m.id));
    for (const s of saved) {
      expect(s.after).not.to.have.property('contact');
      if (s.before) expect(s.before).not.to.have.property('contact');
    }
  });

  it('when the hook fails, then the error reaches the caller and the profile stays stored', async () => {
    const m = await registerMember(t);
    const failure = new Error('lifecycle unavailable');
    const { deps } = depsWith(() => Promise.reject(failure));

    let caught: unknown;
    await put(deps, m, { recoveryDate: '2018-01-10' }).catch((err: unknown) => {
      caught = err;
    });

    expect(caught).to.equal(failure);
    const doc = await t.db.conn.collection('sponsor_profiles').findOne({ _id: m.id as never });
    expect(doc?.recoveryDate).to.equal('2018-01-10');
  });

  it('when there is no hook, then the profile is stored and answered as before', async () => {
    const m = await registerMember(t);
    const { deps, steps } = depsWith();

    const view = await put(deps, m, { recoveryDate: '2017-05-05' });

    expect(view).to.include({ userId: m.id, recoveryDate: '2017-05-05' });
    expect(view.contact).to.deep.equal({ email: true });
    expect(steps).to.deep.equal(['sponsorChanged']);
  });
});
