"""Live-state readers for Elastic Load Balancing v2: each reads one resource type's properties through the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none

LISTENER = "AWS::ElasticLoadBalancingV2::Listener"
TARGET_GROUP_FIELDS = (
    "Port",
    "Protocol",
    "TargetType",
    "HealthCheckEnabled",
    "HealthCheckPath",
    "HealthCheckPort",
    "HealthCheckProtocol",
    "VpcId",
)
"""DescribeTargetGroups fields read under the AWS::ElasticLoadBalancingV2::TargetGroup property of the same name."""
LISTENER_RULE = "AWS::ElasticLoadBalancingV2::ListenerRule"
# Action configurations DescribeListeners/DescribeRules answer under the names of the Action property type.
_ACTION_CONFIGS = ("RedirectConfig", "FixedResponseConfig", "AuthenticateCognitoConfig", "AuthenticateOidcConfig")
# Condition configurations (RuleCondition) answered under the names of the ListenerRule's RuleCondition.
_CONDITION_CONFIGS = (
    "HostHeaderConfig",
    "PathPatternConfig",
    "HttpHeaderConfig",
    "QueryStringConfig",
    "HttpRequestMethodConfig",
    "SourceIpConfig",
)


def _condition(condition: Mapping[str, Any]) -> dict[str, Any]:
    """A RuleCondition of DescribeRules as the ListenerRule's ``Conditions`` entry (``Field``, ``Values``, configs)."""
    return drop_none(
        {
            "Field": condition.get("Field"),
            "Values": list(condition["Values"]) if condition.get("Values") else None,
            **{name: condition.get(name) or None for name in _CONDITION_CONFIGS},
        }
    )


