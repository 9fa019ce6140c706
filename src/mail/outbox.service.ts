import type { Connection } from 'mongoose';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_ATTEMPTS, failureCode, messageIdFor, retryDelayMs, senderDomain } from './delivery.ts';
import type { OutboxDoc } from './outbox.model.ts';
import { attemptClaimId, createOutboxRepository, sentClaimId, type OutboxRepository } from './outbox.repository.ts';
import { checkPublicUrl, mentionsHealth, renderTemplate, type Language, type RenderedMail, type TemplateData, type TemplateName } from './templates.ts';
import type { MailTransport } from './transport.ts';

/** Ids, template names, counts and error codes only: never an address, a subject or a body. */
export interface MailLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface OutboxOptions {
  conn: Connection;
  transport: MailTransport;
  clock: () => Date;
  /** The From header, e.g. `Notifications <no-reply@example.org>`; it shows on lock screens, so it may not say what the service is about. */
  from: string;
  /** The service's address; every message links to it. */
  publicUrl: string | (() => string);
  maxAttempts?: number;
  leaseMs?: number;
  /** Days a sent or failed message keeps its address and words (default 30). */
  retentionDays?: number;
  /** Messages read per deliverDue call (default 50). */
  batchSize?: number;
  log: MailLog;
}

export interface EnqueueRequest<N extends TemplateName> {
  /** What happened, e.g. `registered` or `match-approved:<matchId>`: with the recipient and template, the message's identity. */
  event: string;
  recipientId: string;
  to: string;
  template: N;
  data: TemplateData[N];
  language?: Language;
}

/** A message whose words the caller rendered (one that lists several items, each with its own links); `id` is its identity. */
export interface RenderedRequest {
  id: string;
  event: string;
  recipientId: string;
  to: string;
  /** A name for logs and admins' lists (e.g. `checkin`). */
  template: string;
  rendered: RenderedMail;
}

export interface DeliveryCounts {
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

/** What admins see of a message that could not be delivered: no address, subject or body. */
export interface MailFailure {
  id: string;
  template: string;
  recipientId: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  failedAt: Date | null;
}

export interface Outbox {
  /** Records the message, rendered now; `already` when this event had already promised it to this person. */
  enqueue<N extends TemplateName>(req: EnqueueRequest<N>): Promise<{ id: string; already: boolean }>;
  /** Records a message rendered by the caller, under its own id; `already` when that id was recorded before. */
  enqueueRendered(req: RenderedRequest): Promise<{ id: string; already: boolean }>;
  /** The address every link in a message starts with. */
  publicUrl(): string;
  /** Makes one attempt at each due message (at the clock's now) that no other worker holds. */
  deliverDue(opts?: { limit?: number }): Promise<DeliveryCounts>;
  listFailures(q: { limit: number }): Promise<MailFailure[]>;
  /** Removes the address and words of sent and failed messages older than the retention; counts them. */
  purgeExpired(): Promise<number>;
  /** Shutting down: a delivery round in progress stops after the message it is sending. */
  stop(): void;
  /** Closes the transport (after stop, once the delivery job has drained). */
  close(): void;
}

export const outboxId = (event: string, recipientId: string, template: string) => `${event}:${recipientId}:${template}`;

type Outcome = keyof DeliveryCounts;

export function createOutbox(opts: OutboxOptions): Outbox {
  const repo: OutboxRepository = createOutboxRepository(opts.conn);
  const { transport, clock, log } = opts;
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  const batchSize = opts.batchSize ?? 50;
  const retentionDays = opts.retentionDays ?? 30;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error('maxAttempts must be a positive integer.');
  // A function when the address is known only once the server listens (PORT=0 outside production).
  const publicUrlNow = typeof opts.publicUrl === 'function' ? opts.publicUrl : () => opts.publicUrl as string;
  const publicUrl = checkPublicUrl(publicUrlNow());
  if (mentionsHealth(opts.from)) throw new Error('The mail sender would reveal what the service is about on every lock screen: choose a neutral name and address.');
  const domain = senderDomain(opts.from) ?? new URL(publicUrl).hostname;

  let stopping = false;

  async function failAttempt(m: OutboxDoc, lastError: string, now: Date): Promise<Outcome> {
    const attempts = m.attempts + 1;
    const final = attempts >= maxAttempts;
    // Absolute values, never $inc: two workers recording the same lost attempt write the same thing.
    await repo.recordFailedAttempt(m._id, {
      attempts,
      lastError,
      nextAttemptAt: final ? now : new Date(now.getTime() + retryDelayMs(m.attempts)),
      ...(final ? { failedAt: now } : {}),
    });
    const fields = { mail: m._id, template: m.template, attempt: attempts, error: lastError };
    if (final) log.warn(fields, 'mail failed: no attempts left');
    else log.warn(fields, 'mail attempt failed; will retry');
    return final ? 'failed' : 'retried';
  }

  async function send(m: OutboxDoc, now: Date): Promise<Outcome> {
    let result: { messageId?: string; path?: string };
    try {
      result = await transport.send({
        outboxId: m._id,
        messageId: messageIdFor(m._id, domain),
        from: opts.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
      });
    } catch (err) {
      return failAttempt(m, failureCode(err), now);
    }
    await repo.markSent(m._id, clock(), result.messageId);
    log.info({ mail: m._id, template: m.template, attempt: m.attempts + 1, ...(result.path ? { path: result.path } : {}) }, 'mail sent');
    return 'sent';
  }

  async function deliverOne(m: OutboxDoc, now: Date): Promise<Outcome> {
    const claimId = attemptClaimId(m._id, m.attempts);
    if (await repo.claim(claimId, now)) return send(m, now);
    const claimedAt = await repo.claimedAt(claimId);
    if (!claimedAt || now.getTime() - claimedAt.getTime() < leaseMs) return 'skipped';
    // The claim outlived every SMTP timeout: its worker died mid-attempt. Unless
    // it got as far as recording the send, that attempt counts as failed.
    const sentAt = await repo.claimedAt(sentClaimId(m._id));
    if (sentAt) {
      await repo.markSent(m._id, sentAt, undefined);
      return 'skipped';
    }
    // Read again: this batch may be older than the lease, and another worker may
    // have recorded this attempt (and later ones) since; never write over them.
    const current = await repo.get(m._id);
    if (current?.status !== 'pending' || current.attempts !== m.attempts) return 'skipped';
    return failAttempt(current, 'interrupted', now);
  }

  function checkRequest(req: { event: string; recipientId: string; to: string }): void {
    if (!req.event || !req.recipientId || req.recipientId.includes(':')) throw new Error('A mail needs an event and a recipient id without ":".');
    // One plain address: nothing that could add a header or a second recipient.
    if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(req.to)) throw new Error('A mail needs one plain address.');
  }

