"""The scoring of a file, run in a limited child process (``diagnosis.datacheck.jobs``): the
file's rows, as the data check read them, go through the model in chunks; each chunk's rows
and answers are written as CSV, whole or not at all, before the next begins. A run asked to
stop ends after the chunk under way and a later run starts at the first chunk not written, so
every row is scored once however often the job is stopped.

Plain data in and out, no database: the parent keeps the job's record."""

import math
import os
import threading
from pathlib import Path

import numpy as np

CHUNK_ROWS = 10_000
HEADER = "header.csv"
# A row with a missing or non-numeric value is refused by an endpoint (the protocol takes
# numbers only); here it gets no answer and this column says why, and the rest are scored.
ERROR_COLUMN = "scoring_error"


def chunk_path(folder, index):
    return Path(folder) / f"chunk-{index:06d}.csv"


def feature_matrix(frame, inputs):
    """The model's input rows: each input column of the version (``name``, ``type`` and, for a
    category, the ``value`` it stands for) read from the file's column of that name."""
    import polars as pl

    columns = []
    for spec in inputs:
        series = frame.get_column(spec["name"])
        if spec.get("type") == "category":
            hit = series.cast(pl.Utf8, strict=False) == str(spec.get("value", ""))
            columns.append(hit.fill_null(False).cast(pl.Float32).to_numpy())
        else:
            number = series.cast(pl.Float32, strict=False)
            columns.append(number.fill_null(float("nan")).to_numpy())
    return np.ascontiguousarray(np.column_stack(columns), dtype=np.float32)


def answer_columns(names, outputs):
    """(header, columns) of the model's answers for the chunk: one column per output value (a
    label; each class's probability; each value of a wider output)."""
    header, columns = [], []
    for name, value in zip(names, outputs, strict=True):
        if isinstance(value, list) and value and isinstance(value[0], dict):  # per-class maps
            for key in value[0]:
                header.append(f"{name}_{key}")
                columns.append([row[key] for row in value])
            continue
        array = np.asarray(value)
        array = array.reshape(len(array), -1) if array.ndim != 1 else array[:, None]
        for j in range(array.shape[1]):
            header.append(name if array.shape[1] == 1 else f"{name}_{j}")
            columns.append(array[:, j].tolist())
    return header, columns


def chunk_rows_with_answers(frame, usable, answers, refusal):
    """Each row of the chunk with its answers, or with none and the reason."""
    answered = zip(*answers, strict=True)
    empty = [None] * len(answers)
    for row, ok in zip(frame.iter_rows(), usable, strict=True):
        yield [*row, *next(answered), ""] if ok else [*row, *empty, refusal]


def chunk_problem(path, expected_rows, columns):
    """Why a chunk sent by a run on a cluster cannot be kept, or None: it must hold the rows
    of its chunk, each with the header's columns, every text cell written as OneStop writes
    CSV (nothing a spreadsheet could take for a formula)."""
    import csv

    from onestop.csvsafe import FORMULA

    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    rows = 0
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                rows += 1
                if columns is not None and len(row) != columns:
                    return f"row {rows} has {len(row)} columns, not {columns}"
                for cell in row:
                    if FORMULA.search(cell) and not is_number(cell):
                        return f"row {rows} has a cell a spreadsheet would read as a formula"
    except (csv.Error, UnicodeDecodeError) as exc:
        return f"the chunk is not UTF-8 CSV: {exc}"
    if rows != expected_rows:
        return f"the chunk holds {rows} rows, not {expected_rows}"
    return None


def is_number(text):
    try:
        return math.isfinite(float(text)) or text.strip().lower() in ("nan", "inf", "-inf")
    except ValueError:
        return False


def write_whole(path, rows, header=None):
    from onestop.csvsafe import csv_writer

    part = Path(str(path) + ".part")
    with part.open("w", encoding="utf-8", newline="") as out:
        writer = csv_writer(out)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    os.replace(part, path)


def score_job(
    *, normalised, model, inputs, chunks, stop_file, progress, chunk_rows=CHUNK_ROWS,
    stop_grace_seconds=60, should_stop=None,
):  # fmt: skip
    """Score every chunk not yet written; {"stopped": True, "step": n} when asked to stop
    after chunk n, else {"rows": total, "steps": chunks}. ``should_stop`` adds a way to be
    asked to stop (a cluster's run asks OneStop) to the stop flag file."""
    import onnxruntime as ort
    import polars as pl
    from django.utils.translation import gettext as _

    from diagnosis.datacheck.train import cut_short_when_asked

    chunks, stop_file = Path(chunks), Path(stop_file)
    chunks.mkdir(parents=True, exist_ok=True)

    def asked_to_stop():
        return stop_file.exists() or bool(should_stop and should_stop())

    threading.Thread(
        target=cut_short_when_asked, args=(asked_to_stop, stop_grace_seconds), daemon=True
    ).start()
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    output_names = [output.name for output in session.get_outputs()]
    table = pl.scan_parquet(normalised)
    total = table.select(pl.len()).collect().item()
    steps = max(1, math.ceil(total / chunk_rows))
    for index in range(steps):
        if chunk_path(chunks, index).exists():
            continue
        frame = table.slice(index * chunk_rows, chunk_rows).collect()
        matrix = feature_matrix(frame, inputs)
        usable = np.isfinite(matrix).all(axis=1)
        if usable.any():
            header, answers = answer_columns(
                output_names, session.run(None, {input_name: matrix[usable]})
            )
        else:  # no row to answer: one made-up row tells which columns the answers take
            probe = np.zeros((1, matrix.shape[1]), dtype=np.float32)
            header, answers = answer_columns(output_names, session.run(None, {input_name: probe}))
            answers = [[] for _column in answers]
        if not (chunks / HEADER).exists():
            write_whole(chunks / HEADER, [], header=[*frame.columns, *header, ERROR_COLUMN])
        rows = chunk_rows_with_answers(
            frame, usable, answers, _("a value the model reads is missing or not a number")
        )
        write_whole(chunk_path(chunks, index), rows)
        done = index + 1
        progress(
            int(100 * done / steps),
            _("Scored %(rows)s of %(total)s rows")
            % {"rows": min(done * chunk_rows, total), "total": total},
            step=done,
            steps=steps,
        )
        if asked_to_stop() and done < steps:
            return {"stopped": True, "step": done}
    return {"rows": total, "steps": steps}


def assemble(chunks, steps, target):
    """The header and every chunk in order, into ``target`` (written whole)."""
    chunks = Path(chunks)
    part = Path(str(target) + ".part")
    with part.open("wb") as out:
        for path in [chunks / HEADER, *(chunk_path(chunks, i) for i in range(steps))]:
            with path.open("rb") as piece:
                while block := piece.read(1024 * 1024):
                    out.write(block)
    os.replace(part, target)
