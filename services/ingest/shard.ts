/**
 * Stable symbol -> worker assignment: FNV-1a over "EXCHANGE\0SYMBOL". Stable across processes and
 * restarts, so a primary and its standby shard identically and a symbol's book always lives in
 * the same worker.
 */
export function shardOf(exchange: string, symbol: string, workers: number): number {
  let h = 0x811c9dc5;
  const key = `${exchange}\u0000${symbol}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % workers;
}
