/**
 * Loopback environment: the demo, the tests and the local drills. Three nodes on 127.0.0.1 with
 * ports offset by node index (client 4222+i, cluster 6222+i, monitor 8222+i); tests override the
 * ports with free ones so parallel runs never collide.
 */
import type { DsmConfigInput } from './schema.js';

const samples = 'services/feeds/samples';

export const localConfig: DsmConfigInput = {
  env: 'local',
  nats: {
    clusterName: 'dsm-local',
    nodes: 3,
    placement: 'loopback',
    ports: { client: 4222, cluster: 6222, monitor: 8222 },
    dnsZone: 'dsm.internal',
  },
  identities: [
    { name: 'ingest', role: 'ingest' },
    { name: 'subscriber', role: 'subscriber' },
    { name: 'subscriber-nyse', role: 'subscriber', exchanges: ['NYSE'] },
    { name: 'ops', role: 'ops' },
  ],
  exchanges: [
    {
      name: 'NASDAQ',
      symbols: ['AAPL'],
      feed: {
        kind: 'lobster',
        symbol: 'AAPL',
        messages: `${samples}/lobster/AAPL_2012-06-21_message_10_rows0001-0500.csv`,
        orderbook: `${samples}/lobster/AAPL_2012-06-21_orderbook_10_rows0001-0500.csv`,
      },
    },
    {
      name: 'BINANCE',
      symbols: ['NKNUSDT', 'LRCBTC', 'BLZETH', 'RUNEEUR'],
      feed: {
        kind: 'binance-capture',
        ws: `${samples}/captures/binance-spot-depth-2021-10-12.ws.txt`,
        rest: `${samples}/captures/binance-spot-depth-2021-10-12.rest.txt`,
      },
    },
    {
      name: 'KRAKEN',
      symbols: ['XMR/USD', 'WAVES/EUR', 'ADA/XBT', 'ETH/CHF', 'GRT/ETH'],
      feed: { kind: 'kraken-capture', path: `${samples}/captures/kraken-book-2021-04-17.ws.txt` },
    },
    {
      name: 'COINBASE',
      symbols: ['BAND-BTC', 'BAND-GBP', 'CRV-EUR', 'DASH-BTC', 'NMR-EUR', 'NU-GBP', 'SKL-BTC', 'SKL-GBP', 'SKL-USD', 'YFI-BTC'],
      feed: { kind: 'coinbase-capture', path: `${samples}/captures/coinbase-level2-2021-04-17.ws.txt` },
    },
    {
      // NYSE has no bundled recording; it exists so entitlement tests and demos have a second
      // equities venue. Its ITCH-style feed is synthesized by the tests' ITCH encoder.
      name: 'NYSE',
      symbols: ['IBM', 'BRK.B'],
      feed: { kind: 'itch-moldudp64', host: '127.0.0.1', port: 26400 },
    },
  ],
  ingest: { workers: 2 },
  thresholds: { e2eP99Micros: 2000, minRoutesPerNode: 2 },
};
