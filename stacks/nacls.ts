/**
 * One network ACL per subnet tier, built from the rule table in nacl-rules.ts. S3 is reached
 * through its gateway endpoint, whose addresses are public and only known at plan time (the
 * regional S3 prefix list), so each tier gets S3_SLOTS fixed rule numbers per direction, slot k
 * holding the k-th CIDR of the sorted list (wrapping when the list is shorter: a duplicate entry
 * is harmless). A rule number never depends on the order AWS returns the list in, and a list
 * longer than the slots fails the plan by a precondition instead of leaving a CIDR out.
 */
import { Construct, Fn, Op } from './cdktf.js';
import { NetworkAcl, NetworkAclAssociation, NetworkAclRule } from './aws.js';
import { EPHEMERAL, HTTPS, RULES, S3_SLOTS, naclRules, type NaclRuleInputs, type SubnetTier } from './nacl-rules.js';

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
      const sorted = Fn.sort(props.s3Cidrs);
      for (const egress of [true, false]) {
        const [fromPort, toPort] = egress ? [HTTPS, HTTPS] : [EPHEMERAL.from, EPHEMERAL.to];
        for (let k = 0; k < S3_SLOTS; k++) {
          new NetworkAclRule(this, `${tier}-${egress ? 'out' : 'in'}-s3-${k}`, {
            networkAclId: acl.id, egress, protocol: 'tcp', ruleAction: 'allow', fromPort, toPort,
            ruleNumber: RULES.s3 + k,
            cidrBlock: Fn.element(sorted, k),
            lifecycle: {
              precondition: [{
                condition: Op.lte(Fn.lengthOf(props.s3Cidrs), S3_SLOTS),
                errorMessage: `the regional S3 prefix list holds more than ${S3_SLOTS} CIDRs: raise S3_SLOTS in stacks/nacl-rules.ts (mind the 20-rule NACL quota)`,
              }],
            },
          });
        }
      }
    }
    this.acls = acls;
  }
}
