import { createHash } from 'node:crypto';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Connection } from 'mongoose';
import { createAuditRepository, createPseudonymsRepository } from './audit/audit.repository.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { createAuditor } from './audit/audit.service.ts';
import { authDepsFor, authRoutes } from './auth/auth.routes.ts';
import type { TokenConfig } from './auth/tokens.ts';
import type { AccessCache } from './auth/access-cache.ts';
import { createUsersRepository } from './auth/users.repository.ts';
import type { Config } from './config.ts';
import type { ChangeFeed } from './db/change-feed.ts';
import { isDatabaseReachable } from './db/connect.ts';
import { authenticate, requireConsent } from './auth/authenticate.ts';
import { docsRouter } from './http/docs.ts';
import { errorHandler, notFoundHandler } from './http/error-handler.ts';
import { requestLogger } from './http/logger.ts';
import { buildOpenApi } from './http/openapi.ts';
import { requireRole } from './http/require-role.ts';
import { noStore } from './http/no-store.ts';
import { mountRoutes, otherMethods, type RouteSpec } from './http/route.ts';
import { createProgramsRepository } from './programs/programs.repository.ts';
import { programsRoutes } from './programs/programs.routes.ts';
import { createProfilesRepository } from './profiles/profiles.repository.ts';
import { createProfileChangesRepository } from './profiles/profile-changes.repository.ts';
import { profilesRoutes } from './profiles/profiles.routes.ts';
import type { MatchHistorySource } from './matching/match-history.source.ts';
import type { MatchingEngine } from './matching/matching-engine.ts';
import { matchingRoutes } from './matching/matching.routes.ts';
import { createRunsRepository } from './matching/runs.repository.ts';
import { createSponsorHandles, deriveHandleSecret } from './matching/sponsor-handles.ts';
import { createVettingRepository } from './vetting/vetting.repository.ts';
import { checkInsCore, createMailOutbox } from './background.ts';
import { mailRoutes } from './mail/mail.routes.ts';
import type { Outbox } from './mail/outbox.service.ts';
import { vettingRoutes } from './vetting/vetting.routes.ts';
import { createLifecycleRepository } from './matches/lifecycle.repository.ts';
import { matchesRoutes } from './matches/matches.routes.ts';
import { openRequesters, sponsorSaved, type LifecycleDeps } from './matches/lifecycle.service.ts';
import type { MatchingDeps } from './matching/matching.service.ts';
import { ownVetting, type VettingDeps } from './vetting/vetting.service.ts';
import { checkInsRoutes } from './checkins/checkins.routes.ts';
import { checkInPages } from './checkins/checkins.pages.ts';
import { accountPages } from './auth/account.pages.ts';
import type { CheckInDeps } from './checkins/checkins.service.ts';
import { reportConcern } from './matches/lifecycle.service.ts';
import { consentRoutes } from './members/consent.routes.ts';
import { erasureCore } from './background.ts';
import { erasureRoutes } from './members/erasure.routes.ts';
import type { ErasureDeps } from './members/erasure.service.ts';
import { exportRoutes } from './members/export.routes.ts';
import { createConsentRepository } from './members/consent.repository.ts';
import { createOutboxRepository } from './mail/outbox.repository.ts';

export interface AppDeps {
  config: Readonly<Config>;
  conn: Connection;
  logger: Logger;
  clock: () => Date;
  tokens: TokenConfig;
  engine: MatchingEngine;
  history: MatchHistorySource;
  access: AccessCache;
  feed: ChangeFeed;
  /** Keys the sponsor handles on newcomers' cards; without it, one derived from the token secret (main.ts passes the configured one). */
  handleSecret?: string | Buffer;
  /** Where mail is recorded for delivery; without it, one built from the config (SMTP_URL, else .eml files). */
  outbox?: Outbox;
  /** Called after each step of an erasure (tests: to stop a process half-way). */
  erasureAfterStep?: ErasureDeps['afterStep'];
}

