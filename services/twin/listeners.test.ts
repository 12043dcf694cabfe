import { networkModel } from './network.js';
import type { StackHost } from './stack-hosts.js';
import { logContract, unreachablePorts, type ListenerReport } from './twin.js';
import { shippedLogGroups } from './host-boot.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const sg = (n: string) => '${aws_security_group.' + n + '.id}';
const model = networkModel({ resource: {
  aws_security_group: { app: { name: 'app-sg' }, mon: { name: 'mon-sg' } },
  aws_vpc_security_group_ingress_rule: {
    prom: { security_group_id: sg('app'), referenced_security_group_id: sg('mon'), ip_protocol: 'tcp', from_port: 9464, to_port: 9464 },
    nats: { security_group_id: sg('app'), referenced_security_group_id: sg('mon'), ip_protocol: 'tcp', from_port: 4222, to_port: 4222 },
  },
} });
const host: StackHost = { name: 'app-1', role: 'x', resource: 'aws_instance.a', tier: 'app-sg', net: { host: 'app-1', ip: '10.0.0.5', subnet: 's', sgs: ['app'] }, userData: '', problems: [] };
const listener = (port: number, twinPort: number, bind: string): ListenerReport => ({ host: 'app-1', unit: 'u', proto: 'tcp', bind, port, service: 's', twinPort });
// The twin moved the NATS port onto loopback; Prometheus keeps the bind address the config gives it.
const twinPorts = new Map([['tcp/30000', { port: 4222, service: 'nats-client', proto: 'tcp' as const, movedBind: true }], ['tcp/30001', { port: 9464, service: 'prometheus', proto: 'tcp' as const, movedBind: false }]]);

describe('ports the security groups open must lead to a reachable listener', () => {
  it('flags a port nothing listens on, and one only bound to loopback', () => {
    expect(unreachablePorts(model, [host], [listener(4222, 30000, '127.0.0.1')], twinPorts)).toEqual([
      expect.objectContaining({ tier: 'app-sg', ports: '9464', from: 'mon-sg', why: 'nothing on app-1 listens there' }),
    ]);
    expect(unreachablePorts(model, [host], [listener(4222, 30000, '127.0.0.1'), listener(9464, 30001, '127.0.0.1')], twinPorts)[0]!.why).toMatch(/^only on loopback/);
  });

  it('accepts a listener on every address, and a moved NATS listener whatever it binds here', () => {
    expect(unreachablePorts(model, [host], [listener(4222, 30000, '127.0.0.1'), listener(9464, 30001, '0.0.0.0')], twinPorts)).toEqual([]);
  });
});

describe('a listener told to bind its host\'s private address', () => {
  it('counts as reachable (the twin moved that address to 127.0.0.1)', () => {
    expect(unreachablePorts(model, [host], [listener(4222, 30000, '127.0.0.1'), { ...listener(9464, 30001, '127.0.0.1'), hostAddress: true }], twinPorts)).toEqual([]);
  });
});

describe('service logs: every log group of the stack is shipped into by some host', () => {
  const stack = { resource: {
    aws_cloudwatch_log_group: { a: { name: '/dsm/prod/ingest' }, b: { name: '/dsm/prod/boot' }, flow: { name: '/dsm/prod/vpc-flow-logs' } },
    aws_flow_log: { f: { log_destination: '${aws_cloudwatch_log_group.flow.arn}' } },
  } };

  it('lists groups nobody ships into (AWS-written flow logs excluded) and groups the stack lacks', () => {
    expect(logContract(stack, [])).toEqual({ groups: ['/dsm/prod/boot', '/dsm/prod/ingest'], unshipped: ['/dsm/prod/boot', '/dsm/prod/ingest'], unknown: [] });
    expect(logContract(stack, [{ shipsLogsTo: ['/dsm/prod/ingest', '/dsm/prod/boot'] }, { shipsLogsTo: ['/dsm/prod/typo'] }])).toEqual({ groups: ['/dsm/prod/boot', '/dsm/prod/ingest'], unshipped: [], unknown: ['/dsm/prod/typo'] });
  });

  it('reads the groups from the agent config user data started the agent with (fetch-config ... -s)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dsm-cwagent-'));
    const file = path.join(dir, 'agent.json');
    writeFileSync(file, JSON.stringify({ logs: { logs_collected: { files: { collect_list: [{ file_path: '/var/log/dsm/ingest.log', log_group_name: '/dsm/prod/ingest' }] } } } }));
    expect(shippedLogGroups([`-a fetch-config -m ec2 -c file:${file} -s`])).toEqual(['/dsm/prod/ingest']);
    // Configured but never started: ships nothing.
    expect(shippedLogGroups([`-a fetch-config -m ec2 -c file:${file}`])).toEqual([]);
  });
});
