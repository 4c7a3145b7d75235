"""The NPU-ready form of each model family the studies and training jobs fit: standard ONNX
operators only, and the same answers as scikit-learn on rows it never saw (missing values
included), for classifiers with any whole-number labels and for regressors."""

import numpy as np
import onnxruntime as ort
import pytest
from sklearn import ensemble, linear_model, neural_network, tree
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from diagnosis.datacheck.npu_export import NotConvertible, npu_model

RNG = np.random.default_rng(7)
X = RNG.normal(size=(1500, 6)).astype(np.float32)
X[RNG.random(X.shape) < 0.03] = np.nan
SIGNAL = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1])
BINARY = (SIGNAL + RNG.normal(scale=0.5, size=len(X)) > 0).astype(int)
THREE = np.digitize(SIGNAL, [-0.5, 0.5]) + 5  # labels 5, 6, 7
AMOUNT = 2 * SIGNAL + RNG.normal(size=len(X))


def fitted(model, y, scale=False):
    steps = [SimpleImputer(strategy="median", keep_empty_features=True)]
    if scale:
        steps.append(StandardScaler())
    return make_pipeline(*steps, model).fit(X[:1200], y[:1200])


def run(pipeline, task):
    onnx_model = npu_model(pipeline, X.shape[1], task)
    assert {node.domain for node in onnx_model.graph.node} <= {""}
    session = ort.InferenceSession(
        onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {"input": X[1200:]})


CLASSIFIERS = [
    (ensemble.RandomForestClassifier(n_estimators=25, random_state=1), False),
    (ensemble.ExtraTreesClassifier(n_estimators=25, random_state=1), False),
    (ensemble.GradientBoostingClassifier(n_estimators=30, random_state=1), False),
    (tree.DecisionTreeClassifier(random_state=1), False),
    (linear_model.LogisticRegression(max_iter=500), True),
    (neural_network.MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=1), True),
]


@pytest.mark.parametrize(("model", "scale"), CLASSIFIERS, ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("labels", [BINARY, THREE], ids=["binary", "three classes"])
def test_a_classifier_answers_as_scikit_learn_does(model, scale, labels):
    pipeline = fitted(model, labels, scale)
    label, probabilities = run(pipeline, "binary" if labels is BINARY else "multiclass")
    expected = pipeline.predict_proba(X[1200:])
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    # Where two classes tie exactly (a forest's votes), either is the model's answer.
    top_two = np.sort(expected, axis=1)[:, -2:]
    decided = top_two[:, 1] - top_two[:, 0] > 1e-6
    assert decided.mean() > 0.9
    np.testing.assert_array_equal(label[decided], pipeline.predict(X[1200:])[decided])


@pytest.mark.parametrize(
    ("model", "scale"),
    [
        (ensemble.RandomForestRegressor(n_estimators=20, random_state=1), False),
        (ensemble.GradientBoostingRegressor(n_estimators=40, random_state=1), False),
        (linear_model.Ridge(), True),
        (neural_network.MLPRegressor(hidden_layer_sizes=(16,), max_iter=300, random_state=1), True),
    ],
    ids=lambda m: type(m).__name__,
)
def test_a_regressor_answers_as_scikit_learn_does(model, scale):
    pipeline = fitted(model, AMOUNT, scale)
    (variable,) = run(pipeline, "regression")
    np.testing.assert_allclose(variable.ravel(), pipeline.predict(X[1200:]), rtol=1e-4, atol=1e-4)


def test_a_model_it_does_not_know_says_which_part():
    from sklearn.svm import SVC

    with pytest.raises(NotConvertible, match="SVC"):
        npu_model(fitted(SVC(), BINARY), X.shape[1], "binary")


@pytest.mark.parametrize(
    ("pipeline", "why"),
    [
        (tree.DecisionTreeClassifier().fit(np.nan_to_num(X), BINARY), "no imputer"),
        (
            fitted(ensemble.GradientBoostingClassifier(loss="exponential", n_estimators=5), BINARY),
            "exponential",
        ),
    ],
    ids=["trees without an imputer", "exponential loss"],
)
def test_what_would_answer_differently_is_refused(pipeline, why):
    with pytest.raises(NotConvertible, match=why):
        npu_model(pipeline, X.shape[1], "binary")


def test_a_forest_after_a_scaler_keeps_its_own_constants():
    pipeline = fitted(
        ensemble.RandomForestClassifier(n_estimators=10, random_state=1), BINARY, True
    )
    _label, probabilities = run(pipeline, "binary")
    np.testing.assert_allclose(probabilities, pipeline.predict_proba(X[1200:]), atol=1e-5)
