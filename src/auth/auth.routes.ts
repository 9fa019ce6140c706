import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { accountIpLimiter, accountLimiter, loginLimiters, quietLimit, registrationLimiter, type LoginLimiters } from '../http/rate-limit.ts';
import {
  acceptedView,
  changeEmailBody,
  changePasswordBody,
  confirmEmailChangeBody,
  findUserQuery,
  loginBody,
  passwordResetBody,
  passwordResetConfirmBody,
  pendingEmailView,
  registerBody,
  registerResponse,
  setRolesBody,
  tokenView,
  userIdParams,
  userView,
  verifyEmailBody,
} from './auth.schemas.ts';
import * as auth from './auth.service.ts';
import { verifyPassword } from './passwords.ts';
import { normaliseEmail } from './auth.schemas.ts';

export interface AuthRouteDeps extends auth.AuthDeps {
  programExists(key: string): Promise<boolean>;
  rateLimits: { loginFailuresPerMinute: number; registrationsPerIpPerHour: number; accountRequestsPerIpPer15Min: number };
  /** The sign-in limiters (made by `authDepsFor`, whose `clearLoginFailures` clears their email counts). */
  login: LoginLimiters;
}

/**
 * The account deps every door to them shares (the JSON routes and the pages
 * links open): one sign-in limiter, whose email counts a completed reset clears,
 * and one count of reset emails per address.
 */
export function authDepsFor<D extends auth.AuthDeps & { rateLimits: { loginFailuresPerMinute: number } }>(deps: D): D & { login: LoginLimiters } {
  const login = loginLimiters(deps.rateLimits.loginFailuresPerMinute, {
    passwordIsRight: async (email, password) => {
      const user = await deps.users.findByEmail(email);
      return user !== undefined && (await verifyPassword(user.passwordHash, password));
    },
  });
  return {
    ...deps,
    login,
    clearLoginFailures: (email: string) => login.clearEmail(email),
    resetMailsPerEmail: deps.resetMailsPerEmail ?? quietLimit(15 * 60_000, 3),
  };
}

/** The same words whether or not an account has the address (a reset never tells who has an account). */
export const RESET_ACCEPTED = {
  status: 'accepted',
  detail: 'If an account uses this email address, a link to choose a new password is on its way. It works once, for 30 minutes.',
} as const;

const HOUR = 3_600_000;

