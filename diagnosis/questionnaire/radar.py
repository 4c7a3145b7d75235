"""Radar chart geometry, shared by the report page (SVG) and the PDF."""

import math
from dataclasses import dataclass


@dataclass
class Series:
    key: str  # "company", "target" or "cohort": the CSS class and legend entry
    label: str
    values: list  # 0..100 per axis, None where missing


@dataclass
class Axis:
    label: str
    x: float  # where the axis ends (100)
    y: float
    label_x: float
    label_y: float
    anchor: str  # "start", "middle" or "end"
    lines: list  # the label broken into short lines, so none runs off the chart


@dataclass
class Radar:
    size: float
    centre: float
    radius: float
    axes: list  # Axis per dimension
    pad: float  # room left and right of the square for the labels

    @property
    def width(self):
        return self.size + 2 * self.pad

    @property
    def view_box(self):
        return f"{-self.pad:g} 0 {self.width:g} {self.size:g}"

    rings: list  # polygon point strings at 20, 40, 60, 80, 100
    polygons: list  # (series, points as [(x, y)], svg points string)


# A label longer than this is broken at its spaces (Korean dimension names are 4–12 letters).
LINE_LENGTH = 8


def label_lines(label):
    lines, line = [], ""
    for word in str(label).split():
        if line and len(line) + 1 + len(word) > LINE_LENGTH:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def radar(labels, series, *, size=420, margin=90, pad=40):
    centre = size / 2
    radius = centre - margin

    def point(index, value):
        angle = -math.pi / 2 + 2 * math.pi * index / len(labels)
        r = radius * max(0.0, min(120.0, value)) / 100  # up to 120: labels sit outside
        return round(centre + r * math.cos(angle), 1), round(centre + r * math.sin(angle), 1)

    axes = []
    for i, label in enumerate(labels):
        x, y = point(i, 100)
        lx, ly = point(i, 118)
        anchor = "middle" if abs(lx - centre) < 5 else ("start" if lx > centre else "end")
        axes.append(Axis(str(label), x, y, lx, ly, anchor, label_lines(label)))
    rings = [
        " ".join(f"{x},{y}" for x, y in (point(i, level) for i in range(len(labels))))
        for level in (20, 40, 60, 80, 100)
    ]
    polygons = []
    for s in series:
        points = [point(i, min(100.0, v) if v is not None else 0) for i, v in enumerate(s.values)]
        polygons.append((s, points, " ".join(f"{x},{y}" for x, y in points)))
    return Radar(
        size=size,
        centre=centre,
        radius=radius,
        axes=axes,
        pad=pad,
        rings=rings,
        polygons=polygons,
    )
