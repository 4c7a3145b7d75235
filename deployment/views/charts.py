"""The endpoint page's usage charts as plain SVG geometry: requests per hour as bars and the
p95 latency as a line, drawn by the template with no script and no library."""

from datetime import datetime

from django.utils import timezone

WIDTH, HEIGHT = 480, 120


def hour_label(iso):
    """The hour with its date, in Korean time: 2026-12-05 17:00."""
    return timezone.localtime(datetime.fromisoformat(iso)).strftime("%Y-%m-%d %H:00")


def usage_charts(points):
    """Bars and a polyline over ``endpoint_usage.last_day`` points, oldest first; None when no hour
    had a request."""
    if not points or not any(p["requests"] for p in points):
        return None
    step = WIDTH / len(points)
    most = max(p["requests"] for p in points)
    bars = []
    for index, point in enumerate(points):
        height = round(HEIGHT * point["requests"] / most, 1)
        bars.append(
            {
                "x": round(index * step + 1, 1),
                "y": round(HEIGHT - height, 1),
                "width": round(max(step - 2, 1), 1),
                "height": height,
                "hour": hour_label(point["hour"]),
                "requests": point["requests"],
            }
        )
    timed = [(i, p) for i, p in enumerate(points) if p["p95_ms"] is not None]
    slowest = max(p["p95_ms"] for _i, p in timed)
    dots = [
        {
            "x": round((i + 0.5) * step, 1),
            "y": round(HEIGHT - (HEIGHT - 4) * p["p95_ms"] / slowest, 1),
            "hour": hour_label(p["hour"]),
            "p95_ms": p["p95_ms"],
        }
        for i, p in timed
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "most_requests": most,
        "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "slowest_ms": slowest,
        "first_hour": hour_label(points[0]["hour"]),
        "last_hour": hour_label(points[-1]["hour"]),
    }
