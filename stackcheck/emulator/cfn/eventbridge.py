"""EventBridge for the emulator: an event bus's Ref, which moto's AWS::Events::EventBus model lacks.

moto 5.2.5's event bus has no physical ID, so ``{"Ref": bus}`` resolved to the model object itself, and a rule
on that bus (``EventBusName: {"Ref": bus}``, as CDK writes it) failed its stack with an AttributeError.
"""

from __future__ import annotations

from typing import Any

from stackcheck.emulator.cfn._registry import patch, relies_on

__all__: list[str] = []

EVENT_BUS_DOC = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-eventbus.html"
)
relies_on("moto.events.models", "EventBus.__init__", assigns=("name",))


def _event_bus_name(bus: Any) -> str:
    """Ref of an event bus: its name.

    Follows https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-events-eventbus.html
    """
    return str(bus.name)


patch(
    "moto.events.models",
    "EventBus.physical_resource_id",
    kind="addition",
    resource_type="AWS::Events::EventBus",
    adds=("Ref (the bus name)",),
    doc_url=EVENT_BUS_DOC,
)(property(_event_bus_name))  # type: ignore[arg-type]  # a property, as moto's other models have
