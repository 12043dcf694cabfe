/** What `dsm record` needs from a venue module: where to connect and what to say. */
export interface RecordingPlan {
  venue: string;
  /** WebSocket URL to open. */
  url: string;
  /** Frames to send once the socket is open (subscriptions), in order. */
  subscribe: string[];
  /** REST URLs to fetch once subscribed (Binance depth snapshots), written to the REST capture. */
  rest: string[];
}

export interface PlanOptions {
  /** Override the venue's WebSocket endpoint (tests, testnets, other regions). */
  wsUrl?: string;
  /** Override the venue's REST base URL. */
  restBase?: string;
  /** Book depth to subscribe to, where the venue takes one. */
  depth?: number;
  /** The live feed kind to record, for a venue that speaks several protocols (Coinbase); its first by default. */
  kind?: string;
}
