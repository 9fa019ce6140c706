// Every word of the weekly check-in, its email and its pages, in one table: a
// reviewer reads all of it in one sitting, and a language is added as data (a
// new key beside 'en'; the types make it complete). `{name}` marks a value
// filled in per message.
//
// Privacy (src/mail/templates.ts): the subject and the first paragraph of the
// email show on lock screens and in inbox previews, and a page's title shows in
// a browser tab; none of them may say what the service is about. Tone
// (DOMAIN.md): short, kind, never shaming; nobody is pushed to say more.

import type { Language } from '../mail/templates.ts';
import type { Answer } from './render.ts';

type Role = 'newcomer' | 'sponsor';

export interface CheckInTexts {
  /** The words of each one-click answer, as a link and as a choice. */
  answers: Readonly<Record<Answer, string>>;
  /** Where someone in crisis can turn: said before the configured items, in the email and on the pages. */
  crisis: { heading: string; intro: string };
  mail: {
    subject: string;
    /** The first paragraph: what an inbox preview shows, so it stays neutral. */
    greeting: string;
    /** The heading of one match's section. */
    section: string;
    question: Readonly<Record<Role, string>>;
    note: Readonly<Record<Role, string>>;
    /** Sponsors only: a question, then the words of the link. */
    concernAsk: string;
    concern: string;
    pauseAsk: string;
    pause: string;
    resume: string;
    /** Said once in every check-in. */
    notTreatment: string;
    signOff: string;
    footer: string;
  };
  pages: {
    confirm: {
      title: string;
      heading: string;
      context: string;
      question: Readonly<Record<Role, string>>;
      yourAnswer: string;
      previous: string;
      helpTold: string;
      nothingYet: string;
      button: string;
    };
    recorded: {
      title: string;
      heading: string;
      said: Readonly<Record<Answer, string>>;
      changed: string;
      noteInvite: string;
      noteLink: string;
    };
    note: {
      title: string;
      heading: string;
      context: string;
      answerLegend: string;
      helpHint: string;
      noteLabel: string;
      share: string;
      shareHint: string;
      button: string;
    };
    noteRecorded: { title: string; heading: string; saved: string; shared: string; notShared: string };
    pause: { title: string; heading: string; what: string; button: string };
    paused: { title: string; heading: string; what: string; resume: string };
    concern: { title: string; heading: string; intro: string; notTold: string; label: string; button: string };
    concernRecorded: { title: string; heading: string; what: string };
    invalid: { title: string; heading: string; nothingRecorded: string; whatToDo: string };
    unavailable: { title: string; heading: string; what: string; whatToDo: string };
    badForm: {
      title: string;
      heading: string;
      problems: Readonly<Record<'note-too-long' | 'concern-empty' | 'concern-too-long' | 'answer-unknown', string>>;
      nothingSaved: string;
      back: string;
    };
  };
}

