"""The health page's charts as plain SVG geometry, drawn by the template with no script:
PSI per input against the alert line, overall drift per day, the live metric per day against
its alert level, and the answers' shares (or mean) per day."""

WIDTH, HEIGHT, BAR = 480, 120, 18
PALETTE = ("#1f5fbf", "#a86500", "#1d7a46", "#8a3ffc", "#b8003a", "#5a6872")


def health_charts(report):
    drift, accuracy = report["drift"], report["accuracy"]
    threshold = report["thresholds"]["psi_alert_at"]
    return {
        "inputs": input_bars(drift["inputs"], threshold),
        "drift_days": day_line(
            [(d["day"], d["overall"]) for d in drift["by_day"]], threshold, top=threshold * 1.5
        ),
        "accuracy_days": day_line(
            [(d["day"], d.get(accuracy["metric"])) for d in accuracy["by_day"]],
            report["thresholds"]["accuracy_alert_below"],
            top=1.0,
        )
        if accuracy["metric"]
        else None,
        "predictions": prediction_bars(report["predictions_by_day"]),
    }


def input_bars(inputs, threshold):
    measured = [i for i in inputs if i["psi"] is not None]
    if not measured:
        return None
    top = max(max(i["psi"] for i in measured), threshold * 1.5)
    rows = []
    for index, item in enumerate(measured):
        rows.append(
            {
                "y": index * (BAR + 6),
                "width": round(WIDTH * 0.6 * item["psi"] / top, 1),
                "name": item["name"],
                "psi": item["psi"],
                "level": item["level"],
            }
        )
    return {
        "width": WIDTH,
        "height": len(rows) * (BAR + 6),
        "bar": BAR,
        "rows": rows,
        "label_x": round(WIDTH * 0.6 + 8, 1),
        "threshold_x": round(WIDTH * 0.6 * threshold / top, 1),
    }


def day_line(points, level, *, top):
    """A line over (day, value) points with a horizontal line at ``level``; None when empty."""
    points = [(day, value) for day, value in points if value is not None]
    if not points:
        return None
    top = max([top] + [value for _d, value in points]) or 1.0
    step = WIDTH / len(points)
    dots = [
        {
            "x": round((i + 0.5) * step, 1),
            "y": round(HEIGHT - (HEIGHT - 4) * value / top, 1),
            "day": day,
            "value": value,
        }
        for i, (day, value) in enumerate(points)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "level_y": round(HEIGHT - (HEIGHT - 4) * level / top, 1) if level is not None else None,
        "level": level,
        "first": points[0][0],
        "last": points[-1][0],
    }


def prediction_bars(days):
    """Stacked shares per day for labelled answers; the mean per day for numbers."""
    if not days:
        return None
    step = WIDTH / len(days)
    if "labels" not in days[0]:
        return {
            "kind": "numbers",
            "line": day_line([(d["day"], d.get("mean")) for d in days], None, top=0),
            "days": [d for d in days if "mean" in d],
        }
    labels = sorted({label for d in days for label in d.get("labels", {})})[: len(PALETTE)]
    colours = dict(zip(labels, PALETTE, strict=False))
    columns = []
    for index, day in enumerate(days):
        y = HEIGHT
        parts = []
        for label in labels:
            share = day.get("labels", {}).get(label, 0)
            height = round(HEIGHT * share, 1)
            y = round(y - height, 1)
            parts.append({"label": label, "share": share, "y": y, "height": height})
        columns.append(
            {
                "x": round(index * step + 1, 1),
                "width": round(max(step - 2, 1), 1),
                "day": day["day"],
                "rows": day["rows"],
                "parts": [dict(p, colour=colours[p["label"]]) for p in parts],
            }
        )
    return {
        "kind": "labels",
        "width": WIDTH,
        "height": HEIGHT,
        "columns": columns,
        "legend": [{"label": label, "colour": colours[label]} for label in labels],
        "first": days[0]["day"],
        "last": days[-1]["day"],
    }
