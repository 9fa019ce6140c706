import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, notFound } from '../errors.ts';
import type { Actor } from '../access/actor.ts';
import type { Outbox } from '../mail/outbox.service.ts';
import type { TemplateData, TemplateName } from '../mail/templates.ts';
import type { QuietLimit } from '../http/rate-limit.ts';
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts';
import { signAccessToken, signAccountLink, verifyAccessToken, verifyAccountLink, type AccountLinkPurpose, type TokenConfig } from './tokens.ts';
import { isVerified, type User, type UsersRepository } from './users.repository.ts';
import type { AccessCache } from './access-cache.ts';

export interface AuthLog {
  warn(obj: object, msg: string): void;
}

export interface AuthDeps {
  users: UsersRepository;
  access: AccessCache;
  tokens: TokenConfig;
  clock: () => Date;
  /** Where account emails are recorded (verification, reset, change of address); without it none are sent. */
  outbox?: Pick<Outbox, 'enqueue' | 'publicUrl'>;
  crisisLine?: string;
  log?: AuthLog;
  /** Forgets an email's failed sign-ins (after a completed reset). */
  clearLoginFailures?(email: string): Promise<void>;
  /** Reset emails per address per 15 minutes: past it a request is answered the same and nothing is sent. */
  resetMailsPerEmail?: QuietLimit;
  /** A password-reset request is answered no sooner than this (ms), known address or not (default 250). */
  resetAnswerMs?: number;
  /** An address was confirmed: what is kept out for unconfirmed accounts (the candidate index) takes the account in. */
  verified?(userId: string): Promise<void>;
  /** The terms version registration must consent to (TERMS_VERSION). */
  termsVersion: string;
  /** Records a consent given at registration in the member's consent history. */
  consentGiven?(entry: { userId: string; termsVersion: string; healthData: boolean; adult: boolean; at: Date }): Promise<void>;
}

/** A consent to terms other than the current ones: 400, naming the version to consent to. */
export function termsVersionMismatch(current: string): AppError {
  return new AppError('validation', 'terms-version-mismatch', `Consent must be given to the current terms, version ${current} (GET /api/v1/terms).`, {
    members: { termsVersion: current },
  });
}

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  emailVerified: boolean;
  /** A new address asked for and not confirmed yet. */
  pendingEmail?: string;
  roles: { admin: boolean; coordinatorOf: string[] };
  consent: { healthData: boolean; adult: boolean; termsVersion: string; at: string };
  createdAt: string;
}

