/**
 * Runs what the keys engine has due — scheduled rotations, version expiry, deletions after their waiting period —
 * from the times stored in each key's record, so nothing is lost across restarts: on start every record is read
 * and anything overdue runs at once. One timer, armed for the earliest due time.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/service.js';
import type { KeyRecord } from './records.js';
import { KeysService } from './service.js';

// setTimeout's limit (about 24.8 days); longer waits re-arm when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;
const RETRY_MS = 60_000;

export interface SchedulerLogger {
  error(obj: object, msg: string): void;
}

export class KeyScheduler {
  readonly #due = new Map<string, { environment: string; keyId: string; at: number }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly keys: KeysService,
    private readonly audit: AuditLog,
    private readonly log: SchedulerLogger,
    private readonly retryMs = RETRY_MS,
  ) {}

  async start(): Promise<void> {
    this.keys.onChange((record) => this.track(record));
    for await (const record of this.keys.all()) this.#set(record);
    this.#arm();
  }

  track(record: KeyRecord): void {
    this.#set(record);
    this.#arm();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Runs everything due now; the timer calls this, tests may too. */
  runDue(): Promise<void> {
    return (this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
      this.#arm();
    }));
  }

  #set(record: KeyRecord): void {
    const id = `${record.environment}/${record.id}`;
    const at = KeysService.nextDue(record);
    if (at === undefined) this.#due.delete(id);
    else this.#due.set(id, { environment: record.environment, keyId: record.id, at });
  }

  #arm(): void {
    clearTimeout(this.#timer);
    if (this.#stopped || this.#running || this.#due.size === 0) return;
    const next = Math.min(...[...this.#due.values()].map((d) => d.at));
    this.#timer = setTimeout(() => void this.runDue(), Math.min(MAX_TIMER_MS, Math.max(0, next - this.keys.now())));
  }

  async #run(): Promise<void> {
    const now = this.keys.now();
    for (const [id, entry] of [...this.#due]) {
      if (this.#stopped) return;
      if (entry.at > now) continue;
      try {
        await this.keys.maintain(entry.environment, entry.keyId, (action, record) => this.audit.append({
          requestId: randomUUID(),
          actor: 'system:key-scheduler',
          action,
          resource: `key:${record.id}`,
          environment: record.environment,
          result: 'allowed',
          code: 'scheduled',
          sourceIp: 'internal',
          method: 'SCHEDULED',
          path: `/v1/environments/${record.environment}/keys/${record.id}`,
        }).then(() => undefined));
        // maintain() reported the new state through onChange; if nothing changed, do not spin on it.
        if (this.#due.get(id) === entry) this.#due.delete(id);
      } catch (err) {
        this.log.error({ err, key: id }, 'scheduled key maintenance failed; retrying');
        this.#due.set(id, { ...entry, at: this.keys.now() + this.retryMs });
      }
    }
  }
}