export function authRoutes(d: AuthRouteDeps): RouteSpec[] {
  const { login } = d;
  const perIp = () => accountIpLimiter(d.rateLimits.accountRequestsPerIpPer15Min);
  const tokenId = (res: { locals: Record<string, unknown> }) => res.locals.tokenId as string;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Create an account (adults only, with consent); a link to confirm the address is mailed to it',
      tag: 'Accounts',
      access: 'public',
      body: registerBody,
      before: [registrationLimiter(d.rateLimits.registrationsPerIpPerHour)],
      responses: {
        201: { description: 'The account (not yet verified) and an access token', schema: registerResponse },
        400: { description: 'Invalid input, or consent to other terms than the current ones (`terms-version-mismatch`, naming `termsVersion`)' },
        409: { description: 'Email taken' },
      },
      handle: async ({ body }) => ({ status: 201, body: await auth.register(d, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Exchange email and password for an access token',
      tag: 'Accounts',
      access: 'public',
      body: loginBody,
      before: login.handlers,
      responses: {
        200: { description: 'An access token', schema: tokenView },
        401: { description: 'Wrong email or password' },
        429: { description: 'Too many failures from this address, or for this email (then `passwordReset` names the route that lets the owner in at once)' },
      },
      handle: async ({ body }) => ({
        status: 200,
        body: await auth.login(d, { email: normaliseEmail(body.email), password: body.password }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Revoke the presented access token',
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      responses: { 204: { description: 'Revoked' } },
      handle: async ({ res }) => {
        await auth.logout(d, res.locals.token as string);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout-all',
      summary: 'Sign out everywhere: every access token of the account ends, the presented one included',
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      before: [perIp(), accountLimiter({ windowMs: 15 * 60_000, limit: 10, detail: 'Too many requests for this account. Wait a few minutes and try again.' })],
      responses: { 204: { description: 'Every token ended (on other instances within the change feed delay)' } },
      audit: { action: 'logout-all', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor }) => {
        await auth.logoutAll(d, actor);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/verify-email',
      summary: "Confirm the account's email address with the link's token",
      tag: 'Accounts',
      access: 'public',
      body: verifyEmailBody,
      before: [perIp()],
      responses: { 200: { description: 'The address is confirmed', schema: z.object({ user: userView }) }, 400: { description: 'Not a valid, unused, unexpired link for the current address' } },
      // Not audited: confirming one's own address is no account event; every registration would add an entry.
      handle: async ({ body }) => ({ status: 200, body: await auth.verifyEmail(d, body.token) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/resend-verification',
      summary: 'Mail a new link to confirm the address (a few an hour)',
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      before: [perIp(), accountLimiter({ windowMs: HOUR, limit: 3, detail: 'A few links were sent in the last hour. Please look for them (and in spam), or try again later.' })],
      responses: { 202: { description: 'A new link is on its way', schema: acceptedView }, 409: { description: 'Already confirmed' } },
      handle: async ({ actor }) => {
        await auth.resendVerification(d, actor);
        return { status: 202, body: { status: 'accepted', detail: 'A new link is on its way. It works once, for 48 hours.' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password-reset',
      summary: 'Ask for a password reset link: the same answer whether or not the address has an account',
      tag: 'Accounts',
      access: 'public',
      body: passwordResetBody,
      before: [perIp()],
      responses: { 202: { description: 'Accepted (always, for any well-formed address)', schema: acceptedView } },
      handle: async ({ body }) => {
        await auth.requestPasswordReset(d, body.email);
        return { status: 202, body: RESET_ACCEPTED };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/password-reset/confirm',
      summary: "Choose a new password with the reset link's token: every older token of the account ends",
      tag: 'Accounts',
      access: 'public',
      body: passwordResetConfirmBody,
      before: [perIp()],
      responses: { 204: { description: 'The password is changed; sign in with it' }, 400: { description: 'Not a valid, unused, unexpired link' } },
      audit: { action: 'password-reset', decision: true, subjects: (_i, r) => (r.auditActorId ? [r.auditActorId] : []) },
      handle: async ({ body }) => {
        const { userId } = await auth.confirmPasswordReset(d, body);
        return { status: 204, auditActorId: userId };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/me/password',
      summary: 'Change the password (the current one required): every other token of the account ends',
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      body: changePasswordBody,
      before: [
        perIp(),
        accountLimiter({ windowMs: 15 * 60_000, limit: 5, failuresOnly: true, detail: 'Too many wrong passwords for this account. Wait 15 minutes, or reset your password.' }),
      ],
      responses: { 204: { description: 'Changed' }, 401: { description: 'The current password is wrong (counts as a failure)' } },
      audit: { action: 'change-password', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor, body, res }) => {
        await auth.changePassword(d, actor, tokenId(res), body);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/me/email',
      summary: 'Ask to change the email address: a link to the new address, a notice to the old; nothing changes until the link is used',
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      body: changeEmailBody,
      before: [
        perIp(),
        accountLimiter({ windowMs: 15 * 60_000, limit: 5, failuresOnly: true, detail: 'Too many wrong passwords for this account. Wait 15 minutes, or reset your password.' }),
        accountLimiter({ windowMs: HOUR, limit: 5, detail: 'Several changes of address were asked for in the last hour. Please try again later.' }),
      ],
      responses: {
        202: { description: 'A confirmation link is on its way to the new address', schema: pendingEmailView },
        401: { description: 'The password is wrong (counts as a failure)' },
        409: { description: 'Another account has this address' },
      },
      audit: { action: 'email-change-request', decision: true, subjects: ({ actor }) => [actor.id] },
      handle: async ({ actor, body }) => {
        const { pendingEmail } = await auth.requestEmailChange(d, actor, body);
        return { status: 202, body: { pendingEmail, detail: 'Open the link we sent to the new address within 24 hours. Until then your account keeps its current address.' } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/email-change/confirm',
      summary: "Confirm a change of address with the link's token: the new address is claimed now",
      tag: 'Accounts',
      access: 'public',
      body: confirmEmailChangeBody,
      before: [perIp()],
      responses: {
        200: { description: 'The account has its new address', schema: z.object({ user: userView }) },
        400: { description: 'Not a valid, unused, unexpired link for the newest change asked for' },
        409: { description: 'Another account took the address first' },
      },
      audit: { action: 'email-change', decision: true, subjects: (_i, r) => [(r.body as { user: { id: string } }).user.id] },
      handle: async ({ body }) => {
        const result = await auth.confirmEmailChange(d, body.token);
        return { status: 200, body: result, auditActorId: result.user.id };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me',
      summary: "The caller's account",
      tag: 'Accounts',
      access: 'member',
      consentExempt: true,
      responses: { 200: { description: 'The account', schema: userView } },
      handle: async ({ actor }) => ({ status: 200, body: await auth.getMe(d, actor) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin/users',
      summary: 'Find a user by email',
      tag: 'Administration',
      access: 'admin',
      query: findUserQuery,
      responses: { 200: { description: 'Matching users (zero or one)', schema: z.object({ users: z.array(userView) }) } },
      audit: { action: 'find-user', subjects: (_input, result) => (result.body as { users: Array<{ id: string }> }).users.map((u) => u.id) },
      handle: async ({ query }) => ({ status: 200, body: { users: await auth.findUserByEmail(d, query.email) } }),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/admin/users/{id}/roles',
      summary: "Set the programs a user coordinates (an empty list revokes the role)",
      tag: 'Administration',
      access: 'admin',
      params: userIdParams,
      body: setRolesBody,
      responses: { 200: { description: 'The updated account', schema: userView } },
      audit: { action: 'set-roles', decision: true, subjects: ({ params }) => [params.id] },
      handle: async ({ params, body }) => ({ status: 200, body: await auth.setCoordinatorRoles(d, params.id, body.coordinatorOf) }),
    }),
  ];
}
