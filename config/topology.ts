/**
 * Where each NATS node lives, derived from the config alone so that the stacks (fixed private IPs,
 * DNS records), the certificates (SANs), the renderer (routes) and the local cluster (ports) all
 * agree without anyone writing an address twice.
 */
import type { DsmConfig } from './schema.js';
import { hostInCidr } from './cidr.js';

export interface NatsNode {
  /** 1-based node number, as operators say it ("nats-2"). */
  index: number;
  /** Server name; also the first label of its DNS name. */
  name: string;
  /** Private DNS name routes and clients use (nats-2.dsm.internal). */
  dnsName: string;
  /** Address the node listens on and peers dial. */
  ip: string;
  clientPort: number;
  clusterPort: number;
  monitorPort: number;
  /** AWS only: the subnet (CIDR) and AZ the node lives in. */
  subnetCidr?: string;
  az?: string;
}

/** The host address a NATS node takes inside its subnet (AWS reserves .0-.3). */
export const NATS_HOST_OFFSET = 10;

export function natsNodes(cfg: DsmConfig): NatsNode[] {
  const { nodes, placement, ports, dnsZone } = cfg.nats;
  return Array.from({ length: nodes }, (_, i) => {
    const index = i + 1;
    const name = `nats-${index}`;
    const base = { index, name, dnsName: `${name}.${dnsZone}` };
    if (placement === 'loopback') {
      // One host: every node on 127.0.0.1 with ports offset by its position.
      return { ...base, ip: '127.0.0.1', clientPort: ports.client + i, clusterPort: ports.cluster + i, monitorPort: ports.monitor + i };
    }
    const aws = cfg.aws!;
    const subnetCidr = aws.subnets.nats[i]!;
    const az = aws.spreadNatsAcrossAzs ? aws.natsAzs[i % aws.natsAzs.length]! : aws.az;
    return { ...base, ip: hostInCidr(subnetCidr, NATS_HOST_OFFSET), clientPort: ports.client, clusterPort: ports.cluster, monitorPort: ports.monitor, subnetCidr, az };
  });
}

export function natsNode(cfg: DsmConfig, index: number): NatsNode {
  const node = natsNodes(cfg).find((n) => n.index === index);
  if (!node) throw new RangeError(`node must be between 1 and ${cfg.nats.nodes}, got ${index}`);
  return node;
}

/** Client URLs for every node, in node order: clients get all of them for fast failover. */
export function clientUrls(cfg: DsmConfig, useDnsNames = cfg.nats.placement === 'private-ip'): string[] {
  return natsNodes(cfg).map((n) => `tls://${useDnsNames ? n.dnsName : n.ip}:${n.clientPort}`);
}
