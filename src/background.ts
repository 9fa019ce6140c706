// The service's scheduled work and mail, wired once for both processes that run
// them: the API (`npm start`, jobs inside it unless JOBS_IN_API=false) and the
// worker (`npm run worker`, jobs only). Part of the composition root.

import { join, resolve } from 'node:path';
import type { Connection } from 'mongoose';
import type { Config } from './config.ts';
import type { ChangeFeed } from './db/change-feed.ts';
import { createScheduler, type RecurringJob, type Scheduler, type SchedulerLog } from './jobs/scheduler.ts';
import { createOutbox, type MailLog, type Outbox } from './mail/outbox.service.ts';
import { fileTransport, smtpTransport, type MailTransport } from './mail/transport.ts';
import { createUsersRepository } from './auth/users.repository.ts';
import { createProfilesRepository } from './profiles/profiles.repository.ts';
import { createLifecycleRepository } from './matches/lifecycle.repository.ts';
import { expireDue, logJobResult, reconcile, type CoreDeps } from './matches/lifecycle.service.ts';
import type { Logger } from 'pino';
import type { TokenConfig } from './auth/tokens.ts';
import { localJwtSecret } from './db/local-secret.ts';
import { createCheckInsRepository } from './checkins/checkins.repository.ts';
import { fanOut, type CheckInDeps, type FanOutResult } from './checkins/checkins.service.ts';
import { createErasureRepository } from './members/erasure.repository.ts';
import { createConsentRepository } from './members/consent.repository.ts';
import { resumeErasures, type ErasureDeps } from './members/erasure.service.ts';
import type { AccessCache } from './auth/access-cache.ts';

/** Jobs get this long to finish at shutdown: longer than one email's SMTP timeouts (10 + 10 + 30 s). */
export const JOBS_DRAIN_MS = 60_000;

/** Followers of the change feed not heard from for this long are taken for gone when it is pruned. */
export const FEED_LIVE_WITHIN_MS = 10 * 60_000;

/** Links in emails: PUBLIC_URL, else (outside production) the address this process listens on. */
export function publicUrlOf(config: Readonly<Config>): string {
  if (config.mail.publicUrl) return config.mail.publicUrl;
  const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
  return `http://${host}:${config.port}`;
}

/** Where this process's mail goes, for its start-up log (no address, no secret). */
export function describeMail(config: Readonly<Config>): string {
  return config.mail.smtpUrl ? 'mail: delivered through SMTP_URL' : `mail: no SMTP_URL, so each message is written as an .eml file under ${config.dataDir}/outbox`;
}

/** SMTP_URL when set; otherwise each message becomes an .eml file under DATA_DIR/outbox (never in production: config refuses). */
export function mailTransportFor(config: Readonly<Config>): MailTransport {
  return config.mail.smtpUrl ? smtpTransport(config.mail.smtpUrl) : fileTransport(resolve(join(config.dataDir, 'outbox')));
}

export function createMailOutbox(deps: {
  config: Readonly<Config>;
  conn: Connection;
  clock: () => Date;
  log: MailLog;
  transport?: MailTransport;
  /** The address the server turned out to listen on (PORT=0), once it does; PUBLIC_URL wins over it. */
  listeningUrl?: () => string | undefined;
}): Outbox {
  const { config, listeningUrl } = deps;
  return createOutbox({
    conn: deps.conn,
    transport: deps.transport ?? mailTransportFor(config),
    clock: deps.clock,
    from: config.mail.from,
    publicUrl: () => config.mail.publicUrl ?? listeningUrl?.() ?? publicUrlOf(config),
    maxAttempts: config.mail.maxAttempts,
    retentionDays: config.mail.retentionDays,
    log: deps.log,
  });
}

/**
 * What the match lifecycle's steps, effects and jobs need. The API passes its
 * matching engine's `placesChanged` (its own index at once); a worker has no
 * index and only announces the change to the API instances.
 */
export function lifecycleCore(deps: {
  config: Readonly<Config>;
  conn: Connection;
  clock: () => Date;
  log: Logger;
  outbox: Outbox;
  feed: ChangeFeed;
  placesChanged?: (sponsorId: string, by: string) => Promise<void>;
}): CoreDeps {
  const { config, feed } = deps;
  return {
    repo: createLifecycleRepository(deps.conn),
    profiles: createProfilesRepository(deps.conn),
    users: createUsersRepository(deps.conn, feed),
    outbox: deps.outbox,
    clock: deps.clock,
    log: deps.log,
    responseHours: config.lifecycle.responseHours,
    termsVersion: config.termsVersion,
    temporaryMatchDays: config.lifecycle.temporaryMatchDays,
    crisisLine: config.crisisLine,
    placesChanged: deps.placesChanged ?? ((id, by) => feed.announce({ kind: 'places', id }, by)),
  };
}

/** How tokens are signed and checked: JWT_SECRET, else (outside production) the secret kept under DATA_DIR, shared by the API and the worker. */
export function tokenConfigOf(config: Readonly<Config>): TokenConfig {
  return { secret: config.jwtSecret ?? localJwtSecret(config.dataDir), issuer: config.jwt.issuer, audience: config.jwt.audience, ttlSeconds: config.jwt.ttlSeconds };
}

