"""Dates as every page shows them: 2026-12-05, in Korean time (the site's TIME_ZONE), also
where Python code writes a date into a sentence."""

from datetime import datetime

from django.utils import timezone


def local_date(moment):
    """A moment's date in the site's time zone; a date (a due date, say) is one already."""
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return timezone.localtime(moment).date().isoformat()


def local_datetime(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
