import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

// A real SMTP server on loopback that keeps what it receives, for tests where
// mail matters. It can be stopped (connections refused on its port) and
// started again on the same port, or told to answer with a temporary refusal.

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  raw: string;
}

/**
 * - accept: takes every message;
 * - busy: answers every connection `421` (a server shedding load);
 * - reject-recipient: answers `RCPT TO` with `451` (greylisting, a full mailbox).
 */
export type SmtpMode = 'accept' | 'busy' | 'reject-recipient';

export interface TestSmtp {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedMail[];
  mode: SmtpMode;
  /** Stops listening: connections to the port are refused until start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function temporary(message: string, code: number): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;
  const state = { mode: 'accept' as SmtpMode };

  const listen = async () => {
    const s = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      closeTimeout: 1000,
      onConnect(_session, callback) {
        callback(state.mode === 'busy' ? temporary('Busy, try again later', 421) : null);
      },
      onRcptTo(_address, _session, callback) {
        callback(state.mode === 'reject-recipient' ? temporary('Mailbox busy, try again later', 451) : null);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          received.push({
            envelope: { from: from ? from.address : '', to: session.envelope.rcptTo.map((r) => r.address) },
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    s.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      s.server.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.server.off('error', reject);
        resolve();
      });
    });
    port = (s.server.address() as AddressInfo).port;
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    get mode() {
      return state.mode;
    },
    set mode(m: SmtpMode) {
      state.mode = m;
    },
    stop,
    start: async () => {
      if (!server) await listen();
    },
    close: stop,
  };
}

export interface ParsedMail {
  /** Header names in lower case, values unfolded (and decoded, for RFC 2047 words). */
  headers: Map<string, string>;
  /** The leaf parts, their bodies decoded. */
  parts: Array<{ contentType: string; body: string }>;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQuotedPrintable(text.replace(/_/g, ' ')),
  );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => `%${h}`);
  return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
}

function splitEntity(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeWords(line.slice(colon + 1).trim()));
  }
  return { headers, body };
}

function leafParts(raw: string): ParsedMail['parts'] {
  const { headers, body } = splitEntity(raw);
  const contentType = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (contentType.toLowerCase().startsWith('multipart/') && boundary) {
    const sections = body.split(`--${boundary}`).slice(1);
    return sections.filter((s) => !s.startsWith('--')).flatMap((s) => leafParts(s.replace(/^\r\n/, '').replace(/\r\n$/, '')));
  }
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const decoded =
    encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body;
  return [{ contentType: contentType.split(';')[0]!.trim().toLowerCase(), body: decoded }];
}

/** Enough of MIME to read what nodemailer writes: headers, and the text and HTML parts. */
export function parseMail(raw: string): ParsedMail {
  return { headers: splitEntity(raw).headers, parts: leafParts(raw) };
}