  async function record(req: RenderedRequest): Promise<{ id: string; already: boolean }> {
    const now = clock();
    const inserted = await repo.insert({
      _id: req.id,
      to: req.to,
      recipientId: req.recipientId,
      template: req.template,
      event: req.event,
      ...req.rendered,
      createdAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
    });
    log.info({ mail: req.id, template: req.template, already: !inserted }, inserted ? 'mail enqueued' : 'mail already enqueued');
    return { id: req.id, already: !inserted };
  }

  return {
    async enqueue(req) {
      checkRequest(req);
      const rendered = renderTemplate(req.template, req.data, { publicUrl: checkPublicUrl(publicUrlNow()), ...(req.language ? { language: req.language } : {}) });
      return record({ id: outboxId(req.event, req.recipientId, req.template), event: req.event, recipientId: req.recipientId, to: req.to, template: req.template, rendered });
    },

    async enqueueRendered(req) {
      checkRequest(req);
      if (!req.id) throw new Error('A rendered mail needs its id.');
      if (mentionsHealth(req.rendered.subject)) throw new Error(`The subject of the ${req.template} mail would reveal what the service is about.`);
      return record(req);
    },

    publicUrl: () => checkPublicUrl(publicUrlNow()),

    async deliverDue(o) {
      const counts: DeliveryCounts = { sent: 0, retried: 0, failed: 0, skipped: 0 };
      if (stopping) return counts;
      // The clock is read again for each message: a batch against a slow server can take minutes.
      for (const m of await repo.due(clock(), o?.limit ?? batchSize)) {
        if (stopping) break;
        counts[await deliverOne(m, clock())] += 1;
      }
      return counts;
    },

    async purgeExpired() {
      const now = clock();
      const purged = await repo.purgeBefore(new Date(now.getTime() - retentionDays * 86_400_000), now);
      if (purged > 0) log.info({ purged }, 'mail: removed addresses and words of old messages');
      return purged;
    },

    stop() {
      stopping = true;
    },

    close() {
      stopping = true;
      transport.close();
    },

    async listFailures(q) {
      return (await repo.failures(q.limit)).map((d) => ({
        id: d._id,
        template: d.template,
        recipientId: d.recipientId,
        attempts: d.attempts,
        lastError: d.lastError ?? null,
        createdAt: d.createdAt,
        failedAt: d.failedAt ?? null,
      }));
    },
  };
}
