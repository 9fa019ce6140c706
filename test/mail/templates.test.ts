import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import libmime from 'libmime';
import { messageIdFor } from '../../src/mail/delivery.ts';
import escapeHtml from 'escape-html';
import { LANGUAGES, TEMPLATE_AUDIENCE, TEMPLATE_NAMES, mentionsHealth, renderTemplate, type TemplateData } from '../../src/mail/templates.ts';
import { fileTransport } from '../../src/mail/transport.ts';
import { parseMail } from '../support/smtp.ts';

const PUBLIC_URL = 'https://match.example.org/';
// Words that would give (or hint at) a reason why a match ended.
const REASON_WORDS = /because|reason|why|relapse|concern|report|flag|block|fault|blame|decided|chose to end|problem|behaviou?r|complain/i;

// Typed by TemplateData: a new template does not compile here until it has sample data, so it is checked too.
// Each displayName is the recipient's: the newcomer is Sam, the sponsor Alex, the coordinator Jordan.
const NEWCOMER = 'Sam';
const SPONSOR = 'Alex';
const COORDINATOR = 'Jordan';
const CONTACT = 'Email: alex@example.net\nPhone: +1 555 0100\nA note from them: Evenings & weekends suit me best.';
const SAMPLE: { [N in keyof TemplateData]: TemplateData[N] } = {
  welcome: { displayName: NEWCOMER, crisisLine: 'Helpline 988' },
  'match-asked': { displayName: SPONSOR },
  'match-sponsor-accepted': { displayName: NEWCOMER },
  'match-chosen': { displayName: COORDINATOR },
  'match-expired': { displayName: COORDINATOR },
  'match-introduction': { displayName: NEWCOMER, otherName: SPONSOR, contact: CONTACT, crisisLine: 'Helpline 988' },
  'match-closed': { displayName: SPONSOR },
  'match-withdrawn-newcomer': { displayName: NEWCOMER },
  'match-withdrawn-sponsor': { displayName: SPONSOR },
  'match-flagged': { displayName: COORDINATOR },
  'concern-raised': { displayName: COORDINATOR },
  'match-ongoing-asked': { displayName: NEWCOMER },
  'checkin-alert': { displayName: COORDINATOR },
  'verify-email': { displayName: NEWCOMER, link: `${PUBLIC_URL}account/verify-email?token=abc.def.ghi`, crisisLine: 'Helpline 988' },
  'password-reset': { displayName: NEWCOMER, link: `${PUBLIC_URL}account/reset-password?token=abc.def.ghi` },
  'email-change-confirm': { displayName: NEWCOMER, link: `${PUBLIC_URL}account/confirm-email?token=abc.def.ghi` },
  'email-change-notice': { displayName: NEWCOMER, resetLink: `${PUBLIC_URL}account/forgot-password` },
  'password-changed': { displayName: SPONSOR, resetLink: `${PUBLIC_URL}account/forgot-password` },
  'email-change-in-use': { displayName: SPONSOR, resetLink: `${PUBLIC_URL}account/forgot-password` },
};

/** The words of a plain-text mail before the footer (which explains why the address receives mail). */
function body(text: string): string {
  return text.split('\n\n--\n\n')[0]!;
}

