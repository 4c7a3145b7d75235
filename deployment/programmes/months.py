"""Calendar months as statements count them: in Korean time (the site's TIME_ZONE), each named
by its first day."""

from datetime import date, datetime, time

from django.utils import timezone


def month_of(moment):
    """The first day of the local month ``moment`` falls in."""
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)


def next_month(month):
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def previous_month(month):
    return date(month.year - (month.month == 1), (month.month - 2) % 12 + 1, 1)


def month_bounds(month):
    """[start, end) of the month as aware datetimes."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(month, time()), zone)
    end = timezone.make_aware(datetime.combine(next_month(month), time()), zone)
    return start, end


def months_between(first, last):
    """The months from ``first`` to ``last``, newest first."""
    months, month = [], last
    while month >= first:
        months.append(month)
        month = previous_month(month)
    return months


def month_key(month):
    """How a URL names a month: ``2026-11``."""
    return f"{month:%Y-%m}"
