import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../access/actor.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { signAccessToken, verifyAccessToken, type TokenConfig } from './tokens.ts';
import type { User, UsersRepository } from './users.repository.ts';
import type { AccessCache } from './access-cache.ts';

export interface AuthDeps {
  users: UsersRepository;
  access: AccessCache;
  tokens: TokenConfig;
  clock: () => Date;
  /** Records the welcome email of a new account (the outbox delivers it). */
  welcome?(user: { id: string; email: string; displayName: string }): Promise<void>;
}

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  roles: { admin: boolean; coordinatorOf: string[] };
  consent: { healthData: boolean; adult: boolean; termsVersion: string; at: string };
  createdAt: string;
}

export function toUserView(u: User): UserView {
  return {
    id: u._id,
    email: u.email,
    displayName: u.displayName,
    roles: { admin: Boolean(u.roles?.admin), coordinatorOf: [...(u.roles?.coordinatorOf ?? [])] },
    consent: {
      healthData: u.consent.healthData,
      adult: u.consent.adult,
      termsVersion: u.consent.termsVersion,
      at: new Date(u.consent.at).toISOString(),
    },
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

export function actorOf(u: Pick<User, '_id' | 'roles'>): Actor {
  const isAdmin = Boolean(u.roles?.admin);
  const coordinatorOf = [...(u.roles?.coordinatorOf ?? [])];
  return { id: u._id, isAdmin, coordinatorOf, role: isAdmin ? 'admin' : coordinatorOf.length ? 'coordinator' : 'member' };
}

const nowSeconds = (clock: () => Date) => Math.floor(clock().getTime() / 1000);

export interface RegisterInput {
  email: string;
  password: string;
  displayName: string;
  consent: { healthData: true; adult: true; termsVersion: string };
}

export async function register(deps: AuthDeps, input: RegisterInput) {
  const now = deps.clock();
  const user: User = {
    _id: randomUUID(),
    email: input.email,
    displayName: input.displayName,
    passwordHash: await hashPassword(input.password),
    consent: { ...input.consent, at: now },
    roles: { admin: false, coordinatorOf: [] },
    createdAt: now,
  };
  if (!(await deps.users.create(user))) {
    throw new AppError('conflict', 'email-taken', 'An account with this email already exists.');
  }
  await deps.welcome?.({ id: user._id, email: user.email, displayName: user.displayName });
  return { user: toUserView(user), ...signAccessToken(deps.tokens, user._id, nowSeconds(deps.clock)) };
}

export async function login(deps: AuthDeps, input: { email: string; password: string }) {
  const user = await deps.users.findByEmail(input.email);
  // An unknown email is checked against a dummy hash so both failures take the same time.
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok) throw new AppError('unauthenticated', 'invalid-credentials', 'The email or password is not right.');
  return signAccessToken(deps.tokens, user._id, nowSeconds(deps.clock));
}

export async function logout(deps: AuthDeps, token: string): Promise<void> {
  const verified = verifyAccessToken(deps.tokens, token, nowSeconds(deps.clock));
  if (!verified) return;
  await deps.users.revokeToken(verified.jti, verified.expiresAt);
  deps.access.remember(verified.jti, verified.expiresAt);
}

export async function getMe(deps: AuthDeps, actor: Actor): Promise<UserView> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  return toUserView(user);
}

export async function findUserByEmail(deps: AuthDeps, email: string): Promise<UserView[]> {
  const user = await deps.users.findByEmail(email);
  return user ? [toUserView(user)] : [];
}

export async function setCoordinatorRoles(
  deps: AuthDeps & { programExists: (key: string) => Promise<boolean> },
  userId: string,
  coordinatorOf: string[],
): Promise<UserView> {
  const unique = [...new Set(coordinatorOf)].sort();
  for (const key of unique) {
    if (!(await deps.programExists(key))) {
      throw new AppError('validation', 'unknown-program', 'A program in the list does not exist.', {
        errors: [{ path: `coordinatorOf.${coordinatorOf.indexOf(key)}`, message: 'Unknown program.' }],
      });
    }
  }
  const user = await deps.users.setCoordinatorOf(userId, unique);
  if (!user) throw notFound('user');
  deps.access.forgetUser(userId);
  return toUserView(user);
}
