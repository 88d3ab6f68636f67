/**
 * A logged-in session on one PKCS#11 token, found by label: what both the seal and the key store open first.
 * It also runs their calls one at a time, because a PKCS#11 session runs one operation at a time (an Init..Final
 * pair must not interleave with another caller's Init).
 */
import pkcs11js from 'pkcs11js';
import { InvalidInputError } from '../../protocols/errors.js';
import { SealError } from './seal-error.js';
import { acquireLogin, acquireModule, releaseLogin, releaseModule, type Handle, type ModuleLease, type Pkcs11 } from './pkcs11-module.js';

/** Attributes that keep a generated key in the token: stored on it, usable only after login, never readable out. */
export const KEPT_IN_TOKEN: pkcs11js.Template = [
  { type: pkcs11js.CKA_TOKEN, value: true },
  { type: pkcs11js.CKA_PRIVATE, value: true },
  { type: pkcs11js.CKA_SENSITIVE, value: true },
  { type: pkcs11js.CKA_EXTRACTABLE, value: false },
];

export interface TokenOptions {
  library: string;
  tokenLabel: string;
  pin: string;
}

export function checkString(value: unknown, name: string, maxLength: number): string {
  if (typeof value !== 'string') throw new TypeError(`"${name}" expected string, got ${typeof value}`);
  if (value.length === 0 || value.length > maxLength) throw new RangeError(`"${name}" expected 1..${maxLength} characters, got ${value.length}`);
  return value;
}

/** Checks the options object and the three strings every token user needs (the lengths PKCS#11 allows). */
export function checkTokenOptions(options: unknown): TokenOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`"options" expected object, got ${typeof options}`);
  const o = options as Partial<Record<keyof TokenOptions, unknown>>;
  return { library: checkString(o.library, 'library', 4096), tokenLabel: checkString(o.tokenLabel, 'tokenLabel', 32), pin: checkString(o.pin, 'pin', 255) };
}

function findSlot(pkcs11: Pkcs11, tokenLabel: string): Handle {
  const present: string[] = [];
  const matches: Handle[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = pkcs11.C_GetTokenInfo(slot);
    // Token labels are 32 bytes, blank padded; an uninitialised token has no meaningful label.
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0) continue;
    const label = info.label.trimEnd();
    present.push(`'${label}'`);
    if (label === tokenLabel) matches.push(slot);
  }
  if (matches.length === 0) {
    throw new InvalidInputError(`HSM token '${tokenLabel}' not found (tokens present: ${present.length ? present.sort().join(', ') : 'none'})`, 'hsm_token_not_found');
  }
  if (matches.length > 1) throw new InvalidInputError(`HSM token label '${tokenLabel}' is ambiguous: ${matches.length} tokens carry it`, 'hsm_token_ambiguous');
  return matches[0]!;
}

export class TokenSession {
  readonly pkcs11: Pkcs11;
  readonly session: Handle;
  readonly tokenLabel: string;
  readonly #lease: ModuleLease;
  readonly #slotKey: string;
  readonly #closedMessage: string;
  #closed = false;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(lease: ModuleLease, slotKey: string, session: Handle, tokenLabel: string, closedMessage: string) {
    this.pkcs11 = lease.pkcs11;
    this.session = session;
    this.tokenLabel = tokenLabel;
    this.#lease = lease;
    this.#slotKey = slotKey;
    this.#closedMessage = closedMessage;
  }

  /**
   * Loads the module (shared with every other user in the process), finds the token by label, opens a read-write
   * session and logs in. `closedMessage` is what calls made after close() are refused with.
   */
  static open(options: TokenOptions, closedMessage: string): TokenSession {
    const lease = acquireModule(options.library);
    let session: Handle | undefined;
    try {
      const slot = findSlot(lease.pkcs11, options.tokenLabel);
      const slotKey = slot.toString('hex');
      session = lease.pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      acquireLogin(lease, slotKey, session, options.pin, options.tokenLabel);
      return new TokenSession(lease, slotKey, session, options.tokenLabel, closedMessage);
    } catch (error) {
      if (session) lease.pkcs11.C_CloseSession(session);
      releaseModule(lease);
      throw error;
    }
  }

  /** Handles of up to `max` objects matching `template`. Call inside run(): a search is an operation too. */
  find(template: pkcs11js.Template, max: number): Handle[] {
    this.pkcs11.C_FindObjectsInit(this.session, template);
    try {
      return this.pkcs11.C_FindObjects(this.session, max);
    } finally {
      this.pkcs11.C_FindObjectsFinal(this.session);
    }
  }

  /** Runs `operation` after every call queued before it; refused once the session is closed. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    return this.#queue(() => {
      if (this.#closed) throw new SealError(this.#closedMessage, 'seal_closed');
      return operation();
    });
  }

  /** Waits for queued operations, then logs out (if last on this token), closes the session, finalizes (if last). */
  close(): Promise<void> {
    return this.#queue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        releaseLogin(this.#lease, this.#slotKey, this.session);
        this.pkcs11.C_CloseSession(this.session);
      } finally {
        releaseModule(this.#lease);
      }
    });
  }

  #queue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(run, run);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
