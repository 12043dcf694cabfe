/**
 * One network ACL per subnet tier, built from the rule table in nacl-rules.ts. S3 is reached
 * through its gateway endpoint, whose addresses are public and only known at plan time (the
 * regional S3 prefix list), so those two rules per tier iterate over the prefix list's CIDRs;
 * their rule numbers follow the CIDR's position in that list.
 */
import { Construct, Fn, Op, TerraformIterator } from './cdktf.js';
import { NetworkAcl, NetworkAclAssociation, NetworkAclRule } from './aws.js';
import { EPHEMERAL, HTTPS, RULES, naclRules, type NaclRuleInputs, type SubnetTier } from './nacl-rules.js';

export interface NaclsProps extends NaclRuleInputs {
  name: string;
  vpcId: string;
  subnetIds: Record<SubnetTier, readonly string[]>;
  /** CIDRs of the regional S3 prefix list (a plan-time list token in the stack). */
  s3Cidrs: string[];
}

export class Nacls extends Construct {
  readonly acls: Record<SubnetTier, NetworkAcl>;

  constructor(scope: Construct, id: string, props: NaclsProps) {
    super(scope, id);
    const rules = naclRules(props);
    const tiers = Object.keys(rules) as SubnetTier[];
    const acls = {} as Record<SubnetTier, NetworkAcl>;
    for (const tier of tiers) {
      const acl = new NetworkAcl(this, tier, { vpcId: props.vpcId, tags: { Name: `${props.name}-${tier}` } });
      acls[tier] = acl;
      props.subnetIds[tier].forEach((subnetId, i) => new NetworkAclAssociation(this, `${tier}-assoc-${i}`, { networkAclId: acl.id, subnetId }));
      for (const r of rules[tier]) {
        new NetworkAclRule(this, `${tier}-${r.egress ? 'out' : 'in'}-${r.ruleNumber}`, {
          networkAclId: acl.id, ruleNumber: r.ruleNumber, egress: r.egress, protocol: r.protocol, ruleAction: 'allow',
          cidrBlock: r.cidr, fromPort: r.fromPort, toPort: r.toPort,
        });
      }
      for (const egress of [true, false]) {
        const cidrs = TerraformIterator.fromList(props.s3Cidrs);
        const [fromPort, toPort] = egress ? [HTTPS, HTTPS] : [EPHEMERAL.from, EPHEMERAL.to];
        new NetworkAclRule(this, `${tier}-${egress ? 'out' : 'in'}-s3`, {
          forEach: cidrs,
          networkAclId: acl.id, egress, protocol: 'tcp', ruleAction: 'allow', fromPort, toPort,
          cidrBlock: cidrs.value,
          ruleNumber: Op.add(RULES.s3, Fn.index(props.s3Cidrs, cidrs.value)),
        });
      }
    }
    this.acls = acls;
  }
}
