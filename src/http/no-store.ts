import type { RequestHandler } from 'express';

// What the API answers (accounts, tokens, profiles with health data, matches)
// must not stay in any cache, a shared proxy's or the browser's, and is never
// revalidated: without the conditional headers Express never answers 304, even
// to `If-None-Match: *`. `publicPaths` (relative to the mount point) are left alone.
export function noStore(publicPaths: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (!publicPaths.includes(req.path)) {
      res.setHeader('Cache-Control', 'no-store');
      delete req.headers['if-none-match'];
      delete req.headers['if-modified-since'];
    }
    next();
  };
}
