"""``<month:…>`` in a path: ``2026-11`` ⇄ date(2026, 11, 1). Registered on import."""

from datetime import date

from django.urls import register_converter

from deployment.programmes.months import month_key


class MonthConverter:
    regex = r"[0-9]{4}-[0-9]{2}"

    def to_python(self, value):
        year, month = (int(part) for part in value.split("-"))
        if not 2000 <= year <= 2999:
            raise ValueError(value)  # a 404: no statement before OneStop or far ahead
        return date(year, month, 1)  # a ValueError (month 13) is a 404

    def to_url(self, value):
        return value if isinstance(value, str) else month_key(value)


register_converter(MonthConverter, "month")
