/**
 * Client-only message rates per node, from /connz. A node's /varz counters include route traffic
 * (a message crossing the cluster is counted in and out on every node it passes), so what clients
 * actually published and received is summed per connection instead. Pure: callers pass samples.
 *
 * Each connection is differenced against its own previous sample; a connection first seen in this
 * sample counts in full (it opened during the interval). A connection that closed mid-interval
 * loses its last partial interval: a small, stated undercount. A restarted server (new server_id)
 * drops every baseline for that node, because connection ids are reused.
 */

export interface ClientConnSample {
  cid: number;
  in_msgs: number;
  out_msgs: number;
}

export interface ClientRates {
  inRate: number;
  outRate: number;
  /** Connections that published / received anything in the interval. */
  activePublishers: number;
  activeReceivers: number;
  /** The busiest single connection's rates: what one publisher's batches and one subscriber's queue see. */
  maxConnInRate: number;
  maxConnOutRate: number;
  intervalSeconds: number;
}

interface NodeState {
  serverId: string;
  nowMs: number;
  conns: Map<number, ClientConnSample>;
}

export class ClientRateTracker {
  private readonly nodes = new Map<string, NodeState>();

  observe(node: string, serverId: string, nowMs: number, conns: readonly ClientConnSample[]): ClientRates | undefined {
    const prev = this.nodes.get(node);
    const next: NodeState = { serverId, nowMs, conns: new Map(conns.map((c) => [c.cid, c])) };
    if (prev && prev.serverId === serverId && nowMs <= prev.nowMs) return undefined;
    this.nodes.set(node, next);
    if (!prev || prev.serverId !== serverId) return undefined;
    const seconds = (nowMs - prev.nowMs) / 1000;
    let inMsgs = 0;
    let outMsgs = 0;
    let activePublishers = 0;
    let activeReceivers = 0;
    let maxIn = 0;
    let maxOut = 0;
    for (const c of conns) {
      const before = prev.conns.get(c.cid);
      // A counter below its baseline means the cid now names another connection: count it fresh.
      const dIn = before && c.in_msgs >= before.in_msgs ? c.in_msgs - before.in_msgs : c.in_msgs;
      const dOut = before && c.out_msgs >= before.out_msgs ? c.out_msgs - before.out_msgs : c.out_msgs;
      inMsgs += dIn;
      outMsgs += dOut;
      if (dIn > 0) activePublishers++;
      if (dOut > 0) activeReceivers++;
      maxIn = Math.max(maxIn, dIn);
      maxOut = Math.max(maxOut, dOut);
    }
    return { inRate: inMsgs / seconds, outRate: outMsgs / seconds, activePublishers, activeReceivers, maxConnInRate: maxIn / seconds, maxConnOutRate: maxOut / seconds, intervalSeconds: seconds };
  }
}