describe('mail templates: what a message says, and what an onlooker could see', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mail-templates-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the health-word check reads typical words, then it catches what reveals the service and passes ordinary words', () => {
    const revealing = ['Your recovery', 'Meet your sponsor', '30 days sober', 'Addiction support', 'Alcohol', 'Drug-free', 'After a relapse', 'Your NA group', 'Al-Anon', 'SMART meeting'];
    const ordinary = ['Welcome', 'Your check-in this week', 'Someone would like to meet you', 'A new proposal', 'Notifications <no-reply@example.org>', 'Your account is ready'];
    for (const w of revealing) expect(mentionsHealth(w), w).to.equal(true);
    for (const w of ordinary) expect(mentionsHealth(w), w).to.equal(false);
  });

  for (const name of TEMPLATE_NAMES) {
    for (const language of LANGUAGES) {
      it(`when the ${name} mail (${language}) is rendered and built into a message, then neither its subject, nor any header, nor the first line a preview shows names a health matter`, async () => {
        const rendered = renderTemplate(name, SAMPLE[name], { publicUrl: PUBLIC_URL, language });
        const transport = fileTransport(dir);
        try {
          const { path } = await transport.send({
            outboxId: `sample:${name}:${language}`,
            messageId: messageIdFor(`sample:${name}:${language}`, 'example.org'),
            from: 'Notifications <no-reply@example.org>',
            to: 'member@example.net',
            ...rendered,
          });
          const { headerLines } = await parseMail(readFileSync(path!, 'utf8'));

          expect(mentionsHealth(rendered.subject), rendered.subject).to.equal(false);
          // Every header line as written, its encoded words decoded: mailparser decodes only the headers it knows.
          for (const { line } of headerLines) {
            const header = libmime.decodeWords(line);
            expect(mentionsHealth(header), header).to.equal(false);
          }
          const preview = rendered.text.split('\n\n')[0]!;
          expect(mentionsHealth(preview), preview).to.equal(false);
          expect(preview, 'greets the recipient by name').to.include(SAMPLE[name].displayName);
          expect(rendered.text).to.include(PUBLIC_URL);
          // Every link leads to the service (an account link to a page under it).
          expect(rendered.html).to.include(`href="${PUBLIC_URL}`);
          for (const [, href] of rendered.html.matchAll(/href="([^"]*)"/g)) expect(href!.startsWith(PUBLIC_URL), href).to.equal(true);
        } finally {
          transport.close();
        }
      });
    }
  }

  it('when the welcome mail is rendered, then it says what happens next, how anonymity is kept and the crisis line, kindly, under the subject "Welcome"', () => {
    const { subject, text } = renderTemplate('welcome', { displayName: 'Sam', crisisLine: 'Helpline 988' }, { publicUrl: PUBLIC_URL });
    expect(subject).to.equal('Welcome');
    expect(text).to.match(/^Hello Sam, and welcome\./);
    expect(text).to.include('complete your profile').and.include('proposals').and.include('A coordinator reviews every match before anyone is introduced');
    expect(text).to.include('display names only').and.include('Nobody sees your email address or contact details until you both agree');
    expect(text).to.include('If you are in crisis, call or text Helpline 988.');
  });

  it('when an account mail carries its single-use link, then the text and the HTML lead to that page, and a link to another site is refused', () => {
    const link = `${PUBLIC_URL}account/verify-email?token=abc.def&x="1"`;
    const { subject, text, html } = renderTemplate('verify-email', { displayName: 'Sam', link, crisisLine: '988' }, { publicUrl: PUBLIC_URL });
    expect(subject).to.equal('Please confirm your email address');
    expect(text).to.include(`Confirm my email address: ${new URL(link).href}`).and.include('48 hours').and.include('It works once');
    expect(html).to.include(`href="${escapeHtml(new URL(link).href)}"`);
    expect(() => renderTemplate('password-reset', { displayName: 'Sam', link: 'https://evil.example.com/account/reset-password?token=x' }, { publicUrl: PUBLIC_URL })).to.throw(/must lead to the public URL/);
    expect(() => renderTemplate('password-reset', { displayName: 'Sam', link: 'javascript:alert(1)' }, { publicUrl: PUBLIC_URL })).to.throw();
    const reset = renderTemplate('password-reset', { displayName: 'Sam', link: `${PUBLIC_URL}account/reset-password?token=t` }, { publicUrl: PUBLIC_URL });
    expect(reset.text).to.include('30 minutes').and.include('signs you out everywhere else');
  });

  it('when a value holds markup, then the HTML shows it as text and the plain text keeps it as written', () => {
    const { text, html } = renderTemplate('welcome', { displayName: '<img src=x onerror=alert(1)> & "Sam"', crisisLine: '<b>988</b>' }, { publicUrl: 'https://match.example.org/?a=1&b="2"' });
    expect(html).not.to.include('<img').and.not.to.include('<b>988');
    expect(html).to.include('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Sam&quot;').and.include('&lt;b&gt;988&lt;/b&gt;');
    expect(html).to.include('href="https://match.example.org/?a=1&amp;b=%222%22"');
    expect(text).to.include('<img src=x onerror=alert(1)> & "Sam"');
  });

  it('when the other member is told the match ended, then it says so in the neutral sentence and gives no reason', () => {
    const { subject, text, html } = renderTemplate('match-closed', SAMPLE['match-closed'], { publicUrl: PUBLIC_URL });
    const sentence = 'This match has ended. You can ask for a new sponsor at any time.';
    expect(subject).to.equal('An update');
    expect(text).to.include(sentence);
    expect(html).to.include(sentence);
    expect(body(text)).not.to.match(REASON_WORDS);
  });

  it('when a newcomer is told an arranged match cannot go ahead, then it gives no reason and no blame, and says the request is open again', () => {
    const { text } = renderTemplate('match-withdrawn-newcomer', SAMPLE['match-withdrawn-newcomer'], { publicUrl: PUBLIC_URL });
    expect(body(text)).not.to.match(REASON_WORDS);
    expect(text).to.include('cannot go ahead').and.include('request is open again').and.include('a coordinator will help you find someone');
  });

  it('when two members are introduced, then the text keeps every contact line as written and the HTML shows each on its own line', () => {
    const { subject, text, html } = renderTemplate('match-introduction', SAMPLE['match-introduction'], { publicUrl: PUBLIC_URL });
    expect(subject).to.equal('Time to meet');
    expect(text).to.include(`What ${SPONSOR} chose to share with you:\n${CONTACT}\n\n`);
    for (const line of CONTACT.split('\n')) {
      expect(text).to.include(line);
      expect(html).to.include(escapeHtml(line));
    }
    expect(html).to.include(`${escapeHtml(SPONSOR)} chose to share with you:<br>\nEmail: alex@example.net<br>\nPhone: +1 555 0100<br>\nA note from them: Evenings &amp; weekends suit me best.</p>`);
    expect(text).to.include('peer support is not treatment').and.include('call or text Helpline 988');
  });

  it('when the contact block or the other name holds markup, then the HTML shows it as text and only the real line breaks become <br>', () => {
    const contact = '<script>alert(1)</script>\nEmail: <a href="https://evil.example">x</a><br>\nPhone: 555 & more';
    const otherName = '<img src=x onerror=alert(1)>';
    const { text, html } = renderTemplate('match-introduction', { ...SAMPLE['match-introduction'], otherName, contact }, { publicUrl: PUBLIC_URL });
    expect(html).not.to.include('<script').and.not.to.include('<img').and.not.to.include('<a href="https://evil');
    expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;<br>\nEmail: &lt;a href=&quot;https://evil.example&quot;&gt;x&lt;/a&gt;&lt;br&gt;<br>\nPhone: 555 &amp; more');
    expect(html).to.include('&lt;img src=x onerror=alert(1)&gt;');
    // One after "…chose to share with you:", then one per real line break in the block.
    expect(html.match(/<br>/g)).to.have.length(contact.split('\n').length);
    expect(text).to.include(contact).and.include(otherName);
  });

  for (const name of TEMPLATE_NAMES.filter((n) => TEMPLATE_AUDIENCE[n] === 'coordinator')) {
    it(`when the ${name} mail goes to a coordinator, then it names no member and no health matter: the details stay in the service`, () => {
      const { subject, text, html } = renderTemplate(name, SAMPLE[name], { publicUrl: PUBLIC_URL });
      const newcomer = new RegExp(`\\b${NEWCOMER}\\b`);
      expect(text).not.to.match(newcomer);
      expect(html).not.to.match(newcomer);
      // Every paragraph, the first (the inbox preview) included.
      for (const paragraph of body(text).split('\n\n')) expect(mentionsHealth(paragraph), paragraph).to.equal(false);
      expect(mentionsHealth(subject)).to.equal(false);
    });
  }

  it('when a coordinator is alerted after a check-in, then the mail says someone may need support and points to their alerts in the service, nothing more', () => {
    const { subject, text, html } = renderTemplate('checkin-alert', SAMPLE['checkin-alert'], { publicUrl: PUBLIC_URL });
    expect(subject).to.equal('Someone may need your support');
    expect(text).to.match(/^Hello Jordan\. Someone in a program you look after may need support after a check-in\./);
    expect(text).to.include('Please open your alerts in the service').and.include(`Open your alerts: ${PUBLIC_URL}`);
    expect(html).to.include(`<a href="${PUBLIC_URL}">Open your alerts</a>`);
    expect(body(text)).not.to.match(/help now|struggl|missed|answer/i);
  });

  it('when a value is missing or the link is not a web address, then rendering refuses', () => {
    expect(() => renderTemplate('welcome', { displayName: 'Sam' } as TemplateData['welcome'], { publicUrl: PUBLIC_URL })).to.throw(/crisisLine/);
    expect(() => renderTemplate('welcome', SAMPLE.welcome, { publicUrl: 'javascript:alert(1)' })).to.throw(/http/);
  });
});
