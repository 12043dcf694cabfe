/**
 * Direct Connect, when configured: a DX gateway associated with a virtual private gateway on the
 * VPC, routes propagated into the ingestion route table only (feeds land on ingestion; nothing
 * else should see exchange routes), and the accepter side of a hosted private VIF.
 *
 * The association's allowed prefixes are what AWS advertises *to* the exchange side: only the
 * ingestion subnet. What the exchange may send *in* is limited by the NACL and SG feed rules.
 */
import { Construct } from './cdktf.js';
import { DxGateway, DxGatewayAssociation, DxHostedPrivateVirtualInterfaceAccepter, VpnGateway, VpnGatewayRoutePropagation } from './aws.js';

export interface DirectConnectProps {
  name: string;
  vpcId: string;
  amazonSideAsn: number;
  ingestionCidr: string;
  ingestionRouteTableId: string;
  /** Hosted private VIF to accept (set when a hosted connection exists). */
  virtualInterfaceId?: string;
}

export class DirectConnect extends Construct {
  readonly gateway: DxGateway;
  readonly vpnGateway: VpnGateway;

  constructor(scope: Construct, id: string, props: DirectConnectProps) {
    super(scope, id);
    this.gateway = new DxGateway(this, 'dx-gateway', { name: `${props.name}-dx`, amazonSideAsn: String(props.amazonSideAsn) });
    this.vpnGateway = new VpnGateway(this, 'vgw', { vpcId: props.vpcId, tags: { Name: `${props.name}-vgw` } });
    new DxGatewayAssociation(this, 'association', {
      dxGatewayId: this.gateway.id,
      associatedGatewayId: this.vpnGateway.id,
      allowedPrefixes: [props.ingestionCidr],
    });
    new VpnGatewayRoutePropagation(this, 'ingestion-propagation', { vpnGatewayId: this.vpnGateway.id, routeTableId: props.ingestionRouteTableId });
    if (props.virtualInterfaceId) {
      new DxHostedPrivateVirtualInterfaceAccepter(this, 'vif-accepter', {
        virtualInterfaceId: props.virtualInterfaceId,
        dxGatewayId: this.gateway.id,
        tags: { Name: `${props.name}-vif` },
      });
    }
  }
}
