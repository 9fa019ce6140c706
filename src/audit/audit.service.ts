import { BoundedMap } from '../lib/bounded-map.ts';
import type { AuditRepository, PseudonymsRepository } from './audit.repository.ts';

export interface AuditRecord {
  actorId: string;
  subjectIds: readonly string[];
  action: string;
  route: string;
  requestId: string;
  /** Words the actor gave (an admin's reason). */
  note?: string;
}

export interface Auditor {
  /** Appends one entry; awaited before the audited answer is sent, so no audited read goes unrecorded. */
  record(r: AuditRecord): Promise<void>;
}

export interface AuditDeps {
  audit: AuditRepository;
  pseudonyms: PseudonymsRepository;
  clock: () => Date;
}

export function createAuditor(deps: AuditDeps): Auditor {
  // A pseudonym never changes while it exists; an erasure (later) drops it here too.
  const cache = new BoundedMap<string, string>(100_000);
  const pseudonymOf = async (userId: string) => {
    const hit = cache.get(userId);
    if (hit) return hit;
    const p = await deps.pseudonyms.of(userId);
    cache.set(userId, p);
    return p;
  };
  return {
    async record(r) {
      const subjectIds = [...new Set(r.subjectIds)];
      // A run names thousands of members: their pseudonyms are fetched (or made) in batches, not one by one,
      // and looked up without reordering the cache each time (peek), which took tens of ms for a large run.
      const missing = subjectIds.filter((id) => cache.peek(id) === undefined);
      const fetched = missing.length > 8 ? await deps.pseudonyms.ofMany(missing) : new Map<string, string>();
      for (const [id, p] of fetched) cache.set(id, p);
      const subjects: string[] = [];
      // Only the few a batch did not cover (eight or fewer) are read one by one.
      for (const id of subjectIds) subjects.push(cache.peek(id) ?? (await pseudonymOf(id)));
      await deps.audit.append({ at: deps.clock(), actor: await pseudonymOf(r.actorId), subjects, action: r.action, route: r.route, requestId: r.requestId, ...(r.note ? { note: r.note } : {}) });
    },
  };
}

export interface AuditQuery {
  actor?: string;
  subject?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

interface Party {
  pseudonym: string;
  /** The member, while the pseudonym mapping exists (null after an erasure). */
  userId: string | null;
}

export interface AuditView {
  id: string;
  at: string;
  action: string;
  route: string;
  requestId: string;
  actor: Party;
  subjects: Party[];
  note?: string;
}

/** Entries newest first; `actor` and `subject` are user ids, looked up through their pseudonyms. */
export async function listAudit(deps: AuditDeps, q: AuditQuery): Promise<AuditView[]> {
  const actor = q.actor === undefined ? undefined : await deps.pseudonyms.existing(q.actor);
  const subject = q.subject === undefined ? undefined : await deps.pseudonyms.existing(q.subject);
  // Someone with no pseudonym has never been named in the log.
  if ((q.actor !== undefined && !actor) || (q.subject !== undefined && !subject)) return [];
  const entries = await deps.audit.find({
    limit: q.limit,
    ...(actor ? { actor } : {}),
    ...(subject ? { subject } : {}),
    ...(q.from ? { from: q.from } : {}),
    ...(q.to ? { to: q.to } : {}),
  });
  const resolved = new Map<string, string | null>();
  const party = async (p: string): Promise<Party> => {
    if (!resolved.has(p)) resolved.set(p, (await deps.pseudonyms.userOf(p)) ?? null);
    return { pseudonym: p, userId: resolved.get(p) ?? null };
  };
  const out: AuditView[] = [];
  for (const e of entries) {
    out.push({
      id: e._id,
      at: new Date(e.at).toISOString(),
      action: e.action,
      route: e.route,
      requestId: e.requestId,
      actor: await party(e.actor),
      subjects: await Promise.all(e.subjects.map(party)),
      ...(e.note ? { note: e.note } : {}),
    });
  }
  return out;
}
