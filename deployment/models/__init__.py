from deployment.models.allocation import AllocationEvent, Exemption, Grant, UsageReview, Workload
from deployment.models.catalog import ModelFamily, ModelVersion, Task
from deployment.models.compute import ComputePool, Flavor
from deployment.models.health import EndpointSketch, HealthAlert, HealthWatch, PredictionRecord
from deployment.models.scoring import ScoringDrop, ScoringJob
from deployment.models.serving import (
    Endpoint,
    EndpointEvent,
    EndpointKey,
    EndpointReplica,
    EndpointUsage,
)
from deployment.models.training import TrainingJob
from deployment.models.vouchers import (
    BudgetLine,
    ModelLicence,
    ModelPrice,
    SupplierQuote,
    Voucher,
    VoucherCharge,
)

__all__ = [
    "AllocationEvent",
    "BudgetLine",
    "ComputePool",
    "Endpoint",
    "EndpointEvent",
    "EndpointKey",
    "EndpointReplica",
    "EndpointSketch",
    "EndpointUsage",
    "Exemption",
    "Flavor",
    "Grant",
    "HealthAlert",
    "HealthWatch",
    "ModelFamily",
    "ModelLicence",
    "ModelPrice",
    "ModelVersion",
    "PredictionRecord",
    "ScoringDrop",
    "ScoringJob",
    "SupplierQuote",
    "Task",
    "TrainingJob",
    "UsageReview",
    "Voucher",
    "VoucherCharge",
    "Workload",
]
