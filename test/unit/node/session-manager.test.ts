import { describe, expect, it } from 'vitest';
import { createKeygenSession } from '../../../protocols/cggmp21/keygen.js';
import type { EcdsaKeyShare } from '../../../protocols/cggmp21/types.js';
import { InvalidInputError, ProtocolAbort, TransportError } from '../../../protocols/errors.js';
import { pointToHex } from '../../../protocols/math/curve.js';
import { SimulatedIdentities } from '../../../protocols/round/simulator.js';
import { SessionManager, type CeremonyHandler } from '../../../node/sessions/manager.js';
import { LoopbackNetwork } from '../../helpers/loopback-network.js';
import { encodeNodeMessage } from '../../../node/sessions/messages.js';

function cluster(parties: number[], options: { roundTimeoutMs?: number; refuse?: number } = {}) {
  const network = new LoopbackNetwork();
  const identities = new SimulatedIdentities(parties);
  const members = new Map(parties.map((p) => [p, `peer-${p}`]));
  const stored = new Map<number, EcdsaKeyShare>();
  const managers = new Map<number, SessionManager>();
  for (const self of parties) {
    const keygen: CeremonyHandler<EcdsaKeyShare> = {
      open: async (ctx) => {
        if (options.refuse === self) throw new InvalidInputError('this node refuses');
        const threshold = (ctx.params as { threshold: number }).threshold;
        return createKeygenSession({ sessionId: ctx.sessionId, self, parties: ctx.parties, threshold, auth: ctx.auth });
      },
      complete: async (share) => {
        stored.set(self, share);
        return { publicKey: pointToHex(share.publicKey) };
      },
    };
    const manager = new SessionManager({
      self,
      members,
      transport: network.transport(`peer-${self}`),
      auth: identities.authenticator(self),
      handlers: { keygen: keygen as CeremonyHandler<never> },
      roundTimeoutMs: options.roundTimeoutMs ?? 5_000,
    });
    manager.start();
    managers.set(self, manager);
  }
  return { network, managers, stored, identities };
}

describe('session manager', () => {
  it('runs keygen between three managers and reports every party’s persisted result', async () => {
    const { managers, stored } = cluster([1, 2, 3]);
    const outcome = await managers.get(1)!.run('keygen', [1, 2, 3], { threshold: 2 });
    expect(outcome.summaries.size).toBe(3);
    const keys = new Set([...outcome.summaries.values()].map((s) => (s as { publicKey: string }).publicKey));
    expect(keys.size).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(stored.size).toBe(3);
  });

  it('a peer answering while the proposals are still going out is buffered, not refused by a session not yet started', async () => {
    const { network, managers } = cluster([1, 2, 3]);
    // Party 2 gets the proposal at once and replies; the proposal to party 3 is still in flight for 150 ms.
    network.slow.set('peer-3', 150);
    const outcome = await managers.get(1)!.run('keygen', [1, 2, 3], { threshold: 2 });
    expect(outcome.summaries.size).toBe(3);
  });

  it('a node that is not a participant can drive a session among others', async () => {
    const { managers } = cluster([1, 2, 3, 4]);
    const outcome = await managers.get(4)!.run('keygen', [1, 2, 3], { threshold: 2 });
    expect([...outcome.summaries.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('an unresponsive party makes the session fail within its deadline, naming that party', async () => {
    const { managers, network } = cluster([1, 2, 3], { roundTimeoutMs: 300 });
    network.down.add('peer-3');
    const started = Date.now();
    const error = await managers.get(1)!.run('keygen', [1, 2, 3], { threshold: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).parties).toEqual([3]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a party that refuses the proposal aborts the session everywhere with its reason', async () => {
    const { managers } = cluster([1, 2, 3], { refuse: 2 });
    const error = await managers.get(1)!.run('keygen', [1, 2, 3], { threshold: 2 }).catch((e) => e);
    expect(error).toBeInstanceOf(ProtocolAbort);
    expect((error as Error).message).toMatch(/party 2 aborted: this node refuses/);
  });

  it('rejects unknown ceremonies and non-member parties before anything is sent', async () => {
    const { managers } = cluster([1, 2, 3]);
    await expect(managers.get(1)!.run('nope', [1, 2], {})).rejects.toThrow(/unknown ceremony/);
    await expect(managers.get(1)!.run('keygen', [1, 9], { threshold: 2 })).rejects.toThrow(/not a member/);
  });

  it('drops frames from non-members and envelopes claiming another sender', async () => {
    const { managers, network, identities } = cluster([1, 2, 3]);
    const run = managers.get(1)!.run('keygen', [1, 2, 3], { threshold: 2 }, 'keygen-spoof-test');
    const forged = identities.resign({ sessionId: 'keygen-spoof-test', protocol: 'cggmp21-keygen', round: 1, kind: 'message', from: 2, to: null, payload: { V: new Uint8Array(32) }, signature: new Uint8Array(1) });
    const frame = encodeNodeMessage({ type: 'envelope', envelope: forged });
    network.inject('peer-1', 'peer-3', frame); // member 3 sends a message claiming to be 2
    network.inject('peer-1', 'peer-outsider', frame); // a non-member
    const outcome = await run;
    expect(outcome.summaries.size).toBe(3);
  });
});
