"""The study's input matrix: the usable columns encoded as numbers (and, for forecasting, the
target's recent values), with a recipe an application follows to build the same vector from a
row; and the target as a vector of numbers or class indices."""

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from diagnosis.datacheck import types
from diagnosis.datacheck.errors import StudyError

MAX_CATEGORY_LEVELS = 20
MIN_CLASS_ROWS = 10
LAGS = (1, 2, 3)


@dataclass
class Features:
    matrix: np.ndarray
    names: list
    sources: list  # per feature: the column it came from
    recipe: list = field(default_factory=list)  # how to rebuild each feature from a row

    @property
    def encodings(self):
        return {item["encoding"] for item in self.recipe}


def add_lags(frame, target):
    return frame.with_columns(
        [pl.col(target).shift(lag).alias(f"{target} (lag {lag})") for lag in LAGS]
    ).slice(max(LAGS))


def encode(frame, usable, *, lags, target):
    """Numbers as they are, yes/no as 0/1, categories one-hot over their commonest levels.
    The recipe lets an application build the same vector from a row."""
    blocks, names, sources, recipe = [], [], [], []
    for column in usable:
        name, series = column["name"], frame.get_column(column["name"])
        if column["kind"] == types.NUMBER:
            blocks.append(series.cast(pl.Float64).to_numpy())
            names.append(name)
            sources.append(name)
            recipe.append({"feature": name, "column": name, "encoding": "number"})
        elif column["kind"] == types.BOOLEAN:
            blocks.append(series.cast(pl.Float64).to_numpy())
            names.append(name)
            sources.append(name)
            recipe.append({"feature": name, "column": name, "encoding": "0/1"})
        elif column["kind"] == types.CATEGORY:
            # Renamed first: a column called "count" would clash with value_counts' own field.
            levels = (series.drop_nulls().alias("value").value_counts(sort=True, name="n")).head(
                MAX_CATEGORY_LEVELS
            )
            for level in levels.get_column("value").to_list():
                blocks.append((series == level).fill_null(False).cast(pl.Float64).to_numpy())
                names.append(f"{name} = {level}")
                sources.append(name)
                recipe.append(
                    {
                        "feature": f"{name} = {level}",
                        "column": name,
                        "encoding": "one-hot",
                        "value": level,
                    }
                )
    if lags:
        for lag in LAGS:
            lag_name = f"{target} (lag {lag})"
            blocks.append(frame.get_column(lag_name).cast(pl.Float64).to_numpy())
            names.append(lag_name)
            sources.append(lag_name)
            recipe.append(
                {"feature": lag_name, "column": target, "encoding": f"value {lag} rows earlier"}
            )
    matrix = (
        np.column_stack(blocks).astype(np.float32)
        if blocks
        else np.empty((frame.height, 0), np.float32)
    )
    return Features(matrix, names, sources, recipe)


def target_vector(series, task):
    if task in ("regression", "forecasting"):
        return series.cast(pl.Float64).to_numpy(), []
    values = series.cast(pl.String) if series.dtype != pl.Boolean else series
    counts = values.alias("value").value_counts(sort=True, name="n")
    classes = counts.get_column("value").to_list()
    if task == "binary":
        classes = classes[::-1]  # the rarer class is "positive": failures, defects
        if series.dtype == pl.Boolean:
            classes = [False, True]
    smallest = counts.get_column("n").min()
    if len(classes) < 2:
        raise StudyError(_("The target has only one value; there is nothing to predict."))
    if smallest < MIN_CLASS_ROWS:
        raise StudyError(
            _(
                "The rarest outcome has only %(count)s rows; at least %(min)s are needed to "
                "test a model."
            )
            % {"count": smallest, "min": MIN_CLASS_ROWS}
        )
    index = {value: i for i, value in enumerate(classes)}
    y = np.array([index[v] for v in values.to_list()], dtype=np.int64)
    return y, [str(c).lower() if isinstance(c, bool) else str(c) for c in classes]


ENCODING_TYPES = {"number": "number", "0/1": "boolean", "one-hot": "category"}


def recipe_columns(recipe):
    """The model's input columns as the catalog describes them, for the reference profile."""
    columns = []
    for feature in recipe:
        kind = ENCODING_TYPES.get(feature["encoding"], "number")
        column = {"name": feature["column"], "type": kind}
        if "value" in feature:
            column["value"] = str(feature["value"])
        columns.append(column)
    return columns
