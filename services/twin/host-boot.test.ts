import { renderUnits } from '../../ami/units.js';
import { loadConfig } from '../../config/load.js';
import { expandExec, localArgv, parseUnit, sandboxPaths, type TwinRuntime } from './host-boot.js';
import { decodeAddress, parseProcNet } from './sockets.js';
import { terraformLiteral } from './stack-hosts.js';

describe('twin hosts: units as systemd runs them, user data as Terraform hands it over', () => {
  const rt: TwinRuntime = { root: '/repo', node: '/usr/bin/node', dsmJs: '/repo/cli/bin/dsm.js', binDir: '/t/bin', tlsDir: '/t/tls', cloudwatchFile: '/t/cw', env: 'prod' };

  it('expands ${VAR} inside a word and splits a bare $VAR into words, like systemd', () => {
    const metrics = parseUnit('dsm-metrics', renderUnits(loadConfig('prod'))['dsm-metrics.service']!);
    const argv = expandExec(metrics.execStart, { DSM_ENV: 'prod', DSM_METRICS_ARGS: '--node 2 --tls-dir /etc/dsm/tls' });
    expect(argv).toEqual(['/usr/local/bin/dsm', 'metrics-agent', '--env', 'prod', '--node', '2', '--tls-dir', '/etc/dsm/tls']);
    expect(localArgv(rt, argv, '/t/hosts/nats-2')).toEqual(['/usr/bin/node', '/repo/cli/bin/dsm.js', 'metrics-agent', '--env', 'prod', '--node', '2', '--tls-dir', '/t/hosts/nats-2/etc/dsm/tls']);
    expect(metrics.environment).toEqual({ NODE_ENV: 'production' });
  });

  it('runs the nats-server unit\'s render and test steps before the server, "+" prefix dropped', () => {
    const nats = parseUnit('nats-server', renderUnits(loadConfig('prod'))['nats-server.service']!);
    expect(nats.execStartPre.map((l) => localArgv(rt, expandExec(l, { DSM_ENV: 'prod', DSM_NODE: '1' }), '/h'))).toEqual([
      ['/usr/bin/node', '/repo/cli/bin/dsm.js', 'render', 'nats-config', '--env', 'prod', '--node', '1', '--tls-dir', '/h/etc/nats/tls', '--out', '/h/etc/nats/nats-server.conf'],
      ['nats-server', '-c', '/h/etc/nats/nats-server.conf', '-t'],
    ]);
    expect(localArgv(rt, expandExec(nats.execStart, {}), '/h')).toEqual(['nats-server', '-c', '/h/etc/nats/nats-server.conf']);
  });

  it('moves /etc, /var/log and /usr/local/sbin (with or without a trailing slash) into the host directory, nothing else', () => {
    expect(sandboxPaths('install -d -m 0755 /usr/local/sbin\ncat > /etc/dsm/dsm.env\nexec > >(tee -a /var/log/x.log)\necho /etcetera /opt/dsm', '/h'))
      .toBe('install -d -m 0755 /h/usr/local/sbin\ncat > /h/etc/dsm/dsm.env\nexec > >(tee -a /h/var/log/x.log)\necho /etcetera /opt/dsm');
  });

  it('finds unescaped Terraform interpolation in user data and undoes the $${ escape', () => {
    expect(terraformLiteral('a ${DSM_X:-1} b $${ok} %%{x}')).toEqual({ text: 'a ${DSM_X:-1} b ${ok} %{x}', interpolations: ['${DSM_X:-1}'] });
    expect(terraformLiteral('(( waited >= $${DSM_TLS_WAIT_SECONDS:-3600} ))').interpolations).toEqual([]);
  });

  it('reads /proc/net sockets: IPv4, IPv4-mapped IPv6, states and inodes', () => {
    const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   1: 0100007F:A1B2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 23456 1 0000000000000000 20 4 30 10 -1`;
    expect(parseProcNet(tcp, 'tcp')).toEqual([
      { proto: 'tcp', localIp: '127.0.0.1', localPort: 8080, remoteIp: '0.0.0.0', remotePort: 0, state: 'LISTEN', inode: 12345 },
      { proto: 'tcp', localIp: '127.0.0.1', localPort: 0xa1b2, remoteIp: '127.0.0.1', remotePort: 8080, state: 'ESTABLISHED', inode: 23456 },
    ]);
    expect(decodeAddress('0000000000000000FFFF00000100007F')).toBe('127.0.0.1');
    expect(decodeAddress('00000000000000000000000000000000')).toBe('::');
  });
});
