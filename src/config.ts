import { z } from 'zod';

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
  PAIR_COOLDOWN_DAYS: int(0, 3650).default(90),
  MATCH_RESPONSE_HOURS: int(1, 24 * 60).default(72),
  TEMPORARY_MATCH_DAYS: int(1, 365).default(30),
  DOCS_ENABLED: bool.default(true),
  CRISIS_LINE: z.string().trim().min(1).max(200).default('988 (call or text, in the US)'),
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_FROM: z.string().trim().min(3).max(200).default('Notifications <no-reply@localhost>'),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  OUTBOX_MAX_ATTEMPTS: int(1, 20).default(8),
  OUTBOX_RETENTION_DAYS: int(7, 3650).default(30),
  JOBS_IN_API: bool.default(true),
});

export type Env = Record<string, string | undefined>;

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
  rateLimits: { loginFailuresPerMinute: number; registrationsPerIpPerHour: number };
  matching: { pairCooldownDays: number };
  /** The match lifecycle: how long a sponsor or newcomer has to answer, and how long a temporary match lasts. */
  lifecycle: { responseHours: number; temporaryMatchDays: number };
  docsEnabled: boolean;
  /** Where someone in crisis can turn now, as a newcomer reads it beside an empty result. */
  crisisLine: string;
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

/** Pure: reads only the given env; reports every bad key by name, never its value. */
export function loadConfig(env: Env): Readonly<Config> {
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
  if (!parsed.success || problems.length) throw new ConfigError([...new Set(problems)]);
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
    }),
    matching: Object.freeze({ pairCooldownDays: e.PAIR_COOLDOWN_DAYS }),
    lifecycle: Object.freeze({ responseHours: e.MATCH_RESPONSE_HOURS, temporaryMatchDays: e.TEMPORARY_MATCH_DAYS }),
    docsEnabled: e.DOCS_ENABLED,
    crisisLine: e.CRISIS_LINE,
    mail: Object.freeze({
      smtpUrl: e.SMTP_URL,
      from: e.MAIL_FROM,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      maxAttempts: e.OUTBOX_MAX_ATTEMPTS,
      retentionDays: e.OUTBOX_RETENTION_DAYS,
    }),
    jobsInApi: e.JOBS_IN_API,
  });
}
