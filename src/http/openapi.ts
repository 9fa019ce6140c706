import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteSpec } from './route.ts';

const problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Problem' });

// A body that hands its errors on to the service (`deferErrors` in parse.ts)
// is a `.catch` around the schema a client must meet: document that schema.
const documented = (schema: z.ZodType): z.ZodType => (schema instanceof z.ZodCatch ? (schema.unwrap() as z.ZodType) : schema);

export function buildOpenApi(specs: readonly RouteSpec[], extra: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const s of specs) {
    const responses: Record<string, { description: string; content?: Record<string, { schema: z.ZodType }> }> = {};
    for (const [status, r] of Object.entries(s.responses)) {
      responses[status] = r.schema ? { description: r.description, content: { 'application/json': { schema: r.schema } } } : { description: r.description };
    }
    const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
    responses['400'] ??= problemResponse('Invalid request');
    if (s.access !== 'public') responses['401'] ??= problemResponse('Missing or invalid access token');
    if (s.access === 'coordinator' || s.access === 'admin') {
      responses['403'] ??= problemResponse(`Needs the ${s.access} role; or (\`consent-required\`, naming \`termsVersion\`) consent to the current terms`);
    } else if (s.access !== 'public' && !s.consentExempt) {
      responses['403'] ??= problemResponse('Consent to the current terms is needed first (`consent-required`, naming `termsVersion`)');
    }
    registry.registerPath({
      method: s.method,
      path: s.path,
      summary: s.summary,
      tags: [s.tag],
      ...(s.access !== 'public' ? { security: [{ bearer: [] }] } : {}),
      request: {
        ...(s.params ? { params: s.params as z.ZodObject } : {}),
        ...(s.query ? { query: s.query as z.ZodObject } : {}),
        ...(s.body ? { body: { content: { 'application/json': { schema: documented(s.body) } } } } : {}),
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Recovery sponsor matching API',
      version: extra.version,
      description: 'Matches newcomers in mutual-help recovery programs with sponsors and mentors. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
  });
}
