import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';

// OWASP's argon2id recommendation (19 MiB, 2 passes, 1 lane).
const options = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

let common: Set<string> | undefined;

/** The ~49,000 most common passwords of zxcvbn's list, compared case-insensitively. */
export function isCommonPassword(password: string): boolean {
  common ??= new Set((dictionary['passwords-common']).map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/** A hash to verify against when the email is unknown, so both cases take the same time. */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword('not-a-real-password-just-timing');
  return dummy;
}
