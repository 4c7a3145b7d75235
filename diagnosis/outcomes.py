"""Outcomes per programme for the officer's page: what the funded companies' progress reports
measured (requests served, availability, unit-hours used against plan, accuracy on reported
labels, drift alerts, KPIs reported with evidence), summed from the facts each report kept
when it was sent."""

from dataclasses import dataclass

from onestop.models import ProgressReport


@dataclass
class ProgrammeOutcome:
    programme: object
    reports: int = 0
    companies: int = 0
    requests: int = 0
    errors: float = 0.0  # requests × (1 − availability), summed
    unit_hours_used: float = 0.0
    unit_hours_planned: float = 0.0
    kpis_reported: int = 0
    labels: int = 0
    labels_right: int = 0
    drift_alerts: int = 0

    @property
    def accuracy(self):
        return round(self.labels_right / self.labels, 4) if self.labels else None

    @property
    def availability(self):
        return round(1 - self.errors / self.requests, 4) if self.requests else None

    @property
    def used_share(self):
        if not self.unit_hours_planned:
            return None
        return round(self.unit_hours_used / self.unit_hours_planned, 3)


def programme_outcomes(companies):
    """One row per programme with reports from ``companies``, newest programme first."""
    rows, seen = {}, {}
    reports = ProgressReport.objects.filter(application__company__in=companies).select_related(
        "application__programme"
    )
    for report in reports.order_by("-application__programme__year", "application__programme"):
        programme = report.application.programme
        row = rows.setdefault(programme.pk, ProgrammeOutcome(programme=programme))
        seen.setdefault(programme.pk, set()).add(report.application.company_id)
        facts = report.facts or {}
        row.reports += 1
        requests = facts.get("requests") or 0
        row.requests += requests
        if facts.get("availability") is not None:
            row.errors += requests * (1 - facts["availability"])
        row.unit_hours_used += facts.get("unit_hours_used") or 0
        row.unit_hours_planned += facts.get("unit_hours_planned") or 0
        row.labels += facts.get("labels") or 0
        row.labels_right += facts.get("labels_right") or 0
        row.drift_alerts += facts.get("drift_alerts") or 0
        row.kpis_reported += report.kpi_before is not None and report.kpi_after is not None
    for pk, row in rows.items():
        row.companies = len(seen[pk])
    return list(rows.values())
