/** Environment variants the stack tests synthesize: prod as configured, and prod reshaped. */
import { prodConfig } from '../config/prod.js';
import { validateConfig } from '../config/load.js';
import type { DsmConfig, DsmConfigInput } from '../config/schema.js';
import { Testing } from './cdktf.js';
import { DsmPlatformStack } from './platform-stack.js';
import { synthStack, type Synthesized } from './test-support.js';
import type { PolicyExpectations } from './policy.js';

const aws = prodConfig.aws!;

const fiveNatsSubnets = ['10.40.1.0/24', '10.40.2.0/24', '10.40.3.0/24', '10.40.4.0/24', '10.40.5.0/24'];
const hostedVif = { enabled: true, amazonSideAsn: 64600, allowedPrefixes: ['192.0.2.0/24', '198.51.100.0/24'], connectionId: 'dxcon-abc123', virtualInterfaceId: 'dxvif-abc123' };

/** Five NATS nodes, Direct Connect off. */
export const fiveNodes: DsmConfigInput = {
  ...prodConfig,
  nats: { ...prodConfig.nats, nodes: 5 },
  thresholds: { ...prodConfig.thresholds, minRoutesPerNode: 4 },
  aws: { ...aws, subnets: { ...aws.subnets, nats: fiveNatsSubnets } },
};

/** Direct Connect on (a hosted VIF to accept), three nodes. */
export const directConnectOn: DsmConfigInput = { ...prodConfig, aws: { ...aws, directConnect: hostedVif } };

/** Five NATS nodes, Direct Connect on with a hosted VIF, alarms by e-mail. */
export const fiveNodesWithDx: DsmConfigInput = {
  ...fiveNodes,
  aws: { ...fiveNodes.aws!, directConnect: hostedVif, alarmEmail: 'oncall@example.com' },
};

/** NATS nodes spread over three AZs (ingestion and subscribers stay in aws.az). */
export const spreadOverAzs: DsmConfigInput = {
  ...prodConfig,
  aws: { ...aws, spreadNatsAcrossAzs: true, natsAzs: ['us-east-1a', 'us-east-1b', 'us-east-1c'] },
};

export function synthPlatform(input: DsmConfigInput, env = 'prod'): { cfg: DsmConfig; out: Synthesized } {
  const cfg = validateConfig(input, env);
  const stack = new DsmPlatformStack(Testing.app(), `dsm-${env}`, cfg);
  return { cfg, out: synthStack(stack) };
}

export function expectationsFor(cfg: DsmConfig): PolicyExpectations {
  const a = cfg.aws!;
  return {
    az: a.az,
    natsNodeAzs: Object.fromEntries(a.subnets.nats.map((_, i) => [i + 1, a.spreadNatsAcrossAzs ? a.natsAzs[i % a.natsAzs.length]! : a.az])),
    natsSecurityGroupName: `dsm-${cfg.env}-nats`,
    natsCidrs: a.subnets.nats,
    clusterPort: cfg.nats.ports.cluster,
  };
}
