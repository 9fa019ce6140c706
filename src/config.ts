import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LANGUAGES, type Language } from './mail/templates.ts';
import { BUILT_IN_TERMS_TEXT, BUILT_IN_TERMS_VERSION } from './members/terms.ts';

const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().min(1).optional(),
  PORT: int(0, 65535).default(3000),
  TRUST_PROXY: z.string().default('false'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI').optional(),
  MONGODB_DB_NAME: z.string().regex(/^[A-Za-z0-9_-]{1,63}$/).optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  LOCAL_DB_ENGINE: z.enum(['auto', 'mongod', 'ferretdb']).default('auto'),
  LOCAL_DB_POSTGRESQL_URL: z.string().regex(/^postgres(ql)?:\/\//).optional(),
  JWT_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'must be at least 32 bytes')
    .optional(),
  HANDLE_SECRET: z
    .string()
    .refine((s) => Buffer.byteLength(s, 'utf8') >= 32, 'must be at least 32 bytes')
    .optional(),
  JWT_ISSUER: z.string().min(1).default('recovery-match'),
  JWT_AUDIENCE: z.string().min(1).default('recovery-match-api'),
  ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400).default(3600),
  LOGIN_MAX_FAILURES_PER_MINUTE: int(1, 1000).default(10),
  REGISTRATIONS_PER_IP_PER_HOUR: int(1, 10_000).default(5),
  ACCOUNT_REQUESTS_PER_IP_PER_15_MIN: int(1, 100_000).default(20),
  PAIR_COOLDOWN_DAYS: int(0, 3650).default(90),
  MATCH_RESPONSE_HOURS: int(1, 24 * 60).default(72),
  TEMPORARY_MATCH_DAYS: int(1, 365).default(30),
  CHECKIN_MISSED_ALERT: int(1, 52).default(2),
  DOCS_ENABLED: bool.default(true),
  CRISIS_LINE: z.string().trim().min(1).max(200).default('988 (call or text, in the US)'),
  // JSON or a path to a JSON file: resolved after the parse (resolveCrisisResources).
  CRISIS_RESOURCES: z.string().optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).default('Notifications <no-reply@localhost>'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  OUTBOX_MAX_ATTEMPTS: int(1, 20).default(8),
  OUTBOX_RETENTION_DAYS: int(7, 3650).default(30),
  JOBS_IN_API: bool.default(true),
  TERMS_VERSION: z.string().trim().regex(/^[A-Za-z0-9._-]{1,40}$/, 'must be 1 to 40 letters, digits, dots, dashes or underscores').default(BUILT_IN_TERMS_VERSION),
  // A path to the terms' UTF-8 text: read after the parse (resolveTerms).
  TERMS_FILE: z.string().min(1).optional(),
});

export type Env = Record<string, string | undefined>;

/** One place to turn in a crisis, as every weekly check-in shows it: "name — how". */
export interface CrisisResource {
  name: string;
  how: string;
}
export interface CrisisResources {
  items: readonly CrisisResource[];
  /** Said after the items (e.g. "Outside the US, …"). */
  note?: string;
}
export type CrisisResourcesByLanguage = Readonly<Record<Language, Readonly<CrisisResources>>>;

const crisisResourcesSchema = z.strictObject({
  items: z
    .array(z.strictObject({ name: z.string().trim().min(1).max(200), how: z.string().trim().min(1).max(200) }))
    .min(1)
    .max(10),
  note: z.string().trim().min(1).max(500).optional(),
});
const crisisResourcesByLanguageSchema = z.partialRecord(z.enum(LANGUAGES), crisisResourcesSchema);

// The United States (DOMAIN.md); a deployment elsewhere sets CRISIS_RESOURCES.
const US_CRISIS_RESOURCES: CrisisResources = {
  items: [
    { name: 'Suicide & Crisis Lifeline', how: 'call or text 988' },
    { name: "SAMHSA's National Helpline", how: '1-800-662-4357 (free, confidential, 24/7, in English and Spanish)' },
  ],
};

