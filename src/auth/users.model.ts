import { Schema, type Connection, type Model } from 'mongoose';

export interface UserDoc {
  _id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  consent: { healthData: boolean; adult: boolean; termsVersion: string; at: Date };
  roles: { admin: boolean; coordinatorOf: string[] };
  createdAt: Date;
  /**
   * false until the address is confirmed by the link mailed to it; absent on
   * accounts created before verification existed, which count as verified.
   */
  emailVerified?: boolean;
  emailVerifiedAt?: Date;
  passwordChangedAt?: Date;
  /** Every access token issued at or before this instant is ended (sign-out everywhere, a new password)... */
  tokensNotBefore?: Date;
  /** ...except this one (the token that changed the password). */
  tokensNotBeforeExcept?: string;
  /** A change of address asked for and not yet confirmed: only the newest link (`linkId`) confirms it. */
  pendingEmail?: { email: string; linkId: string; requestedAt: Date };
}

/** The login entry: `_id` is the normalised email, which makes the email unique (DATABASE.md). */
export interface LoginDoc {
  _id: string;
  userId: string;
  /** Absent on entries written before email changes existed. */
  createdAt?: Date;
}

/** A used single-use link (`_id` its id): inserting it is using it, so a link works once however many click at once. */
export interface UsedLinkDoc {
  _id: string;
  purpose: string;
  userId: string;
  usedAt: Date;
  /** When the link would have expired anyway: the entry is dropped after. */
  expiresAt: Date;
}

/** A logged-out token's id, kept until the token would have expired anyway. */
export interface RevokedTokenDoc {
  _id: string;
  expiresAt: Date;
}

const userSchema = new Schema<UserDoc>(
  {
    _id: { type: String, required: true },
    email: { type: String, required: true },
    displayName: { type: String, required: true },
    passwordHash: { type: String, required: true },
    consent: {
      healthData: { type: Boolean, required: true },
      adult: { type: Boolean, required: true },
      termsVersion: { type: String, required: true },
      at: { type: Date, required: true },
    },
    roles: {
      admin: { type: Boolean, default: false },
      coordinatorOf: { type: [String], default: [] },
    },
    createdAt: { type: Date, required: true },
    emailVerified: { type: Boolean },
    emailVerifiedAt: { type: Date },
    passwordChangedAt: { type: Date },
    tokensNotBefore: { type: Date },
    tokensNotBeforeExcept: { type: String },
    pendingEmail: {
      type: new Schema({ email: { type: String, required: true }, linkId: { type: String, required: true }, requestedAt: { type: Date, required: true } }, { _id: false }),
      default: undefined,
    },
  },
  { versionKey: false, collection: 'users' },
);

const loginSchema = new Schema<LoginDoc>(
  { _id: { type: String, required: true }, userId: { type: String, required: true }, createdAt: { type: Date } },
  { versionKey: false, collection: 'logins' },
);

const usedLinkSchema = new Schema<UsedLinkDoc>(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true },
    userId: { type: String, required: true },
    usedAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'used_links' },
);

const revokedSchema = new Schema<RevokedTokenDoc>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false, collection: 'revoked_tokens' },
);

export interface AuthModels {
  User: Model<UserDoc>;
  Login: Model<LoginDoc>;
  RevokedToken: Model<RevokedTokenDoc>;
  UsedLink: Model<UsedLinkDoc>;
}

export function authModels(conn: Connection): AuthModels {
  return {
    User: conn.models.User ?? conn.model<UserDoc>('User', userSchema),
    Login: conn.models.Login ?? conn.model<LoginDoc>('Login', loginSchema),
    RevokedToken: conn.models.RevokedToken ?? conn.model<RevokedTokenDoc>('RevokedToken', revokedSchema),
    UsedLink: conn.models.UsedLink ?? conn.model<UsedLinkDoc>('UsedLink', usedLinkSchema),
  };
}
