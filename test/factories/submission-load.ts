import { createHash, randomUUID } from 'node:crypto';
import { validProposal } from './proposals';
import { proposalIdIn, WebSession } from './web-session';

/** A small valid PDF whose bytes differ by `n`, so every attachment has its own checksum. */
export function pdfNumbered(n: number): Buffer {
  return Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% attachment ${n} ${randomUUID()}\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

export interface AcknowledgedAttachment {
  proposalId: number;
  sha256: string;
}

/** A staff member's signed-in session and the CSRF token of its forms. */
export interface Submitter {
  session: WebSession;
  token: string;
}

export async function submitter(base: string, login: string, password: string): Promise<Submitter> {
  const session = await new WebSession(base).signIn(login, password);
  return { session, token: await session.csrfToken('/proposals/new') };
}

/**
 * Proposals submitted through the real forms by several workers at once, until stopped (or until the
 * server stops answering). Every 303 is an acknowledgement the user saw, and is recorded: the tests
 * then prove each one is stored. With `attachments`, every fourth proposal takes the long way a
 * person with a file takes: save a draft, attach a PDF, then submit the draft.
 */
export class SubmissionLoad {
  /** Proposal id → title, for every submission answered with 303. */
  readonly submitted = new Map<number, string>();
  /** Drafts answered with 303 (some are submitted later, see `submitted`). */
  readonly drafts = new Map<number, string>();
  readonly attachments: AcknowledgedAttachment[] = [];
  /** Answers other than 303 while the server was expected to answer. */
  readonly unexpected: string[] = [];
  /** Requests that got no answer at all (the worker stops at the first). */
  readonly errors: string[] = [];
  /** Requests sent and not yet answered. */
  inFlight = 0;
  private acknowledgements = 0;
  private sequence = 0;
  private stopped = false;
  private workers: Promise<void>[] = [];
  private readonly waiters: { count: number; wake: () => void }[] = [];

  constructor(
    private readonly submitters: Submitter[],
    private readonly options: { workersPerSubmitter: number; attachments: boolean; titlePrefix: string; base?: () => string },
  ) {}

  get acknowledged(): number {
    return this.acknowledgements;
  }

  start(): void {
    for (const s of this.submitters) {
      for (let i = 0; i < this.options.workersPerSubmitter; i++) this.workers.push(this.work(s));
    }
  }

  /** Resolves once this many acknowledgements have come back. */
  whenAcknowledged(count: number): Promise<void> {
    if (this.acknowledgements >= count) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ count, wake }));
  }

  /** Stops sending; resolves when every worker has its last answer (or error). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }

  /** Resolves when every worker has ended by itself (the server went away). */
  async ended(): Promise<void> {
    await Promise.all(this.workers);
  }

  private ack(): void {
    this.acknowledgements++;
    for (const waiter of [...this.waiters]) {
      if (this.acknowledgements >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.wake();
      }
    }
  }

  private async send<T>(request: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await request();
    } finally {
      this.inFlight--;
    }
  }

  private async work({ session, token }: Submitter): Promise<void> {
    const base = () => this.options.base?.();
    try {
      while (!this.stopped) {
        const n = ++this.sequence;
        const title = `${this.options.titlePrefix} ${n}`;
        const fields = { ...validProposal({ title }), _csrf: token };
        if (!this.options.attachments || n % 4 !== 0) {
          const res = await this.send(() => session.postForm('/proposals', { ...fields, intent: 'submit', formKey: randomUUID() }, base()));
          const id = proposalIdIn(res.location);
          if (res.status !== 303 || id === null) {
            this.unexpected.push(`submit ${title}: ${res.status}`);
            continue;
          }
          this.submitted.set(id, title);
          this.ack();
          continue;
        }

        const draft = await this.send(() => session.postForm('/proposals', { ...fields, intent: 'draft', formKey: randomUUID() }, base()));
        const id = proposalIdIn(draft.location);
        if (draft.status !== 303 || id === null) {
          this.unexpected.push(`draft ${title}: ${draft.status}`);
          continue;
        }
        this.drafts.set(id, title);
        this.ack();

        const pdf = pdfNumbered(n);
        const form = new FormData();
        form.append('file', new Blob([pdf], { type: 'application/pdf' }), `資料${n}.pdf`);
        const upload = await this.send(() => session.postMultipart(`/proposals/${id}/attachments?_csrf=${token}`, form, base()));
        if (upload.status !== 303) {
          this.unexpected.push(`attach ${title}: ${upload.status}`);
          continue;
        }
        this.attachments.push({ proposalId: id, sha256: createHash('sha256').update(pdf).digest('hex') });
        this.ack();

        const submit = await this.send(() => session.postForm(`/proposals/${id}`, { ...fields, intent: 'submit', version: '1' }, base()));
        if (submit.status !== 303) {
          this.unexpected.push(`submit draft ${title}: ${submit.status}`);
          continue;
        }
        this.submitted.set(id, title);
        this.ack();
      }
    } catch (error) {
      // The server went away (killed, in the tests that kill it): this worker is done. What it had
      // not seen answered is not acknowledged.
      this.errors.push(error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error));
    }
  }
}
