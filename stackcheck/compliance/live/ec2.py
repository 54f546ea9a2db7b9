"""Live-state readers for Amazon EC2 (VPCs, subnets, gateways, routes, addresses, security groups and their rules, flow logs, peering, endpoints): each reads one resource type's properties through the API."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.deployed import DeployedResource
from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none
from stackcheck.scan.policy import TemplateView

# Route target keys of DescribeRouteTables, which are also AWS::EC2::Route property names.
_ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "EgressOnlyInternetGatewayId",
    "CarrierGatewayId",
    "TransitGatewayId",
    "VpcPeeringConnectionId",
    "NetworkInterfaceId",
    "InstanceId",
    "LocalGatewayId",
    "CoreNetworkArn",
)

_ROUTE_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")

_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


# -- network resources read on their own (VPC, gateways, routes, addresses, rules, flow logs, peering) ---------

VPC_FIELDS = ("VpcId", "CidrBlock", "InstanceTenancy", "EnableDnsSupport", "EnableDnsHostnames", "Tags")
"""AWS::EC2::VPC properties the VPC reader reads (``VpcId``, read-only in the schema, answers ``Fn::GetAtt``)."""
INTERNET_GATEWAY_FIELDS = ("InternetGatewayId", "Tags")
GATEWAY_ATTACHMENT_FIELDS = ("VpcId", "InternetGatewayId", "VpnGatewayId")
ROUTE_FIELDS = ("RouteTableId", *_ROUTE_DESTINATIONS, *_ROUTE_TARGETS)
ASSOCIATION_FIELDS = ("RouteTableId", "SubnetId")
EIP_FIELDS = ("PublicIp", "AllocationId", "Domain", "InstanceId", "PublicIpv4Pool", "NetworkBorderGroup", "Tags")
"""AWS::EC2::EIP properties the address reader reads (``PublicIp`` and ``AllocationId`` are read-only in the schema)."""
VPC_ENDPOINT_FIELDS = ("PolicyDocument", "RouteTableIds", "SubnetIds", "SecurityGroupIds", "PrivateDnsEnabled")
"""VPC endpoint properties an endpoint may lack (a gateway endpoint has no subnets; an interface endpoint no route
tables): read, and unset when DescribeVpcEndpoints answers none."""
NAT_GATEWAY_FIELDS = ("SubnetId", "AllocationId", "ConnectivityType", "PrivateIpAddress", "Tags")
RULE_FIELDS = ("GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "Description")
INGRESS_FIELDS = (*RULE_FIELDS, "SourceSecurityGroupId", "SourcePrefixListId")
EGRESS_FIELDS = (*RULE_FIELDS, "DestinationSecurityGroupId", "DestinationPrefixListId")
FLOW_LOG_FIELDS = (
    "ResourceId",
    "ResourceType",
    "TrafficType",
    "LogDestinationType",
    "LogDestination",
    "LogGroupName",
    "DeliverLogsPermissionArn",
    "LogFormat",
    "MaxAggregationInterval",
    "Tags",
)
PEERING_FIELDS = ("VpcId", "PeerVpcId", "PeerOwnerId", "PeerRegion", "Tags")

# Route target key -> the resource type it names, joined by Ref in the live template.
_TARGET_TYPES = {
    "GatewayId": "AWS::EC2::InternetGateway",
    "NatGatewayId": "AWS::EC2::NatGateway",
    "VpcPeeringConnectionId": "AWS::EC2::VPCPeeringConnection",
}
# DescribeFlowLogs answers the resource's ID only; AWS::EC2::FlowLog's ResourceType by its prefix.
_FLOW_LOG_RESOURCE_TYPES = (
    ("vpc-", "VPC"),
    ("subnet-", "Subnet"),
    ("eni-", "NetworkInterface"),
    ("tgw-attach-", "TransitGatewayAttachment"),
    ("tgw-", "TransitGateway"),
)
_GONE_STATES = ("deleting", "deleted", "failed", "rejected", "expired")


def split_compound(physical_id: str) -> tuple[str, str] | None:
    """``(first, second)`` of a compound physical ID: CloudFormation joins a registry type's primary identifier
    with ``|`` (``rtb-0a1b|0.0.0.0/0``, ``IGW|vpc-0a1b``); the emulator (moto) joins a route's with ``~``."""
    for separator in ("|", "~"):
        if separator in physical_id:
            first, second = physical_id.split(separator, 1)
            return first, second
    return None


def _tags(answer: Mapping[str, Any]) -> list[dict[str, str]] | None:
    """``Tags`` as CloudFormation declares them, without the ``aws:`` tags AWS itself sets (none: None)."""
    tags = [
        {"Key": t["Key"], "Value": t.get("Value", "")}
        for t in answer.get("Tags") or []
        if not str(t.get("Key", "")).startswith("aws:")
    ]
    return tags or None


