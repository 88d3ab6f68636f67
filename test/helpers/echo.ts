/**
 * Test-side handling of echoes, wherever they travel: a stand-alone `kind: 'echo'` envelope, or an echo riding on
 * the sender's next message. Malicious-party tests use these to make a cheater vouch for what it really sent.
 */
import type { PartyId } from '../../protocols/errors.js';
import { envelopeDigest } from '../../protocols/round/envelope.js';
import type { SimulationOptions } from '../../protocols/round/simulator.js';
import type { Envelope } from '../../protocols/round/types.js';

type Intercept = NonNullable<SimulationOptions['intercept']>;
export type EchoTuple = [PartyId, Uint8Array, Uint8Array];

/** The round whose broadcasts this envelope echoes, if it carries an echo. */
export function echoedRound(env: Envelope): number | undefined {
  return env.kind === 'echo' ? env.round : env.echo?.round;
}

/** `env` with its echo entries passed through `edit` (unsigned: the caller re-signs). */
export function withEchoEntries(env: Envelope, edit: (entries: EchoTuple[]) => EchoTuple[]): Envelope {
  if (env.kind === 'echo') return { ...env, payload: edit(env.payload as EchoTuple[]) };
  if (!env.echo) throw new Error('envelope carries no echo');
  return { ...env, echo: { round: env.echo.round, entries: edit(env.echo.entries as EchoTuple[]) } };
}

/** `env` with `party`'s echo entry naming `shown` (unsigned: the caller re-signs). */
export function withEchoEntryFor(env: Envelope, party: PartyId, shown: Envelope): Envelope {
  return withEchoEntries(env, (entries) => entries.map(([p, digest, signature]) => (p === party ? [p, envelopeDigest(shown), shown.signature] : [p, digest, signature])));
}

/**
 * Makes party X behave like a real malicious broadcaster: whatever `inner` turns X's broadcasts into, every echo X
 * sends names the broadcasts as they were delivered (signed by X), so the echo check passes when X sends everyone
 * the same altered payload and the protocol's own checks must catch it.
 */
export function vouchingForWhatItSent(X: PartyId, inner: Intercept): Intercept {
  const delivered = new Map<number, Envelope>();
  return (env, receiver, tools) => {
    const out = env.from === X && env.kind === 'echo' ? env : inner(env, receiver, tools);
    if (out === null) return null;
    const fixed = (Array.isArray(out) ? out : [out]).map((e) => {
      const echoed = e.from === X ? echoedRound(e) : undefined;
      const shown = echoed === undefined ? undefined : delivered.get(echoed);
      return shown ? tools.resign(withEchoEntryFor(e, X, shown)) : e;
    });
    if (env.from === X && env.kind === 'message' && env.to === null && fixed.length === 1 && fixed[0] !== env) delivered.set(env.round, fixed[0]!);
    return Array.isArray(out) ? fixed : fixed[0]!;
  };
}
