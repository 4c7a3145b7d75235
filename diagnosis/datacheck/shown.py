"""Values as a profile shows them: shares, percentages, floats JSON can hold, dates as text."""

import datetime as dt
import math


def share(part, whole):
    return round(part / whole, 6) if whole else 0.0


def percent(value):
    return f"{value * 100:.1f}%"


def clean_float(value):
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def display(value):
    """A value as JSON can hold it: dates as ISO text, bytes and other objects as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
