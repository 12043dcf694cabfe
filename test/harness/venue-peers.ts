/**
 * The local venue peers are product code now (`dsm venue-peer`): the shared plumbing is
 * services/feeds/peer.ts and each venue's protocol its `<venue>/peer.ts`. Re-exported here for
 * tests and benches that import them from the harness.
 */
export { PeerBook, VenuePeer, type PeerFault, type PeerFaultKind, type Side } from '../../services/feeds/peer.js';
export { BinancePeer } from '../../services/feeds/binance/peer.js';
export { CoinbasePeer } from '../../services/feeds/coinbase/peer.js';
export { KrakenPeer } from '../../services/feeds/kraken/peer.js';
