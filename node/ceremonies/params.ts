/** Typed reading of ceremony parameters carried in a session proposal (validated by every participant). */
import { InvalidInputError } from '../../protocols/errors.js';
import type { WireValue } from '../../protocols/math/wire.js';
import { PayloadReader } from '../../protocols/round/payload.js';
import { checkKeyId } from '../keys/key-vault.js';

export function readParams(params: WireValue, ceremony: string): PayloadReader {
  try {
    return new PayloadReader(params, `${ceremony} parameters`);
  } catch (e) {
    throw new InvalidInputError((e as Error).message);
  }
}

/** Run `read` and turn shape errors into the caller's mistake (a proposal with bad parameters is refused). */
export function parseParams<T>(params: WireValue, ceremony: string, read: (r: PayloadReader) => T): T {
  try {
    return read(readParams(params, ceremony));
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    throw new InvalidInputError((e as Error).message);
  }
}

export function keyIdParam(r: PayloadReader): string {
  return checkKeyId(r.string('keyId', 64));
}

export function digestParam(r: PayloadReader): Uint8Array {
  return r.bytes('digest', 32);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
