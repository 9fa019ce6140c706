/** The one spelling of an email under which an account is found (and rate limits count). */
export function normaliseEmail(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
