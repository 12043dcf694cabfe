import { TlsMaterial, TLS_PLACEHOLDER } from './tls-material.js';
import { allTlsParameters, clientParameters, tlsKeyAlias } from '../config/tls-layout.js';
import { KmsAlias, KmsKey } from './aws.js';
import { resourcesOf, synthScope, type Json, type Synthesized } from './test-support.js';

describe('TlsMaterial', () => {
  let out: Synthesized;
  let params: Json[];
  let material!: TlsMaterial;
  beforeAll(() => {
    out = synthScope((s) => {
      material = new TlsMaterial(s, 'tls', {
        name: 'dsm-prod', keyAlias: tlsKeyAlias('prod'), partition: 'aws', region: 'us-east-1', accountId: '111122223333',
        parameters: allTlsParameters('prod', ['nats-1', 'nats-2', 'nats-3'], ['ingest', 'subscriber']),
      });
    });
    params = resourcesOf(out.json, 'aws_ssm_parameter').map(([, p]) => p);
  });

  it('creates a rotating KMS key under the alias dsm certs push uses', () => {
    expect(out.text).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true, deletion_window_in_days: 30 });
    expect(out.text).toHaveResourceWithProperties(KmsAlias, { name: 'alias/dsm-prod-tls' });
  });

  it('creates one SecureString per file, each once, encrypted with that key', () => {
    expect(params.map((p) => p.name).sort()).toEqual([
      '/dsm/prod/tls/ca.crt',
      '/dsm/prod/tls/clients/ingest.crt', '/dsm/prod/tls/clients/ingest.key', '/dsm/prod/tls/clients/subscriber.crt', '/dsm/prod/tls/clients/subscriber.key',
      '/dsm/prod/tls/servers/nats-1.crt', '/dsm/prod/tls/servers/nats-1.key', '/dsm/prod/tls/servers/nats-2.crt', '/dsm/prod/tls/servers/nats-2.key',
      '/dsm/prod/tls/servers/nats-3.crt', '/dsm/prod/tls/servers/nats-3.key',
    ]);
    for (const p of params) {
      expect(p.type).toBe('SecureString');
      expect(p.key_id).toMatch(/^\$\{aws_kms_key\.tls_key_[A-F0-9]+\.arn\}$/);
    }
  });

  it('keeps secrets out of state: a placeholder value, ignored from then on', () => {
    for (const p of params) {
      expect(p.value).toBe(TLS_PLACEHOLDER);
      expect(p.lifecycle).toEqual({ ignore_changes: ['value'] });
    }
  });

  it('gives tiers exact parameter ARNs to read', () => {
    expect(material.arnsOf(clientParameters('prod', 'ingest'))).toEqual([
      'arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/ca.crt',
      'arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/clients/ingest.crt',
      'arn:aws:ssm:us-east-1:111122223333:parameter/dsm/prod/tls/clients/ingest.key',
    ]);
  });
});
