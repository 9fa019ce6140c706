import { expect } from 'chai';
import { signAccessToken } from '../../src/auth/tokens.ts';
import { mentionsHealth, renderTemplate, type TemplateName } from '../../src/mail/templates.ts';
import { parseMail, startTestSmtp, type TestSmtp } from './smtp.ts';
import { makeCoordinator, withNewcomer, withSponsor, type Member } from './factories.ts';
import { startTestApp, type TestApp } from './test-app.ts';

export const PUBLIC_URL = 'https://match.example';

export interface Person extends Member {
  name: string;
}

export interface Arrived {
  to: string;
  subject: string;
  text: string;
}

/**
 * The world of a match lifecycle test: a fresh app per test (the jobs would
 * otherwise find the matches of earlier tests), one loopback SMTP server per
 * file, a coordinator of `na`, and the steps every such test takes through the
 * API. Call it inside a `describe`: it registers that block's hooks. Each
 * getter reads the current test's app.
 */
export function matchWorld(label: string) {
  let smtp: TestSmtp;
  let app: TestApp | undefined;
  let seen = 0;
  let arrived: Arrived[] = [];
  let coordinator: Person | undefined;

  const t = () => app ?? expect.fail('the match world is used outside a test');
  /** A token signed at the injected clock's now: tests move it days ahead, past any token's life. */
  const bearer = (m: Member) => ({ Authorization: `Bearer ${signAccessToken(t().tokens, m.id, t().clock().getTime()).accessToken}` });
  async function person(name: string, make: (account: Record<string, unknown>) => Promise<Member>): Promise<Person> {
    return { ...(await make({ displayName: name })), name };
  }
  const newcomer = (name: string, request = true) => person(name, (acc) => withNewcomer(t(), {}, acc, { request }));
  const sponsor = (name: string, over: Record<string, unknown> = {}) => person(name, (acc) => withSponsor(t(), over, acc));

  /** Everything due in the outbox, through the SMTP server, read back as each person gets it. */
  async function deliver(): Promise<void> {
    await t().outbox.deliverDue();
    while (seen + arrived.length < smtp.received.length) {
      const raw = smtp.received[seen + arrived.length]!;
      const mail = await parseMail(raw.raw);
      const subject = mail.subject ?? '';
      // Subjects show on lock screens: none may say what the service is about.
      expect(mentionsHealth(subject), `a subject says what the service is about: ${subject}`).to.equal(false);
      arrived.push({ to: raw.envelope.to[0]!, subject, text: mail.text ?? '' });
    }
  }
  /** The mails a person got since `from` that are exactly this template (rendered for them), not another one with the same subject. */
  function got(p: Person, template: TemplateName, from = 0): Arrived[] {
    const want = renderTemplate(template, { displayName: p.name }, { publicUrl: PUBLIC_URL });
    const norm = (s: string) => s.replace(/\r\n/g, '\n').trim();
    return arrived.slice(from).filter((a) => a.to === p.email && a.subject === want.subject && norm(a.text) === norm(want.text));
  }
  const mailsTo = (p: Person, from: number) => arrived.slice(from).filter((a) => a.to === p.email);
  /** Delivers what is due and says where the next mails will start. */
  const mark = async () => {
    await deliver();
    return arrived.length;
  };

  async function openRequestOf(n: Person) {
    const res = await t().request.get('/api/v1/me/match-requests').set(bearer(n));
    expect(res.status).to.equal(200);
    return res.body.requests[0];
  }
  /** A coordinator's match for the newcomer's open request: awaiting the sponsor. */
  async function createMatch(n: Person, s: Person): Promise<string> {
    const request = await openRequestOf(n);
    const res = await t().request.post('/api/v1/matches').set(bearer(world.coordinator)).send({ requestId: request.id, sponsorId: s.id });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.include({ state: 'awaiting-sponsor' });
    return res.body.id;
  }
  async function step(m: Person, id: string, action: string, body: object = {}) {
    const res = await t().request.post(`/api/v1/matches/${id}/${action}`).set(bearer(m)).send(body);
    expect(res.status, `${action}: ${JSON.stringify(res.body)}`).to.equal(200);
    return res.body;
  }
  async function activeMatch(n: Person, s: Person): Promise<string> {
    const id = await createMatch(n, s);
    await step(s, id, 'accept');
    expect((await step(n, id, 'accept')).state).to.equal('active');
    return id;
  }
  async function read(m: Person, id: string) {
    const res = await t().request.get(`/api/v1/matches/${id}`).set(bearer(m));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }
  /** The sponsors proposed to a newcomer, as their coordinator reads them. */
  async function proposed(n: Person): Promise<string[]> {
    const res = await t().request.get(`/api/v1/newcomers/${n.id}/proposals`).set(bearer(world.coordinator));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.proposals.map((p: { sponsorId: string }) => p.sponsorId);
  }
  /** The rules that keep this sponsor out of the newcomer's proposals (the coordinator's explain). */
  async function whyNot(n: Person, s: Person): Promise<string[]> {
    const res = await t().request.get(`/api/v1/newcomers/${n.id}/proposals`).query({ sponsor: s.id }).set(bearer(world.coordinator));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return (res.body.failingRules ?? []).map((r: { rule: string }) => r.rule);
  }

  before(async () => {
    smtp = await startTestSmtp();
  });
  after(async () => {
    await smtp.close();
  });
  beforeEach(async () => {
    app = await startTestApp(label, { SMTP_URL: smtp.url, PUBLIC_URL });
    seen = smtp.received.length;
    arrived = [];
    coordinator = await person('Casey', (acc) => makeCoordinator(t(), ['na'], acc));
  });
  afterEach(async () => {
    try {
      await deliver();
    } finally {
      await app?.close();
      app = undefined;
    }
  });

  const world = {
    get t() {
      return t();
    },
    get coordinator(): Person {
      return coordinator ?? expect.fail('no coordinator outside a test');
    },
    /** Every mail delivered in this test, in order. */
    get arrived(): readonly Arrived[] {
      return arrived;
    },
    bearer,
    person,
    newcomer,
    sponsor,
    deliver,
    got,
    mailsTo,
    mark,
    openRequestOf,
    createMatch,
    step,
    activeMatch,
    read,
    proposed,
    whyNot,
  };
  return world;
}
