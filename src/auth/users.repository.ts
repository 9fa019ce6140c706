import { atRepositoryEdge } from '../db/repository-edge.ts';
import mongoose, { type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import { authModels, type UserDoc } from './users.model.ts';
import { hasCurrentConsent } from '../access/policy.ts';

export type User = UserDoc;

/** What authentication needs of an account, and all the access cache keeps: no email, name or hash. */
export interface AccessEntry {
  _id: string;
  roles: { admin: boolean; coordinatorOf: string[] };
  /** Tokens issued at or before this millisecond are ended, but `notBeforeExcept`. */
  notBeforeMs?: number;
  notBeforeExcept?: string;
  /** The member's consent (the gate in front of data routes): the terms version given, and whether health data may be kept. */
  termsVersion: string;
  healthData: boolean;
}

/** Whether an account's address is confirmed (accounts older than verification count as confirmed). */
export const isVerified = (u: Pick<User, 'emailVerified'>): boolean => u.emailVerified !== false;

export type EmailChangeResult = 'changed' | 'taken' | 'gone';

export interface UsersRepository {
  /** Inserts the user, then claims its email; false (and nothing left behind) if the email is taken. */
  create(user: User): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  /**
   * The accounts kept out of the candidate index: address not confirmed yet,
   * or consent not to the current terms, or health-data consent withdrawn.
   */
  inactiveIds(termsVersion: string): Promise<Set<string>>;
  /** Whether the account may be proposed: confirmed, with current consent (the single-account form of `inactiveIds`). */
  isActive(id: string, termsVersion: string): Promise<boolean>;
  /** The accounts whose consent is not to the current terms or whose health-data consent is withdrawn (their check-ins pause, they are not in pool runs). */
  withoutCurrentConsent(termsVersion: string): Promise<Set<string>>;
  /** Replaces the account's consent (announced: every instance's access cache reloads it); false for no account. */
  setConsent(id: string, consent: UserDoc['consent']): Promise<boolean>;
  accessEntry(id: string): Promise<AccessEntry | undefined>;
  findByEmail(normalisedEmail: string): Promise<User | undefined>;
  setCoordinatorOf(id: string, programs: string[]): Promise<User | undefined>;
  setAdmin(id: string, admin: boolean): Promise<void>;
  /** Who looks after a program: its coordinators, or the admins when it has none (few; read when they are to be told something). */
  coordinatorsOf(program: string): Promise<User[]>;
  /** Marks the address confirmed (only if it is still the account's address). */
  markVerified(id: string, email: string, at: Date): Promise<boolean>;
  /** A new password hash; every token issued at or before `at` is ended but `keepJti`; a pending change of address is dropped. */
  setPassword(id: string, passwordHash: string, at: Date, keepJti?: string): Promise<void>;
  /** Ends every token issued at or before `at` (sign-out everywhere), but `keepJti`. */
  endTokens(id: string, at: Date, keepJti?: string): Promise<void>;
  setPendingEmail(id: string, pending: { email: string; linkId: string; requestedAt: Date }): Promise<void>;
  /**
   * Moves the account to a new address: claims the new address's login entry
   * (of two accounts confirming one address at once, exactly one insert wins),
   * then the account, then gives up the old entry. After a crash half-way the
   * member asks again: the entry already theirs is taken over.
   */
  changeEmail(id: string, from: string, to: string, at: Date): Promise<EmailChangeResult>;
  /** Uses a single-use link: true the first time, false ever after. */
  useLink(link: { linkId: string; purpose: string; userId: string; expiresAt: Date }, at: Date): Promise<boolean>;
  revokeToken(jti: string, expiresAt: Date): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revoked tokens that have not expired yet (few: logouts within one token lifetime). */
  revokedSince(now: Date): Promise<Array<{ jti: string; expiresAt: Date }>>;
  deleteExpiredRevocations(now: Date): Promise<number>;
}

// Role changes and revocations are also published on the change feed, whoever
// makes them (the API, create-admin, the demo seed), so that every API
// instance's access cache drops what it held.
// A login entry whose account has another address is left by an email change
// that stopped between its claim and the account's update; past this age (no
// confirmation still running) a new account may take the address.
const STALE_LOGIN_MS = 10 * 60_000;

export function createUsersRepository(conn: Connection, feed: ChangeFeed): UsersRepository {
  const { User, Login, RevokedToken, UsedLink } = authModels(conn);
  /** The address's login entry is an orphan: no account, or an account now at another address, and old enough. */
  const releaseStaleLogin = async (email: string, now: Date): Promise<boolean> => {
    const login = await Login.findById(email).lean();
    if (!login) return true;
    const owner = await User.findById(login.userId).select({ email: 1 }).lean<{ email: string }>();
    if (owner?.email === email) return false;
    if (login.createdAt && now.getTime() - new Date(login.createdAt).getTime() < STALE_LOGIN_MS) return false;
    // Only one caller releases this entry (a claim by insert): two releasing at once could otherwise
    // both delete, the later one removing the entry the earlier one had just written.
    const release = `release-login:${email}:${login.userId}:${login.createdAt ? new Date(login.createdAt).getTime() : 'legacy'}`;
    try {
      await UsedLink.create({ _id: release, purpose: 'release-login', userId: login.userId, usedAt: now, expiresAt: new Date(now.getTime() + 86_400_000) });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    await Login.deleteOne({ _id: email, userId: login.userId });
    return true;
  };
  const announce = (id: string) => feed.announce({ kind: 'user', id }, id);
  return atRepositoryEdge<UsersRepository>({
    async create(user) {
      // The user document first, then the claim: a crash in between leaves an
      // unreachable user, never an email that nobody can register again.
      await User.create(user);
      for (let attempt = 0; ; attempt += 1) {
        try {
          await Login.create({ _id: user.email, userId: user._id, createdAt: user.createdAt });
          return true;
        } catch (err) {
          if (isDuplicateKey(err) && attempt === 0 && (await releaseStaleLogin(user.email, user.createdAt))) continue;
          await User.deleteOne({ _id: user._id });
          if (isDuplicateKey(err)) return false;
          throw err;
        }
      }
    },
    async markVerified(id, email, at) {
      const user = await User.findById(id).select({ email: 1 }).lean<{ email: string }>();
      if (!user || user.email !== email) return false;
      await User.updateOne({ _id: id }, { $set: { emailVerified: true, emailVerifiedAt: at } });
      return true;
    },
    async setPassword(id, passwordHash, at, keepJti) {
      await User.updateOne(
        { _id: id },
        keepJti
          ? { $set: { passwordHash, passwordChangedAt: at, tokensNotBefore: at, tokensNotBeforeExcept: keepJti }, $unset: { pendingEmail: 1 } }
          : { $set: { passwordHash, passwordChangedAt: at, tokensNotBefore: at }, $unset: { tokensNotBeforeExcept: 1, pendingEmail: 1 } },
      );
      await announce(id);
    },
    async endTokens(id, at, keepJti) {
      await User.updateOne(
        { _id: id },
        // A change of address asked for before it is dropped too: whoever signed out everywhere may be shutting an intruder out.
        keepJti
          ? { $set: { tokensNotBefore: at, tokensNotBeforeExcept: keepJti }, $unset: { pendingEmail: 1 } }
          : { $set: { tokensNotBefore: at }, $unset: { tokensNotBeforeExcept: 1, pendingEmail: 1 } },
      );
      await announce(id);
    },
    async setPendingEmail(id, pending) {
      await User.updateOne({ _id: id }, { $set: { pendingEmail: pending } });
    },
    async changeEmail(id, from, to, at) {
      let claimed = false;
      for (let attempt = 0; !claimed; attempt += 1) {
        try {
          await Login.create({ _id: to, userId: id, createdAt: at });
          claimed = true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          const holder = await Login.findById(to).lean();
          if (holder?.userId === id) claimed = true; // ours already: a confirmation that stopped half-way
          else if (attempt > 0 || !(await releaseStaleLogin(to, at))) return 'taken';
        }
      }
      const res = await User.updateOne({ _id: id }, { $set: { email: to, emailVerified: true, emailVerifiedAt: at }, $unset: { pendingEmail: 1 } });
      if (res.matchedCount === 0) {
        await Login.deleteOne({ _id: to, userId: id });
        return 'gone';
      }
      if (from !== to) await Login.deleteOne({ _id: from, userId: id });
      await announce(id);
      return 'changed';
    },
    async useLink(link, at) {
      try {
        await UsedLink.create({ _id: link.linkId, purpose: link.purpose, userId: link.userId, usedAt: at, expiresAt: link.expiresAt });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async findById(id) {
      return (await User.findById(id).lean<User>()) ?? undefined;
    },
    async inactiveIds(termsVersion) {
      // The rule is the policy's (hasCurrentConsent), applied in code: FerretDB scans this collection for any filter but _id anyway.
      const docs = await User.find().select({ _id: 1, emailVerified: 1, consent: 1 }).lean<Array<Pick<User, '_id' | 'emailVerified' | 'consent'>>>();
      return new Set(docs.filter((d) => !isVerified(d) || !hasCurrentConsent(d.consent, termsVersion)).map((d) => d._id));
    },
    async isActive(id, termsVersion) {
      const doc = await User.findById(id).select({ emailVerified: 1, consent: 1 }).lean<Pick<User, 'emailVerified' | 'consent'>>();
      return doc ? isVerified(doc) && hasCurrentConsent(doc.consent, termsVersion) : false;
    },
    async withoutCurrentConsent(termsVersion) {
      const docs = await User.find().select({ _id: 1, consent: 1 }).lean<Array<Pick<User, '_id' | 'consent'>>>();
      return new Set(docs.filter((d) => !hasCurrentConsent(d.consent, termsVersion)).map((d) => d._id));
    },
    async setConsent(id, consent) {
      const res = await User.updateOne({ _id: id }, { $set: { consent } });
      if (res.matchedCount === 0) return false;
      await announce(id);
      return true;
    },
    async accessEntry(id) {
      const doc = await User.findById(id)
        .select({ roles: 1, tokensNotBefore: 1, tokensNotBeforeExcept: 1, consent: 1 })
        .lean<{ _id: string; roles?: Partial<AccessEntry['roles']>; tokensNotBefore?: Date; tokensNotBeforeExcept?: string; consent?: Partial<User['consent']> }>();
      if (!doc) return undefined;
      return {
        _id: doc._id,
        roles: { admin: Boolean(doc.roles?.admin), coordinatorOf: [...(doc.roles?.coordinatorOf ?? [])] },
        ...(doc.tokensNotBefore ? { notBeforeMs: new Date(doc.tokensNotBefore).getTime() } : {}),
        ...(doc.tokensNotBeforeExcept ? { notBeforeExcept: doc.tokensNotBeforeExcept } : {}),
        termsVersion: doc.consent?.termsVersion ?? '',
        healthData: doc.consent?.healthData === true,
      };
    },
    async findByEmail(email) {
      const login = await Login.findById(email).lean();
      if (!login) return undefined;
      const user = await User.findById(login.userId).lean<User>();
      // An entry left by an email change that stopped half-way names an account now at another address.
      return user?.email === email ? user : undefined;
    },
    async setCoordinatorOf(id, programs) {
      const res = await User.updateOne({ _id: id }, { $set: { 'roles.coordinatorOf': programs } });
      if (res.matchedCount === 0) return undefined;
      await announce(id);
      return (await User.findById(id).lean<User>()) ?? undefined;
    },
    async coordinatorsOf(program) {
      // Nothing but the verification email goes to an address not yet confirmed.
      const coordinators = (await User.find({ 'roles.coordinatorOf': program }).lean<User[]>()).filter(isVerified);
      if (coordinators.length > 0) return coordinators;
      return (await User.find({ 'roles.admin': true }).lean<User[]>()).filter(isVerified);
    },
    async setAdmin(id, admin) {
      await User.updateOne({ _id: id }, { $set: { 'roles.admin': admin } });
      await announce(id);
    },
    async revokeToken(jti, expiresAt) {
      try {
        await RevokedToken.create({ _id: jti, expiresAt });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // already revoked: logging out twice is fine
        return;
      }
      await feed.announce({ kind: 'revoked', jti, expiresAt: expiresAt.toISOString() }, jti);
    },
    async isTokenRevoked(jti) {
      return (await RevokedToken.exists({ _id: jti })) !== null;
    },
    async deleteExpiredRevocations(now) {
      const res = await RevokedToken.deleteMany({ expiresAt: mongoose.trusted({ $lte: now }) });
      // Used links past their expiry can no longer be presented: their entries go with the revocations.
      await UsedLink.deleteMany({ expiresAt: mongoose.trusted({ $lte: now }) });
      return res.deletedCount;
    },
    async revokedSince(now) {
      const docs = await RevokedToken.find().lean();
      return docs.filter((d) => new Date(d.expiresAt) > now).map((d) => ({ jti: d._id, expiresAt: new Date(d.expiresAt) }));
    },
  });
}
