from deployment.models.catalog import ModelFamily, ModelVersion, Task
from deployment.models.compute import ComputePool, Flavor

__all__ = ["ComputePool", "Flavor", "ModelFamily", "ModelVersion", "Task"]
