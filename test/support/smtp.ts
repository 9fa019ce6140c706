import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
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

// mailparser would otherwise fill in what a message lacks (text converted from
// HTML, HTML from text): tests read only the parts that were actually sent.
export function parseMail(raw: string): Promise<ParsedMail> {
  return simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
}
