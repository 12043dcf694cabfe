/**
 * The Advanced Trade `sequence_num` check for one connection. Coinbase numbers every message it
 * sends on a connection, whatever its channel (book data, heartbeats, subscription answers),
 * from 0, one more per message. So a number more than one past the last says that many messages
 * were lost, but not on which channel or for which product; a number at or below the last one is
 * a duplicate or a straggler whose place was already counted, and is ignored (Coinbase:
 * "sequence numbers that are less than the previous number can be ignored").
 * Pure: the connection's owner says when a connection starts (`restart`).
 */

export type SequenceVerdict =
  | { kind: 'in-order' }
  /** `lost` messages (expected .. seq-1) never arrived. */
  | { kind: 'gap'; expected: number; lost: number }
  /** Already seen, or counted as lost: drop it. */
  | { kind: 'old'; expected: number }
  /**
   * 0 after higher numbers without a `restart`: a new connection (a recording that spans a
   * reconnect). What happened between the two connections is unknown.
   */
  | { kind: 'new-connection'; expected: number };

export interface SequenceStats {
  /** Messages with a sequence number, in order or not. */
  messages: number;
  gaps: number;
  /** Messages counted as lost over all gaps. */
  lost: number;
  /** Duplicates and stragglers dropped. */
  old: number;
  /** Connections started (by the owner, or seen as a 0 in the stream). */
  connections: number;
}

export class ConnectionSequence {
  /** The number the next message must carry; undefined until a connection's first message. */
  private next: number | undefined;
  readonly stats: SequenceStats = { messages: 0, gaps: 0, lost: 0, old: 0, connections: 0 };

  /** A new connection: its first message sets the line, whatever number it carries. */
  restart(): void {
    this.next = undefined;
    this.stats.connections++;
  }

  get expected(): number | undefined {
    return this.next;
  }

  take(seq: number): SequenceVerdict {
    this.stats.messages++;
    const next = this.next;
    if (next === undefined || seq === next) {
      this.next = seq + 1;
      return { kind: 'in-order' };
    }
    if (seq > next) {
      this.next = seq + 1;
      this.stats.gaps++;
      this.stats.lost += seq - next;
      return { kind: 'gap', expected: next, lost: seq - next };
    }
    if (seq === 0) {
      this.next = 1;
      this.stats.connections++;
      return { kind: 'new-connection', expected: next };
    }
    this.stats.old++;
    return { kind: 'old', expected: next };
  }
}
