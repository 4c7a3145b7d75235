from deployment.models.allocation import AllocationEvent, Exemption, Grant, UsageReview, Workload
from deployment.models.catalog import ModelFamily, ModelVersion, Task
from deployment.models.compute import ComputePool, Flavor

__all__ = [
    "AllocationEvent",
    "ComputePool",
    "Exemption",
    "Flavor",
    "Grant",
    "ModelFamily",
    "ModelVersion",
    "Task",
    "UsageReview",
    "Workload",
]
