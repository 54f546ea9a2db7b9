"""Live-state readers for Amazon ECS: each reads one resource type's properties through the API."""

from __future__ import annotations

from typing import Any

from stackcheck.aws.normalize import ecs_service as ecs_service_ref
from stackcheck.compliance.live.base import Builder, Gone, LiveResource, drop_none
from stackcheck.errors import IdentifierError
from stackcheck.scan.policy import TemplateView


class EcsReaders(Builder):
    """Readers of Amazon ECS resources (mixed into the live template builder)."""

    def ecs_service(self, resource: LiveResource) -> dict[str, Any]:
        """ECS service: DescribeServices
        (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html): name, cluster,
        launch type, desired count, load balancers and network configuration; its task definition, target groups
        and security groups are read too."""
        cluster = self._cluster_of(resource)
        answer = self.call(resource, "ecs", "describe_services", cluster=cluster, services=[resource.physical_id])
        services = answer.get("services") or []
        if not services:
            reasons = [f.get("reason") for f in answer.get("failures", [])]
            raise LookupError(
                f"DescribeServices in cluster {cluster} does not find it ({', '.join(map(str, reasons))})"
            )
        service = services[0]
        props: dict[str, Any] = drop_none(
            {
                "ServiceName": service.get("serviceName"),
                "Cluster": cluster,
                "LaunchType": service.get("launchType"),
                "DesiredCount": service.get("desiredCount"),
            }
        )
        if service.get("taskDefinition"):
            props["TaskDefinition"] = self.ref("AWS::ECS::TaskDefinition", service["taskDefinition"], full=True)
        balancers = []
        for entry in service.get("loadBalancers", []):
            item = drop_none(
                {
                    "ContainerName": entry.get("containerName"),
                    "ContainerPort": entry.get("containerPort"),
                    "LoadBalancerName": entry.get("loadBalancerName"),
                }
            )
            if entry.get("targetGroupArn"):
                item["TargetGroupArn"] = self.ref(
                    "AWS::ElasticLoadBalancingV2::TargetGroup", entry["targetGroupArn"], full=True
                )
            balancers.append(item)
        props["LoadBalancers"] = balancers
        awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
        if awsvpc:
            props["NetworkConfiguration"] = {
                "AwsvpcConfiguration": drop_none(
                    {
                        "SecurityGroups": [
                            self.ref("AWS::EC2::SecurityGroup", g, full=True) for g in awsvpc.get("securityGroups", [])
                        ],
                        "Subnets": list(awsvpc.get("subnets", [])),
                        "AssignPublicIp": awsvpc.get("assignPublicIp"),
                    }
                )
            }
        return props

    def ecs_cluster(self, resource: LiveResource) -> dict[str, Any]:
        """ECS cluster: DescribeClusters with ``include=["SETTINGS"]``
        (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeClusters.html); CloudFormation names
        an AWS::ECS::Cluster by its name (``Ref``). ``ClusterName``, ``ClusterSettings`` (``Name``, ``Value``: Container
        Insights), ``CapacityProviders`` and ``DefaultCapacityProviderStrategy`` (``CapacityProvider``, ``Weight``,
        ``Base``). A cluster DescribeClusters answers as a failure (``MISSING``) or ``INACTIVE`` (deleted) is gone."""
        name = resource.physical_id
        answer = self.call(resource, "ecs", "describe_clusters", clusters=[name], include=["SETTINGS"])
        clusters = [c for c in answer.get("clusters") or [] if name in (c.get("clusterName"), c.get("clusterArn"))]
        if not clusters or clusters[0].get("status") == "INACTIVE":
            reasons = [str(f.get("reason")) for f in answer.get("failures", [])] or ["INACTIVE"] * bool(clusters)
            raise Gone(f"ClusterNotFoundException: DescribeClusters answers {', '.join(reasons) or 'no cluster'}")
        cluster = clusters[0]
        props: dict[str, Any] = {"ClusterName": cluster.get("clusterName")}
        if "settings" in cluster:
            props["ClusterSettings"] = [{"Name": s.get("name"), "Value": s.get("value")} for s in cluster["settings"]]
        if "capacityProviders" in cluster:
            props["CapacityProviders"] = list(cluster["capacityProviders"])
        if "defaultCapacityProviderStrategy" in cluster:
            props["DefaultCapacityProviderStrategy"] = [
                drop_none(
                    {"CapacityProvider": s.get("capacityProvider"), "Weight": s.get("weight"), "Base": s.get("base")}
                )
                for s in cluster["defaultCapacityProviderStrategy"]
            ]
        return drop_none(props)

    def _cluster_of(self, resource: LiveResource) -> str:
        """The service's cluster: from a new-format ARN, else the cluster its template names, else ``default``."""
        try:
            found = ecs_service_ref(resource.physical_id).cluster
        except IdentifierError:
            found = None
        if found:
            return found
        if resource.owner is not None:
            stack = next(s for s in self.reader.stacks if s.artifact_id == resource.owner.stack)
            view = TemplateView(stack.artifact.template)
            cluster = stack.resource(view.target(view.properties(resource.owner.logical_id).get("Cluster")) or "")
            if cluster is not None and cluster.physical_id:
                return cluster.physical_id
        return "default"

    def task_definition(self, resource: LiveResource) -> dict[str, Any]:
        """ECS task definition: DescribeTaskDefinition (container names and port mappings)."""
        task = self.call(resource, "ecs", "describe_task_definition", taskDefinition=resource.physical_id)[
            "taskDefinition"
        ]
        containers = [
            {
                "Name": c.get("name"),
                "PortMappings": [
                    drop_none(
                        {
                            "ContainerPort": m.get("containerPort"),
                            "HostPort": m.get("hostPort"),
                            "Protocol": m.get("protocol"),
                        }
                    )
                    for m in c.get("portMappings", [])
                ],
            }
            for c in task.get("containerDefinitions", [])
        ]
        return drop_none(
            {"Family": task.get("family"), "NetworkMode": task.get("networkMode"), "ContainerDefinitions": containers}
        )
