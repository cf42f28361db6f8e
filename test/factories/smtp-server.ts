import { AddressInfo, createServer, Socket } from 'node:net';

/**
 * A tiny SMTP server for tests, speaking just enough of RFC 5321 (greeting, EHLO/HELO, MAIL FROM,
 * RCPT TO, DATA, RSET, NOOP, QUIT) for a real SMTP client such as nodemailer to deliver to it.
 * No TLS and no AUTH are offered, so a client connects in plain text.
 */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message as sent after DATA, dot-stuffing removed. */
  data: string;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  messages: ReceivedMail[];
  /** While set, MAIL FROM is answered with this reply (e.g. "451 4.3.0 try again later"). */
  failWith: string | null;
  /** Resolves once `count` messages have arrived, or rejects after `timeoutMs`. */
  waitForMessages: (count: number, timeoutMs?: number) => Promise<ReceivedMail[]>;
  close: () => Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  const state = { failWith: null as string | null };

  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    let buffer = '';
    let inData = false;
    let dataLines: string[] = [];
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    const reply = (line: string): void => {
      socket.write(line + '\r\n');
    };

    const command = (line: string): void => {
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') return void socket.write('250-test.smtp.local\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n');
      if (verb === 'HELO') return reply('250 test.smtp.local');
      if (verb === 'MAIL') {
        if (state.failWith) return reply(state.failWith);
        envelope = { from: /<([^>]*)>/.exec(line)?.[1] ?? '', to: [] };
        return reply('250 2.1.0 OK');
      }
      if (verb === 'RCPT') {
        envelope.to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
        return reply('250 2.1.5 OK');
      }
      if (verb === 'DATA') {
        inData = true;
        dataLines = [];
        return reply('354 End data with <CR><LF>.<CR><LF>');
      }
      if (verb === 'RSET') {
        envelope = { from: '', to: [] };
        return reply('250 2.0.0 OK');
      }
      if (verb === 'NOOP') return reply('250 2.0.0 OK');
      if (verb === 'QUIT') {
        reply('221 2.0.0 Bye');
        return void socket.end();
      }
      reply('502 5.5.2 Command not implemented');
    };

    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!inData) {
          command(line);
          continue;
        }
        if (line === '.') {
          inData = false;
          messages.push({ ...envelope, data: dataLines.join('\r\n') });
          reply('250 2.0.0 Queued');
          for (const waiter of [...waiters]) waiter();
        } else {
          dataLines.push(line.startsWith('..') ? line.slice(1) : line);
        }
      }
    });
    reply('220 test.smtp.local ESMTP ready');
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const result: TestSmtpServer = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    get failWith() {
      return state.failWith;
    },
    set failWith(value: string | null) {
      state.failWith = value;
    },
    waitForMessages: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        if (messages.length >= count) return resolve(messages);
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} messages within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages);
        };
        waiters.add(check);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return result;
}

/** A received message's headers (names lower-cased, folded lines joined, RFC 2047 words decoded) and decoded text body. */
export function parseMail(data: string): { headers: Record<string, string>; text: string } {
  const split = data.indexOf('\r\n\r\n');
  const head = data.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const rawBody = data.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = decodeEncodedWords(line.slice(colon + 1).trim());
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(rawBody.replace(/\s+/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(rawBody.replace(/=\r\n/g, ''));
  else bytes = Buffer.from(rawBody, 'utf8');
  return { headers, text: bytes.toString('utf8') };
}

function decodeQuotedPrintable(text: string, underscoreIsSpace = false): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '_' && underscoreIsSpace) {
      bytes.push(0x20);
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** "=?UTF-8?B?…?= =?UTF-8?B?…?=" → text. Adjacent encoded words are joined as bytes first, so a character split between two words survives. */
function decodeEncodedWords(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let pending: Buffer[] = [];
  let last = 0;
  const flush = () => {
    out += Buffer.concat(pending).toString('utf8');
    pending = [];
  };
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index);
    if (!(pending.length && /^\s*$/.test(between))) {
      flush();
      out += between;
    }
    pending.push(match[2].toUpperCase() === 'B' ? Buffer.from(match[3], 'base64') : decodeQuotedPrintable(match[3], true));
    last = match.index! + match[0].length;
  }
  flush();
  return out + value.slice(last);
}
