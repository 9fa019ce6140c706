import { Schema, type Connection, type Model } from 'mongoose';

export interface UserDoc {
  _id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  consent: { healthData: boolean; adult: boolean; termsVersion: string; at: Date };
  roles: { admin: boolean; coordinatorOf: string[] };
  createdAt: Date;
}

/** The login entry: `_id` is the normalised email, which makes the email unique (DATABASE.md). */
export interface LoginDoc {
  _id: string;
  userId: string;
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
  },
  { versionKey: false, collection: 'users' },
);

const loginSchema = new Schema<LoginDoc>(
  { _id: { type: String, required: true }, userId: { type: String, required: true } },
  { versionKey: false, collection: 'logins' },
);

const revokedSchema = new Schema<RevokedTokenDoc>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { versionKey: false, collection: 'revoked_tokens' },
);

export interface AuthModels {
  User: Model<UserDoc>;
  Login: Model<LoginDoc>;
  RevokedToken: Model<RevokedTokenDoc>;
}

export function authModels(conn: Connection): AuthModels {
  return {
    User: conn.models.User ?? conn.model<UserDoc>('User', userSchema),
    Login: conn.models.Login ?? conn.model<LoginDoc>('Login', loginSchema),
    RevokedToken: conn.models.RevokedToken ?? conn.model<RevokedTokenDoc>('RevokedToken', revokedSchema),
  };
}