export function toUserView(u: User): UserView {
  return {
    id: u._id,
    email: u.email,
    displayName: u.displayName,
    emailVerified: isVerified(u),
    ...(u.pendingEmail ? { pendingEmail: u.pendingEmail.email } : {}),
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

/**
 * A new token for the account: issued after its `tokensNotBefore` even when the
 * clock has not moved since (a test's clock; the same millisecond).
 */
function issueToken(deps: AuthDeps, user: Pick<User, '_id' | 'tokensNotBefore'>) {
  const notBefore = user.tokensNotBefore ? new Date(user.tokensNotBefore).getTime() : -Infinity;
  return signAccessToken(deps.tokens, user._id, Math.max(deps.clock().getTime(), notBefore + 1));
}

const invalidLink = () =>
  new AppError('validation', 'invalid-link', 'This link is not valid: it may have expired, been used already, or been replaced by a newer one. You can ask for a new one.');

/** The page a link opens (`/account/...?token=`), under the service's public address. */
function linkTo(deps: AuthDeps, page: string, token: string): string {
  const url = new URL(`account/${page}`, deps.outbox!.publicUrl());
  url.searchParams.set('token', token);
  return url.href;
}

async function accountMail<N extends TemplateName>(deps: AuthDeps, req: { event: string; user: Pick<User, '_id' | 'displayName'>; to: string; template: N; data: TemplateData[N] }) {
  if (!deps.outbox) return;
  await deps.outbox.enqueue({ event: req.event, recipientId: req.user._id, to: req.to, template: req.template, data: req.data });
}

const resetPage = (deps: AuthDeps) => new URL('account/forgot-password', deps.outbox?.publicUrl() ?? 'http://localhost/').href;

/** Mails a new verification link to the account's address. */
async function sendVerification(deps: AuthDeps, user: Pick<User, '_id' | 'email' | 'displayName'>): Promise<void> {
  if (!deps.outbox) return;
  const { token, linkId } = signAccountLink(deps.tokens, 'verify-email', { userId: user._id, email: user.email }, deps.clock().getTime());
  await accountMail(deps, {
    event: `verify-email-${linkId}`,
    user,
    to: user.email,
    template: 'verify-email',
    data: { displayName: user.displayName, link: linkTo(deps, 'verify-email', token), crisisLine: deps.crisisLine ?? '988' },
  });
}

/** A link that verifies, is this purpose's, names a living account, and has not been used: its account (the link is used by this call). */
async function useLink(deps: AuthDeps, purpose: AccountLinkPurpose, token: string, accept: (user: User, link: NonNullable<ReturnType<typeof verifyAccountLink>>) => boolean) {
  const link = verifyAccountLink(deps.tokens, purpose, token, nowSeconds(deps.clock));
  if (!link) throw invalidLink();
  const user = await deps.users.findById(link.userId);
  if (!user || !accept(user, link)) throw invalidLink();
  if (!(await deps.users.useLink({ linkId: link.linkId, purpose, userId: user._id, expiresAt: link.expiresAt }, deps.clock()))) throw invalidLink();
  return { user, link };
}

export interface RegisterInput {
  email: string;
  password: string;
  displayName: string;
  consent: { healthData: true; adult: true; termsVersion: string };
}

export async function register(deps: AuthDeps, input: RegisterInput) {
  if (input.consent.termsVersion !== deps.termsVersion) throw termsVersionMismatch(deps.termsVersion);
  const now = deps.clock();
  const user: User = {
    _id: randomUUID(),
    email: input.email,
    displayName: input.displayName,
    passwordHash: await hashPassword(input.password),
    consent: { ...input.consent, at: now },
    roles: { admin: false, coordinatorOf: [] },
    createdAt: now,
    emailVerified: false,
  };
  if (!(await deps.users.create(user))) {
    throw new AppError('conflict', 'email-taken', 'An account with this email already exists.');
  }
  // The account's `consent` is the current state and holds it already; a history entry
  // that cannot be written now is logged (with the account id, to be repaired), not worth failing the sign-up for.
  await deps
    .consentGiven?.({ userId: user._id, ...user.consent })
    .catch((err: unknown) => deps.log?.warn({ user: user._id, errName: (err as Error)?.name }, 'consent history entry not recorded at registration'));
  // The account exists already: a link that cannot be recorded now is not worth failing the sign-up for (one can be asked for again).
  await sendVerification(deps, user).catch((err: unknown) => deps.log?.warn({ user: user._id, errName: (err as Error)?.name }, 'verification email not recorded'));
  return { user: toUserView(user), ...issueToken(deps, user) };
}

export async function login(deps: AuthDeps, input: { email: string; password: string }) {
  const user = await deps.users.findByEmail(input.email);
  // An unknown email is checked against a dummy hash so both failures take the same time.
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
  if (!user || !ok) throw new AppError('unauthenticated', 'invalid-credentials', 'The email or password is not right.');
  return issueToken(deps, user);
}

// ---- email verification ----

/** Confirms the address the link was sent to; then (once) the welcome email. */
export async function verifyEmail(deps: AuthDeps, token: string): Promise<{ user: UserView }> {
  const { user, link } = await useLink(deps, 'verify-email', token, (u, l) => u.email === l.email && !isVerified(u));
  const now = deps.clock();
  if (!(await deps.users.markVerified(user._id, link.email, now))) throw invalidLink();
  await deps.verified?.(user._id);
  await accountMail(deps, { event: 'registered', user, to: user.email, template: 'welcome', data: { displayName: user.displayName, crisisLine: deps.crisisLine ?? '988' } }).catch(
    (err: unknown) => deps.log?.warn({ user: user._id, errName: (err as Error)?.name }, 'welcome email not recorded'),
  );
  return { user: toUserView({ ...user, emailVerified: true, emailVerifiedAt: now }) };
}

export async function resendVerification(deps: AuthDeps, actor: Actor): Promise<void> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  if (isVerified(user)) throw new AppError('conflict', 'already-verified', 'Your email address is already confirmed.');
  await sendVerification(deps, user);
}

// ---- password reset ----

/**
 * Always the same answer, in about the same time: whether the address has an
 * account is never told. A known address gets a link for 30 minutes (at most a
 * few per quarter hour; past that nothing more is sent, and the answer is the same).
 */
export async function requestPasswordReset(deps: AuthDeps, email: string): Promise<void> {
  const started = performance.now();
  const user = await deps.users.findByEmail(email);
  // The link is signed either way, so both paths do the same work up to the mail.
  // The link is signed either way, so both paths do the same work up to the mail.
  const { token, linkId } = signAccountLink(deps.tokens, 'password-reset', { userId: user?._id ?? randomUUID(), email }, deps.clock().getTime());
  const mailing =
    user && (await (deps.resetMailsPerEmail?.take(email) ?? Promise.resolve(true)))
      ? accountMail(deps, { event: `password-reset-${linkId}`, user, to: user.email, template: 'password-reset', data: { displayName: user.displayName, link: linkTo(deps, 'reset-password', token) } })
      : Promise.resolve();
  // The mail is recorded while the floor runs; a failure to record it is logged, never answered differently
  // (that would tell the address has an account). The owner can ask again.
  const left = (deps.resetAnswerMs ?? 250) - (performance.now() - started);
  await Promise.all([
    mailing.catch((err: unknown) => deps.log?.warn({ errName: (err as Error)?.name }, 'password reset email not recorded')),
    left > 0 ? sleep(left) : Promise.resolve(),
  ]);
}

/**
 * Sets the new password and ends every token issued before it (on every
 * instance); the link is used once, and a link older than the last change of
 * password is refused. It clears the address's failed sign-ins, and, since
 * the link proves the address, confirms it.
 */
export async function confirmPasswordReset(deps: AuthDeps, input: { token: string; password: string }): Promise<{ userId: string }> {
  // The link works only for the address it was sent to (not after the account moved away from it), and not once the password changed after it was sent.
  const { user, link } = await useLink(
    deps,
    'password-reset',
    input.token,
    (u, l) => u.email === l.email && (!u.passwordChangedAt || l.issuedAtMs > new Date(u.passwordChangedAt).getTime()),
  );
  const now = deps.clock();
  await deps.users.setPassword(user._id, await hashPassword(input.password), now);
  deps.access.forgetUser(user._id);
  if (!isVerified(user) && (await deps.users.markVerified(user._id, user.email, now))) await deps.verified?.(user._id);
  await deps.clearLoginFailures?.(user.email);
  await accountMail(deps, { event: `password-changed-${link.linkId}`, user, to: user.email, template: 'password-changed', data: { displayName: user.displayName, resetLink: resetPage(deps) } }).catch(
    (err: unknown) => deps.log?.warn({ user: user._id, errName: (err as Error)?.name }, 'password-changed notice not recorded'),
  );
  return { userId: user._id };
}

// ---- changes made while signed in ----

const wrongPassword = () => new AppError('unauthenticated', 'invalid-credentials', 'The current password is not right.');

async function signedInUser(deps: AuthDeps, actor: Actor, password: string): Promise<User> {
  const user = await deps.users.findById(actor.id);
  if (!user) throw notFound('user');
  if (!(await verifyPassword(user.passwordHash, password))) throw wrongPassword();
  return user;
}

/** A new password: every other token of the account ends (on every instance); the one that asked goes on. */
export async function changePassword(deps: AuthDeps, actor: Actor, jti: string, input: { currentPassword: string; newPassword: string }): Promise<void> {
  const user = await signedInUser(deps, actor, input.currentPassword);
  if (input.currentPassword === input.newPassword) {
    throw new AppError('validation', 'password-unchanged', 'The new password is the same as the current one.', { errors: [{ path: 'newPassword', message: 'Choose a password other than the current one.' }] });
  }
  const now = deps.clock();
  await deps.users.setPassword(user._id, await hashPassword(input.newPassword), now, jti);
  deps.access.forgetUser(user._id);
  if (isVerified(user)) {
    await accountMail(deps, { event: `password-changed-${randomUUID()}`, user, to: user.email, template: 'password-changed', data: { displayName: user.displayName, resetLink: resetPage(deps) } }).catch(
      (err: unknown) => deps.log?.warn({ user: user._id, errName: (err as Error)?.name }, 'password-changed notice not recorded'),
    );
  }
}

/**
 * Asks to move the account to `newEmail`: a link to the new address (24 hours;
 * only the newest asked for confirms) and a notice to the old one. Nothing is
 * claimed yet: an address cannot be held by asking for it.
 */
export async function requestEmailChange(deps: AuthDeps, actor: Actor, input: { password: string; newEmail: string }): Promise<{ pendingEmail: string }> {
  const user = await signedInUser(deps, actor, input.password);
  if (input.newEmail === user.email) {
    throw new AppError('validation', 'same-email', 'This is already your email address.', { errors: [{ path: 'newEmail', message: 'Give another address.' }] });
  }
  const now = deps.clock();
  const { token, linkId } = signAccountLink(deps.tokens, 'email-change', { userId: user._id, email: input.newEmail }, now.getTime());
  // The answer is the same whether or not another account has the address (asking must not tell who has an account):
  // an address in use gets a notice instead of a link, and the confirmation would refuse it anyway.
  const holder = await deps.users.findByEmail(input.newEmail);
  if (holder) {
    if (isVerified(holder)) await accountMail(deps, { event: `email-change-${linkId}`, user: holder, to: holder.email, template: 'email-change-in-use', data: { displayName: holder.displayName, resetLink: resetPage(deps) } });
  } else {
    await deps.users.setPendingEmail(user._id, { email: input.newEmail, linkId, requestedAt: now });
    await accountMail(deps, { event: `email-change-${linkId}`, user, to: input.newEmail, template: 'email-change-confirm', data: { displayName: user.displayName, link: linkTo(deps, 'confirm-email', token) } });
  }
  if (isVerified(user)) {
    await accountMail(deps, { event: `email-change-${linkId}`, user, to: user.email, template: 'email-change-notice', data: { displayName: user.displayName, resetLink: resetPage(deps) } });
  }
  return { pendingEmail: input.newEmail };
}

/** Confirms the newest change asked for: the new address is claimed now; of two accounts confirming one address at once, one wins and the other is told it is taken. */
export async function confirmEmailChange(deps: AuthDeps, token: string): Promise<{ user: UserView }> {
  // Only the newest change asked for, and not one asked before a sign-out everywhere or a new password (which also drop it).
  const { user, link } = await useLink(
    deps,
    'email-change',
    token,
    (u, l) => u.pendingEmail?.linkId === l.linkId && u.pendingEmail.email === l.email && (!u.tokensNotBefore || l.issuedAtMs > new Date(u.tokensNotBefore).getTime()),
  );
  const now = deps.clock();
  const result = await deps.users.changeEmail(user._id, user.email, link.email, now);
  if (result === 'taken') throw new AppError('conflict', 'email-taken', 'Another account now uses this address: your account keeps its current one.');
  if (result === 'gone') throw invalidLink();
  if (!isVerified(user)) await deps.verified?.(user._id);
  const { pendingEmail: _done, ...rest } = user;
  return { user: toUserView({ ...rest, email: link.email, emailVerified: true, emailVerifiedAt: now }) };
}

/** Ends every token of the account, the one presented included: at once here, within the change feed's delay on other instances. */
export async function logoutAll(deps: AuthDeps, actor: Actor): Promise<void> {
  await deps.users.endTokens(actor.id, deps.clock());
  deps.access.forgetUser(actor.id);
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
