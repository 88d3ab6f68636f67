/**
 * One loaded PKCS#11 module per library path per process, shared by every Pkcs11Seal.
 *
 * Why shared: the library's state is process-global (dlopen returns the same handle), so a second C_Initialize
 * fails with CKR_CRYPTOKI_ALREADY_INITIALIZED, one seal's C_Finalize would kill every other seal's sessions, and a
 * login belongs to the application, not the session (one C_Logout logs out every session on that token). So the
 * module is initialised by the first user and finalised by the last, and each token's login is reference counted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import pkcs11js from 'pkcs11js';
import { InvalidInputError } from '../../protocols/errors.js';

export type Pkcs11 = InstanceType<typeof pkcs11js.PKCS11>;
export type Handle = Buffer;

interface TokenLogin {
  refs: number;
  pinDigest: Buffer;
}

interface LoadedModule {
  pkcs11: Pkcs11;
  refs: number;
  /** False when someone else in the process initialised the library: then we must not finalise it either. */
  ownsInitialize: boolean;
  logins: Map<string, TokenLogin>;
}

const modules = new Map<string, LoadedModule>();

export interface ModuleLease {
  readonly pkcs11: Pkcs11;
  readonly library: string;
}

function ckrCode(error: unknown): number | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/** Whether a PKCS#11 call failed with one of the named CK_RV values (pkcs11js puts the CK_RV in `code`). */
export function isCkr(error: unknown, ...names: string[]): boolean {
  const code = ckrCode(error);
  const constants = pkcs11js as unknown as Record<string, unknown>;
  return code !== undefined && names.some((name) => constants[name] === code);
}

export function acquireModule(library: string): ModuleLease {
  if (!existsSync(library)) throw new InvalidInputError(`HSM library not found: ${library}`, 'hsm_library_missing');
  const path = realpathSync(library);
  let loaded = modules.get(path);
  if (!loaded) {
    const pkcs11 = new pkcs11js.PKCS11();
    try {
      pkcs11.load(path);
    } catch (cause) {
      throw new InvalidInputError(`HSM library ${library} could not be loaded as a PKCS#11 module: ${(cause as Error).message}`, 'hsm_library_invalid');
    }
    let ownsInitialize = true;
    try {
      // OS locking: the async calls run on libuv worker threads, so the library must guard its own state.
      pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (cause) {
      if (!isCkr(cause, 'CKR_CRYPTOKI_ALREADY_INITIALIZED')) {
        pkcs11.close();
        throw new InvalidInputError(`HSM library ${library} failed to initialise: ${(cause as Error).message}`, 'hsm_library_invalid');
      }
      ownsInitialize = false;
    }
    loaded = { pkcs11, refs: 0, ownsInitialize, logins: new Map() };
    modules.set(path, loaded);
  }
  loaded.refs++;
  return { pkcs11: loaded.pkcs11, library: path };
}

export function releaseModule(lease: ModuleLease): void {
  const loaded = modules.get(lease.library);
  if (!loaded || loaded.pkcs11 !== lease.pkcs11) return;
  loaded.refs--;
  if (loaded.refs > 0) return;
  modules.delete(lease.library);
  if (loaded.ownsInitialize) loaded.pkcs11.C_Finalize();
  loaded.pkcs11.close();
}

function digestPin(pin: string): Buffer {
  return createHash('sha256').update(pin, 'utf8').digest();
}

function wrongPin(tokenLabel: string): InvalidInputError {
  return new InvalidInputError(`HSM login failed for token '${tokenLabel}': wrong PIN`, 'hsm_wrong_pin');
}

/**
 * Logs the user in on `slot` unless a seal in this process already did. A second seal on the same token cannot
 * re-check its PIN with the HSM (C_Login would only answer CKR_USER_ALREADY_LOGGED_IN), so its PIN is compared
 * with the digest of the one that succeeded: a wrong PIN is refused the same way either way.
 */
export function acquireLogin(lease: ModuleLease, slotKey: string, session: Handle, pin: string, tokenLabel: string): void {
  const loaded = modules.get(lease.library);
  if (!loaded) throw new Error('PKCS#11 module lease used after release');
  const existing = loaded.logins.get(slotKey);
  const pinDigest = digestPin(pin);
  if (existing) {
    if (!timingSafeEqual(existing.pinDigest, pinDigest)) throw wrongPin(tokenLabel);
    existing.refs++;
    return;
  }
  try {
    lease.pkcs11.C_Login(session, pkcs11js.CKU_USER, pin);
  } catch (cause) {
    if (isCkr(cause, 'CKR_PIN_INCORRECT')) throw wrongPin(tokenLabel);
    if (isCkr(cause, 'CKR_PIN_LOCKED')) throw new InvalidInputError(`HSM login failed for token '${tokenLabel}': PIN locked`, 'hsm_pin_locked');
    if (isCkr(cause, 'CKR_PIN_LEN_RANGE', 'CKR_ARGUMENTS_BAD')) throw new InvalidInputError(`HSM login failed for token '${tokenLabel}': PIN has the wrong length or format`, 'hsm_wrong_pin');
    if (!isCkr(cause, 'CKR_USER_ALREADY_LOGGED_IN')) throw new InvalidInputError(`HSM login failed for token '${tokenLabel}': ${(cause as Error).message}`, 'hsm_login_failed');
  }
  loaded.logins.set(slotKey, { refs: 1, pinDigest });
}

/** Logs out when the last seal using this token lets go; the session passed must still be open. */
export function releaseLogin(lease: ModuleLease, slotKey: string, session: Handle): void {
  const loaded = modules.get(lease.library);
  const login = loaded?.logins.get(slotKey);
  if (!loaded || !login) return;
  login.refs--;
  if (login.refs > 0) return;
  loaded.logins.delete(slotKey);
  try {
    lease.pkcs11.C_Logout(session);
  } catch (cause) {
    // Already logged out (e.g. the token was reset) is the state we wanted.
    if (!isCkr(cause, 'CKR_USER_NOT_LOGGED_IN')) throw cause;
  }
}
