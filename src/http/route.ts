import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Actor } from '../access/actor.ts';
import { isAuditedRead } from '../access/policy.ts';
import { methodNotAllowed } from '../errors.ts';
import { parse } from './parse.ts';
import { isLargeJson, writeJsonInSlices } from './json-in-slices.ts';

export type Access = 'public' | 'member' | 'coordinator' | 'admin';

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  req: Request;
  res: Response;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** On a public route, whose act this was (the account a signed link named): the audit records it as the actor. */
  auditActorId?: string;
}

/**
 * One definition per route: the zod schemas here both validate the request and
 * generate the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI style, e.g. `/api/v1/admin/users/{id}/roles`. */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Extra middleware run after authentication and before parsing (rate limits). */
  before?: RequestHandler[];
  /** Answers even while the member's consent is older than the current terms (sign-in and out, `/me`, consent, export, deletion). */
  consentExempt?: true;
  /**
   * What the audit log records of a successful call: a decision (`decision:
   * true`) always; a read only when a coordinator or admin reads another
   * member's data (the access policy's rule). `subjects` names whose data it is.
   */
  audit?: {
    action: string;
    decision?: boolean;
    subjects?: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>, result: RouteResult) => readonly string[];
    /** Words the actor gave for a decision (an admin's reason to erase an account): kept with the entry. */
    note?: (input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>) => string | undefined;
  };
  handle(input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>>): Promise<RouteResult>;
}

export function defineRoute<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined>(
  spec: RouteSpec<P, Q, B>,
): RouteSpec {
  return spec;
}

export function expressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

export interface AuditHook {
  actorId: string;
  subjectIds: readonly string[];
  action: string;
  route: string;
  requestId: string;
  note?: string;
}

export interface MountGuards {
  authenticate: RequestHandler;
  requireAccess(access: Exclude<Access, 'public' | 'member'>): RequestHandler;
  /** The consent gate: every authenticated route but those marked `consentExempt`. */
  requireConsent: RequestHandler;
  /** Records an audited call before its answer is sent. */
  audit(entry: AuditHook): Promise<void>;
}

const ANONYMOUS: Actor = { id: '', role: 'member', isAdmin: false, coordinatorOf: [] };

export function mountRoutes(specs: readonly RouteSpec[], guards: MountGuards): Router {
  const router = Router();
  for (const spec of specs) {
    const chain: RequestHandler[] = [];
    if (spec.access !== 'public') chain.push(guards.authenticate);
    if (spec.access !== 'public' && !spec.consentExempt) chain.push(guards.requireConsent);
    if (spec.access === 'coordinator' || spec.access === 'admin') chain.push(guards.requireAccess(spec.access));
    chain.push(...(spec.before ?? []));
    chain.push(async (req, res) => {
      const params = spec.params ? parse(spec.params, req.params, 'path') : undefined;
      const query = spec.query ? parse(spec.query, { ...req.query }, 'query') : undefined;
      const body = spec.body ? parse(spec.body, req.body ?? {}, 'request body') : undefined;
      const actor = (res.locals.actor as Actor | undefined) ?? ANONYMOUS;
      const input = { params, query, body, actor, req, res };
      const result = await spec.handle(input);
      const actorId = actor.id || result.auditActorId;
      if (spec.audit && result.status < 400 && actorId) {
        const subjectIds = spec.audit.subjects?.(input, result) ?? [];
        if (spec.audit.decision || isAuditedRead(actor, subjectIds)) {
          const note = spec.audit.note?.(input);
          await guards.audit({
            ...(note ? { note } : {}),
            actorId,
            subjectIds,
            action: spec.audit.action,
            route: `${spec.method.toUpperCase()} ${spec.path}`,
            requestId: String(res.getHeader('X-Request-Id') ?? ''),
          });
        }
      }
      for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
      if (result.body === undefined) res.status(result.status).end();
      else if (isLargeJson(result.body)) {
        // Megabytes (a pool run): written as it is serialised, in slices, chunked.
        res.status(result.status).type('application/json');
        await writeJsonInSlices(result.body, (text) => res.write(text));
        res.end();
      }
      else res.status(result.status).json(result.body);
    });
    router[spec.method](expressPath(spec.path), ...chain);
  }
  // Mounted after every route, so they see only methods no route of the path has.
  const methodsByPath = new Map<string, string[]>();
  for (const spec of specs) methodsByPath.set(spec.path, [...(methodsByPath.get(spec.path) ?? []), spec.method]);
  for (const [path, methods] of methodsByPath) router.all(expressPath(path), otherMethods(methods));
  return router;
}

/**
 * For a path that has `methods`: any other method is 405 with `Allow`; OPTIONS
 * is answered with the list. HEAD is allowed wherever GET is (Express answers it).
 */
export function otherMethods(methods: readonly string[]): RequestHandler {
  const upper = methods.map((m) => m.toUpperCase());
  const allow = [...new Set(upper.includes('GET') ? [...upper, 'HEAD'] : upper)].sort();
  return (req, res) => {
    if (req.method !== 'OPTIONS') throw methodNotAllowed(allow);
    res.setHeader('Allow', allow.join(', '));
    res.status(204).end();
  };
}
