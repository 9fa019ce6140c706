// The pages a check-in email's links open: no sign-in (the signed link is the
// authority), no JavaScript, readable on a phone. A GET only shows a page; only
// the POST of its one button records anything, so a link preview or a mail
// scanner fetching the link changes nothing.

import express, { type Request, type Response, type Router } from 'express';
import { linkPageField, sendLinkPage } from '../http/link-page.ts';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { CheckInPurpose } from '../auth/tokens.ts';
import * as checkIns from './checkins.service.ts';
import {
  ANSWERS,
  answerRecordedPage,
  badFormPage,
  CONCERN_MAX_LENGTH,
  NOTE_MAX_LENGTH,
  concernPage,
  concernRecordedPage,
  confirmAnswerPage,
  invalidLinkPage,
  notePage,
  noteRecordedPage,
  pauseConfirmPage,
  pausedPage,
  unavailablePage,
  type Answer,
} from './render.ts';

export interface CheckInPagesDeps {
  checkIns: checkIns.CheckInDeps;
  /** A sponsor's concern about the match, as if they had reported it signed in. */
  reportConcern(memberId: string, matchId: string, text: string): Promise<void>;
  log: Pick<Logger, 'warn'>;
}


const send = sendLinkPage;

const field = linkPageField;
const text = (v: unknown): string => (typeof v === 'string' ? v.replace(/\r\n/g, '\n').trim() : '');

export function checkInPages(deps: CheckInPagesDeps): Router {
  const router = express.Router();
  const opts = { crisis: deps.checkIns.crisis };
  router.use('/check-ins', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }));
  // A link is its own authority, so whoever holds one could post it without end: a generous
  // limit per client address (the memory store counts per process, like the API's limits).
  router.use(
    '/check-ins',
    rateLimit({
      windowMs: 10 * 60_000,
      limit: (req) => (req.method === 'POST' ? 30 : 120),
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `${req.method}:${ipKeyGenerator(req.ip ?? '')}`,
      handler: (_req, res) => send(res, 429, unavailablePage(opts)),
    }),
  );

  /** Opens the link for `purpose`, or answers with the friendly page of a link that is not good. */
  const page = (purpose: CheckInPurpose, handle: (req: Request, res: Response, target: checkIns.LinkTarget, token: string) => void | Promise<void>) => async (req: Request, res: Response) => {
    try {
      const token = field(req, 'token');
      const target = await checkIns.openLink(deps.checkIns, token, purpose);
      if (!target) return send(res, 400, invalidLinkPage(opts));
      await handle(req, res, target, token as string);
    } catch (err) {
      deps.log.warn({ errName: (err as Error)?.name, page: purpose }, 'check-in page failed');
      send(res, 503, unavailablePage(opts));
    }
  };

  router.get(
    '/check-ins/respond',
    page('answer', (_req, res, t, token) => {
      send(res, 200, confirmAnswerPage({ ...opts, token, answer: t.answer!, ...(t.checkIn.answer ? { previous: t.checkIn.answer } : {}), otherName: t.otherName, role: t.checkIn.role }));
    }),
  );
  router.post(
    '/check-ins/respond',
    page('answer', async (_req, res, t) => {
      const { previous } = await checkIns.recordResponse(deps.checkIns, t, { answer: t.answer! });
      const noteUrl = `/check-ins/note?token=${encodeURIComponent(checkIns.linkToken(deps.checkIns, t, 'note'))}`;
      send(res, 200, answerRecordedPage({ ...opts, answer: t.answer!, ...(previous && previous !== t.answer ? { changedFrom: previous } : {}), noteUrl }));
    }),
  );

  router.get(
    '/check-ins/note',
    page('note', (_req, res, t, token) => {
      send(res, 200, notePage({ ...opts, token, role: t.checkIn.role, ...(t.checkIn.answer ? { current: t.checkIn.answer } : {}), otherName: t.otherName }));
    }),
  );
  router.post(
    '/check-ins/note',
    page('note', async (req, res, t) => {
      const note = text(field(req, 'note'));
      const rawAnswer = field(req, 'answer');
      if (rawAnswer !== undefined && rawAnswer !== '' && !ANSWERS.includes(rawAnswer as Answer)) return send(res, 400, badFormPage({ ...opts, problem: 'answer-unknown' }));
      if (note.length > NOTE_MAX_LENGTH) return send(res, 400, badFormPage({ ...opts, problem: 'note-too-long' }));
      const answer = ANSWERS.includes(rawAnswer as Answer) ? (rawAnswer as Answer) : undefined;
      const shared = field(req, 'share') !== undefined && t.checkIn.role === 'newcomer';
      await checkIns.recordResponse(deps.checkIns, t, { ...(answer ? { answer } : {}), ...(note ? { note } : {}), shared });
      send(res, 200, noteRecordedPage({ ...opts, shared }));
    }),
  );

  router.get(
    '/check-ins/pause',
    page('pause', (_req, res, _t, token) => send(res, 200, pauseConfirmPage({ ...opts, token }))),
  );
  router.post(
    '/check-ins/pause',
    page('pause', async (_req, res, t) => {
      await checkIns.pauseByLink(deps.checkIns, t);
      send(res, 200, pausedPage(opts));
    }),
  );

  router.get(
    '/check-ins/concern',
    page('concern', (_req, res, t, token) => send(res, 200, concernPage({ ...opts, token, otherName: t.otherName }))),
  );
  router.post(
    '/check-ins/concern',
    page('concern', async (req, res, t) => {
      const concern = text(field(req, 'text'));
      if (!concern) return send(res, 400, badFormPage({ ...opts, problem: 'concern-empty' }));
      if (concern.length > CONCERN_MAX_LENGTH) return send(res, 400, badFormPage({ ...opts, problem: 'concern-too-long' }));
      await deps.reportConcern(t.memberId, t.checkIn.matchId, concern);
      send(res, 200, concernRecordedPage(opts));
    }),
  );

  // Anything else under /check-ins: the friendly page, never a JSON problem.
  router.all('/check-ins/{*rest}', (_req, res) => send(res, 404, invalidLinkPage(opts)));
  return router;
}
