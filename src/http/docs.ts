import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { otherMethods } from './route.ts';

const require = createRequire(import.meta.url);

// Only what the page below loads. The package holds much else (its
// package.json, other bundles, source maps, an OAuth redirect page) that no
// one needs from us and that tells a prober exactly which version runs.
const PAGE_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js'] as const;

// Swagger UI from the swagger-ui-dist package, served locally: the page fetches
// nothing from the internet, and its script is a file (helmet's CSP allows it).
export function docsRouter(specUrl: string): Router {
  const assets = dirname(require.resolve('swagger-ui-dist/package.json'));
  const router = Router();
  router.get('/docs', (_req, res) => {
    res.type('html').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Recovery sponsor matching API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`);
  });
  // validatorUrl "none": by default the page sends the document's URL to validator.swagger.io for a badge.
  router.get('/docs/init.js', (_req, res) => {
    res
      .type('application/javascript')
      .send(`window.ui = SwaggerUIBundle({ url: ${JSON.stringify(specUrl)}, dom_id: '#swagger-ui', validatorUrl: "none" });`);
  });
  for (const file of PAGE_ASSETS) {
    router.get(`/docs/assets/${file}`, (_req, res, next) => {
      res.sendFile(join(assets, file), (err) => {
        if (err) next(err);
      });
    });
  }
  router.all(['/docs', '/docs/init.js', ...PAGE_ASSETS.map((file) => `/docs/assets/${file}`)], otherMethods(['get']));
  return router;
}