export const CHECK_IN_TEXTS: { readonly [L in Language]: CheckInTexts } = {
  en: {
    answers: { well: 'Doing well', struggling: 'Struggling', help: 'I need help now' },
    crisis: {
      heading: 'If you need help now',
      intro: 'You do not have to wait for anyone. Reach out now:',
    },
    mail: {
      subject: 'Your weekly check-in',
      greeting: 'Hello {displayName}. Here is your weekly check-in. One click answers it, and you can change your answer later.',
      section: 'With {otherName}',
      question: {
        newcomer: 'How did your week go?',
        sponsor: 'How is sponsoring {otherName} going for you?',
      },
      note: {
        newcomer: 'Add a note, and share it with {otherName} if you like',
        sponsor: 'Add a note',
      },
      concernAsk: 'Worried about something in this match?',
      concern: 'Tell a coordinator ({otherName} is not told)',
      pauseAsk: 'Need a break from these emails?',
      pause: 'Pause all your check-ins',
      resume: 'You can turn them back on at any time in your settings.',
      notTreatment: 'Peer support is not treatment: a sponsor shares their own experience, and a doctor, a counsellor or a local service can help alongside.',
      signOff: 'Take care.',
      footer: 'You receive this email once a week because you are in a match at {publicUrl}. You can pause it at any time with the link above.',
    },
    pages: {
      confirm: {
        title: 'Confirm your answer',
        heading: 'Confirm your answer',
        context: 'Your check-in with {otherName}.',
        question: {
          newcomer: 'How did your week go?',
          sponsor: 'How is sponsoring {otherName} going for you?',
        },
        yourAnswer: 'Your answer: {answer}',
        previous: 'You already answered “{previous}” this week. Sending this changes your answer to “{answer}”: the latest answer is the one that counts.',
        helpTold: 'When you send it, a coordinator is told and will reach out to you.',
        nothingYet: 'Nothing is recorded until you press the button.',
        button: 'Send my answer',
      },
      recorded: {
        title: 'Thank you',
        heading: 'Thank you',
        said: {
          well: 'Thank you for checking in. It is good to hear that things are going well.',
          struggling: 'Thank you for saying so. Hard weeks happen, and you do not have to face them alone.',
          help: 'A coordinator has been told and will reach out to you. If you are in danger, do not wait: reach out now to one of the places above.',
        },
        changed: 'Your answer was changed from “{previous}” to “{answer}”. The latest answer is the one that counts.',
        noteInvite: 'If you like, you can add a short note.',
        noteLink: 'Add a note',
      },
      note: {
        title: 'Add a note',
        heading: 'Add a note',
        context: 'Your check-in with {otherName}.',
        answerLegend: 'How are things? (optional)',
        helpHint: 'Choosing “I need help now” tells a coordinator, who will reach out to you.',
        noteLabel: 'Your note (optional, up to {max} characters)',
        share: 'Share this answer and note with my sponsor',
        shareHint: 'If you leave this unticked, {otherName} is not told your answers or your note.',
        button: 'Send',
      },
      noteRecorded: {
        title: 'Thank you',
        heading: 'Thank you',
        saved: 'Your note is saved.',
        shared: 'Your sponsor can now see this answer and note.',
        notShared: 'It has not been shared with the other person in your match.',
      },
      pause: {
        title: 'Pause check-ins',
        heading: 'Pause your check-ins?',
        what: 'This pauses the weekly check-in emails for all your matches. Nothing else changes, and you can turn them back on at any time.',
        button: 'Pause all check-ins',
      },
      paused: {
        title: 'Check-ins paused',
        heading: 'Your check-ins are paused',
        what: 'You will not get weekly check-in emails for any of your matches until you turn them back on.',
        resume: 'To turn them back on, sign in and switch check-ins on again in your settings.',
      },
      concern: {
        title: 'Tell a coordinator',
        heading: 'Tell a coordinator about a concern',
        intro: 'Is something about your match with {otherName} worrying you? Write what happened. A coordinator reads it and will be in touch with you.',
        notTold: '{otherName} is not told that you wrote.',
        label: 'What is worrying you (up to {max} characters)',
        button: 'Send to a coordinator',
      },
      concernRecorded: {
        title: 'Thank you',
        heading: 'Thank you for telling us',
        what: 'A coordinator will read it and be in touch with you. The other person in your match is not told.',
      },
      invalid: {
        title: 'Link not valid',
        heading: 'This link has expired or is not valid',
        nothingRecorded: 'Nothing was recorded.',
        whatToDo: 'You can answer next week’s check-in from its email, or sign in to the service.',
      },
      unavailable: {
        title: 'Please try again',
        heading: 'Please try again in a few minutes',
        what: 'Something went wrong on our side, so this may not have been saved.',
        whatToDo: 'Please open the link again in a few minutes, or sign in to the service.',
      },
      badForm: {
        title: 'Something to change',
        heading: 'Something needs changing',
        problems: {
          'note-too-long': 'Your note is longer than {max} characters. Please shorten it and send it again.',
          'concern-empty': 'Please write a few words about what is worrying you, then send it again.',
          'concern-too-long': 'What you wrote is longer than {max} characters. Please shorten it and send it again.',
          'answer-unknown': 'Please choose one of the answers: {answers}.',
        },
        nothingSaved: 'Nothing was saved yet.',
        back: 'Go back with your browser’s Back button: what you wrote should still be there.',
      },
    },
  },
};
