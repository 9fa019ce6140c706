import { expect } from 'chai';
import escapeHtml from 'escape-html';
import fc from 'fast-check';
import type { CrisisResources } from '../../src/config.ts';
import {
  ANSWERS,
  answerRecordedPage,
  badFormPage,
  concernPage,
  concernRecordedPage,
  confirmAnswerPage,
  invalidLinkPage,
  notePage,
  noteRecordedPage,
  pauseConfirmPage,
  pausedPage,
  renderCheckInMail,
  unavailablePage,
  type Answer,
  type CheckInMailData,
  type CheckInMailItem,
} from '../../src/checkins/render.ts';
import { CHECK_IN_TEXTS } from '../../src/checkins/texts.ts';
import { LANGUAGES, mentionsHealth } from '../../src/mail/templates.ts';

const PUBLIC_URL = 'https://match.example.org/';
const CRISIS: CrisisResources = {
  items: [
    { name: 'Line One', how: 'call or text 111' },
    { name: 'Help & Care', how: '0800 222 (free, day or night)' },
  ],
  note: 'Elsewhere, ask <your> local services.',
};
const CRISIS_LINES = ['Line One — call or text 111', 'Help & Care — 0800 222 (free, day or night)'];
const NOT_TREATMENT = 'Peer support is not treatment: a sponsor shares their own experience, and a doctor, a counsellor or a local service can help alongside.';

function answerUrls(match: string): Record<Answer, string> {
  return { well: `https://match.example.org/check-ins/respond?m=${match}&a=well`, struggling: `https://match.example.org/check-ins/respond?m=${match}&a=struggling`, help: `https://match.example.org/check-ins/respond?m=${match}&a=help` };
}

function item(role: 'newcomer' | 'sponsor', otherName: string, match: string, concern = role === 'sponsor'): CheckInMailItem {
  return {
    role,
    otherName,
    answerUrls: answerUrls(match),
    noteUrl: `https://match.example.org/check-ins/note?m=${match}`,
    ...(concern ? { concernUrl: `https://match.example.org/check-ins/concern?m=${match}` } : {}),
  };
}

// Alex is Sam's sponsor and Jo's newcomer: one email, two sections.
const MAIL: CheckInMailData = {
  displayName: 'Alex',
  items: [item('sponsor', 'Sam', 'm1'), item('newcomer', 'Jo', 'm2')],
  pauseUrl: 'https://match.example.org/check-ins/pause?t=p',
  crisis: CRISIS,
};