export interface App {
  app: Express;
  routes: readonly RouteSpec[];
  outbox: Outbox;
  /** The match lifecycle as this app wired it: its jobs run with it (main.ts, tests). */
  lifecycle: LifecycleDeps;
  /** The weekly check-ins as this app wired them: the fan-out job runs with them. */
  checkIns: CheckInDeps;
  /** Erasing members as this app wired it: the erasures job resumes with it. */
  erasures: ErasureDeps;
}

const API_PREFIX = '/api/v1';
const OPENAPI_PATH = `${API_PREFIX}/openapi.json`;

export function createApp(deps: AppDeps): App {
  const users = createUsersRepository(deps.conn, deps.feed);
  const { access } = deps;
  const programs = createProgramsRepository(deps.conn);
  const profiles = createProfilesRepository(deps.conn);
  const { engine, clock } = deps;
  const auditDeps = { audit: createAuditRepository(deps.conn), pseudonyms: createPseudonymsRepository(deps.conn), clock };
  const auditor = createAuditor(auditDeps);
  const handles = createSponsorHandles(deps.handleSecret ?? deriveHandleSecret(deps.tokens.secret));
  const vettingDeps: VettingDeps = {
    vetting: createVettingRepository(deps.conn),
    profiles,
    programs,
    sponsorChanged: (id, by) => engine.sponsorChanged(id, by),
    clock,
  };

  const outbox = deps.outbox ?? createMailOutbox({ config: deps.config, conn: deps.conn, clock, log: deps.logger });
  const runs = createRunsRepository(deps.conn);
  const lifecycleRepo = createLifecycleRepository(deps.conn);
  const matchingDeps: MatchingDeps = {
    engine,
    profiles,
    programs,
    history: deps.history,
    runs,
    handles,
    clock,
    crisisLine: deps.config.crisisLine,
    vetting: vettingDeps.vetting,
    // Pool runs take the newcomers who have asked for a sponsor and have no match being arranged,
    // and whose consent is current (to these terms, health data not withdrawn).
    seekers: async () => {
      const [open, lapsed] = await Promise.all([openRequesters(lifecycleRepo), users.withoutCurrentConsent(deps.config.termsVersion)]);
      return new Set([...open].filter((id) => !lapsed.has(id)));
    },
  };
  const lifecycleDeps: LifecycleDeps = {
    repo: lifecycleRepo,
    engine,
    matching: matchingDeps,
    profiles,
    users,
    outbox,
    handles,
    runs,
    clock,
    log: deps.logger,
    responseHours: deps.config.lifecycle.responseHours,
    termsVersion: deps.config.termsVersion,
    temporaryMatchDays: deps.config.lifecycle.temporaryMatchDays,
    crisisLine: deps.config.crisisLine,
    placesChanged: (id, by) => engine.placesChanged(id, by),
  };

  const consents = createConsentRepository(deps.conn);
  const authDeps = authDepsFor({
    outbox,
    crisisLine: deps.config.crisisLine,
    log: deps.logger,
    users,
    access,
    tokens: deps.tokens,
    clock: deps.clock,
    rateLimits: deps.config.rateLimits,
    programExists: (key: string) => programs.exists(key),
    verified: (userId: string) => engine.sponsorChanged(userId, userId),
    termsVersion: deps.config.termsVersion,
    consentGiven: async (entry) => {
      await consents.add({ ...entry, action: 'given' });
    },
  });

  const checkIns = checkInsCore({ config: deps.config, conn: deps.conn, clock, log: deps.logger, outbox, tokens: deps.tokens, lifecycle: lifecycleDeps });

  const exportDeps = {
    users,
    consent: consents,
    profiles,
    profileChanges: createProfileChangesRepository(deps.conn),
    vetting: vettingDeps.vetting,
    lifecycle: lifecycleRepo,
    checkIns: checkIns.repo,
    outbox: createOutboxRepository(deps.conn),
    audit: auditDeps.audit,
    pseudonyms: auditDeps.pseudonyms,
    programs: () => engine.programs(),
    handles,
    termsVersion: deps.config.termsVersion,
    clock,
  };

  const erasures: ErasureDeps = {
    ...erasureCore({
      conn: deps.conn,
      clock,
      log: deps.logger,
      feed: deps.feed,
      lifecycle: lifecycleDeps,
      access,
      sponsorChanged: (id, by) => engine.sponsorChanged(id, by),
      newcomerChanged: (id, by) => engine.newcomerChanged(id, by),
    }),
    ...(deps.erasureAfterStep ? { afterStep: deps.erasureAfterStep } : {}),
  };

  const routes: RouteSpec[] = [
    ...authRoutes(authDeps),
    ...programsRoutes({ programs, programsChanged: (by) => engine.programsChanged(by), clock }),
    ...profilesRoutes({
      profiles,
      programs,
      users,
      changes: engine,
      changeClaims: createProfileChangesRepository(deps.conn),
      clock,
      sponsorVetting: (id, program) => ownVetting(vettingDeps, id, program),
      sponsorSaved: (before, after, by) => sponsorSaved(lifecycleDeps, before, after, by),
    }),
    ...vettingRoutes(vettingDeps),
    ...matchingRoutes(matchingDeps),
    ...matchesRoutes(lifecycleDeps),
    ...checkInsRoutes(checkIns),
    ...auditRoutes(auditDeps),
    ...mailRoutes(outbox),
    ...consentRoutes({ users, access, consents, profiles, changes: engine, lifecycle: lifecycleDeps, termsVersion: deps.config.termsVersion, termsText: deps.config.termsText, clock, log: deps.logger }),
    ...exportRoutes(exportDeps),
    ...erasureRoutes(erasures),
  ];

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.trustProxy);
  app.set('query parser', 'simple');
  // No automatic ETags: they made private answers revalidatable (304). The public
  // OpenAPI document sets its own below.
  app.set('etag', false);
  app.use(requestLogger(deps.logger));
  app.use(helmet());
  app.use(API_PREFIX, noStore([OPENAPI_PATH.slice(API_PREFIX.length)]));
  app.use(express.json({ limit: '100kb' }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const ok = await isDatabaseReachable(deps.conn);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'database-unreachable' });
  });

  const openapi = JSON.stringify(buildOpenApi(routes, { version: '0.1.0' }));
  const openapiTag = `"${createHash('sha256').update(openapi).digest('base64url')}"`;
  app.get(OPENAPI_PATH, (_req, res) => {
    res.setHeader('ETag', openapiTag);
    res.type('json').send(openapi);
  });
  app.all(['/health', '/ready', OPENAPI_PATH], otherMethods(['get']));
  if (deps.config.docsEnabled) app.use(docsRouter(OPENAPI_PATH));

  app.use(
    mountRoutes(routes, {
      authenticate: authenticate({ access, tokens: deps.tokens, clock: deps.clock }),
      requireAccess: (access) => requireRole(access),
      requireConsent: requireConsent(deps.config.termsVersion),
      audit: (entry) => auditor.record(entry),
    }),
  );

  // The pages a check-in email's links open (HTML, no sign-in: the signed link is the authority).
  app.use(
    checkInPages({
      checkIns,
      log: deps.logger,
      reportConcern: async (memberId, matchId, text) => {
        await reportConcern(lifecycleDeps, { id: memberId, role: 'member', isAdmin: false, coordinatorOf: [] }, matchId, text);
      },
    }),
  );

  // The pages an account email's links open (verify, reset, confirm a new address; HTML, no sign-in).
  app.use(accountPages({ auth: authDeps, log: deps.logger, ipLimitPer15Min: deps.config.rateLimits.accountRequestsPerIpPer15Min, audit: (entry) => auditor.record(entry) }));

  app.use(notFoundHandler());
  app.use(errorHandler(deps.logger));
  return { app, routes, outbox, lifecycle: lifecycleDeps, checkIns, erasures };
}
