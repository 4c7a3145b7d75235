"""The demo catalog for `seed_demo`: real models trained and exported here, their claimed
metrics measured on held-out rows, and the pools a public programme would offer.

- predictive maintenance, on data from a generator that follows the AI4I 2020 failure rules
  (HDF, PWF, OSF, TWF, RNF as published by Matzka, 2020);
- quality regression, demand forecasting with lag features, visual inspection on generated
  16 × 16 images, and anomaly detection with an isolation forest."""

import functools
import warnings

import numpy as np
from django.db import transaction
from django.utils import timezone

from deployment.health.reference import build_profile
from deployment.models import ComputePool, ModelFamily, ModelVersion
from deployment.neural_onnx import mlp_to_onnx
from deployment.services import catalog
from onestop.models import Partner

SEED = 7


def ai4i_like(rows, rng):
    """Rows following the published AI4I 2020 recipe and failure rules."""
    kind = rng.choice(["L", "M", "H"], size=rows, p=[0.6, 0.3, 0.1])
    air = 300 + np.cumsum(rng.normal(0, 0.05, rows)).clip(-4, 4) + rng.normal(0, 1.5, rows)
    process = air + 10 + rng.normal(0, 1, rows)
    torque = rng.normal(40, 10, rows).clip(3, None)
    # Speed follows from a roughly constant power; 6.44 kW puts the mean at the file's
    # 1,539 rpm for its mean torque of 40 Nm.
    rpm = (6440 / torque * 60 / (2 * np.pi) + rng.normal(0, 100, rows)).clip(1168, 2886)
    wear = rng.uniform(0, 250, rows)
    power = torque * rpm * 2 * np.pi / 60
    limit = np.select([kind == "L", kind == "M"], [11000, 12000], 13000)
    failure = (
        ((process - air < 8.6) & (rpm < 1380))
        | (power < 3500)
        | (power > 9000)
        | (wear * torque > limit)
        | ((wear >= 200) & (wear <= 240) & (rng.random(rows) < 0.1))
        | (rng.random(rows) < 0.001)
    )
    X = np.column_stack(
        [kind == "L", kind == "M", kind == "H", air, process, rpm, torque, wear]
    ).astype(np.float32)
    return X, failure.astype(int)


AI4I_MODEL = "설비 고장 예측 (Predictive maintenance)"
AI4I_INPUTS = [
    {"name": "Type", "type": "category", "value": "L"},
    {"name": "Type", "type": "category", "value": "M"},
    {"name": "Type", "type": "category", "value": "H"},
    {"name": "Air temperature", "type": "number", "unit": "K"},
    {"name": "Process temperature", "type": "number", "unit": "K"},
    {"name": "Rotational speed", "type": "number", "unit": "rpm"},
    {"name": "Torque", "type": "number", "unit": "Nm"},
    {"name": "Tool wear", "type": "number", "unit": "min"},
]


def split(X, y, rng):
    order = rng.permutation(len(y))
    cut = int(len(y) * 0.8)
    return X[order[:cut]], y[order[:cut]], X[order[cut:]], y[order[cut:]]


