import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import libmime from 'libmime';
import { messageIdFor } from '../../src/mail/delivery.ts';
import { LANGUAGES, TEMPLATE_NAMES, mentionsHealth, renderTemplate, type TemplateData } from '../../src/mail/templates.ts';
import { fileTransport } from '../../src/mail/transport.ts';
import { parseMail } from '../support/smtp.ts';

const PUBLIC_URL = 'https://match.example.org/';

// Typed by TemplateData: a new template does not compile here until it has sample data, so it is checked too.
const SAMPLE: { [N in keyof TemplateData]: TemplateData[N] } = {
  welcome: { displayName: 'Sam', crisisLine: 'Helpline 988' },
};

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
          expect(mentionsHealth(rendered.text.split('\n')[0]!)).to.equal(false);
          expect(rendered.text).to.include(PUBLIC_URL);
          expect(rendered.html).to.include(`href="${PUBLIC_URL}"`);
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

  it('when a value holds markup, then the HTML shows it as text and the plain text keeps it as written', () => {
    const { text, html } = renderTemplate('welcome', { displayName: '<img src=x onerror=alert(1)> & "Sam"', crisisLine: '<b>988</b>' }, { publicUrl: 'https://match.example.org/?a=1&b="2"' });
    expect(html).not.to.include('<img').and.not.to.include('<b>988');
    expect(html).to.include('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Sam&quot;').and.include('&lt;b&gt;988&lt;/b&gt;');
    expect(html).to.include('href="https://match.example.org/?a=1&amp;b=%222%22"');
    expect(text).to.include('<img src=x onerror=alert(1)> & "Sam"');
  });

  it('when a value is missing or the link is not a web address, then rendering refuses', () => {
    expect(() => renderTemplate('welcome', { displayName: 'Sam' } as TemplateData['welcome'], { publicUrl: PUBLIC_URL })).to.throw(/crisisLine/);
    expect(() => renderTemplate('welcome', SAMPLE.welcome, { publicUrl: 'javascript:alert(1)' })).to.throw(/http/);
  });
});
