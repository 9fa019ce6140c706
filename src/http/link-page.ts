// What every page a mailed link opens shares (the check-in pages, the account
// pages): the page's address holds a token, so it is kept by no cache, indexed
// by no search engine and passed on to no other site; the document is plain
// HTML, readable on a phone, with no script.

import type { Request, Response } from 'express';
import escapeHtml from 'escape-html';

export function sendLinkPage(res: Response, status: number, html: string): void {
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.type('html').send(html);
}

/** A form field of a POST, or a query parameter of a GET (the link's token arrives as either). */
export const linkPageField = (req: Request, name: string): unknown =>
  req.method === 'GET' ? req.query[name] : (req.body as Record<string, unknown> | undefined)?.[name];

/** The whole document: `main` and `footer` are HTML already escaped by the caller. */
export function linkPageDocument(p: { language: string; title: string; style: string; main: readonly string[]; footer?: string }): string {
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(p.language)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(p.title)}</title>`,
    `<style>\n${p.style}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...p.main,
    ...(p.footer ? [p.footer] : []),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