def neural(X, y, *, classifier, hidden=(32, 16)):
    """A small network, its ONNX bytes (standard operators only) and held-out metrics."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import mean_absolute_error, r2_score, roc_auc_score
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(SEED)
    train_X, train_y, test_X, test_y = split(X, y, rng)
    scaler = StandardScaler().fit(train_X)
    kind = MLPClassifier if classifier else MLPRegressor
    model = kind(hidden_layer_sizes=hidden, max_iter=400, early_stopping=True, random_state=SEED)
    with warnings.catch_warnings():
        # Early stopping ends training on purpose; the held-out metric says how good it is.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(scaler.transform(train_X), train_y)
    held_out = scaler.transform(test_X)
    if classifier:
        metrics = {
            "roc_auc": round(float(roc_auc_score(test_y, model.predict_proba(held_out)[:, 1])), 4)
        }
    else:
        predicted = model.predict(held_out)
        metrics = {
            "r2": round(float(r2_score(test_y, predicted)), 4),
            "mae": round(float(mean_absolute_error(test_y, predicted)), 4),
        }
    return mlp_to_onnx(scaler, model, classifier=classifier), metrics


def forest_forecaster(rng):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import r2_score

    days = 900
    weekday = np.arange(days) % 7
    demand = (
        200
        + 40 * np.sin(np.arange(days) * 2 * np.pi / 365)
        - 60 * (weekday >= 5)
        + rng.normal(0, 10, days)
    )
    X = np.column_stack([demand[2:-1], demand[1:-2], demand[:-3], weekday[3:] >= 5]).astype(
        np.float32
    )
    y = demand[3:]
    cut = int(len(y) * 0.8)  # the last fifth, in time order: no peeking at the future
    model = RandomForestRegressor(n_estimators=60, min_samples_leaf=3, random_state=SEED).fit(
        X[:cut], y[:cut]
    )
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, 4]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    return onnx_model.SerializeToString(), {
        "r2": round(float(r2_score(y[cut:], model.predict(X[cut:]))), 4)
    }


def scratch_images(rng, count=1600, side=16):
    """Grey 16 × 16 surfaces; half carry a bright scratch at a random angle and place."""
    images = rng.normal(0.4, 0.05, (count, side, side))
    labels = rng.random(count) < 0.5
    for image, scratched in zip(images, labels, strict=True):
        if scratched:
            r0, c0 = rng.integers(2, side - 2, 2)
            dr, dc = rng.choice([-1, 0, 1], 2)
            dc = dc or 1
            for step in range(-5, 6):
                r, c = r0 + step * dr, c0 + step * dc
                if 0 <= r < side and 0 <= c < side:
                    image[r, c] = 0.95
    return images.reshape(count, side * side).astype(np.float32), labels.astype(int)


def isolation_forest(rng):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score

    normal = rng.normal([60, 2.0, 12], [1.5, 0.3, 0.8], (3000, 3))
    faulty = rng.normal([72, 4.5, 16], [3, 1.0, 2], (60, 3))
    X = np.vstack([normal, faulty]).astype(np.float32)
    truth = np.r_[np.zeros(len(normal)), np.ones(len(faulty))]
    model = IsolationForest(n_estimators=100, random_state=SEED).fit(
        normal[:2400].astype(np.float32)
    )
    auc = roc_auc_score(truth, -model.decision_function(X))
    onnx_model = convert_sklearn(
        model,
        initial_types=[("input", FloatTensorType([None, 3]))],
        target_opset={"": 17, "ai.onnx.ml": 3},
    )
    return onnx_model.SerializeToString(), {"roc_auc": round(float(auc), 4)}


@functools.cache  # trained once per process: seed_demo may run several times in one test run
def demo_models():
    rng = np.random.default_rng(SEED)
    X, y = ai4i_like(12000, rng)
    maintenance, maintenance_metrics = neural(X, y, classifier=True)
    process = rng.normal([180, 5.0, 120], [10, 0.5, 15], (4000, 3))
    thickness = (
        2.0
        + 0.004 * process[:, 0]
        - 0.08 * process[:, 1]
        + 0.002 * process[:, 2]
        + rng.normal(0, 0.02, 4000)
    )
    quality, quality_metrics = neural(
        process.astype(np.float32), thickness, classifier=False, hidden=(16,)
    )
    images, scratched = scratch_images(rng)
    inspection, inspection_metrics = neural(images, scratched, classifier=True, hidden=(32,))
    forecast, forecast_metrics = forest_forecaster(rng)
    anomaly, anomaly_metrics = isolation_forest(rng)
    return [
        {
            "vendor": "K-Vision AI",
            "name": AI4I_MODEL,
            "task": "binary",
            "use_cases": ["predictive_maintenance"],
            "industries": ["C"],
            "description_ko": (
                "공구 마모, 토크, 회전수, 온도로 설비 고장을 미리 알려 줍니다. "
                "국산 NPU에서 실행됩니다."
            ),
            "description_en": (
                "Warns of machine failures from tool wear, torque, speed and temperatures. "
                "Runs on domestic NPUs."
            ),
            "onnx": maintenance,
            "metrics": maintenance_metrics,
            "inputs": AI4I_INPUTS,
            "reference": X,
        },
        {
            "vendor": "K-Vision AI",
            "name": "사출 두께 예측 (Quality regression)",
            "task": "regression",
            "use_cases": ["quality_prediction", "process_optimisation"],
            "industries": ["C22", "C29"],
            "description_ko": "금형 온도·사출 압력·사이클 시간으로 제품 두께를 예측합니다.",
            "description_en": (
                "Predicts part thickness from mould temperature, injection pressure and cycle time."
            ),
            "onnx": quality,
            "metrics": quality_metrics,
            "reference": process,
            "inputs": [
                {"name": "Mould temperature", "type": "number", "unit": "C"},
                {"name": "Injection pressure", "type": "number", "unit": "MPa"},
                {"name": "Cycle time", "type": "number", "unit": "s"},
            ],
        },
        {
            "vendor": "K-Vision AI",
            "name": "표면 스크래치 검사 (Visual inspection)",
            "task": "image",
            "use_cases": ["visual_inspection"],
            "industries": [],
            "description_ko": "16×16 회색조 표면 이미지에서 스크래치를 찾습니다.",
            "description_en": "Finds scratches on 16 × 16 greyscale surface images.",
            "onnx": inspection,
            "metrics": inspection_metrics,
            "inputs": [],
        },
        {
            "vendor": "누리데이터",
            "name": "주간 수요 예측 (Demand forecasting)",
            "task": "forecasting",
            "use_cases": ["demand_forecasting"],
            "industries": [],
            "description_ko": "지난 사흘의 수요와 주말 여부로 다음 날 수요를 예측합니다.",
            "description_en": (
                "Forecasts the next day's demand from the last three days and the weekend."
            ),
            "onnx": forecast,
            "metrics": forecast_metrics,
            "inputs": [
                {"name": "Demand (lag 1)", "type": "number"},
                {"name": "Demand (lag 2)", "type": "number"},
                {"name": "Demand (lag 3)", "type": "number"},
                {"name": "Weekend", "type": "boolean"},
            ],
        },
        {
            "vendor": "누리데이터",
            "name": "설비 이상 탐지 (Anomaly detection)",
            "task": "anomaly",
            "use_cases": ["anomaly_detection", "predictive_maintenance"],
            "industries": [],
            "description_ko": "온도·진동·전류에서 평소와 다른 상태를 찾습니다.",
            "description_en": "Flags unusual states from temperature, vibration and current.",
            "onnx": anomaly,
            "metrics": anomaly_metrics,
            "inputs": [
                {"name": "Temperature", "type": "number", "unit": "C"},
                {"name": "Vibration", "type": "number", "unit": "mm/s"},
                {"name": "Current", "type": "number", "unit": "A"},
            ],
        },
    ]


POOLS = [
    {
        "provider": "국가AI컴퓨팅센터",
        "name": "H200 학습 클러스터",
        "flavor": "nvidia-h200",
        "purpose": "training",
        "capacity_units": 64,
        "h100_factor": "1.8",
        "price_per_unit_hour": 4200,
        "region": "daejeon",
        "runtime": "CUDA 12",
        # Served by this server, so `make run` can train on it (on the CPU, emulated).
        "local": True,
    },
    {
        "provider": "Korea NPU Cloud",
        "name": "ATOM 추론 풀",
        "flavor": "rbln-atom",
        "purpose": "inference",
        "capacity_units": 32,
        "h100_factor": "0.3",
        "price_per_unit_hour": 700,
        "region": "gyeonggi",
        "runtime": "RBLN SDK",
        "local": True,
    },
    {
        "provider": "Korea NPU Cloud",
        "name": "RNGD 추론 풀",
        "flavor": "furiosa-rngd",
        "purpose": "inference",
        "capacity_units": 16,
        "h100_factor": "0.4",
        "price_per_unit_hour": 800,
        "region": "seoul",
        "runtime": "Furiosa SDK",
        "local": True,
    },
    {
        "provider": "Korea NPU Cloud",
        "name": "CPU 추론 풀",
        "flavor": "cpu",
        "purpose": "inference",
        "capacity_units": 64,
        "h100_factor": "0.02",
        "price_per_unit_hour": 150,
        "region": "seoul",
        "runtime": "ONNX Runtime",
        "local": True,
    },
]
EXTRA_PARTNERS = {
    "누리데이터": Partner.Kind.MODEL_VENDOR,
    "국가AI컴퓨팅센터": Partner.Kind.COMPUTE_PROVIDER,
}


@transaction.atomic
def seed_demo_catalog():
    partners = {}
    for name, kind in EXTRA_PARTNERS.items():
        partners[name], _ = Partner.objects.get_or_create(
            name=name, defaults={"kind": kind, "contact_email": "desk@onestop.example"}
        )
    for spec in POOLS:
        spec = dict(spec)
        provider = partners.get(spec["provider"]) or Partner.objects.get(name=spec.pop("provider"))
        spec.pop("provider", None)
        ComputePool.objects.update_or_create(
            provider=provider,
            name=spec["name"],
            defaults={**spec, "last_heartbeat": timezone.now()},
        )
    demo_versions = ModelVersion.objects.filter(origin="demo")
    if demo_versions.count() >= 5:
        if demo_versions.filter(family__name=AI4I_MODEL, reference={}).exists():
            add_references()  # a demo seeded before models carried their data's profile
        return
    for spec in demo_models():
        vendor = partners.get(spec["vendor"]) or Partner.objects.get(name=spec["vendor"])
        family, _ = ModelFamily.objects.get_or_create(
            vendor=vendor,
            name=spec["name"],
            defaults={
                key: spec[key]
                for key in ("task", "use_cases", "industries", "description_ko", "description_en")
            }
            | {"licence": "Apache-2.0", "domestic": True},
        )
        if family.versions.exists():
            continue
        version = catalog.version_create(
            family=family,
            version="1.0",
            chunks=[spec["onnx"]],
            claimed_metrics=spec["metrics"],
            input_columns=spec["inputs"],
            origin="demo",
        )
        set_reference(version, spec)
        catalog.version_validate(version.pk)  # now, not after the seed's transaction


def set_reference(version, spec):
    """The profile of the rows the demo model learnt from: what its requests are compared
    with for drift (deployment.health)."""
    if spec.get("reference") is None:
        return
    version.reference = build_profile(spec["reference"], spec["inputs"], source="training")
    version.save(update_fields=["reference"])


def add_references():
    for spec in demo_models():
        for version in ModelVersion.objects.filter(
            origin="demo", family__name=spec["name"], reference={}
        ):
            set_reference(version, spec)


def seed_demo_programme():
    """The 2026 programme the demo companies apply to: GPUs for training, NPUs for serving."""
    from onestop.models import Programme, ProgrammeFlavor

    programme, _ = Programme.objects.get_or_create(
        name="AI 컴퓨팅 자원 지원사업",
        year=2026,
        defaults={
            "description": (
                "제조 중소기업의 AI 학습(GPU)과 국산 NPU 추론을 지원합니다. "
                "2년, 우수 기업은 1년 연장."
            ),
        },
    )
    for flavor, budget in (
        ("nvidia-h200", 400_000),
        ("rbln-atom", 200_000),
        ("furiosa-rngd", 100_000),
    ):
        ProgrammeFlavor.objects.get_or_create(
            programme=programme, flavor=flavor, defaults={"budget_unit_hours": budget}
        )
