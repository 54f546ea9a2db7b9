"""Live-state readers for Amazon EC2 Auto Scaling: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none

GROUP_LISTS = ("VPCZoneIdentifier", "TargetGroupARNs", "LoadBalancerNames", "Tags")
"""Auto Scaling group properties that are lists the API answers empty when the group has none: read, and then
empty (a declared target group detached out of band is drift)."""


class AutoScalingReaders(Builder):
    """Readers of Amazon EC2 Auto Scaling resources (mixed into the live template builder)."""

    def auto_scaling_group(self, resource: LiveResource) -> dict[str, Any]:
        """Auto Scaling group (physical ID: its name, CloudFormation's Ref): DescribeAutoScalingGroups
        (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html), as
        AWS::AutoScaling::AutoScalingGroup's ``AutoScalingGroupName``, ``MinSize``, ``MaxSize``,
        ``DesiredCapacity``, ``VPCZoneIdentifier`` (the subnet IDs the API answers comma-separated),
        ``LaunchConfigurationName``, ``LaunchTemplate`` (``LaunchTemplateId``, ``LaunchTemplateName``,
        ``Version``), ``TargetGroupARNs``, ``LoadBalancerNames``, ``HealthCheckType``, ``HealthCheckGracePeriod``,
        ``Cooldown`` (``DefaultCooldown``), ``NewInstancesProtectedFromScaleIn``, ``TerminationPolicies`` and
        ``Tags`` (``Key``, ``Value``, ``PropagateAtLaunch``; the ``aws:`` ones CloudFormation adds left out). Its
        availability zones, mixed instances policy, lifecycle hooks and notifications are not read. Gone when the
        API lists no such group."""
        answer = self.call(
            resource, "autoscaling", "describe_auto_scaling_groups", AutoScalingGroupNames=[resource.physical_id]
        )
        groups = [
            g for g in answer.get("AutoScalingGroups", []) if g.get("AutoScalingGroupName") == resource.physical_id
        ]
        if not groups:
            raise Gone(f"ValidationError: DescribeAutoScalingGroups lists no group {resource.physical_id}")
        group = groups[0]
        self._read_unset(resource, (*GROUP_LISTS, "LaunchConfigurationName", "LaunchTemplate"))
        template = group.get("LaunchTemplate") or {}
        subnets = [s for s in str(group.get("VPCZoneIdentifier") or "").split(",") if s]
        return drop_none(
            {
                "AutoScalingGroupName": group.get("AutoScalingGroupName"),
                "MinSize": group.get("MinSize"),
                "MaxSize": group.get("MaxSize"),
                "DesiredCapacity": group.get("DesiredCapacity"),
                "VPCZoneIdentifier": subnets,
                "LaunchConfigurationName": group.get("LaunchConfigurationName") or None,
                "LaunchTemplate": drop_none(
                    {k: template.get(k) for k in ("LaunchTemplateId", "LaunchTemplateName", "Version")}
                )
                or None,
                "TargetGroupARNs": list(group.get("TargetGroupARNs") or []),
                "LoadBalancerNames": list(group.get("LoadBalancerNames") or []),
                "HealthCheckType": group.get("HealthCheckType"),
                "HealthCheckGracePeriod": group.get("HealthCheckGracePeriod"),
                "Cooldown": group.get("DefaultCooldown"),
                "NewInstancesProtectedFromScaleIn": group.get("NewInstancesProtectedFromScaleIn"),
                "TerminationPolicies": group.get("TerminationPolicies") or None,
                "Tags": [
                    {
                        "Key": t["Key"],
                        "Value": t.get("Value", ""),
                        "PropagateAtLaunch": bool(t.get("PropagateAtLaunch")),
                    }
                    for t in group.get("Tags") or []
                    if t.get("Key") and not str(t["Key"]).startswith("aws:")
                ],
            }
        )

    def launch_configuration(self, resource: LiveResource) -> dict[str, Any]:
        """Launch configuration (physical ID: its name): DescribeLaunchConfigurations
        (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeLaunchConfigurations.html), as
        AWS::AutoScaling::LaunchConfiguration's ``LaunchConfigurationName``, ``ImageId``, ``InstanceType``,
        ``KeyName``, ``SecurityGroups``, ``UserData`` (base64, as the API answers and ``Fn::Base64`` declares it),
        ``IamInstanceProfile``, ``AssociatePublicIpAddress``, ``InstanceMonitoring`` (``Enabled``), ``SpotPrice``
        and ``EbsOptimized``. Its block device mappings and metadata options are not read. Gone when the API lists
        no such configuration."""
        answer = self.call(
            resource,
            "autoscaling",
            "describe_launch_configurations",
            LaunchConfigurationNames=[resource.physical_id],
        )
        found = [
            c
            for c in answer.get("LaunchConfigurations", [])
            if c.get("LaunchConfigurationName") == resource.physical_id
        ]
        if not found:
            raise Gone(f"ValidationError: DescribeLaunchConfigurations lists no configuration {resource.physical_id}")
        config = found[0]
        self._read_unset(resource, ("KeyName", "SecurityGroups", "UserData", "IamInstanceProfile"))
        monitoring = config.get("InstanceMonitoring")
        return drop_none(
            {
                "LaunchConfigurationName": config.get("LaunchConfigurationName"),
                "ImageId": config.get("ImageId"),
                "InstanceType": config.get("InstanceType"),
                "KeyName": config.get("KeyName") or None,
                "SecurityGroups": list(config.get("SecurityGroups") or []),
                "UserData": config.get("UserData") or None,
                "IamInstanceProfile": config.get("IamInstanceProfile") or None,
                "AssociatePublicIpAddress": config.get("AssociatePublicIpAddress"),
                "InstanceMonitoring": monitoring.get("Enabled") if isinstance(monitoring, dict) else None,
                "SpotPrice": config.get("SpotPrice") or None,
                "EbsOptimized": config.get("EbsOptimized"),
            }
        )