/** The plain-text mail before its footer. */
function body(text: string): string {
  return text.split('\n\n--\n\n')[0]!;
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** What is inside <main>. */
function main(html: string): string {
  const m = /<main>\n([\s\S]*)\n<\/main>/.exec(html);
  expect(m, 'a <main>').not.to.equal(null);
  return m![1]!;
}

describe('check-ins: the email and the pages', () => {
  describe('the weekly email', () => {
    for (const language of LANGUAGES) {
      it(`when the check-in mail (${language}) is rendered, then its subject is "Your weekly check-in" and neither it nor the preview names a health matter`, () => {
        const { subject, text, html } = renderCheckInMail(MAIL, { publicUrl: PUBLIC_URL, language });
        if (language === 'en') expect(subject).to.equal('Your weekly check-in');
        expect(mentionsHealth(subject), subject).to.equal(false);
        const preview = text.split('\n\n')[0]!;
        expect(mentionsHealth(preview), preview).to.equal(false);
        expect(preview).to.include('Alex');
        expect(html).to.include(`<html lang="${language}">`);
        expect(html).not.to.include('<img').and.not.include('<script');
      });
    }

    it('when a member is in two matches, then one email has a section for each, with its three answers and its note link', () => {
      const { text, html } = renderCheckInMail(MAIL, { publicUrl: PUBLIC_URL });
      const [intro, sam, jo] = body(text).split('\n\n');
      expect(intro).to.equal('Hello Alex. Here is your weekly check-in. One click answers it, and you can change your answer later.');
      expect(sam!.split('\n')).to.deep.equal([
        'With Sam',
        'How is sponsoring Sam going for you?',
        'Doing well: https://match.example.org/check-ins/respond?m=m1&a=well',
        'Struggling: https://match.example.org/check-ins/respond?m=m1&a=struggling',
        'I need help now: https://match.example.org/check-ins/respond?m=m1&a=help',
        'Add a note: https://match.example.org/check-ins/note?m=m1',
        'Worried about something in this match? Tell a coordinator (Sam is not told): https://match.example.org/check-ins/concern?m=m1',
      ]);
      expect(jo!.split('\n')).to.deep.equal([
        'With Jo',
        'How did your week go?',
        'Doing well: https://match.example.org/check-ins/respond?m=m2&a=well',
        'Struggling: https://match.example.org/check-ins/respond?m=m2&a=struggling',
        'I need help now: https://match.example.org/check-ins/respond?m=m2&a=help',
        'Add a note, and share it with Jo if you like: https://match.example.org/check-ins/note?m=m2',
      ]);
      expect(html).to.include('<h2>With Sam</h2>').and.include('<h2>With Jo</h2>');
      for (const m of ['m1', 'm2']) {
        for (const [answer, words] of [['well', 'Doing well'], ['struggling', 'Struggling'], ['help', 'I need help now']] as const) {
          expect(html).to.include(`<li><a href="https://match.example.org/check-ins/respond?m=${m}&amp;a=${answer}">${words}</a></li>`);
        }
        expect(html).to.include(`href="https://match.example.org/check-ins/note?m=${m}"`);
      }
      // Three answers and a note per match, one concern (Sam's), one pause; nothing else is a link.
      expect(count(html, '<a href=')).to.equal(2 * 4 + 1 + 1);
      expect(text).to.include('Need a break from these emails? Pause all your check-ins: https://match.example.org/check-ins/pause?t=p');
      expect(html).to.include('<p>Need a break from these emails? <a href="https://match.example.org/check-ins/pause?t=p">Pause all your check-ins</a><br>\nYou can turn them back on at any time in your settings.</p>');
      expect(html).to.include('<p>Worried about something in this match? <a href="https://match.example.org/check-ins/concern?m=m1">Tell a coordinator (Sam is not told)</a></p>');
    });

    it('when a newcomer item carries a concern link, then only the sponsor items show one', () => {
      const { text, html } = renderCheckInMail({ ...MAIL, items: [item('newcomer', 'Jo', 'm2', true), item('sponsor', 'Sam', 'm1')] }, { publicUrl: PUBLIC_URL });
      expect(text).not.to.include('concern?m=m2');
      expect(html).not.to.include('concern?m=m2');
      expect(text).to.include('Tell a coordinator (Sam is not told): https://match.example.org/check-ins/concern?m=m1');
      expect(html).to.include('href="https://match.example.org/check-ins/concern?m=m1"');
      expect(count(text, 'Tell a coordinator')).to.equal(1);
    });

    it('when the mail is rendered, then the crisis resources are there in the text and the HTML, each item on its own line, with the note', () => {
      const { text, html } = renderCheckInMail(MAIL, { publicUrl: PUBLIC_URL });
      expect(body(text)).to.include(`If you need help now\nYou do not have to wait for anyone. Reach out now:\n${CRISIS_LINES.join('\n')}\n${CRISIS.note}\n\n`);
      for (const line of CRISIS_LINES) expect(html).to.include(`<li>${escapeHtml(line)}</li>`);
      expect(html).to.include('<p>Elsewhere, ask &lt;your&gt; local services.</p>');
    });

    it('when the mail is rendered, then it says once that peer support is not treatment', () => {
      const { text, html } = renderCheckInMail(MAIL, { publicUrl: PUBLIC_URL });
      expect(count(text, NOT_TREATMENT)).to.equal(1);
      expect(count(html, NOT_TREATMENT)).to.equal(1);
      expect(count(text.toLowerCase(), 'not treatment')).to.equal(1);
    });

    it('when the mail is rendered, then its footer says why the address receives it, like every other mail', () => {
      const { text, html } = renderCheckInMail(MAIL, { publicUrl: PUBLIC_URL });
      expect(text).to.match(/\n\nTake care\.\n\n--\n\nYou receive this email once a week because you are in a match at https:\/\/match\.example\.org\/\. You can pause it at any time with the link above\.\n$/);
      expect(html).to.include('<hr><p><small>You receive this email once a week');
    });

    it('when a name holds markup, then the HTML shows it as text and the plain text keeps it as written', () => {
      const displayName = '<script>alert(1)</script>';
      const otherName = '<img src=x onerror=alert(1)> & "Sam"';
      const { text, html } = renderCheckInMail({ ...MAIL, displayName, items: [item('sponsor', otherName, 'm1')] }, { publicUrl: PUBLIC_URL });
      expect(html).not.to.include('<script').and.not.include('<img');
      expect(html).to.include('Hello &lt;script&gt;alert(1)&lt;/script&gt;.').and.include('<h2>With &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Sam&quot;</h2>');
      expect(text).to.include(displayName).and.include(otherName);
    });

    it('when any name is rendered, then it reaches the HTML only escaped (property)', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (a, b) => {
          const { text, html } = renderCheckInMail({ ...MAIL, displayName: `<b>${a}</b>`, items: [item('sponsor', `<b>${b}</b>`, 'm1'), item('newcomer', b, 'm2')] }, { publicUrl: PUBLIC_URL });
          return !html.includes('<b>') && html.includes(escapeHtml(`<b>${a}</b>`)) && text.includes(`<b>${b}</b>`);
        }),
      );
    });

    const withBadLinks: [string, CheckInMailData][] = [
      ['an answer', { ...MAIL, items: [{ ...item('newcomer', 'Jo', 'm2'), answerUrls: { ...answerUrls('m2'), help: 'javascript:alert(1)' } }] }],
      ['the note', { ...MAIL, items: [{ ...item('newcomer', 'Jo', 'm2'), noteUrl: 'javascript:alert(1)' }] }],
      ['the concern', { ...MAIL, items: [{ ...item('sponsor', 'Sam', 'm1'), concernUrl: 'javascript:alert(1)' }] }],
      ['the pause', { ...MAIL, pauseUrl: 'javascript:alert(1)' }],
    ];
    for (const [where, data] of withBadLinks) {
      it(`when the link to ${where} is a javascript: URL, then rendering refuses`, () => {
        expect(() => renderCheckInMail(data, { publicUrl: PUBLIC_URL })).to.throw(/http/);
      });
    }

    it('when the public URL is not a web address or there is no match, then rendering refuses', () => {
      expect(() => renderCheckInMail(MAIL, { publicUrl: 'javascript:alert(1)' })).to.throw(/http/);
      expect(() => renderCheckInMail({ ...MAIL, items: [] }, { publicUrl: PUBLIC_URL })).to.throw(/at least one/);
    });
  });

  describe('the pages', () => {
    const opts = { crisis: CRISIS };
    const TOKEN = 'tok"<en>&1';
    const PAGES: readonly [string, string, string | undefined][] = [
      ['confirm (well)', confirmAnswerPage({ ...opts, token: TOKEN, answer: 'well', otherName: 'Sam', role: 'newcomer' }), '/check-ins/respond'],
      ['confirm (help)', confirmAnswerPage({ ...opts, token: TOKEN, answer: 'help', otherName: 'Sam', role: 'sponsor' }), '/check-ins/respond'],
      ['answer recorded', answerRecordedPage({ ...opts, answer: 'struggling', noteUrl: '/check-ins/note?token=n' }), undefined],
      ['answer recorded (help)', answerRecordedPage({ ...opts, answer: 'help', noteUrl: '/check-ins/note?token=n' }), undefined],
      ['note (newcomer)', notePage({ ...opts, token: TOKEN, role: 'newcomer', otherName: 'Alex' }), '/check-ins/note'],
      ['note (sponsor)', notePage({ ...opts, token: TOKEN, role: 'sponsor', otherName: 'Sam', current: 'well' }), '/check-ins/note'],
      ['note recorded', noteRecordedPage({ ...opts, shared: true }), undefined],
      ['pause', pauseConfirmPage({ ...opts, token: TOKEN }), '/check-ins/pause'],
      ['paused', pausedPage(opts), undefined],
      ['concern', concernPage({ ...opts, token: TOKEN, otherName: 'Sam' }), '/check-ins/concern'],
      ['concern recorded', concernRecordedPage(opts), undefined],
      ['invalid link', invalidLinkPage(opts), undefined],
      ['unavailable', unavailablePage(opts), undefined],
      ['bad form', badFormPage({ ...opts, problem: 'note-too-long' }), undefined],
    ];

    for (const [name, html, action] of PAGES) {
      it(`when the ${name} page is rendered, then it is a whole accessible document, without script or anything from elsewhere, with the crisis resources`, () => {
        expect(html).to.match(/^<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n/);
        expect(html).to.include('<meta name="viewport" content="width=device-width, initial-scale=1">');
        expect(html).to.match(/<\/html>\n$/);
        expect(count(html, '<main>')).to.equal(1);
        expect(count(html, '<h1')).to.equal(1);
        const title = /<title>([^<]+)<\/title>/.exec(html)![1]!;
        expect(mentionsHealth(title), title).to.equal(false);
        expect(html.toLowerCase()).not.to.include('<script').and.not.include('javascript:');
        expect(html).not.to.match(/\son\w+=/i);
        expect(html).not.to.match(/<(link|img|iframe|object|embed)\b|src=|url\(|@import|https?:/i);
        for (const { name, how } of CRISIS.items) expect(html).to.include(`<li><strong>${escapeHtml(name)}</strong> — ${escapeHtml(how)}</li>`);
        // Every field that is shown has its label.
        for (const [, id] of html.matchAll(/<(?:input|textarea)(?![^>]*type="hidden")[^>]*\sid="([^"]+)"/g)) expect(html, id).to.include(`<label for="${id}">`);
        if (action) {
          expect(count(html, '<form ')).to.equal(1);
          expect(html).to.include(`<form method="post" action="${action}">\n<input type="hidden" name="token" value="tok&quot;&lt;en&gt;&amp;1">`);
          expect(html).to.match(/<button type="submit">[^<]+<\/button>\n<\/form>/);
        } else {
          expect(html).not.to.include('<form');
        }
      });
    }

    it('when someone confirms "I need help now", then the crisis resources come first, before the confirm button and any other paragraph', () => {
      const html = confirmAnswerPage({ ...opts, token: 't', answer: 'help', otherName: 'Sam', role: 'newcomer' });
      const inside = main(html);
      expect(inside).to.match(/^<section class="crisis" aria-labelledby="crisis-heading">\n<h1 id="crisis-heading">If you need help now<\/h1>/);
      const crisisEnd = inside.indexOf('</section>');
      expect(inside.indexOf('Line One')).to.be.below(crisisEnd);
      expect(inside.indexOf('<button')).to.be.above(crisisEnd);
      expect(inside.slice(0, inside.indexOf('<section')).trim()).to.equal('');
      expect(inside).to.include('<p>Your answer: <strong>I need help now</strong></p>');
      expect(inside).to.include('When you send it, a coordinator is told and will reach out to you.');
    });

    it('when someone confirms another answer, then the page asks first and the crisis resources follow the button', () => {
      const inside = main(confirmAnswerPage({ ...opts, token: 't', answer: 'struggling', otherName: 'Sam', role: 'sponsor' }));
      expect(inside).to.match(/^<h1>Confirm your answer<\/h1>/);
      expect(inside).to.include('<p>Your check-in with Sam.</p>\n<p>How is sponsoring Sam going for you?</p>\n<p>Your answer: <strong>Struggling</strong></p>');
      expect(inside.indexOf('<button')).to.be.below(inside.indexOf('Line One'));
      expect(inside).not.to.include('coordinator is told');
    });

    it('when the check-in already has an answer, then the confirm page says that sending changes it; when it has none or the same, then it does not', () => {
      const changing = confirmAnswerPage({ ...opts, token: 't', answer: 'help', previous: 'well', otherName: 'Sam', role: 'newcomer' });
      expect(changing).to.include('You already answered “Doing well” this week. Sending this changes your answer to “I need help now”: the latest answer is the one that counts.');
      for (const previous of [undefined, 'help'] as const) {
        expect(confirmAnswerPage({ ...opts, token: 't', answer: 'help', ...(previous ? { previous } : {}), otherName: 'Sam', role: 'newcomer' })).not.to.include('already answered');
      }
    });

    it('when an answer is recorded, then the page thanks, says a changed answer was changed, and links to the note page', () => {
      const html = answerRecordedPage({ ...opts, answer: 'struggling', changedFrom: 'well', noteUrl: '/check-ins/note?token=a&b' });
      const inside = main(html);
      expect(inside).to.match(/^<h1>Thank you<\/h1>\n<p>Thank you for saying so\./);
      expect(inside).to.include('<p>Your answer was changed from “Doing well” to “Struggling”. The latest answer is the one that counts.</p>');
      expect(inside).to.include('<a class="action" href="/check-ins/note?token=a&amp;b">Add a note</a>');
      expect(answerRecordedPage({ ...opts, answer: 'well', noteUrl: '/n' })).not.to.include('changed from');
    });

    it('when "I need help now" is recorded, then the crisis resources come first, then that a coordinator has been told and will reach out', () => {
      const inside = main(answerRecordedPage({ ...opts, answer: 'help', noteUrl: '/n' }));
      expect(inside).to.match(/^<section class="crisis"/);
      const told = inside.indexOf('A coordinator has been told and will reach out to you.');
      expect(told).to.be.above(inside.indexOf('</section>'));
      expect(count(inside, 'Line One')).to.equal(1);
    });

    it('when the note link is not a path or a web address, then the page refuses it', () => {
      expect(() => answerRecordedPage({ ...opts, answer: 'well', noteUrl: 'javascript:alert(1)' })).to.throw(/http/);
      expect(() => answerRecordedPage({ ...opts, answer: 'well', noteUrl: 'data:text/html,x' })).to.throw(/http/);
    });

    it('when a newcomer adds a note, then the answer is optional, the note is at most 1000 characters, and sharing with the sponsor is unticked and explained', () => {
      const html = notePage({ ...opts, token: 't', role: 'newcomer', otherName: 'Alex' });
      for (const a of ANSWERS) expect(html).to.include(`<input type="radio" id="answer-${a}" name="answer" value="${a}">`);
      expect(html).not.to.include(' checked');
      expect(html).to.include('<p class="hint">Choosing “I need help now” tells a coordinator, who will reach out to you.</p>\n</fieldset>');
      expect(html).to.include('<textarea id="note" name="note" rows="6" maxlength="1000"></textarea>');
      expect(html).to.include('<input type="checkbox" id="share" name="share" value="yes" aria-describedby="share-hint"><label for="share">Share this answer and note with my sponsor</label>');
      expect(html).to.include('<p class="hint" id="share-hint">If you leave this unticked, Alex is not told your answers or your note.</p>');
    });

    it('when a sponsor adds a note, then their current answer is chosen and there is nothing to share', () => {
      const html = notePage({ ...opts, token: 't', role: 'sponsor', otherName: 'Sam', current: 'struggling' });
      expect(html).to.include('<input type="radio" id="answer-struggling" name="answer" value="struggling" checked>');
      expect(count(html, ' checked')).to.equal(1);
      expect(html).not.to.include('name="share"');
    });

    it('when a note is saved, then the page says whether the sponsor can see it', () => {
      expect(noteRecordedPage({ ...opts, shared: true })).to.include('Your sponsor can now see this answer and note.');
      expect(noteRecordedPage({ ...opts, shared: false })).to.include('It has not been shared with the other person in your match.');
    });

    it('when check-ins are paused, then the pages say it is for every match and how to turn them back on', () => {
      expect(pauseConfirmPage({ ...opts, token: 't' })).to.include('for all your matches').and.include('<button type="submit">Pause all check-ins</button>');
      expect(pausedPage(opts)).to.include('for any of your matches').and.include('switch check-ins on again in your settings');
    });

    it('when a sponsor raises a concern, then the text is required, at most 2000 characters, and the other member is not told', () => {
      const html = concernPage({ ...opts, token: 't', otherName: '<i>Sam</i>' });
      expect(html).to.include('<textarea id="text" name="text" rows="8" maxlength="2000" required></textarea>');
      expect(html).to.include('<p>&lt;i&gt;Sam&lt;/i&gt; is not told that you wrote.</p>');
      expect(html).not.to.include('<i>');
      expect(concernRecordedPage(opts)).to.include('The other person in your match is not told.');
    });

    it('when a link is not good, then the page says only that it expired or is not valid, what to do, and the crisis resources', () => {
      const inside = main(invalidLinkPage(opts));
      expect(inside).to.include('<h1>This link has expired or is not valid</h1>').and.include('Nothing was recorded.');
      expect(inside).to.include('next week’s check-in').and.include('sign in');
      expect(inside).to.include('Line One');
      expect(inside).not.to.match(/[{}]|Error|at \w+ \(|token|signature|tamper/i);
    });

    for (const [problem, says] of [
      ['note-too-long', 'Your note is longer than 1000 characters.'],
      ['concern-empty', 'Please write a few words about what is worrying you'],
      ['concern-too-long', 'What you wrote is longer than 2000 characters.'],
      ['answer-unknown', 'Please choose one of the answers: Doing well, Struggling, I need help now.'],
    ] as const) {
      it(`when a form comes back with ${problem}, then the page says what and how to go back`, () => {
        const html = badFormPage({ ...opts, problem });
        expect(html).to.include(says).and.include('Nothing was saved yet.').and.include('Back button');
      });
    }

    it('when a page or the mail is rendered in any language, then every title and the subject keep the service private', () => {
      for (const language of LANGUAGES) {
        const t = CHECK_IN_TEXTS[language];
        for (const [key, words] of Object.entries(t.pages)) expect(mentionsHealth(words.title), `${language} ${key}`).to.equal(false);
        expect(mentionsHealth(t.mail.subject)).to.equal(false);
        expect(mentionsHealth(t.mail.greeting)).to.equal(false);
        expect(invalidLinkPage({ ...opts, language })).to.include(`<html lang="${language}">`);
      }
    });
  });
});