/** What the weekly check-ins' fan-out, answers and alerts need (the API and the worker). */
export function checkInsCore(deps: { config: Readonly<Config>; conn: Connection; clock: () => Date; log: Logger; outbox: Outbox; tokens: TokenConfig; lifecycle: CoreDeps }): CheckInDeps {
  return {
    repo: createCheckInsRepository(deps.conn),
    matches: deps.lifecycle.repo,
    profiles: createProfilesRepository(deps.conn),
    users: deps.lifecycle.users,
    outbox: deps.outbox,
    tokens: deps.tokens,
    crisis: deps.config.crisisResources.en,
    missedAlertAfter: deps.config.checkIns.missedAlertAfter,
    termsVersion: deps.config.termsVersion,
    clock: deps.clock,
    log: deps.log,
  };
}

/**
 * What erasing a member needs (the API and the worker). The API passes its
 * access cache and matching index, which drop the member at once; a worker's
 * erasure reaches every instance's caches through the feed.
 */
export function erasureCore(deps: {
  conn: Connection;
  clock: () => Date;
  log: Logger;
  feed: ChangeFeed;
  lifecycle: CoreDeps;
  access?: AccessCache;
  sponsorChanged?: (id: string, by: string) => Promise<void>;
  newcomerChanged?: (id: string, by: string) => Promise<void>;
}): ErasureDeps {
  return {
    repo: createErasureRepository(deps.conn),
    consent: createConsentRepository(deps.conn),
    users: deps.lifecycle.users,
    profiles: createProfilesRepository(deps.conn),
    lifecycle: deps.lifecycle,
    feed: deps.feed,
    clock: deps.clock,
    log: deps.log,
    feedLiveWithinMs: FEED_LIVE_WITHIN_MS,
    ...(deps.access ? { access: deps.access } : {}),
    ...(deps.sponsorChanged ? { sponsorChanged: deps.sponsorChanged } : {}),
    ...(deps.newcomerChanged ? { newcomerChanged: deps.newcomerChanged } : {}),
  };
}

function logErasures(log: Logger, r: { done: number; waiting: number }): void {
  if (r.done || r.waiting) log.info({ job: 'erasures', ...r }, 'erasures resumed');
}

function logFanOut(log: Logger, r: FanOutResult): void {
  if (r.checkIns || r.mails || r.skipped || r.recovered || r.alerts || r.errors) log.info({ job: 'checkin-fanout', ...r }, 'check-in fan-out');
}

/** How often each fanning-out job runs; tests and the simulation shorten them. */
export interface JobIntervals {
  checkInFanOut: string;
  outboxDeliver: string;
}
export const JOB_INTERVALS: JobIntervals = { checkInFanOut: '15 minutes', outboxDeliver: '15 seconds' };

/** What the recurring jobs work with. */
export interface JobDeps {
  outbox: Outbox;
  feed: ChangeFeed;
  lifecycle: CoreDeps;
  checkIns: CheckInDeps;
  erasures: ErasureDeps;
  intervals?: Partial<JobIntervals>;
}

/** Every recurring job: each fans out in code over what is due (DATABASE.md: few job documents). */
export function recurringJobs(deps: JobDeps): RecurringJob[] {
  const { lifecycle, checkIns, erasures } = deps;
  const every = { ...JOB_INTERVALS, ...deps.intervals };
  return [
    { name: 'checkin-fanout', every: every.checkInFanOut, run: async () => logFanOut(lifecycle.log, await fanOut(checkIns)) },
    { name: 'match-expiry', every: '5 minutes', run: async () => logJobResult(lifecycle.log, 'match-expiry', await expireDue(lifecycle)) },
    { name: 'match-reconcile', every: '5 minutes', run: async () => logJobResult(lifecycle.log, 'match-reconcile', await reconcile(lifecycle)) },
    { name: 'outbox-deliver', every: every.outboxDeliver, run: () => deps.outbox.deliverDue() },
    { name: 'outbox-retention', every: '6 hours', run: () => deps.outbox.purgeExpired() },
    { name: 'change-feed-prune', every: '10 minutes', run: () => deps.feed.prune(FEED_LIVE_WITHIN_MS) },
    // An erasure stopped half-way (a crash, a feed follower not yet past it) goes on from its last step.
    { name: 'erasures', every: '1 minute', run: async () => logErasures(lifecycle.log, await resumeErasures(erasures)) },
  ];
}

export async function startJobs(
  deps: JobDeps & {
    conn: Connection;
    name: string;
    log: SchedulerLog;
    processEvery?: number | string;
  },
): Promise<Scheduler> {
  const scheduler = createScheduler({ conn: deps.conn, name: deps.name, log: deps.log, ...(deps.processEvery !== undefined ? { processEvery: deps.processEvery } : {}) });
  await scheduler.start(recurringJobs(deps));
  // At start, an erasure a crash left half-way goes on at once (not a minute later); again safe if another worker does too.
  void resumeErasures(deps.erasures)
    .then((r) => logErasures(deps.lifecycle.log, r))
    .catch((err: unknown) => deps.log.warn({ errName: (err as Error)?.name }, 'resuming erasures failed; the erasures job tries again'));
  return scheduler;
}

/**
 * At shutdown: a delivery round stops after the message it is sending, running
 * jobs finish (none start), then the transport closes.
 */
export async function stopJobs(deps: { outbox: Outbox; scheduler: Scheduler | undefined; log: SchedulerLog }): Promise<void> {
  deps.outbox.stop();
  const running = deps.scheduler ? (await deps.scheduler.drain(JOBS_DRAIN_MS)).running : 0;
  deps.outbox.close();
  if (running > 0) deps.log.warn({ running }, 'jobs still running at shutdown: another worker runs them again after their lock lifetime');
}