def _protocol(declared: Any, answered: Any) -> Any:
    """The declared spelling of an IP protocol EC2 answers in its own (``6`` as ``tcp``, ``all`` as ``-1``)."""
    if declared is None or answered is None:
        return answered
    same = _PROTOCOLS.get(str(declared).lower(), str(declared).lower()) == str(answered).lower()
    return declared if same else answered


class Ec2Readers(Builder):
    """Readers of Amazon EC2 resources (mixed into the live template builder)."""

    def subnet(self, resource: LiveResource) -> dict[str, Any]:
        """Subnet: DescribeSubnets (``VpcId``, ``CidrBlock``, ``AvailabilityZone``, ``MapPublicIpOnLaunch``, ``Tags``),
        and DescribeRouteTables for its explicit route table association, else the
        VPC's main route table (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html#RouteTables);
        the association becomes an ``AWS::EC2::SubnetRouteTableAssociation`` of the live template (one the stack
        declares is read by its own reader, under its logical ID)."""
        subnet_id = resource.physical_id
        (subnet,) = self.call(resource, "ec2", "describe_subnets", SubnetIds=[subnet_id])["Subnets"]
        self._read_unset(resource, ("Tags",))
        pages = self.call(
            resource,
            "ec2",
            "paginate:describe_route_tables",
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}],
        )
        tables = [t for page in pages for t in page.get("RouteTables", [])]
        associations = [
            (a.get("RouteTableAssociationId") or f"{t['RouteTableId']}/{subnet_id}", t["RouteTableId"])
            for t in tables
            for a in t.get("Associations", [])
            if a.get("SubnetId") == subnet_id
        ]
        if not associations:
            pages = self.call(
                resource,
                "ec2",
                "paginate:describe_route_tables",
                Filters=[
                    {"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                    {"Name": "association.main", "Values": ["true"]},
                ],
            )
            main = [t["RouteTableId"] for page in pages for t in page.get("RouteTables", [])]
            associations = [(f"{table}/main/{subnet_id}", table) for table in main]
            resource.notes.append(f"no explicit route table association: uses the VPC's main route table {main}")
        for association, table in associations:
            owner = self._association_owner(association, table, subnet_id)
            if owner is not None:
                self.add("AWS::EC2::SubnetRouteTableAssociation", owner.physical_id or "", owner=owner)
                continue
            self.put(
                association,
                "AWS::EC2::SubnetRouteTableAssociation",
                association,
                {"SubnetId": {"Ref": resource.key}, "RouteTableId": self.ref("AWS::EC2::RouteTable", table, full=True)},
            )
        return drop_none(
            {
                "VpcId": subnet.get("VpcId"),
                "CidrBlock": subnet.get("CidrBlock"),
                "AvailabilityZone": subnet.get("AvailabilityZone"),
                "MapPublicIpOnLaunch": subnet.get("MapPublicIpOnLaunch"),
                "Tags": _tags(subnet),
            }
        )

    def route_table(self, resource: LiveResource) -> dict[str, Any]:
        """Route table: DescribeRouteTables (``VpcId``, ``Tags``); each active route becomes an ``AWS::EC2::Route`` of the live template
        (one the stack declares is read by its own reader, under its logical ID)."""
        (table,) = self.call(resource, "ec2", "describe_route_tables", RouteTableIds=[resource.physical_id])[
            "RouteTables"
        ]
        self._read_unset(resource, ("Tags",))
        for route in table.get("Routes", []):
            if route.get("State") == "blackhole":
                continue  # its target is gone: no traffic takes it
            destination = next((route[k] for k in _ROUTE_DESTINATIONS if route.get(k)), "?")
            props = {"RouteTableId": {"Ref": resource.key}}
            props |= {k: route[k] for k in (*_ROUTE_DESTINATIONS, *_ROUTE_TARGETS) if route.get(k)}
            owner = self._own(
                "AWS::EC2::Route", f"{resource.physical_id}|{destination}", f"{resource.physical_id}~{destination}"
            )
            if owner is not None:
                self.add("AWS::EC2::Route", owner.physical_id or "", owner=owner)
                continue
            key = f"{resource.physical_id}~{destination}"
            self.put(key, "AWS::EC2::Route", key, props)
        return drop_none({"VpcId": table.get("VpcId"), "Tags": _tags(table)})

    def security_group(self, resource: LiveResource) -> dict[str, Any]:
        """Security group: DescribeSecurityGroups
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html). Each ingress
        permission and source is one rule; a rule matching an ``AWS::EC2::SecurityGroupIngress`` of the stack's
        template keeps that logical ID (so findings land on the same construct; read by its own reader when
        CloudFormation lists its rule ID), the others stay inline in ``SecurityGroupIngress``. Egress likewise in
        ``SecurityGroupEgress`` (``_egress``)."""
        (group,) = self.call(resource, "ec2", "describe_security_groups", GroupIds=[resource.physical_id])[
            "SecurityGroups"
        ]
        declared = self._declared_ingress(resource)
        inline = []
        for permission in group.get("IpPermissions", []):
            base = drop_none(
                {
                    "IpProtocol": permission.get("IpProtocol"),
                    "FromPort": permission.get("FromPort"),
                    "ToPort": permission.get("ToPort"),
                }
            )
            sources: list[tuple[dict[str, Any], tuple[str, str]]] = []
            for pair in permission.get("UserIdGroupPairs", []):
                sources.append(
                    (
                        {"SourceSecurityGroupId": self.ref("AWS::EC2::SecurityGroup", pair["GroupId"])},
                        ("group", pair["GroupId"]),
                    )
                )
            sources += [({"CidrIp": r["CidrIp"]}, ("cidr", r["CidrIp"])) for r in permission.get("IpRanges", [])]
            sources += [
                ({"CidrIpv6": r["CidrIpv6"]}, ("cidr", r["CidrIpv6"])) for r in permission.get("Ipv6Ranges", [])
            ]
            sources += [
                ({"SourcePrefixListId": r["PrefixListId"]}, ("prefix", r["PrefixListId"]))
                for r in permission.get("PrefixListIds", [])
            ]
            for source, identity in sources:
                rule = {**base, **source}
                lid = declared.pop(_rule_identity(base, identity), None)
                if lid is None:
                    inline.append(rule)
                elif (deployed := self.stack.resource(lid)) is not None and deployed.live:
                    self.add("AWS::EC2::SecurityGroupIngress", deployed.physical_id or "", owner=deployed)
                else:
                    shown = f"{resource.physical_id} {base.get('IpProtocol')} {base.get('FromPort', '')}-{base.get('ToPort', '')}"
                    self.put(
                        lid,
                        "AWS::EC2::SecurityGroupIngress",
                        f"{shown.rstrip('-')} from {identity[1]}",
                        {"GroupId": {"Ref": resource.key}, **rule},
                        self.stack.resource(lid),
                    )
                    self.resources[lid].operations.append(self.reader.api_name("ec2", "describe_security_groups"))
        props = drop_none(
            {"GroupId": group.get("GroupId"), "GroupName": group.get("GroupName"), "VpcId": group.get("VpcId")}
        )
        if inline:
            props["SecurityGroupIngress"] = inline
        egress = self._egress(group, resource)
        if egress:
            props["SecurityGroupEgress"] = egress
        return props

    def _own(self, resource_type: str, *physical_ids: str) -> DeployedResource | None:
        """The live deployed resource of this stack with one of ``physical_ids`` (CloudFormation's, the emulator's)."""
        for physical_id in physical_ids:
            owner = self.reader.owner(resource_type, physical_id)
            if owner is not None and owner.stack == self.stack.artifact_id and owner.live:
                return owner
        return None

    def _association_owner(self, association: str, table: str, subnet_id: str) -> DeployedResource | None:
        """This stack's ``AWS::EC2::SubnetRouteTableAssociation`` of ``subnet_id`` with ``table``: by its association
        ID (CloudFormation's physical ID) or by the route table's ID (the emulator's) when it declares that subnet."""
        kind = "AWS::EC2::SubnetRouteTableAssociation"
        owner = self._own(kind, association)
        if owner is not None:
            return owner
        owner = self._own(kind, table)
        if owner is None:
            return None
        view = TemplateView(self.stack.artifact.template)
        declared = self.stack.resource(view.target(view.properties(owner.logical_id).get("SubnetId")) or "")
        return owner if declared is not None and declared.physical_id == subnet_id else None

    def vpc(self, resource: LiveResource) -> dict[str, Any]:
        """VPC: DescribeVpcs (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcs.html) for its
        ``CidrBlock``, ``InstanceTenancy`` and ``Tags``, and DescribeVpcAttribute
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcAttribute.html) for
        ``EnableDnsSupport`` and ``EnableDnsHostnames``."""
        vpc_id = resource.physical_id
        (vpc,) = self.call(resource, "ec2", "describe_vpcs", VpcIds=[vpc_id])["Vpcs"]
        self._read_unset(resource, ("CidrBlock", "InstanceTenancy", "Tags"))
        props = {
            "VpcId": vpc_id,
            "CidrBlock": vpc.get("CidrBlock"),
            "InstanceTenancy": vpc.get("InstanceTenancy"),
            "Tags": _tags(vpc),
        }
        for prop, attribute, key in (
            ("EnableDnsSupport", "enableDnsSupport", "EnableDnsSupport"),
            ("EnableDnsHostnames", "enableDnsHostnames", "EnableDnsHostnames"),
        ):
            answer = self.call(resource, "ec2", "describe_vpc_attribute", prop=prop, VpcId=vpc_id, Attribute=attribute)
            props[prop] = (answer.get(key) or {}).get("Value")
        return drop_none(props)

    def internet_gateway(self, resource: LiveResource) -> dict[str, Any]:
        """Internet gateway: DescribeInternetGateways
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInternetGateways.html): its ``Tags``."""
        answer = self.call(resource, "ec2", "describe_internet_gateways", InternetGatewayIds=[resource.physical_id])
        (gateway,) = answer["InternetGateways"]
        self._read_unset(resource, INTERNET_GATEWAY_FIELDS)
        return drop_none({"InternetGatewayId": gateway.get("InternetGatewayId"), "Tags": _tags(gateway)})

    def gateway_attachment(self, resource: LiveResource) -> dict[str, Any]:
        """VPC gateway attachment: DescribeInternetGateways (or DescribeVpnGateways
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpnGateways.html) for a virtual private
        gateway) filtered by ``attachment.vpc-id``. CloudFormation's physical ID is ``IGW|vpc-...`` (or ``VGW|``);
        the emulator's is the VPC's ID, and the template says which kind of gateway. Gone when no gateway of that
        kind is attached to the VPC."""
        compound = split_compound(resource.physical_id)
        if compound is not None:
            kind, vpc_id = compound[0].upper(), compound[1]
        else:
            vpc_id = resource.physical_id
            kind = "VGW" if "VpnGatewayId" in self.declared(resource) else "IGW"
        attached = {"attached", "available"}
        filters = [{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
        if kind == "VGW":
            answer = self.call(resource, "ec2", "describe_vpn_gateways", Filters=filters)
            found = [
                g["VpnGatewayId"]
                for g in answer.get("VpnGateways", [])
                if any(a.get("VpcId") == vpc_id and a.get("State") in attached for a in g.get("VpcAttachments", []))
            ]
            prop, gateway_type = "VpnGatewayId", "AWS::EC2::VPNGateway"
        else:
            pages = self.call(resource, "ec2", "paginate:describe_internet_gateways", Filters=filters)
            found = [
                g["InternetGatewayId"]
                for page in pages
                for g in page.get("InternetGateways", [])
                if any(a.get("VpcId") == vpc_id and a.get("State") in attached for a in g.get("Attachments", []))
            ]
            prop, gateway_type = "InternetGatewayId", "AWS::EC2::InternetGateway"
        if not found:
            raise Gone(f"no {kind} gateway is attached to {vpc_id}")
        self._read_unset(resource, GATEWAY_ATTACHMENT_FIELDS)
        return {"VpcId": self.ref("AWS::EC2::VPC", vpc_id), prop: self.ref(gateway_type, found[0])}

    def route(self, resource: LiveResource) -> dict[str, Any]:
        """Route: DescribeRouteTables (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html)
        of its route table, the route to its destination: ``RouteTableId``, the destination
        (``DestinationCidrBlock``, ``DestinationIpv6CidrBlock`` or ``DestinationPrefixListId``) and its target
        (``GatewayId``, ``NatGatewayId``, ``VpcPeeringConnectionId``, ...). CloudFormation's physical ID is
        ``<route table ID>|<destination>``, the emulator's ``<route table ID>~<destination>``. Gone when the table
        has no route to that destination."""
        compound = split_compound(resource.physical_id)
        if compound is None:
            raise LookupError(
                f"AWS::EC2::Route {resource.physical_id}: not <route table ID>|<destination>, so the route is not known"
            )
        table_id, destination = compound
        (table,) = self.call(resource, "ec2", "describe_route_tables", RouteTableIds=[table_id])["RouteTables"]
        found = [r for r in table.get("Routes", []) if destination in (r.get(k) for k in _ROUTE_DESTINATIONS)]
        if not found:
            raise Gone(f"InvalidRoute.NotFound: route table {table_id} has no route to {destination}")
        route = found[0]
        if route.get("State") == "blackhole":
            self.note(resource, f"the route is a blackhole: its target {_target(route)} is gone")
        self._read_unset(resource, ROUTE_FIELDS)
        props: dict[str, Any] = {"RouteTableId": self.ref("AWS::EC2::RouteTable", table_id)}
        for key in (*_ROUTE_DESTINATIONS, *_ROUTE_TARGETS):
            value = route.get(key)
            if not value:
                continue
            if key == "GatewayId" and not str(value).startswith("igw-"):
                props[key] = value  # "local", a virtual private gateway
            elif key in _TARGET_TYPES:
                props[key] = self.ref(_TARGET_TYPES[key], value)
            else:
                props[key] = value
        return props

    def route_table_association(self, resource: LiveResource) -> dict[str, Any]:
        """Subnet route table association: DescribeRouteTables
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeRouteTables.html), the association's
        ``RouteTableId`` and ``SubnetId``. CloudFormation's physical ID is the association ID (``rtbassoc-...``),
        looked up with the ``association.route-table-association-id`` filter; the emulator's is the route table's
        ID, whose association with the declared subnet (or its only subnet association) is read. Gone when there is
        no such association."""
        physical_id = resource.physical_id
        if physical_id.startswith("rtb-"):
            tables = self.call(resource, "ec2", "describe_route_tables", RouteTableIds=[physical_id])["RouteTables"]
            subnet = self.declared_id(resource, "SubnetId")
        else:
            pages = self.call(
                resource,
                "ec2",
                "paginate:describe_route_tables",
                Filters=[{"Name": "association.route-table-association-id", "Values": [physical_id]}],
            )
            tables, subnet = [t for page in pages for t in page.get("RouteTables", [])], None
        found = [
            (t["RouteTableId"], a)
            for t in tables
            for a in t.get("Associations", [])
            if a.get("SubnetId")
            and a.get("AssociationState", {}).get("State", "associated") == "associated"
            and (a.get("RouteTableAssociationId") == physical_id or physical_id.startswith("rtb-"))
        ]
        if subnet is not None:
            found = [(t, a) for t, a in found if a.get("SubnetId") == subnet]
        if len(found) != 1:
            if not found:
                raise Gone(f"InvalidAssociationID.NotFound: DescribeRouteTables lists no association {physical_id}")
            raise LookupError(f"{physical_id} has {len(found)} subnet associations and the template names no subnet")
        table_id, association = found[0]
        self._read_unset(resource, ASSOCIATION_FIELDS)
        # the table read in full, as a subnet's read reads it: what the association means is the table's routes
        return {
            "RouteTableId": self.ref("AWS::EC2::RouteTable", table_id, full=True),
            "SubnetId": self.ref("AWS::EC2::Subnet", association["SubnetId"]),
        }

    def elastic_ip(self, resource: LiveResource) -> dict[str, Any]:
        """Elastic IP address: DescribeAddresses
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeAddresses.html) by its public IP
        (CloudFormation's physical ID; ``<public IP>|<allocation ID>`` read by the allocation ID): ``PublicIp``,
        ``AllocationId``, ``Domain``, ``InstanceId``, ``PublicIpv4Pool``, ``NetworkBorderGroup`` and ``Tags``."""
        compound = split_compound(resource.physical_id)
        if compound is not None:
            answer = self.call(resource, "ec2", "describe_addresses", AllocationIds=[compound[1]])
        else:
            answer = self.call(resource, "ec2", "describe_addresses", PublicIps=[resource.physical_id])
        (address,) = answer["Addresses"]
        self._read_unset(resource, EIP_FIELDS)
        props = {name: address.get(name) or None for name in EIP_FIELDS if name != "Tags"}
        return drop_none(props | {"Tags": _tags(address)})

    def nat_gateway(self, resource: LiveResource) -> dict[str, Any]:
        """NAT gateway: DescribeNatGateways
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNatGateways.html): ``SubnetId``, the
        primary address's ``AllocationId`` and ``PrivateIpAddress``, ``ConnectivityType`` and ``Tags``. Gone when it
        is ``deleting``, ``deleted`` or ``failed`` (EC2 lists a deleted NAT gateway for about an hour)."""
        answer = self.call(resource, "ec2", "describe_nat_gateways", NatGatewayIds=[resource.physical_id])
        gateways = answer.get("NatGateways", [])
        if not gateways or gateways[0].get("State") in _GONE_STATES:
            state = gateways[0].get("State") if gateways else "not listed"
            raise Gone(f"NatGatewayNotFound: DescribeNatGateways answers {resource.physical_id} {state}")
        gateway = gateways[0]
        addresses = gateway.get("NatGatewayAddresses") or []
        primary = next((a for a in addresses if a.get("IsPrimary")), addresses[0] if addresses else {})
        self._read_unset(resource, NAT_GATEWAY_FIELDS)
        return drop_none(
            {
                "SubnetId": self.ref("AWS::EC2::Subnet", gateway["SubnetId"]) if gateway.get("SubnetId") else None,
                "AllocationId": primary.get("AllocationId"),
                "PrivateIpAddress": primary.get("PrivateIp"),
                "ConnectivityType": gateway.get("ConnectivityType"),
                "Tags": _tags(gateway),
            }
        )

    def ingress_rule(self, resource: LiveResource) -> dict[str, Any]:
        """Security group ingress rule: DescribeSecurityGroupRules
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html) by its rule ID
        (``sgr-...``, CloudFormation's physical ID): ``GroupId``, ``IpProtocol``, ``FromPort``, ``ToPort``,
        ``CidrIp``, ``CidrIpv6``, ``SourceSecurityGroupId``, ``SourcePrefixListId`` and ``Description``."""
        return self._rule(resource, egress=False)

    def egress_rule(self, resource: LiveResource) -> dict[str, Any]:
        """Security group egress rule: DescribeSecurityGroupRules
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroupRules.html) by its rule ID
        (``sgr-...``): ``GroupId``, ``IpProtocol``, ``FromPort``, ``ToPort``, ``CidrIp``, ``CidrIpv6``,
        ``DestinationSecurityGroupId``, ``DestinationPrefixListId`` and ``Description``."""
        return self._rule(resource, egress=True)

    def _rule(self, resource: LiveResource, *, egress: bool) -> dict[str, Any]:
        if not resource.physical_id.startswith("sgr-"):
            raise LookupError(f"{resource.physical_id} is not a security group rule ID (sgr-...)")
        answer = self.call(
            resource, "ec2", "describe_security_group_rules", SecurityGroupRuleIds=[resource.physical_id]
        )
        rules = [r for r in answer.get("SecurityGroupRules", []) if bool(r.get("IsEgress")) == egress]
        if not rules:
            raise Gone(
                f"InvalidSecurityGroupRuleId.NotFound: no {'egress' if egress else 'ingress'} rule {resource.physical_id}"
            )
        rule = rules[0]
        side = "Destination" if egress else "Source"
        group = (rule.get("ReferencedGroupInfo") or {}).get("GroupId")
        protocol = rule.get("IpProtocol")
        props = {
            "GroupId": self.ref("AWS::EC2::SecurityGroup", rule["GroupId"]),
            "IpProtocol": _protocol(self.declared(resource).get("IpProtocol"), protocol),
            "CidrIp": rule.get("CidrIpv4"),
            "CidrIpv6": rule.get("CidrIpv6"),
            f"{side}SecurityGroupId": self.ref("AWS::EC2::SecurityGroup", group) if group else None,
            f"{side}PrefixListId": rule.get("PrefixListId"),
            "Description": rule.get("Description"),
        }
        read: tuple[str, ...] = EGRESS_FIELDS if egress else INGRESS_FIELDS
        if str(protocol) != "-1":  # all protocols: EC2 answers -1 for ports CloudFormation leaves unset
            props |= {"FromPort": rule.get("FromPort"), "ToPort": rule.get("ToPort")}
        else:
            read = tuple(name for name in read if name not in ("FromPort", "ToPort"))
        self._read_unset(resource, read)
        return drop_none(props)

    def flow_log(self, resource: LiveResource) -> dict[str, Any]:
        """Flow log: DescribeFlowLogs (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html):
        ``ResourceId`` (and ``ResourceType`` from its prefix), ``TrafficType``, ``LogDestinationType``,
        ``LogDestination``, ``LogGroupName``, ``DeliverLogsPermissionArn``, ``LogFormat``,
        ``MaxAggregationInterval`` and ``Tags``. Gone when EC2 lists no such flow log."""
        answer = self.call(resource, "ec2", "describe_flow_logs", FlowLogIds=[resource.physical_id])
        logs = answer.get("FlowLogs", [])
        if not logs:
            raise Gone(f"InvalidFlowLogId.NotFound: DescribeFlowLogs lists no {resource.physical_id}")
        log = logs[0]
        self._read_unset(resource, FLOW_LOG_FIELDS)
        target = str(log.get("ResourceId", ""))
        kind = next((name for prefix, name in _FLOW_LOG_RESOURCE_TYPES if target.startswith(prefix)), None)
        target_types = {"VPC": "AWS::EC2::VPC", "Subnet": "AWS::EC2::Subnet"}
        props = {name: log.get(name) for name in FLOW_LOG_FIELDS if name not in ("ResourceId", "ResourceType", "Tags")}
        if log.get("LogGroupName"):
            props["LogGroupName"] = self.ref("AWS::Logs::LogGroup", log["LogGroupName"])
        return drop_none(
            {
                "ResourceId": self.ref(target_types[kind], target) if kind in target_types else target or None,
                "ResourceType": kind,
                **props,
                "Tags": _tags(log),
            }
        )

    def peering_connection(self, resource: LiveResource) -> dict[str, Any]:
        """VPC peering connection: DescribeVpcPeeringConnections
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcPeeringConnections.html): the
        requester's VPC as ``VpcId``, the accepter's VPC, owner and region as ``PeerVpcId``, ``PeerOwnerId`` and
        ``PeerRegion``, and ``Tags``. Gone when it is deleted, rejected, failed or expired."""
        answer = self.call(
            resource, "ec2", "describe_vpc_peering_connections", VpcPeeringConnectionIds=[resource.physical_id]
        )
        connections = answer.get("VpcPeeringConnections", [])
        status = (connections[0].get("Status") or {}).get("Code") if connections else "not listed"
        if not connections or status in _GONE_STATES:
            raise Gone(f"InvalidVpcPeeringConnectionID.NotFound: {resource.physical_id} is {status}")
        if status != "active":
            self.note(resource, f"the peering connection is {status}")
        connection = connections[0]
        self._read_unset(resource, PEERING_FIELDS)
        requester, accepter = connection.get("RequesterVpcInfo") or {}, connection.get("AccepterVpcInfo") or {}
        return drop_none(
            {
                "VpcId": self.ref("AWS::EC2::VPC", requester["VpcId"]) if requester.get("VpcId") else None,
                "PeerVpcId": self.ref("AWS::EC2::VPC", accepter["VpcId"]) if accepter.get("VpcId") else None,
                "PeerOwnerId": accepter.get("OwnerId"),
                "PeerRegion": accepter.get("Region"),
                "Tags": _tags(connection),
            }
        )

    def vpc_endpoint(self, resource: LiveResource) -> dict[str, Any]:
        """VPC endpoint: DescribeVpcEndpoints
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVpcEndpoints.html) as
        AWS::EC2::VPCEndpoint's properties: ``VpcId``, ``ServiceName``, ``VpcEndpointType``, ``PolicyDocument`` (the
        object its JSON text holds; EC2 gives a gateway or interface endpoint without one a full-access policy),
        ``RouteTableIds`` (gateway endpoints), ``SubnetIds`` and ``SecurityGroupIds`` (interface endpoints) and
        ``PrivateDnsEnabled``. Gone when it is deleting, deleted, failed, rejected or expired."""
        answer = self.call(resource, "ec2", "describe_vpc_endpoints", VpcEndpointIds=[resource.physical_id])
        endpoints = answer.get("VpcEndpoints", [])
        state = str(endpoints[0].get("State") or "").lower() if endpoints else "not listed"
        if not endpoints or state in _GONE_STATES:
            raise Gone(f"InvalidVpcEndpointId.NotFound: {resource.physical_id} is {state}")
        endpoint = endpoints[0]
        self._read_unset(resource, VPC_ENDPOINT_FIELDS)
        policy = endpoint.get("PolicyDocument")
        return drop_none(
            {
                "VpcId": self.ref("AWS::EC2::VPC", endpoint["VpcId"]) if endpoint.get("VpcId") else None,
                "ServiceName": endpoint.get("ServiceName"),
                "VpcEndpointType": endpoint.get("VpcEndpointType"),
                "PolicyDocument": json.loads(policy) if isinstance(policy, str) and policy else policy or None,
                "RouteTableIds": [self.ref("AWS::EC2::RouteTable", t) for t in endpoint.get("RouteTableIds") or []],
                "SubnetIds": [self.ref("AWS::EC2::Subnet", s) for s in endpoint.get("SubnetIds") or []],
                "SecurityGroupIds": [
                    self.ref("AWS::EC2::SecurityGroup", g["GroupId"])
                    for g in endpoint.get("Groups") or []
                    if g.get("GroupId")
                ],
                "PrivateDnsEnabled": endpoint.get("PrivateDnsEnabled"),
            }
        )

    def instance(self, resource: LiveResource) -> dict[str, Any]:
        """EC2 instance: DescribeInstances
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html) and its ``userData``
        attribute, DescribeInstanceAttribute
        (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html), as
        AWS::EC2::Instance's ``ImageId``, ``InstanceType``, ``SubnetId``, ``SecurityGroupIds``, ``KeyName``,
        ``IamInstanceProfile`` (the profile's name, from the ARN the API answers), ``UserData`` (base64),
        ``AvailabilityZone``, ``PrivateIpAddress``, ``SourceDestCheck``, ``Monitoring`` (detailed monitoring
        enabled), ``EbsOptimized`` and ``Tags``. Its block devices, network interfaces and metadata options are
        not read. Gone when it is shutting down or terminated."""
        answer = self.call(resource, "ec2", "describe_instances", InstanceIds=[resource.physical_id])
        found = [i for r in answer.get("Reservations", []) for i in r.get("Instances", [])]
        state = ((found[0].get("State") or {}).get("Name") if found else None) or "not listed"
        if not found or state in ("shutting-down", "terminated"):
            raise Gone(f"InvalidInstanceID.NotFound: {resource.physical_id} is {state}")
        instance = found[0]
        user_data = (
            self.call(
                resource,
                "ec2",
                "describe_instance_attribute",
                prop="UserData",
                InstanceId=resource.physical_id,
                Attribute="userData",
            ).get("UserData")
            or {}
        )
        self._read_unset(resource, ("KeyName", "IamInstanceProfile", "SecurityGroupIds", "Tags"))
        profile = (instance.get("IamInstanceProfile") or {}).get("Arn")
        return drop_none(
            {
                "ImageId": instance.get("ImageId"),
                "InstanceType": instance.get("InstanceType"),
                "SubnetId": instance.get("SubnetId"),
                "SecurityGroupIds": [g["GroupId"] for g in instance.get("SecurityGroups") or [] if g.get("GroupId")],
                "KeyName": instance.get("KeyName") or None,
                "IamInstanceProfile": str(profile).rpartition("/")[2] if profile else None,
                "UserData": user_data.get("Value") or None,
                "AvailabilityZone": (instance.get("Placement") or {}).get("AvailabilityZone"),
                "PrivateIpAddress": instance.get("PrivateIpAddress"),
                "SourceDestCheck": instance.get("SourceDestCheck"),
                "Monitoring": (instance.get("Monitoring") or {}).get("State") in ("enabled", "pending")
                if instance.get("Monitoring")
                else None,
                "EbsOptimized": instance.get("EbsOptimized"),
                "Tags": _tags(instance),
            }
        )

    def _declared_ingress(self, group: LiveResource) -> dict[tuple[Any, ...], str]:
        """Rule identity → logical ID of the stack's ``AWS::EC2::SecurityGroupIngress`` resources into ``group``."""
        return self._declared_rules(group, "AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupId")

    def _declared_rules(self, group: LiveResource, rule_type: str, peer: str) -> dict[tuple[Any, ...], str]:
        """Rule identity → logical ID of the stack's ``rule_type`` resources (ingress or egress) of ``group``;
        ``peer`` is the property naming the other security group (``SourceSecurityGroupId``,
        ``DestinationSecurityGroupId``)."""
        if group.owner is None or group.owner.stack != self.stack.artifact_id:
            return {}
        view = TemplateView(self.stack.artifact.template)
        found: dict[tuple[Any, ...], str] = {}
        for lid in view.of_type(rule_type):
            props = view.properties(lid)
            if view.target(props.get("GroupId")) != group.key:
                continue
            base = {k: view.value(props.get(k)) for k in ("IpProtocol", "FromPort", "ToPort") if k in props}
            peer_lid = view.target(props.get(peer))
            if peer_lid is not None:
                other = self.stack.resource(peer_lid)
                if other is None or not other.physical_id:
                    continue
                identity = ("group", other.physical_id)
            elif isinstance(view.value(props.get("CidrIp", props.get("CidrIpv6"))), str):
                identity = ("cidr", view.value(props.get("CidrIp", props.get("CidrIpv6"))))
            else:
                continue
            found[_rule_identity(base, identity)] = lid
        return found

    def _egress(self, group: Mapping[str, Any], resource: LiveResource) -> list[dict[str, Any]]:
        """``SecurityGroupEgress`` of a DescribeSecurityGroups answer (``IpPermissionsEgress``), one rule per
        destination, less the rules the stack declares as ``AWS::EC2::SecurityGroupEgress`` resources (their own
        reader reads them)."""
        declared = self._declared_rules(resource, "AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId")
        rules = []
        for permission in group.get("IpPermissionsEgress", []):
            base = drop_none(
                {
                    "IpProtocol": permission.get("IpProtocol"),
                    "FromPort": permission.get("FromPort"),
                    "ToPort": permission.get("ToPort"),
                }
            )
            targets: list[tuple[dict[str, Any], tuple[str, str]]] = [
                (
                    {"DestinationSecurityGroupId": self.ref("AWS::EC2::SecurityGroup", pair["GroupId"])},
                    ("group", pair["GroupId"]),
                )
                for pair in permission.get("UserIdGroupPairs", [])
            ]
            targets += [({"CidrIp": r["CidrIp"]}, ("cidr", r["CidrIp"])) for r in permission.get("IpRanges", [])]
            targets += [
                ({"CidrIpv6": r["CidrIpv6"]}, ("cidr", r["CidrIpv6"])) for r in permission.get("Ipv6Ranges", [])
            ]
            targets += [
                ({"DestinationPrefixListId": r["PrefixListId"]}, ("prefix", r["PrefixListId"]))
                for r in permission.get("PrefixListIds", [])
            ]
            rules += [
                {**base, **target} for target, identity in targets if _rule_identity(base, identity) not in declared
            ]
        return rules


def _rule_identity(base: Mapping[str, Any], source: tuple[str, str]) -> tuple[Any, ...]:
    protocol = str(base.get("IpProtocol", "")).lower()
    protocol = _PROTOCOLS.get(protocol, protocol)
    ports: tuple[Any, ...] = ()
    if protocol != "-1":
        try:
            ports = (int(base.get("FromPort")), int(base.get("ToPort")))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            ports = (base.get("FromPort"), base.get("ToPort"))
    return (protocol, *ports, *source)


def _target(route: Mapping[str, Any]) -> str:
    return next((str(route[k]) for k in _ROUTE_TARGETS if route.get(k)), "?")
