/**
 * The echo check of one completed round, while it waits for the other parties' echoes. Echoes ride on the
 * next round's envelopes (one signature and one verification fewer per party and round, and no extra network
 * hop); a party whose next messages do not reach everyone, or a round that ends the protocol, sends a
 * stand-alone `kind: 'echo'` envelope instead. Either way the echo is part of an envelope its sender signed,
 * so a lie in it is evidence against the echoer.
 *
 * Sending the next round before every echo is in is echo broadcast with abort (Goldwasser–Lindell): nothing a
 * round sends depends on another party having seen the same broadcasts, and nothing finishes (no later round
 * is finalized, no result is returned, no verdict is announced) until every echo matched.
 */
import { ProtocolAbort, type PartyId } from '../errors.js';
import type { WireValue } from '../math/wire.js';
import { checkEcho, decodeEcho, type EchoEntry } from './echo.js';
import type { PartyAuthenticator } from './types.js';

export class PendingEcho {
  private readonly checked = new Set<PartyId>();

  /**
   * @param round the round whose broadcasts were echoed
   * @param mine this party's own echo entries for it
   * @param speakers every party that broadcast in it, in party order (the layout of every echo)
   * @param echoers the parties whose echo this party waits for
   */
  constructor(
    readonly round: number,
    private readonly mine: readonly EchoEntry[],
    private readonly speakers: readonly PartyId[],
    private readonly echoers: readonly PartyId[],
    private readonly auth: PartyAuthenticator,
  ) {}

  get complete(): boolean {
    return this.echoers.every((p) => this.checked.has(p));
  }

  get missing(): PartyId[] {
    return this.echoers.filter((p) => !this.checked.has(p));
  }

  /** Check every echo received so far (by sender); throws a `ProtocolAbort` naming whoever lied. */
  checkReceived(received: ReadonlyMap<PartyId, WireValue> | undefined): void {
    for (const [from, entries] of received ?? []) {
      if (this.echoers.includes(from) && !this.checked.has(from)) this.check(from, entries);
    }
  }

  private check(from: PartyId, entries: WireValue): void {
    let theirs: EchoEntry[];
    try {
      theirs = decodeEcho(entries, this.speakers);
    } catch (e) {
      throw new ProtocolAbort(`malformed echo: ${(e as Error).message}`, this.round, [from]);
    }
    checkEcho(this.round, from, this.mine, theirs, this.auth);
    this.checked.add(from);
  }
}
