"""Live-state readers for Amazon EC2 (subnets, route tables, security groups): each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none
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


class Ec2Readers(Builder):
    """Readers of Amazon EC2 (subnets, route tables, security groups) resources (mixed into the live template builder)."""

    def subnet(self, resource: LiveResource) -> dict[str, Any]:
        """Subnet: DescribeSubnets, and DescribeRouteTables for its explicit route table association, else the
        VPC's main route table (https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html#RouteTables);
        the association becomes an ``AWS::EC2::SubnetRouteTableAssociation`` of the live template."""
        subnet_id = resource.physical_id
        (subnet,) = self.call(resource, "ec2", "describe_subnets", SubnetIds=[subnet_id])["Subnets"]
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
            self.put(
                association,
                "AWS::EC2::SubnetRouteTableAssociation",
                association,
                {"SubnetId": {"Ref": resource.key}, "RouteTableId": self.ref("AWS::EC2::RouteTable", table, full=True)},
            )
        return drop_none({"VpcId": subnet.get("VpcId"), "CidrBlock": subnet.get("CidrBlock")})

    def route_table(self, resource: LiveResource) -> dict[str, Any]:
        """Route table: DescribeRouteTables; each active route becomes an ``AWS::EC2::Route`` of the live template."""
        (table,) = self.call(resource, "ec2", "describe_route_tables", RouteTableIds=[resource.physical_id])[
            "RouteTables"
        ]
        for route in table.get("Routes", []):
            if route.get("State") == "blackhole":
                continue  # its target is gone: no traffic takes it
            destination = next((route[k] for k in _ROUTE_DESTINATIONS if route.get(k)), "?")
            props = {"RouteTableId": {"Ref": resource.key}}
            props |= {k: route[k] for k in (*_ROUTE_DESTINATIONS, *_ROUTE_TARGETS) if route.get(k)}
            key = f"{resource.physical_id}~{destination}"
            self.put(key, "AWS::EC2::Route", key, props)
        return drop_none({"VpcId": table.get("VpcId")})

    def security_group(self, resource: LiveResource) -> dict[str, Any]:
        """Security group: DescribeSecurityGroups. Each ingress permission and source is one rule; a rule
        matching an ``AWS::EC2::SecurityGroupIngress`` of the stack's template keeps that logical ID (so
        findings land on the same construct), the others stay inline in ``SecurityGroupIngress``."""
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
        return props

    def _declared_ingress(self, group: LiveResource) -> dict[tuple[Any, ...], str]:
        """Rule identity → logical ID of the stack's ``AWS::EC2::SecurityGroupIngress`` resources into ``group``."""
        if group.owner is None or group.owner.stack != self.stack.artifact_id:
            return {}
        view = TemplateView(self.stack.artifact.template)
        found: dict[tuple[Any, ...], str] = {}
        for lid in view.of_type("AWS::EC2::SecurityGroupIngress"):
            props = view.properties(lid)
            if view.target(props.get("GroupId")) != group.key:
                continue
            base = {k: view.value(props.get(k)) for k in ("IpProtocol", "FromPort", "ToPort") if k in props}
            source_lid = view.target(props.get("SourceSecurityGroupId"))
            if source_lid is not None:
                source = self.stack.resource(source_lid)
                if source is None or not source.physical_id:
                    continue
                identity = ("group", source.physical_id)
            elif isinstance(view.value(props.get("CidrIp", props.get("CidrIpv6"))), str):
                identity = ("cidr", view.value(props.get("CidrIp", props.get("CidrIpv6"))))
            else:
                continue
            found[_rule_identity(base, identity)] = lid
        return found


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