/** Reads a UTF-8 text file; loadConfig's only reach outside the env (a test passes its own). */
export type ReadTextFile = (path: string) => string;
const readTextFile: ReadTextFile = (path) => readFileSync(path, 'utf8');

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  trustProxy: boolean | number | string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  mongodbUri: string | undefined;
  mongodbDbName: string | undefined;
  dataDir: string;
  localDb: { engine: 'auto' | 'mongod' | 'ferretdb'; postgresqlUrl: string | undefined };
  /** Undefined only outside production: main.ts then keeps a generated one under dataDir. */
  jwtSecret: string | undefined;
  jwt: { issuer: string; audience: string; ttlSeconds: number };
  /** Keys the sponsor handles on newcomers' cards. Undefined only outside production: main.ts then derives one from the JWT secret. */
  handleSecret: string | undefined;
  /** `accountRequestsPerIpPer15Min`: the account routes (verification, reset, changes, sign-out everywhere) per client IP. */
  rateLimits: { loginFailuresPerMinute: number; registrationsPerIpPerHour: number; accountRequestsPerIpPer15Min: number };
  matching: { pairCooldownDays: number };
  /** The match lifecycle: how long a sponsor or newcomer has to answer, and how long a temporary match lasts. */
  lifecycle: { responseHours: number; temporaryMatchDays: number };
  /** Weekly check-ins: this many unanswered in a row alert the program's coordinators. */
  checkIns: { missedAlertAfter: number };
  docsEnabled: boolean;
  /** Where someone in crisis can turn now, as a newcomer reads it beside an empty result. */
  crisisLine: string;
  /** The crisis resources every weekly check-in carries, by language (one not configured has those of 'en'). */
  crisisResources: CrisisResourcesByLanguage;
  mail: {
    /** Undefined only outside production: messages are then written as .eml files under dataDir/outbox. */
    smtpUrl: string | undefined;
    from: string;
    /** Links in emails point here; undefined only outside production (then the listening address). */
    publicUrl: string | undefined;
    maxAttempts: number;
    /** Days a sent or failed email keeps its address and words. */
    retentionDays: number;
  };
  /** Whether the API process also runs the scheduled jobs (else `npm run worker` does). */
  jobsInApi: boolean;
  /** The terms members consent to now (TERMS_VERSION): registration needs this version, and a member whose consent names another gives it again. */
  termsVersion: string;
  /** Their text (TERMS_FILE's, else the built-in one), as GET /api/v1/terms gives it. */
  termsText: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

function parseTrustProxy(v: string): boolean | number | string {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}

function byLanguage(pick: (l: Language) => CrisisResources): CrisisResourcesByLanguage {
  const freeze = (r: CrisisResources) => Object.freeze({ ...r, items: Object.freeze(r.items.map((i) => Object.freeze({ ...i }))) });
  return Object.freeze(Object.fromEntries(LANGUAGES.map((l) => [l, freeze(pick(l))])) as Record<Language, Readonly<CrisisResources>>);
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  // Never the value: zod's message for an unknown key quotes the key, so that one is said in our words.
  return issues.map((i) => {
    const inItem = typeof i.path.at(-1) === 'number';
    const known = inItem ? '"name" and "how"' : i.path.length ? '"items" and "note"' : `"items" and "note", or languages: ${LANGUAGES.join(', ')}`;
    const message = i.code === 'unrecognized_keys' ? `unknown key (expected ${known})` : i.message;
    return `CRISIS_RESOURCES: ${i.path.length ? `${i.path.join('.')}: ` : ''}${message}`;
  });
}

/**
 * CRISIS_RESOURCES is JSON when it starts with `{` (or `[`, refused as a shape), else the path of a JSON file:
 * one resources object for every language, or an object by language that
 * includes 'en' (the language one not given falls back to).
 */
