import { networkModel } from './network.js';
import type { StackHost } from './stack-hosts.js';
import { unreachablePorts, type ListenerReport } from './twin.js';

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
