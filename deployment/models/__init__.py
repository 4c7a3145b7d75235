from deployment.models.allocation import AllocationEvent, Grant, Workload
from deployment.models.catalog import ModelFamily, ModelVersion, Task
from deployment.models.compute import ComputePool, Flavor

__all__ = [
    "AllocationEvent",
    "ComputePool",
    "Flavor",
    "Grant",
    "ModelFamily",
    "ModelVersion",
    "Task",
    "Workload",
]
