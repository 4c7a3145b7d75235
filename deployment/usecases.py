"""The use cases OneStop knows, in one list: a questionnaire's roadmap recommends them, a model
in the catalog serves them, and matching meets the two. Plain choices with no model behind
them, so the questionnaire's spec reads them without the ORM."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UseCase(models.TextChoices):
    PREDICTIVE_MAINTENANCE = "predictive_maintenance", _("predictive maintenance")
    VISUAL_INSPECTION = "visual_inspection", _("visual inspection")
    QUALITY_PREDICTION = "quality_prediction", _("quality prediction")
    DEMAND_FORECASTING = "demand_forecasting", _("demand forecasting")
    PROCESS_OPTIMISATION = "process_optimisation", _("process optimisation")
    ENERGY_OPTIMISATION = "energy_optimisation", _("energy optimisation")
    ANOMALY_DETECTION = "anomaly_detection", _("anomaly detection")


# The use cases a model of each task (deployment.models.Task) serves, so that a company's own
# model, trained by a feasibility study, meets its roadmap in matching.
TASK_USE_CASES = {
    "binary": [UseCase.PREDICTIVE_MAINTENANCE, UseCase.QUALITY_PREDICTION],
    "multiclass": [UseCase.QUALITY_PREDICTION, UseCase.VISUAL_INSPECTION],
    "regression": [
        UseCase.QUALITY_PREDICTION,
        UseCase.PROCESS_OPTIMISATION,
        UseCase.ENERGY_OPTIMISATION,
    ],
    "forecasting": [UseCase.DEMAND_FORECASTING, UseCase.ENERGY_OPTIMISATION],
    "anomaly": [UseCase.ANOMALY_DETECTION, UseCase.PREDICTIVE_MAINTENANCE],
}
