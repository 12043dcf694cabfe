import { DirectConnect, type DirectConnectProps } from './direct-connect.js';
import { DxGateway, DxGatewayAssociation, DxHostedPrivateVirtualInterfaceAccepter, VpnGatewayRoutePropagation } from './aws.js';
import { only, synthScope } from './test-support.js';

const props: DirectConnectProps = { name: 'dsm-test', vpcId: 'vpc-1', amazonSideAsn: 64600, ingestionCidr: '10.40.10.0/24', ingestionRouteTableId: 'rtb-ingest' };

describe('DirectConnect', () => {
  it('associates a DX gateway with a VPN gateway, advertising only the ingestion subnet', () => {
    const out = synthScope((s) => new DirectConnect(s, 'dx', props));
    expect(out.text).toHaveResourceWithProperties(DxGateway, { name: 'dsm-test-dx', amazon_side_asn: '64600' });
    const assoc = only(out.json, 'aws_dx_gateway_association');
    expect(assoc.allowed_prefixes).toEqual(['10.40.10.0/24']);
    expect(assoc.dx_gateway_id).toMatch(/^\$\{aws_dx_gateway\./);
    expect(assoc.associated_gateway_id).toMatch(/^\$\{aws_vpn_gateway\./);
    expect(out.text).toHaveResourceWithProperties(VpnGatewayRoutePropagation, { route_table_id: 'rtb-ingest' });
    expect(only(out.json, 'aws_vpn_gateway').vpc_id).toBe('vpc-1');
    expect(out.json.resource.aws_dx_hosted_private_virtual_interface_accepter).toBeUndefined();
  });

  it('accepts the hosted private VIF on the DX gateway when one is given', () => {
    const out = synthScope((s) => new DirectConnect(s, 'dx', { ...props, virtualInterfaceId: 'dxvif-abc123' }));
    expect(out.text).toHaveResourceWithProperties(DxHostedPrivateVirtualInterfaceAccepter, { virtual_interface_id: 'dxvif-abc123' });
    expect(only(out.json, 'aws_dx_hosted_private_virtual_interface_accepter').dx_gateway_id).toMatch(/^\$\{aws_dx_gateway\./);
    expect(out.text).toHaveResource(DxGatewayAssociation);
  });
});
