import { z } from 'zod';
import { displayName } from '../lib/display-name.ts';
import { normaliseEmail } from '../lib/email.ts';
import { programKey } from '../programs/program-rules.ts';
import { isCommonPassword } from './passwords.ts';

export { normaliseEmail } from '../lib/email.ts';

const email = z
  .string()
  .max(254)
  .transform(normaliseEmail)
  .pipe(z.email({ message: 'Must be an email address.' }));

/** The registration rules, wherever a password is chosen. */
const newPassword = z
  .string()
  .min(12, 'Must be at least 12 characters.')
  .max(256, 'Must be at most 256 characters.')
  .refine((p) => !isCommonPassword(p), 'This password is too common; choose another.');

/** A signed link's token as it arrives (its signature is checked by the service). */
const linkToken = z.string().min(1).max(4096);

export const registerBody = z
  .strictObject({
    email,
    password: newPassword,
    displayName,
    consent: z.strictObject({
      healthData: z.literal(true, { message: 'Consent to keep recovery-related data is required.' }),
      adult: z.literal(true, { message: 'The service is for adults (18 and over).' }),
      termsVersion: z.string().trim().min(1).max(40),
    }),
  })
  .meta({ id: 'RegisterRequest' });

export const loginBody = z
  .strictObject({
    email: z.string().max(254),
    password: z.string().min(1).max(256),
  })
  .meta({ id: 'LoginRequest' });

export const verifyEmailBody = z.strictObject({ token: linkToken }).meta({ id: 'VerifyEmailRequest' });
export const passwordResetBody = z.strictObject({ email }).meta({ id: 'PasswordResetRequest' });
export const passwordResetConfirmBody = z.strictObject({ token: linkToken, password: newPassword }).meta({ id: 'PasswordResetConfirmation' });
export const changePasswordBody = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword })
  .meta({ id: 'ChangePasswordRequest' });
export const changeEmailBody = z.strictObject({ password: z.string().min(1).max(256), newEmail: email }).meta({ id: 'ChangeEmailRequest' });
export const confirmEmailChangeBody = z.strictObject({ token: linkToken }).meta({ id: 'ConfirmEmailChangeRequest' });
export const acceptedView = z.object({ status: z.literal('accepted'), detail: z.string() }).meta({ id: 'Accepted' });
export const pendingEmailView = z.object({ pendingEmail: z.string(), detail: z.string() }).meta({ id: 'PendingEmailChange' });

export const userView = z
  .object({
    id: z.string(),
    email: z.string(),
    displayName: z.string(),
    emailVerified: z.boolean(),
    pendingEmail: z.string().optional(),
    roles: z.object({ admin: z.boolean(), coordinatorOf: z.array(z.string()) }),
    consent: z.object({ healthData: z.boolean(), adult: z.boolean(), termsVersion: z.string(), at: z.string() }),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const tokenView = z.object({ accessToken: z.string(), expiresIn: z.number().int() }).meta({ id: 'AccessToken' });

export const registerResponse = z
  .object({ user: userView, accessToken: z.string(), expiresIn: z.number().int() })
  .meta({ id: 'Registration' });

export const setRolesBody = z.strictObject({ coordinatorOf: z.array(programKey).max(50) }).meta({ id: 'SetRolesRequest' });

export const userIdParams = z.strictObject({ id: z.string().uuid() });

export const findUserQuery = z.strictObject({ email });
