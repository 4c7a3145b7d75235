"""A reference profile of a model's inputs and the population stability index against it.

A profile is small JSON: per input feature, its bins (the reference's deciles for a number,
its levels for a category or a yes/no) and the reference's share in each. Requests are later
counted in the same bins (``bin_counts``), so drift is measured from counts alone, never rows.
Features follow the model's ``input_columns``: positions that one-hot encode one column are one
category feature."""

import hashlib
import json
import math

import numpy as np

# Wider rows (images, signals) are not sketched: their drift would need another method.
MAX_POSITIONS = 64
# Shares below this are floored before the logarithm, so an empty bin does not make PSI
# infinite; it still weighs heavily, as a bin the reference never saw should.
SHARE_FLOOR = 1e-4
DECILES = np.linspace(0.1, 0.9, 9)


def features_of(input_columns, width):
    """[(name, kind, positions, levels)] for a row of ``width`` values: a category's one-hot
    positions grouped under its column, a number on its own; unnamed positions by index."""
    columns = input_columns if len(input_columns or []) == width else []
    if not columns:
        return [(f"input[{i}]", "number", [i], None) for i in range(width)]
    features, groups = [], {}
    for index, column in enumerate(columns):
        name = str(column.get("name") or f"input[{index}]")
        kind = column.get("type")
        if kind == "category" and "value" in column:
            group = groups.get(name)
            if group is None:
                group = groups[name] = (name, "category", [], [])
                features.append(group)
            group[2].append(index)
            group[3].append(str(column["value"]))
        elif kind == "boolean":
            features.append((name, "boolean", [index], ["0", "1"]))
        else:
            features.append((name, "number", [index], None))
    return features


def build_profile(matrix, input_columns, *, source):
    """The profile of ``matrix`` (rows × positions), or {} when it cannot be sketched."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or not matrix.shape[0] or matrix.shape[1] > MAX_POSITIONS:
        return {}
    profile = {"source": source, "rows": int(matrix.shape[0]), "features": []}
    for name, kind, positions, levels in features_of(input_columns, matrix.shape[1]):
        feature = {"name": name, "kind": kind, "positions": positions}
        if kind == "number":
            values = matrix[:, positions[0]]
            values = values[np.isfinite(values)]
            edges = np.unique(np.quantile(values, DECILES)) if values.size else np.array([])
            feature["edges"] = [float(e) for e in edges]
        else:
            feature["levels"] = levels
        profile["features"].append(feature)
    counts = bin_counts(profile, matrix)
    for feature, row in zip(profile["features"], counts, strict=True):
        total = sum(row) or 1
        feature["expected"] = [round(n / total, 6) for n in row]
    profile["key"] = profile_key(profile)
    return profile


def profile_key(profile):
    """A short fingerprint: sketches counted against another profile are not comparable."""
    bins = [(f["name"], f.get("edges"), f.get("levels")) for f in profile.get("features", [])]
    raw = json.dumps(bins, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]


def bin_counts(profile, matrix):
    """Per feature of ``profile``, how many rows of ``matrix`` fall in each of its bins."""
    counts = []
    for feature in profile["features"]:
        positions = feature["positions"]
        if feature["kind"] == "number":
            values = matrix[:, positions[0]]
            bins = np.searchsorted(np.asarray(feature["edges"]), values, side="right")
            counts.append(np.bincount(bins, minlength=len(feature["edges"]) + 1).tolist())
        elif feature["kind"] == "boolean":
            ones = int(np.count_nonzero(matrix[:, positions[0]] >= 0.5))
            counts.append([matrix.shape[0] - ones, ones])
        else:
            # The level whose position is set; a row with none set is "other", the last bin.
            block = matrix[:, positions] >= 0.5
            chosen = np.where(block.any(axis=1), block.argmax(axis=1), len(positions))
            counts.append(np.bincount(chosen, minlength=len(positions) + 1).tolist())
    return counts


def psi(expected, observed):
    """The population stability index of ``observed`` counts against ``expected`` shares."""
    total = sum(observed)
    if not total:
        return None
    value = 0.0
    for share, count in zip(expected, observed, strict=True):
        e = max(share, SHARE_FLOOR)
        a = max(count / total, SHARE_FLOOR)
        value += (a - e) * math.log(a / e)
    return value


def add_counts(a, b):
    """Two sketches' per-feature counts summed (a missing side counts as zeros)."""
    if not a:
        return [list(row) for row in b]
    return [[x + y for x, y in zip(ra, rb, strict=True)] for ra, rb in zip(a, b, strict=True)]