class Elbv2Readers(Builder):
    """Readers of Elastic Load Balancing v2 resources (mixed into the live template builder)."""

    def target_group(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 target group: DescribeTargetGroups; its load balancers (and their listeners) are read too."""
        (group,) = self.call(resource, "elbv2", "describe_target_groups", TargetGroupArns=[resource.physical_id])[
            "TargetGroups"
        ]
        props = drop_none({key: group.get(key) for key in TARGET_GROUP_FIELDS})
        props["Name"] = group.get("TargetGroupName")
        for balancer in group.get("LoadBalancerArns", []):
            self.add("AWS::ElasticLoadBalancingV2::LoadBalancer", balancer, full=True)
        return props

    def load_balancer(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 load balancer: DescribeLoadBalancers, DescribeLoadBalancerAttributes
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancerAttributes.html:
        every attribute answered, access logs, deletion protection and invalid header dropping among them, as
        ``LoadBalancerAttributes`` ``[{"Key", "Value"}]``), DescribeListeners and DescribeRules; its listeners and
        their non-default rules become ``Listener``/``ListenerRule`` resources of the live template."""
        arn = resource.physical_id
        (balancer,) = self.call(resource, "elbv2", "describe_load_balancers", LoadBalancerArns=[arn])["LoadBalancers"]
        props = drop_none(
            {"Name": balancer.get("LoadBalancerName"), "Type": balancer.get("Type"), "Scheme": balancer.get("Scheme")}
        )
        props["SecurityGroups"] = [self.ref("AWS::EC2::SecurityGroup", g) for g in balancer.get("SecurityGroups", [])]
        attributes = self.call(
            resource, "elbv2", "describe_load_balancer_attributes", prop="LoadBalancerAttributes", LoadBalancerArn=arn
        )["Attributes"]
        props["LoadBalancerAttributes"] = [{"Key": a["Key"], "Value": a.get("Value", "")} for a in attributes]
        pages = self.call(resource, "elbv2", "paginate:describe_listeners", LoadBalancerArn=arn)
        for listener in (entry for page in pages for entry in page.get("Listeners", [])):
            key, owner = self.key(LISTENER, listener["ListenerArn"])
            self.put(key, LISTENER, listener["ListenerArn"], self._listener(listener, {"Ref": resource.key}), owner)
            self.resources[key].operations.append(self.reader.api_name("elbv2", "describe_listeners"))
            self._rules(resource, key, listener["ListenerArn"])
        return props

    def listener(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 listener: DescribeListeners
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListeners.html), under
        the property names of AWS::ElasticLoadBalancingV2::Listener (``Port``, ``Protocol``, ``DefaultActions``,
        ``Certificates``: the default certificate, ``SslPolicy``, ``AlpnPolicy``); its non-default rules
        (DescribeRules) become ``ListenerRule`` resources of the live template."""
        (listener,) = self.call(resource, "elbv2", "describe_listeners", ListenerArns=[resource.physical_id])[
            "Listeners"
        ]
        balancer = self.ref("AWS::ElasticLoadBalancingV2::LoadBalancer", listener["LoadBalancerArn"])
        props = self._listener(listener, balancer)
        self._rules(resource, resource.key, resource.physical_id)
        return props

    def _listener(self, listener: Mapping[str, Any], balancer: Any) -> dict[str, Any]:
        """Properties of one DescribeListeners answer."""
        return drop_none(
            {
                "LoadBalancerArn": balancer,
                "Port": listener.get("Port"),
                "Protocol": listener.get("Protocol"),
                "SslPolicy": listener.get("SslPolicy"),
                "Certificates": [{"CertificateArn": c["CertificateArn"]} for c in listener.get("Certificates", [])]
                or None,
                "AlpnPolicy": list(listener["AlpnPolicy"]) if listener.get("AlpnPolicy") else None,
                "DefaultActions": self._actions(listener.get("DefaultActions")),
            }
        )

    def _rules(self, resource: LiveResource, listener_key: str, listener_arn: str) -> None:
        """Each non-default rule of the listener (DescribeRules), as an ``AWS::ElasticLoadBalancingV2::ListenerRule``
        (``ListenerArn``, ``Priority``, ``Conditions``, ``Actions``)."""
        pages = self.call(resource, "elbv2", "paginate:describe_rules", ListenerArn=listener_arn)
        for rule in (entry for page in pages for entry in page.get("Rules", [])):
            if rule.get("IsDefault"):
                continue  # the listener's default actions, already there
            key, owner = self.key(LISTENER_RULE, rule["RuleArn"])
            priority = rule.get("Priority")
            self.put(
                key,
                LISTENER_RULE,
                rule["RuleArn"],
                drop_none(
                    {
                        "ListenerArn": {"Ref": listener_key},
                        "Priority": int(priority) if isinstance(priority, str) and priority.isdigit() else priority,
                        "Conditions": [_condition(c) for c in rule.get("Conditions", [])],
                        "Actions": self._actions(rule.get("Actions")),
                    }
                ),
                owner,
            )
            self.resources[key].operations.append(self.reader.api_name("elbv2", "describe_rules"))

    def _actions(self, actions: Any) -> list[dict[str, Any]]:
        result = []
        for action in actions or []:
            item: dict[str, Any] = drop_none({"Type": action.get("Type"), "Order": action.get("Order")})
            item.update(drop_none({name: action.get(name) or None for name in _ACTION_CONFIGS}))
            if action.get("TargetGroupArn"):
                item["TargetGroupArn"] = self.ref("AWS::ElasticLoadBalancingV2::TargetGroup", action["TargetGroupArn"])
            forward = action.get("ForwardConfig") or {}
            if forward.get("TargetGroups"):
                item["ForwardConfig"] = {
                    "TargetGroups": [
                        drop_none(
                            {
                                "TargetGroupArn": self.ref(
                                    "AWS::ElasticLoadBalancingV2::TargetGroup", t["TargetGroupArn"]
                                ),
                                "Weight": t.get("Weight"),
                            }
                        )
                        for t in forward["TargetGroups"]
                        if t.get("TargetGroupArn")
                    ]
                }
            result.append(item)
        return result
