/**
 * Log shipping is three pieces in two places (the AMI's units and rsyslog rules, the stack's log
 * groups and agent configuration); these checks keep them naming the same things, so no log group
 * the stack creates stays empty for want of a tag, a rule or a file.
 */
import { readFileSync } from 'node:fs';
import { prodConfig } from '../config/prod.js';
import { loadConfig } from '../config/load.js';
import { renderUnits } from '../ami/units.js';
import { ingestBootScript, natsBootScript, subscriberBootScript } from './boot-scripts.js';
import { ROLE_LOGS, SERVICE_LOGS, cloudwatchAgentConfig, logGroupName, rsyslogRules, type ServiceLog } from './log-shipping.js';
import { synthPlatform } from './test-configs.js';
import { resourcesOf } from './test-support.js';

describe('log shipping: journald -> rsyslog -> file -> CloudWatch agent -> log group', () => {
  it('the AMI carries exactly the rsyslog rules the table gives', () => {
    expect(readFileSync('ami/files/rsyslog.d/30-dsm.conf', 'utf8')).toBe(rsyslogRules());
  });

  it('every service unit tags its journal lines with the identifier a rule matches', () => {
    const tags = Object.values(renderUnits(loadConfig('prod'))).map((u) => /^SyslogIdentifier=(.+)$/m.exec(u)?.[1]);
    expect(tags.sort()).toEqual(Object.values(SERVICE_LOGS).filter((t) => t !== 'dsm-boot').sort());
    // The boot script's own lines carry the remaining tag.
    expect(natsBootScript({ env: 'prod', region: 'us-east-1', node: 1, serverName: 'nats-1', opsIdentity: 'ops', ip: '10.40.1.10' })).toContain('logger -t dsm-boot');
  });

  it('the stack creates a log group for every shipped log and ships into every log group it creates', () => {
    const groups = resourcesOf(synthPlatform(prodConfig).out.json, 'aws_cloudwatch_log_group').map(([, g]) => g.name as string).filter((n) => n !== '/dsm/prod/vpc-flow-logs');
    const shipped = new Set(Object.values(ROLE_LOGS).flat().map((l) => logGroupName('prod', l)));
    expect(groups.sort()).toEqual([...shipped].sort());
    expect(groups.sort()).toEqual((Object.keys(SERVICE_LOGS) as ServiceLog[]).map((l) => logGroupName('prod', l)).sort());
  });

  it('each role\'s boot script configures the agent for that role\'s logs', () => {
    const scripts = {
      nats: natsBootScript({ env: 'prod', region: 'us-east-1', node: 1, serverName: 'nats-1', opsIdentity: 'ops', ip: '10.40.1.10' }),
      ingest: ingestBootScript({ env: 'prod', region: 'us-east-1', identity: 'ingest', standby: false }),
      subscriber: subscriberBootScript({ env: 'prod', region: 'us-east-1', identity: 'subscriber', asgName: 'a', lifecycleHook: 'h' }),
    };
    for (const [role, script] of Object.entries(scripts) as Array<[keyof typeof ROLE_LOGS, string]>) {
      expect(script).toContain(JSON.stringify(cloudwatchAgentConfig('prod', role), null, 2));
    }
  });
});
