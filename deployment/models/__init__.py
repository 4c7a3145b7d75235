from deployment.models.allocation import AllocationEvent, Exemption, Grant, UsageReview, Workload
from deployment.models.catalog import ModelFamily, ModelVersion, Task
from deployment.models.compute import ComputePool, Flavor
from deployment.models.scoring import ScoringDrop, ScoringJob
from deployment.models.serving import (
    Endpoint,
    EndpointEvent,
    EndpointKey,
    EndpointReplica,
    EndpointUsage,
)
from deployment.models.training import TrainingJob

__all__ = [
    "AllocationEvent",
    "ComputePool",
    "Endpoint",
    "EndpointEvent",
    "EndpointKey",
    "EndpointReplica",
    "EndpointUsage",
    "Exemption",
    "Flavor",
    "Grant",
    "ModelFamily",
    "ModelVersion",
    "ScoringDrop",
    "ScoringJob",
    "Task",
    "TrainingJob",
    "UsageReview",
    "Workload",
]
