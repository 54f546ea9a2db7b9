"""Live-state readers for Elastic Load Balancing v2: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.compliance.live.base import Builder, LiveResource, drop_none


class Elbv2Readers(Builder):
    """Readers of Elastic Load Balancing v2 resources (mixed into the live template builder)."""

    def target_group(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 target group: DescribeTargetGroups; its load balancers (and their listeners) are read too."""
        (group,) = self.call(resource, "elbv2", "describe_target_groups", TargetGroupArns=[resource.physical_id])[
            "TargetGroups"
        ]
        props = drop_none(
            {
                key: group.get(key)
                for key in (
                    "Port",
                    "Protocol",
                    "TargetType",
                    "HealthCheckEnabled",
                    "HealthCheckPath",
                    "HealthCheckPort",
                    "HealthCheckProtocol",
                    "VpcId",
                )
            }
        )
        props["Name"] = group.get("TargetGroupName")
        for balancer in group.get("LoadBalancerArns", []):
            self.add("AWS::ElasticLoadBalancingV2::LoadBalancer", balancer, full=True)
        return props

    def load_balancer(self, resource: LiveResource) -> dict[str, Any]:
        """ELBv2 load balancer: DescribeLoadBalancers, DescribeListeners and DescribeRules; listeners and their
        non-default rules become ``Listener``/``ListenerRule`` resources of the live template."""
        arn = resource.physical_id
        (balancer,) = self.call(resource, "elbv2", "describe_load_balancers", LoadBalancerArns=[arn])["LoadBalancers"]
        props = drop_none(
            {"Name": balancer.get("LoadBalancerName"), "Type": balancer.get("Type"), "Scheme": balancer.get("Scheme")}
        )
        props["SecurityGroups"] = [self.ref("AWS::EC2::SecurityGroup", g) for g in balancer.get("SecurityGroups", [])]
        pages = self.call(resource, "elbv2", "paginate:describe_listeners", LoadBalancerArn=arn)
        for listener in (entry for page in pages for entry in page.get("Listeners", [])):
            key, owner = self.key("AWS::ElasticLoadBalancingV2::Listener", listener["ListenerArn"])
            self.put(
                key,
                "AWS::ElasticLoadBalancingV2::Listener",
                listener["ListenerArn"],
                drop_none(
                    {
                        "LoadBalancerArn": {"Ref": resource.key},
                        "Port": listener.get("Port"),
                        "Protocol": listener.get("Protocol"),
                        "DefaultActions": self._actions(listener.get("DefaultActions")),
                    }
                ),
                owner,
            )
            rule_pages = self.call(resource, "elbv2", "paginate:describe_rules", ListenerArn=listener["ListenerArn"])
            for rule in (entry for page in rule_pages for entry in page.get("Rules", [])):
                if rule.get("IsDefault"):
                    continue  # the listener's default actions, already there
                rule_key, rule_owner = self.key("AWS::ElasticLoadBalancingV2::ListenerRule", rule["RuleArn"])
                self.put(
                    rule_key,
                    "AWS::ElasticLoadBalancingV2::ListenerRule",
                    rule["RuleArn"],
                    drop_none(
                        {
                            "ListenerArn": {"Ref": key},
                            "Priority": rule.get("Priority"),
                            "Actions": self._actions(rule.get("Actions")),
                        }
                    ),
                    rule_owner,
                )
        return props

    def _actions(self, actions: Any) -> list[dict[str, Any]]:
        result = []
        for action in actions or []:
            item: dict[str, Any] = {"Type": action.get("Type")}
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