function resolveCrisisResources(value: string | undefined, readText: ReadTextFile): CrisisResourcesByLanguage | string[] {
  if (value === undefined || value === '') return byLanguage(() => US_CRISIS_RESOURCES);
  const inline = /^\s*[{[]/.test(value);
  let json = value;
  if (!inline) {
    try {
      json = readText(value.trim());
    } catch (err) {
      // The error's message holds the path: only its code is said.
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      return [`CRISIS_RESOURCES: the file could not be read${typeof code === 'string' ? ` (${code})` : ''}`];
    }
  }
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    // JSON.parse quotes the text where it stopped.
    return [`CRISIS_RESOURCES: ${inline ? 'not valid JSON' : 'the file is not valid JSON'}`];
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return ['CRISIS_RESOURCES: must be an object: { "items": [{ "name", "how" }, …], "note"? }, or one such object per language'];
  }
  if ('items' in data) {
    const one = crisisResourcesSchema.safeParse(data);
    return one.success ? byLanguage(() => one.data) : describeIssues(one.error.issues);
  }
  const several = crisisResourcesByLanguageSchema.safeParse(data);
  if (!several.success) return describeIssues(several.error.issues);
  const fallback = several.data.en;
  if (!fallback) return ['CRISIS_RESOURCES: an object by language must include "en" (the language others fall back to)'];
  return byLanguage((l) => several.data[l] ?? fallback);
}

/**
 * The terms' text: TERMS_FILE's, else the built-in one, which is only for its
 * own version (another version with the old words would ask members to
 * consent to terms they cannot read).
 */
function resolveTerms(version: string | undefined, file: string | undefined, readText: ReadTextFile): { version: string; text: string } | string[] {
  const v = version ?? BUILT_IN_TERMS_VERSION;
  if (file === undefined) {
    if (v !== BUILT_IN_TERMS_VERSION) return [`TERMS_VERSION: differs from the built-in terms (${BUILT_IN_TERMS_VERSION}); set TERMS_FILE to the text of this version`];
    return { version: v, text: BUILT_IN_TERMS_TEXT };
  }
  let text: string;
  try {
    text = readText(file.trim());
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    return [`TERMS_FILE: the file could not be read${typeof code === 'string' ? ` (${code})` : ''}`];
  }
  if (text.trim() === '') return ['TERMS_FILE: the file is empty'];
  return { version: v, text };
}

/**
 * Pure: reads only the given env, and the files CRISIS_RESOURCES and
 * TERMS_FILE may name through `readText` (fs.readFileSync by default); reports
 * every bad key by name, never its value.
 */
export function loadConfig(env: Env, readText: ReadTextFile = readTextFile): Readonly<Config> {
  const parsed = schema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== '')),
  );
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  // In production nothing is improvised: the database and the secrets are required (reported with any other problem).
  if (env.NODE_ENV === 'production') {
    if (!env.MONGODB_URI) problems.push('MONGODB_URI: required in production (no local database is started)');
    if (!env.JWT_SECRET) problems.push('JWT_SECRET: required in production (at least 32 bytes)');
    if (!env.HANDLE_SECRET) problems.push('HANDLE_SECRET: required in production (at least 32 bytes)');
    // Mail that was promised must reach people, and its links must name the public address.
    if (!env.SMTP_URL) problems.push('SMTP_URL: required in production (without it mail is only written to files)');
    if (!env.PUBLIC_URL) problems.push('PUBLIC_URL: required in production (the links in emails)');
    if (!env.MAIL_FROM) problems.push('MAIL_FROM: required in production (a neutral sender at your own domain)');
  }
  // One key for two uses would tie them together: rotating one would change the other.
  if (env.HANDLE_SECRET && env.HANDLE_SECRET === env.JWT_SECRET) problems.push('HANDLE_SECRET: must differ from JWT_SECRET');
  const crisisResources = resolveCrisisResources(env.CRISIS_RESOURCES, readText);
  if (Array.isArray(crisisResources)) problems.push(...crisisResources);
  const terms = resolveTerms(parsed.success ? parsed.data.TERMS_VERSION : undefined, env.TERMS_FILE || undefined, readText);
  if (Array.isArray(terms)) problems.push(...terms);
  if (!parsed.success || Array.isArray(crisisResources) || Array.isArray(terms) || problems.length) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST ?? (production ? '0.0.0.0' : '127.0.0.1'),
    port: e.PORT,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    mongodbUri: e.MONGODB_URI,
    mongodbDbName: e.MONGODB_DB_NAME,
    dataDir: e.DATA_DIR,
    localDb: Object.freeze({ engine: e.LOCAL_DB_ENGINE, postgresqlUrl: e.LOCAL_DB_POSTGRESQL_URL }),
    jwtSecret: e.JWT_SECRET,
    jwt: Object.freeze({ issuer: e.JWT_ISSUER, audience: e.JWT_AUDIENCE, ttlSeconds: e.ACCESS_TOKEN_TTL_SECONDS }),
    handleSecret: e.HANDLE_SECRET,
    rateLimits: Object.freeze({
      loginFailuresPerMinute: e.LOGIN_MAX_FAILURES_PER_MINUTE,
      registrationsPerIpPerHour: e.REGISTRATIONS_PER_IP_PER_HOUR,
      accountRequestsPerIpPer15Min: e.ACCOUNT_REQUESTS_PER_IP_PER_15_MIN,
    }),
    matching: Object.freeze({ pairCooldownDays: e.PAIR_COOLDOWN_DAYS }),
    lifecycle: Object.freeze({ responseHours: e.MATCH_RESPONSE_HOURS, temporaryMatchDays: e.TEMPORARY_MATCH_DAYS }),
    checkIns: Object.freeze({ missedAlertAfter: e.CHECKIN_MISSED_ALERT }),
    docsEnabled: e.DOCS_ENABLED,
    crisisLine: e.CRISIS_LINE,
    crisisResources,
    mail: Object.freeze({
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retentionDays: e.OUTBOX_RETENTION_DAYS,
    }),
    jobsInApi: e.JOBS_IN_API,
    termsVersion: terms.version,
    termsText: terms.text,
  });
}
