/**
 * Production on AWS: one AZ, a cluster placement group, ENA instances. NATS nodes sit at fixed
 * private IPs (the 10th host of their subnet) with names nats-<n>.<dnsZone> in a private zone.
 */
import type { DsmConfigInput } from './schema.js';
import { localConfig } from './local.js';

export const prodConfig: DsmConfigInput = {
  env: 'prod',
  nats: {
    clusterName: 'dsm-prod',
    nodes: 3,
    placement: 'private-ip',
    ports: { client: 4222, cluster: 6222, monitor: 8222 },
    dnsZone: 'dsm.internal',
    limits: { maxPayloadBytes: 4 * 1024 * 1024, maxPendingBytes: 128 * 1024 * 1024, writeDeadline: '2s' },
  },
  identities: [
    { name: 'ingest', role: 'ingest' },
    { name: 'subscriber', role: 'subscriber' },
    { name: 'subscriber-nyse', role: 'subscriber', exchanges: ['NYSE'] },
    { name: 'ops', role: 'ops' },
  ],
  // Same venues as local; on AWS the feeds are the live ones (or Direct Connect multicast-to-unicast ITCH).
  exchanges: (localConfig.exchanges ?? []).map((ex) => {
    switch (ex.feed.kind) {
      case 'binance-capture': return { ...ex, feed: { kind: 'binance-ws' as const, url: 'wss://stream.binance.com:9443/stream' } };
      case 'kraken-capture': return { ...ex, feed: { kind: 'kraken-ws' as const, url: 'wss://ws.kraken.com', depth: 100 } };
      // Advanced Trade numbers every message: a lost one is detected (the legacy level2 feed cannot).
      case 'coinbase-capture': return { ...ex, feed: { kind: 'coinbase-advanced-ws' as const, url: 'wss://advanced-trade-ws.coinbase.com' } };
      case 'itch-moldudp64': return { ...ex, feed: { ...ex.feed, host: '0.0.0.0' } };
      default: return ex;
    }
  }),
  ingest: { workers: 4 },
  thresholds: { e2eP99Micros: 500, minRoutesPerNode: 2 },
  metrics: { storageResolution: 1, scrapeIntervalSeconds: 5 },
  aws: {
    region: 'us-east-1',
    az: 'us-east-1a',
    vpcCidr: '10.40.0.0/16',
    subnets: {
      nats: ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24'],
      ingestion: '10.40.10.0/24',
      subscribers: '10.40.20.0/22',
      endpoints: '10.40.30.0/24',
    },
    instanceTypes: { nats: 'c7gn.xlarge', ingestion: 'c7gn.2xlarge', subscriber: 'c7gn.large' },
    amiId: 'resolve:ssm:/dsm/prod/ami-id',
    directConnect: { enabled: false, allowedPrefixes: ['192.0.2.0/24'] },
    logRetentionDays: 90,
    tags: { project: 'dsm', env: 'prod' },
  },
  autoscaling: {
    min: 2,
    max: 12,
    desired: 2,
    targetMsgsPerInstance: 200_000,
    targetCpuPercent: 60,
    targetNetworkInBytesPerInstance: 200_000_000,
    warmupSeconds: 120,
    tuneBounds: { min: 50_000, max: 500_000, maxStepPercent: 20, cooldownSeconds: 300 },
  },
};
