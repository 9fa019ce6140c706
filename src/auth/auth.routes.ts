import { z } from 'zod';
import { defineRoute, type RouteSpec } from '../http/route.ts';
import { loginLimiters, registrationLimiter } from '../http/rate-limit.ts';
import {
  findUserQuery,
  loginBody,
  registerBody,
  registerResponse,
  setRolesBody,
  tokenView,
  userIdParams,
  userView,
} from './auth.schemas.ts';
import * as auth from './auth.service.ts';
import { normaliseEmail } from './auth.schemas.ts';

export interface AuthRouteDeps extends auth.AuthDeps {
  programExists(key: string): Promise<boolean>;
  rateLimits: { loginFailuresPerMinute: number; registrationsPerIpPerHour: number };
}

export function authRoutes(deps: AuthRouteDeps): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/register',
      summary: 'Create an account (adults only, with consent)',
      tag: 'Accounts',
      access: 'public',
      body: registerBody,
      before: [registrationLimiter(deps.rateLimits.registrationsPerIpPerHour)],
      responses: { 201: { description: 'The account and an access token', schema: registerResponse }, 409: { description: 'Email taken' } },
      handle: async ({ body }) => ({ status: 201, body: await auth.register(deps, body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Exchange email and password for an access token',
      tag: 'Accounts',
      access: 'public',
      body: loginBody,
      before: loginLimiters(deps.rateLimits.loginFailuresPerMinute),
      responses: { 200: { description: 'An access token', schema: tokenView }, 401: { description: 'Wrong email or password' } },
      handle: async ({ body }) => ({
        status: 200,
        body: await auth.login(deps, { email: normaliseEmail(body.email), password: body.password }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'Revoke the presented access token',
      tag: 'Accounts',
      access: 'member',
      responses: { 204: { description: 'Revoked' } },
      handle: async ({ res }) => {
        await auth.logout(deps, res.locals.token as string);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/me',
      summary: "The caller's account",
      tag: 'Accounts',
      access: 'member',
      responses: { 200: { description: 'The account', schema: userView } },
      handle: async ({ actor }) => ({ status: 200, body: await auth.getMe(deps, actor) }),
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
      handle: async ({ query }) => ({ status: 200, body: { users: await auth.findUserByEmail(deps, query.email) } }),
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
      handle: async ({ params, body }) => ({ status: 200, body: await auth.setCoordinatorRoles(deps, params.id, body.coordinatorOf) }),
    }),
  ];
}
