import { atRepositoryEdge } from '../db/repository-edge.ts';
import mongoose, { type Connection } from 'mongoose';
import { isDuplicateKey } from '../db/connect.ts';
import type { ChangeFeed } from '../db/change-feed.ts';
import { authModels, type UserDoc } from './users.model.ts';

export type User = UserDoc;

/** What authentication needs of an account, and all the access cache keeps: no email, name or hash. */
export interface AccessEntry {
  _id: string;
  roles: { admin: boolean; coordinatorOf: string[] };
}

export interface UsersRepository {
  /** Inserts the user, then claims its email; false (and nothing left behind) if the email is taken. */
  create(user: User): Promise<boolean>;
  findById(id: string): Promise<User | undefined>;
  accessEntry(id: string): Promise<AccessEntry | undefined>;
  findByEmail(normalisedEmail: string): Promise<User | undefined>;
  setCoordinatorOf(id: string, programs: string[]): Promise<User | undefined>;
  setAdmin(id: string, admin: boolean): Promise<void>;
  /** Who looks after a program: its coordinators, or the admins when it has none (few; read when they are to be told something). */
  coordinatorsOf(program: string): Promise<User[]>;
  revokeToken(jti: string, expiresAt: Date): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
  /** Revoked tokens that have not expired yet (few: logouts within one token lifetime). */
  revokedSince(now: Date): Promise<Array<{ jti: string; expiresAt: Date }>>;
  deleteExpiredRevocations(now: Date): Promise<number>;
}

// Role changes and revocations are also published on the change feed, whoever
// makes them (the API, create-admin, the demo seed), so that every API
// instance's access cache drops what it held.
export function createUsersRepository(conn: Connection, feed: ChangeFeed): UsersRepository {
  const { User, Login, RevokedToken } = authModels(conn);
  return atRepositoryEdge<UsersRepository>({
    async create(user) {
      // The user document first, then the claim: a crash in between leaves an
      // unreachable user, never an email that nobody can register again.
      await User.create(user);
      try {
        await Login.create({ _id: user.email, userId: user._id });
        return true;
      } catch (err) {
        await User.deleteOne({ _id: user._id });
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },
    async findById(id) {
      return (await User.findById(id).lean<User>()) ?? undefined;
    },
    async accessEntry(id) {
      const doc = await User.findById(id).select({ roles: 1 }).lean<{ _id: string; roles?: Partial<AccessEntry['roles']> }>();
      if (!doc) return undefined;
      return { _id: doc._id, roles: { admin: Boolean(doc.roles?.admin), coordinatorOf: [...(doc.roles?.coordinatorOf ?? [])] } };
    },
    async findByEmail(email) {
      const login = await Login.findById(email).lean();
      if (!login) return undefined;
      return (await User.findById(login.userId).lean<User>()) ?? undefined;
    },
    async setCoordinatorOf(id, programs) {
      const res = await User.updateOne({ _id: id }, { $set: { 'roles.coordinatorOf': programs } });
      if (res.matchedCount === 0) return undefined;
      await feed.announce({ kind: 'user', id }, id);
      return (await User.findById(id).lean<User>()) ?? undefined;
    },
    async coordinatorsOf(program) {
      const coordinators = await User.find({ 'roles.coordinatorOf': program }).lean<User[]>();
      if (coordinators.length > 0) return coordinators;
      return User.find({ 'roles.admin': true }).lean<User[]>();
    },
    async setAdmin(id, admin) {
      await User.updateOne({ _id: id }, { $set: { 'roles.admin': admin } });
      await feed.announce({ kind: 'user', id }, id);
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
      return res.deletedCount;
    },
    async revokedSince(now) {
      const docs = await RevokedToken.find().lean();
      return docs.filter((d) => new Date(d.expiresAt) > now).map((d) => ({ jti: d._id, expiresAt: new Date(d.expiresAt) }));
    },
  });
}
