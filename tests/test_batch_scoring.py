"""Batch scoring of a 100,000-row file with a deployed model, as preemptible work on the
endpoint's pool through the real allocation engine and the real scoring worker: the job borrows
an idle unit, its owner takes it back mid-file, the job stops after the chunk under way, waits,
resumes at the next chunk and finishes with every row scored once, each answer the one the
endpoint gives for that row over the Open Inference Protocol."""

import csv
from datetime import timedelta

import numpy as np
import onnx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from onnx import TensorProto, helper, numpy_helper

from deployment.models import AllocationEvent, Endpoint, EndpointKey, ScoringJob
from deployment.services import allocation, catalog, scoring
from deployment.services.scoring import scoring_start
from tests import deployment_factories as make
from tests import factories

ROWS = 100_000
INPUTS = [
    {"name": "air_temp", "type": "number"},
    {"name": "torque", "type": "number"},
    {"name": "speed", "type": "number"},
    {"name": "line", "type": "category", "value": "B"},
]
WEIGHTS = np.random.default_rng(7).normal(size=(4, 2)).astype(np.float32)


def model_file(path):
    """scores = [air_temp, torque, speed, line is B] · W: two scores per row."""
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "W"], ["scores"])],
        "press",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 2])],
        [numpy_helper.from_array(WEIGHTS, "W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, path)
    return path


def big_file(rows=ROWS):
    rng = np.random.default_rng(3)
    lines = ["row_id,air_temp,torque,speed,line"]
    temps, torques = rng.normal(300, 2, rows).round(2), rng.normal(40, 10, rows).round(2)
    speeds = rng.integers(1200, 2800, rows)
    for i in range(rows):
        air = "" if i % 997 == 0 else temps[i]  # a few gaps: the model gets NaN there
        lines.append(f"{i},{air},{torques[i]},{speeds[i]},{'ABC'[i % 3]}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def plant(transactional_db, tmp_path, fresh_serving_caches):
    """An endpoint of company A on a local ATOM pool of 2 units: A's guaranteed unit holds the
    endpoint's replica, the other unit is company B's guarantee, idle."""
    owner = factories.make_user("owner@plant.example", full_name="김공장")
    company = factories.make_company(name="대한정밀", owner=owner)
    lender = factories.make_company(name="한빛금속", owner=factories.make_user("l@x.example"))
    pool = make.pool(name="ATOM", flavor="rbln-atom", capacity_units=2, local=True)
    now = timezone.now()
    for tenant in (company, lender):
        allocation.grant_create(
            company=tenant,
            pool=pool,
            guarantee_units=1,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=300),
        )
    family = make.family(company=company, name="press scores")
    version = catalog.version_create(
        family=family,
        version="1",
        chunks=[model_file(tmp_path / "m.onnx").read_bytes()],
        input_columns=INPUTS,
        origin="tests",
    )
    version.refresh_from_db()
    assert version.state == "published", version.reason
    endpoint = Endpoint.objects.create(
        company=company, name="press-scores", version=version, pool=pool, state="ready"
    )
    allocation.workload_submit(
        company=company, pool=pool, name="replica", kind="inference", units=1
    )
    return owner, endpoint, lender


def reclaim_after_chunk(monkeypatch, lender, pool, at_step=1):
    real, taken = scoring.reporter, {}

    def reporter(job):
        report = real(job)

        def wrapped(percent, message, step=None, **extra):
            report(percent, message, step=step, **extra)
            if step is not None and step >= at_step and not taken:
                taken["workload"] = allocation.workload_submit(
                    company=lender, pool=pool, name="B's endpoint", kind="inference", units=1
                )

        return wrapped

    monkeypatch.setattr(scoring, "reporter", reporter)
    return taken


def endpoint_answers(endpoint, matrix, batch=10_000):
    """The endpoint's answers for ``matrix``, asked over /v2 as an application asks (binary
    tensors: JSON has no NaN for the gaps)."""
    import tritonclient.http as triton

    _key, raw = EndpointKey.issue(endpoint)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    answers = []
    for start in range(0, len(matrix), batch):
        rows = np.ascontiguousarray(matrix[start : start + batch])
        tensor = triton.InferInput("x", list(rows.shape), "FP32")
        tensor.set_data_from_numpy(rows, binary_data=True)
        wanted = [triton.InferRequestedOutput("scores", binary_data=True)]
        body, json_size = triton.InferenceServerClient.generate_request_body(
            [tensor], outputs=wanted
        )
        response = client.post(
            f"/v2/models/{endpoint.name}/infer",
            body,
            "application/octet-stream",
            headers={"Inference-Header-Content-Length": str(json_size)},
        )
        assert response.status_code == 200, response.content[:300]
        length = response.headers.get("Inference-Header-Content-Length")
        result = triton.InferenceServerClient.parse_response_body(
            response.content, header_length=int(length) if length else None
        )
        answers.append(result.as_numpy("scores"))
    return np.concatenate(answers)


def test_a_100k_row_file_is_preempted_once_and_every_row_is_scored_once_as_the_endpoint_answers(
    plant, monkeypatch
):
    owner, endpoint, lender = plant
    taken = reclaim_after_chunk(monkeypatch, lender, endpoint.pool)
    upload = SimpleUploadedFile("press-2026.csv", big_file())

    job = scoring_start(endpoint=endpoint, user=owner, upload=upload)

    job.refresh_from_db()
    assert job.state == "waiting", job.error
    stopped_at = job.step
    assert 1 <= stopped_at < job.steps == 10
    assert f"{stopped_at}단계" in job.progress_message  # "… resumes from step n …"
    events = [(e.action, e.reason) for e in AllocationEvent.objects.filter(workload=job.workload)]
    assert events[::-1] == [("admit", "borrow"), ("preempt", "reclaim")]

    monkeypatch.undo()
    allocation.workload_finish(workload=taken["workload"])  # B's work ends: the job resumes
    job.refresh_from_db()
    assert job.state == "ready", job.error
    assert job.runs == [0, stopped_at]  # the second run started at the next chunk
    assert job.rows == ROWS

    with job.result_path.open(encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:]
    assert header == [
        "row_id", "air_temp", "torque", "speed", "line", "scores_0", "scores_1", "scoring_error"
    ]  # fmt: skip
    ids = [int(row[0]) for row in rows]
    assert sorted(ids) == list(range(ROWS))  # every row once, none twice
    assert ids == list(range(ROWS))  # and in the file's order

    # A row with a gap gets no answer and a reason, as the endpoint refuses it; the others
    # get the endpoint's answer for that row.
    gaps = [row for row in rows if not row[1]]
    assert len(gaps) == len(range(0, ROWS, 997))
    assert all(row[5] == row[6] == "" and row[7] for row in gaps)
    answered = [row for row in rows if row[1]]
    matrix = np.array(
        [[float(r[1]), float(r[2]), float(r[3]), float(r[4] == "B")] for r in answered],
        dtype=np.float32,
    )
    scored = np.array([[float(r[5]), float(r[6])] for r in answered], dtype=np.float32)
    np.testing.assert_allclose(scored, endpoint_answers(endpoint, matrix), rtol=1e-6)


def test_a_file_without_the_models_columns_fails_with_the_column_named(plant):
    owner, endpoint, _lender = plant
    upload = SimpleUploadedFile("other.csv", b"a,b\n1,2\n3,4\n")
    job = scoring_start(endpoint=endpoint, user=owner, upload=upload)
    job.refresh_from_db()
    assert job.state == "failed"
    assert "air_temp" in job.error
    assert job.workload.state == "done"


def test_an_endpoint_that_is_not_ready_scores_nothing(plant):
    owner, endpoint, _lender = plant
    Endpoint.objects.filter(pk=endpoint.pk).update(state="stopped")
    endpoint.refresh_from_db()
    with pytest.raises(ValidationError):
        scoring_start(endpoint=endpoint, user=owner, upload=SimpleUploadedFile("x.csv", b"a\n1\n"))
    assert not ScoringJob.objects.exists()


def test_an_owner_scores_a_file_from_the_endpoint_page_and_downloads_it(plant):
    from django.urls import reverse

    owner, endpoint, _lender = plant
    client = Client()
    client.force_login(owner)
    page = client.get(reverse("endpoint_detail", args=[endpoint.pk])).content.decode()
    assert 'data-testid="scoring-form"' in page
    content = b"air_temp,torque,speed,line,note\n300,40,1500,B,=HYPERLINK(1)\n301,,1500,A,ok\n"
    response = client.post(
        reverse("scoring_new", args=[endpoint.pk]),
        {"file": SimpleUploadedFile("week.csv", content)},
    )
    job = ScoringJob.objects.get()
    assert response["Location"] == reverse("scoring_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == "ready", job.error
    detail = client.get(response["Location"]).content.decode()
    assert 'data-testid="job-download"' in detail

    download = client.get(reverse("scoring_result", args=[job.pk]))
    assert download["Content-Disposition"].endswith('filename="week-scored.csv"')
    rows = list(csv.reader(b"".join(download.streaming_content).decode().splitlines()))
    assert rows[0][-3:] == ["scores_0", "scores_1", "scoring_error"]
    first, second = rows[1], rows[2]
    expected = np.array([300, 40, 1500, 1], dtype=np.float32) @ WEIGHTS
    np.testing.assert_allclose([float(first[5]), float(first[6])], expected, rtol=1e-5)
    assert first[4] == "'=HYPERLINK(1)"  # a spreadsheet opens it as text, not a formula
    assert second[5] == ""  # a gap: no answer…
    assert second[7]  # …and why
    listing = client.get(reverse("endpoint_detail", args=[endpoint.pk])).content.decode()
    assert "week.csv" in listing


def test_a_chunk_sent_by_a_cluster_run_is_kept_only_as_onestop_writes_it(tmp_path):
    from deployment.scoring.chunks import chunk_problem, write_whole

    good = tmp_path / "good.csv"
    write_whole(good, [[1, -3.5, "=SUM(A1)", "Pump 3;=X"], [2, 0.5, "ok", ""]])
    assert chunk_problem(good, 2, 4) is None  # OneStop's writer escapes what it must
    bad = tmp_path / "bad.csv"
    bad.write_text('"1","-3.5","=SUM(A1)","x"\n"2","0.5","ok","x"\n')
    assert "formula" in chunk_problem(bad, 2, 4)
    assert "rows" in chunk_problem(good, 3, 4)  # a row missing: every row must be scored
    assert "columns" in chunk_problem(good, 2, 5)


def test_a_drop_folder_scores_settled_files_and_never_follows_a_link(plant, settings):

    from django.urls import reverse

    from deployment.models import ScoringDrop
    from deployment.services.drops import drops_scan

    owner, endpoint, _lender = plant
    client = Client()
    client.force_login(owner)
    client.post(reverse("scoring_drop", args=[endpoint.pk]), {"enabled": "1"})
    drop = ScoringDrop.objects.get(endpoint=endpoint)
    assert drop.inbox.is_dir()
    page = client.get(reverse("endpoint_detail", args=[endpoint.pk])).content.decode()
    assert f"{drop.place}/inbox" in page
    assert str(settings.ONESTOP_DROP_ROOT) not in page  # the server's paths stay private

    (drop.inbox / "line 3 night.csv").write_bytes(big_file(30))
    secret = drop.folder / "secret.csv"
    secret.write_bytes(b"air_temp\n1\n")
    (drop.inbox / "link.csv").symlink_to(secret)
    assert drops_scan() == {"taken": 0, "delivered": 0}  # just written: it may still grow

    later = timezone.now() + timedelta(minutes=5)
    assert drops_scan(now=later) == {"taken": 1, "delivered": 0}
    job = ScoringJob.objects.get()
    assert job.original_name == "line 3 night.csv"
    assert job.requested_by == owner
    assert job.state == "ready", job.error
    assert drops_scan(now=later) == {"taken": 0, "delivered": 1}  # the answer to the outbox
    scored = drop.outbox / f"line_3_night-{job.pk}-scored.csv"
    rows = list(csv.reader(scored.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 31
    assert rows[0][-1] == "scoring_error"
    assert {p.name for p in drop.inbox.iterdir()} == {"link.csv"}  # a link is never read
    assert drops_scan(now=later) == {"taken": 0, "delivered": 0}  # each file once
    assert job.drop_key  # the file's identity: the same file is never scored twice

    # An outbox that is a link to elsewhere makes the scan skip the folder, writing nothing.
    elsewhere = drop.folder.parent / "elsewhere"
    elsewhere.mkdir()
    drop.outbox.rename(drop.folder / "old-outbox")
    drop.outbox.symlink_to(elsewhere)
    (drop.inbox / "next.csv").write_bytes(big_file(5))
    assert drops_scan(now=later + timedelta(minutes=5)) == {"taken": 0, "delivered": 0}
    assert list(elsewhere.iterdir()) == []

    client.post(reverse("scoring_drop", args=[endpoint.pk]), {"enabled": "0"})
    drop.outbox.unlink()
    drop.outbox.mkdir()
    assert drops_scan(now=later + timedelta(minutes=5)) == {"taken": 0, "delivered": 0}
    assert (drop.inbox / "next.csv").exists()  # off: files wait


def test_a_header_sent_by_a_cluster_run_must_name_the_files_columns(tmp_path):
    from deployment.scoring.chunks import chunk_problem, write_whole

    header = tmp_path / "header.csv"
    write_whole(header, [], header=["=cmd", "scores_0", "scoring_error"])
    assert chunk_problem(header, 1, None) is None  # escaped as OneStop writes it
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\xff\xfe not utf-8")
    assert "UTF-8" in chunk_problem(broken, 1, None)
