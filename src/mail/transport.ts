import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

/** One message as the outbox hands it to a transport: already rendered, addressed and identified. */
export interface OutgoingMail {
  /** The outbox `_id`: names the file of the file transport; never sent. */
  outboxId: string;
  /** The Message-ID header, `<hash@domain>`, the same on every attempt. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailTransport {
  send(msg: OutgoingMail): Promise<{ messageId?: string; path?: string }>;
  close(): void;
}

// Well above a healthy server's answer, well below the outbox's lease, so that
// a worker never holds a claim past it because a server stopped answering.
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 } as const;
export type SmtpTimeouts = { [K in keyof typeof SMTP_TIMEOUTS]: number };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

// The mail itself is never read from a file or a URL: only the strings we pass.
const MESSAGE_SAFETY = { disableFileAccess: true, disableUrlAccess: true } as const;

const headersOf = (msg: OutgoingMail) => ({
  from: msg.from,
  to: msg.to,
  subject: msg.subject,
  text: msg.text,
  html: msg.html,
  messageId: msg.messageId,
});

/**
 * Sends through an SMTP server named by URL (`smtp://user:pass@host:587`,
 * `smtps://…`). A member's name and what we say to them must not cross the
 * network in clear: to any host but this machine, STARTTLS is required unless
 * the URL says `?requireTLS=false`.
 */
export function smtpTransport(url: string, timeouts: Partial<SmtpTimeouts> = {}): MailTransport {
  const host = new URL(url).hostname;
  const transporter = nodemailer.createTransport({
    ...SMTP_TIMEOUTS,
    ...timeouts,
    ...MESSAGE_SAFETY,
    requireTLS: !LOOPBACK.has(host),
    url,
  });
  return {
    async send(msg) {
      const info = await transporter.sendMail(headersOf(msg));
      return { messageId: info.messageId };
    },
    close: () => transporter.close(),
  };
}

/** The file a message is written to: named by a hash of its outbox id, so a resend replaces it and the name says nothing. */
export function emlFileName(outboxId: string): string {
  return `${createHash('sha256').update(outboxId).digest('hex').slice(0, 32)}.eml`;
}

/**
 * Writes each message as an RFC 822 `.eml` file under `dir` instead of sending
 * it (development, demos): the directory and files are the service account's
 * only, since they hold members' names and addresses.
 */
export function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows', ...MESSAGE_SAFETY });
  let ready: Promise<void> | undefined;
  const ensureDir = () =>
    (ready ??= (async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // mkdir's mode is masked by the umask and leaves an existing directory as it was.
      await chmod(dir, 0o700);
    })().catch((err: unknown) => {
      ready = undefined;
      throw err;
    }));
  return {
    async send(msg) {
      const info = await transporter.sendMail(headersOf(msg));
      await ensureDir();
      const path = join(dir, emlFileName(msg.outboxId));
      // Written whole to a private file, then renamed: no reader sees half a message, nobody else reads it.
      const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, info.message as Buffer, { mode: 0o600, flag: 'wx' });
        await chmod(tmp, 0o600);
        await rename(tmp, path);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      return { messageId: info.messageId, path };
    },
    close: () => transporter.close(),
  };
}
