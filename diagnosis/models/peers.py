import math

from django.db import models

from onestop.korea import EmployeeBand, Region

# What a cohort filters on, narrowest last: a cohort of width w filters on the first w.
COHORT_KEYS = ("ksic_section", "employee_band", "region")


class CohortScore(models.Model):
    """One dimension score (or "overall") of a company's latest submitted assessment, with the
    company's cohort keys copied in: what the cohort summaries (``CohortSummary``) count.

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
            # Queries of a cohort over the rows themselves (the peer benchmark before the
            # cohort summaries, and bench-diagnosis's row-aggregate peer): the cohort keys,
            # narrowest last; with company_id included PostgreSQL answers from the index
            # alone. The portal no longer reads a cohort this way.
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


class CohortSummary(models.Model):
    """How many companies of one cohort scored one bucket in one dimension: the peer
    benchmark's answer for a cohort of any size, kept current at each submission.

    A cohort is named by its width (how many cohort keys it filters on, narrowest 3: industry,
    size band and region; 0: every company) and those keys' values; the keys it does not filter
    on are blank. A bucket is a score in hundredths of a point (``bucket_of``): the grid scoring
    rounds to, so counts per bucket rank exactly as the scores themselves do.
    """

    questionnaire_code = models.SlugField(max_length=80, db_index=False)
    dimension = models.CharField(max_length=80)
    width = models.PositiveSmallIntegerField()
    ksic_section = models.CharField(max_length=1, blank=True)
    employee_band = models.CharField(max_length=10, blank=True)
    region = models.CharField(max_length=20, blank=True)
    bucket = models.IntegerField()
    # No CHECK (count ≥ 0): a company leaving a bucket arrives as a proposed row of −1 that the
    # upsert adds, and both databases check a proposed row before finding its conflict.
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index diagnosis.questionnaire.peers reads a cohort through: code,
            # dimension, width and the keys are all equalities, then the buckets in order.
            models.UniqueConstraint(
                fields=[
                    "questionnaire_code",
                    "dimension",
                    "width",
                    "ksic_section",
                    "employee_band",
                    "region",
                    "bucket",
                ],
                name="cohort_summary_bucket",
            ),
            models.CheckConstraint(
                condition=models.Q(width__lte=3), name="cohort_summary_width_at_most_3"
            ),
        ]

    def __str__(self):
        return (
            f"{self.questionnaire_code} {self.dimension} w{self.width} {self.bucket}: {self.count}"
        )


def bucket_of(score):
    """A score's bucket: hundredths of a point, rounded half up (scores are stored rounded to
    two decimals, so this is exact for them). The rebuild computes the same in SQL."""
    return math.floor(score * 100 + 0.5)
