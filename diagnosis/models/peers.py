from django.db import models

from onestop.korea import EmployeeBand, Region


class CohortScore(models.Model):
    """One dimension score (or "overall") of a company's latest submitted assessment, with the
    company's cohort keys copied in, so a peer benchmark is one indexed aggregate query.

    Rows are replaced whenever the company submits a newer assessment of the questionnaire.
    """

    OVERALL = "overall"

    company = models.ForeignKey("onestop.Company", on_delete=models.CASCADE, related_name="+")
    assessment = models.ForeignKey(
        "diagnosis.Assessment", on_delete=models.CASCADE, related_name="cohort_scores"
    )
    questionnaire_code = models.SlugField(max_length=80, db_index=False)
    dimension = models.CharField(max_length=80)
    score = models.FloatField()
    ksic_section = models.CharField(max_length=1)
    employee_band = models.CharField(max_length=10, choices=EmployeeBand.choices)
    region = models.CharField(max_length=20, choices=Region.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "questionnaire_code", "dimension"],
                name="cohort_score_latest_per_company",
            ),
        ]
        indexes = [
            # diagnosis.questionnaire.peers: cohort sizes and standings filter on these,
            # narrowest last; with company_id included (peers exclude the company itself)
            # PostgreSQL answers from the index alone.
            models.Index(
                fields=[
                    "questionnaire_code",
                    "dimension",
                    "ksic_section",
                    "employee_band",
                    "region",
                    "score",
                ],
                include=["company_id"],
                name="cohort_score_lookup_idx",
            ),
        ]

    def __str__(self):
        return f"{self.company_id} {self.dimension} {self.score}"
