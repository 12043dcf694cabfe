/**
 * Where the cluster's TLS material lives: SSM SecureString parameters under a dedicated KMS key.
 * Terraform creates each parameter with a placeholder and then ignores its value, so certificates
 * and keys are written out of band (`dsm certs push`) and never enter Terraform state or plans.
 */
import { Construct } from './cdktf.js';
import { KmsAlias, KmsKey, SsmParameter } from './aws.js';
import type { TlsParameter } from '../config/tls-layout.js';

export const TLS_PLACEHOLDER = 'PLACEHOLDER: set out of band by `dsm certs push`';

export interface TlsMaterialProps {
  name: string;
  /** e.g. alias/dsm-prod-tls (tls-layout.ts), the alias `dsm certs push` encrypts with. */
  keyAlias: string;
  partition: string;
  region: string;
  accountId: string;
  parameters: readonly TlsParameter[];
}

export class TlsMaterial extends Construct {
  readonly key: KmsKey;
  private readonly arnPrefix: string;

  constructor(scope: Construct, id: string, props: TlsMaterialProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', { description: `${props.name} NATS TLS material`, enableKeyRotation: true, deletionWindowInDays: 30 });
    new KmsAlias(this, 'alias', { name: props.keyAlias, targetKeyId: this.key.keyId });
    for (const p of props.parameters) {
      new SsmParameter(this, p.file.replace(/[^a-zA-Z0-9-]/g, '-'), {
        name: p.name,
        type: 'SecureString',
        keyId: this.key.arn,
        tier: 'Standard',
        description: `DSM TLS ${p.file} (${p.mode === '0600' ? 'private key' : 'certificate'})`,
        value: TLS_PLACEHOLDER,
        lifecycle: { ignoreChanges: ['value'] },
      });
    }
    this.arnPrefix = `arn:${props.partition}:ssm:${props.region}:${props.accountId}:parameter`;
  }

  /** ARNs of some of the parameters (names start with '/'), for a tier's read policy. */
  arnsOf(params: readonly TlsParameter[]): string[] {
    return params.map((p) => `${this.arnPrefix}${p.name}`);
  }
}
