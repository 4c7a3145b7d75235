"""Words for answer scales, shared by forms, reports and the PDF."""

from django.utils.translation import gettext_lazy as _

YNP_LABELS = {"yes": _("Yes"), "partial": _("Partly"), "no": _("No")}
ADOPTION_LABELS = (
    _("Not used"),
    _("Considering"),
    _("Prototyping"),
    _("Testing"),
    _("Implementing"),
    _("Operational"),
)
PRIORITY_LABELS = (_("Not important"), _("Somewhat important"), _("Important"), _("Critical"))
NOT_APPLICABLE = _("Not applicable")
NEXT_STEP_LABELS = {"data_check": _("Check your data"), "matches": _("See matching models")}
COHORT_KEY_LABELS = {
    "ksic_section": _("industry"),
    "employee_band": _("size"),
    "region": _("region"),
}
