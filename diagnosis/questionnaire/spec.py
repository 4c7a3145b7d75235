"""Questionnaire specs: the parsed, validated form of a file in ``diagnosis/content/``.

A spec is plain data (frozen dataclasses) so that scoring, consensus and roadmaps are pure
functions, testable with hand-computed vectors and free of the ORM.
"""

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from deployment import usecases

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

KINDS = {"ordinal", "multi", "adoption", "ynp", "number", "text", "priority"}
SCORED_KINDS = {"ordinal", "multi", "adoption", "ynp", "number"}
YNP_CHOICES = ("yes", "partial", "no")
ADOPTION_STEPS = 6  # not used, considering, prototyping, testing, implementing, operational
PRIORITY_STEPS = 4  # not important, somewhat, important, critical
KPI_CODES = ("quality", "downtime", "cost", "delivery", "energy", "safety")
DMA_DIMENSIONS = (
    "digital_business_strategy",
    "digital_readiness",
    "human_centric_digitalisation",
    "data_management",
    "automation_and_ai",
    "green_digitalisation",
)
LANGUAGES = ("ko", "en")


class SpecError(ValueError):
    """A questionnaire file that does not follow docs/questionnaire-format.md."""


@dataclass(frozen=True)
class Text:
    ko: str
    en: str

    def get(self, language):
        return self.en if (language or "").startswith("en") else self.ko

    def __str__(self):
        from django.utils.translation import get_language

        return self.get(get_language())


@dataclass(frozen=True)
class Rule:
    question: str
    any_of: tuple = ()
    minimum: float | None = None


@dataclass(frozen=True)
class Option:
    code: str
    text: Text
    value: float


@dataclass(frozen=True)
class Row:
    code: str
    text: Text


@dataclass(frozen=True)
class Question:
    code: str
    kind: str
    dimension: str
    text: Text
    help: Text | None = None
    weight: float = 1.0
    visible_if: Rule | None = None
    levels: tuple = ()
    options: tuple = ()
    rows: tuple = ()
    unit: Text | None = None
    minimum: float | None = None
    maximum: float | None = None
    bands: tuple = ()
    max_length: int = 500

    @property
    def is_scored(self):
        if self.kind == "number":
            return bool(self.bands) and self.weight > 0
        return self.kind in SCORED_KINDS and self.weight > 0

    def option(self, code):
        return next((o for o in self.options if o.code == code), None)


@dataclass(frozen=True)
class Action:
    below: float
    text: Text


@dataclass(frozen=True)
class Dimension:
    code: str
    name: Text
    description: Text | None
    dma_dimension: str
    weight: float
    target: float
    kpi_relevance: dict
    actions: tuple
    questions: tuple


@dataclass(frozen=True)
class Level:
    level: int
    min_score: float
    name: Text
    narrative: Text


@dataclass(frozen=True)
class UseCase:
    code: str
    name: Text
    description: Text
    feasibility: tuple  # (question code, weight) pairs
    impact_kpis: dict
    next_step: str


@dataclass(frozen=True)
class Spec:
    code: str
    version: int
    title: Text
    description: Text
    estimated_minutes: int
    kpis: dict  # code → Text
    levels: tuple
    dimensions: tuple
    use_cases: tuple
    sha256: str = ""
    questions: dict = field(default_factory=dict)  # code → Question, in file order

    def dimension(self, code):
        return next(d for d in self.dimensions if d.code == code)

    @property
    def dimension_names(self):
        return {d.code: d.name for d in self.dimensions}

    def level_for(self, score):
        chosen = self.levels[0]
        for level in self.levels:
            if score is not None and score >= level.min_score:
                chosen = level
        return chosen


# libyaml's parser when PyYAML was built with it: the pure-Python one is ~10x slower.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_file(path):
    """(spec, data): the validated spec and the raw mapping, parsed once per file version."""
    raw = Path(path).read_bytes()
    return _load_bytes(raw, Path(path).name)


@lru_cache(maxsize=8)
def _load_bytes(raw, name):
    try:
        data = yaml.load(raw, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise SpecError(f"{name}: not valid YAML: {exc}") from exc
    spec = parse(data)
    return spec.__class__(**{**spec.__dict__, "sha256": hashlib.sha256(raw).hexdigest()}), data


def content_files():
    return sorted(CONTENT_DIR.glob("*.yaml"))


# --- parsing ----------------------------------------------------------------------------------


def parse(data):
    """Validate ``data`` (a loaded file) and build its Spec. Raises SpecError with the path of
    the first problem found."""
    if not isinstance(data, dict):
        raise SpecError("the file must be a mapping")
    kpis = {k["code"]: _text(k, "name", "kpis") for k in _list(data, "kpis", "")}
    if set(kpis) - set(KPI_CODES):
        raise SpecError(f"kpis: unknown codes {sorted(set(kpis) - set(KPI_CODES))}")
    seen = {}
    dimensions = tuple(
        _dimension(d, i, seen, kpis) for i, d in enumerate(_list(data, "dimensions", ""))
    )
    levels = tuple(
        Level(
            level=int(lv["level"]),
            min_score=float(lv["min_score"]),
            name=_text(lv, "name", f"levels[{i}]"),
            narrative=_text(lv, "narrative", f"levels[{i}]"),
        )
        for i, lv in enumerate(_list(data, "levels", ""))
    )
    if [lv.level for lv in levels] != [1, 2, 3, 4, 5] or levels[0].min_score != 0:
        raise SpecError("levels: five levels 1..5, the first with min_score 0")
    if [lv.min_score for lv in levels] != sorted(lv.min_score for lv in levels):
        raise SpecError("levels: min_score must ascend")
    use_cases = tuple(
        _use_case(u, i, seen, kpis) for i, u in enumerate(_list(data, "use_cases", ""))
    )
    return Spec(
        code=_slug(data.get("code"), "code"),
        version=_int(data.get("version"), "version", minimum=1),
        title=_text(data, "title", ""),
        description=_text(data, "description", ""),
        estimated_minutes=_int(data.get("estimated_minutes", 20), "estimated_minutes", minimum=1),
        kpis=kpis,
        levels=levels,
        dimensions=dimensions,
        use_cases=use_cases,
        questions=seen,
    )


def _dimension(d, index, seen, kpis):
    where = f"dimensions[{index}]"
    code = _slug(d.get("code"), f"{where}.code")
    if d.get("dma_dimension") not in DMA_DIMENSIONS:
        raise SpecError(f"{where}.dma_dimension: one of {', '.join(DMA_DIMENSIONS)}")
    relevance = {k: float(v) for k, v in (d.get("kpi_relevance") or {}).items()}
    if set(relevance) - set(kpis):
        raise SpecError(f"{where}.kpi_relevance: unknown KPI {sorted(set(relevance) - set(kpis))}")
    actions = tuple(
        Action(below=float(a["below"]), text=_text(a, "text", f"{where}.actions[{i}]"))
        for i, a in enumerate(d.get("actions") or [])
    )
    if [a.below for a in actions] != sorted(a.below for a in actions):
        raise SpecError(f"{where}.actions: `below` must ascend")
    questions = tuple(
        _question(q, f"{where}.questions[{i}]", code, seen)
        for i, q in enumerate(_list(d, "questions", where))
    )
    return Dimension(
        code=code,
        name=_text(d, "name", where),
        description=_optional_text(d, "description", where),
        dma_dimension=d["dma_dimension"],
        weight=_number(d.get("weight", 1), f"{where}.weight", 0.001),
        target=_number(d.get("target"), f"{where}.target", 0, 100),
        kpi_relevance=relevance,
        actions=actions,
        questions=questions,
    )


def _question(q, where, dimension, seen):
    code = _slug(q.get("code"), f"{where}.code")
    if code in seen:
        raise SpecError(f"{where}.code: {code} is used twice")
    kind = q.get("kind")
    if kind not in KINDS:
        raise SpecError(f"{where}.kind: one of {', '.join(sorted(KINDS))}")
    fields = {
        "code": code,
        "kind": kind,
        "dimension": dimension,
        "text": _text(q, "text", where),
        "help": _optional_text(q, "help", where),
        "weight": _number(q.get("weight", 1), f"{where}.weight", 0),
    }
    if kind == "ordinal":
        levels = _list(q, "levels", where)
        if len(levels) != 6:
            raise SpecError(f"{where}.levels: six evidence statements, for levels 0 to 5")
        fields["levels"] = tuple(
            _text(lv, "text", f"{where}.levels[{i}]") for i, lv in enumerate(levels)
        )
    elif kind == "multi":
        options = tuple(
            Option(
                code=_slug(o.get("code"), f"{where}.options[{i}].code"),
                text=_text(o, "text", f"{where}.options[{i}]"),
                value=_number(o.get("value"), f"{where}.options[{i}].value", -1, 1),
            )
            for i, o in enumerate(_list(q, "options", where))
        )
        if len({o.code for o in options}) != len(options):
            raise SpecError(f"{where}.options: codes must be unique")
        if not any(o.value > 0 for o in options):
            raise SpecError(f"{where}.options: at least one option needs a positive value")
        fields["options"] = options
    elif kind == "adoption":
        fields["rows"] = tuple(
            Row(
                code=_slug(r.get("code"), f"{where}.rows[{i}].code"),
                text=_text(r, "text", f"{where}.rows[{i}]"),
            )
            for i, r in enumerate(_list(q, "rows", where))
        )
    elif kind == "priority":
        rows = _list(q, "rows", where)
        if set(rows) - set(KPI_CODES):
            raise SpecError(f"{where}.rows: KPI codes only")
        fields["rows"] = tuple(rows)
    elif kind == "number":
        fields["unit"] = _optional_text(q, "unit", where)
        fields["minimum"] = _number(q.get("min", 0), f"{where}.min")
        fields["maximum"] = _number(q.get("max"), f"{where}.max")
        bands = tuple((float(t), float(s)) for t, s in (q.get("bands") or []))
        if [t for t, _ in bands] != sorted(t for t, _ in bands) or any(
            not 0 <= s <= 1 for _, s in bands
        ):
            raise SpecError(f"{where}.bands: ascending thresholds, scores 0..1")
        fields["bands"] = bands
    elif kind == "text":
        fields["max_length"] = _int(q.get("max_length", 500), f"{where}.max_length", minimum=1)
    if q.get("visible_if") is not None:
        fields["visible_if"] = _rule(q["visible_if"], where, seen, dimension)
    question = Question(**fields)
    seen[code] = question
    return question


def _rule(rule, where, seen, dimension):
    target = seen.get(rule.get("question"))
    if target is None:
        raise SpecError(
            f"{where}.visible_if: names {rule.get('question')!r}, which is not an earlier question"
        )
    if target.dimension != dimension:
        raise SpecError(
            f"{where}.visible_if: {target.code} is in another section; a rule may "
            "only depend on a question of its own section"
        )
    if target.visible_if is not None:
        raise SpecError(
            f"{where}.visible_if: {target.code} has a rule of its own; rules do not chain"
        )
    if "in" in rule:
        values = tuple(rule["in"])
        allowed = {
            "ynp": set(YNP_CHOICES),
            "multi": {o.code for o in target.options},
            "ordinal": set(range(6)),
        }.get(target.kind)
        if allowed is None or set(values) - allowed:
            raise SpecError(
                f"{where}.visible_if: values {list(values)} do not fit "
                f"{target.code} ({target.kind})"
            )
        return Rule(question=target.code, any_of=values)
    if "min" in rule and target.kind in {"ordinal", "number", "adoption"}:
        return Rule(question=target.code, minimum=float(rule["min"]))
    raise SpecError(f"{where}.visible_if: use `in` or `min` suited to {target.kind}")


def _use_case(u, index, seen, kpis):
    where = f"use_cases[{index}]"
    if u.get("code") not in usecases.UseCase.values:
        raise SpecError(f"{where}.code: one of {', '.join(usecases.UseCase.values)}")
    feasibility = tuple(
        (f["question"], float(f.get("weight", 1))) for f in _list(u, "feasibility", where)
    )
    unknown = [code for code, _ in feasibility if code not in seen or not seen[code].is_scored]
    if unknown:
        raise SpecError(f"{where}.feasibility: {unknown} are not scored questions")
    impact = {k: float(v) for k, v in (u.get("impact_kpis") or {}).items()}
    if not impact or set(impact) - set(kpis):
        raise SpecError(f"{where}.impact_kpis: KPI codes with weights")
    if u.get("next_step") not in {"data_check", "matches"}:
        raise SpecError(f"{where}.next_step: data_check or matches")
    return UseCase(
        code=u["code"],
        name=_text(u, "name", where),
        description=_text(u, "description", where),
        feasibility=feasibility,
        impact_kpis=impact,
        next_step=u["next_step"],
    )


def _text(data, key, where):
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, dict) or any(
        not str(value.get(lang) or "").strip() for lang in LANGUAGES
    ):
        raise SpecError(f"{where}.{key}: needs ko and en texts")
    return Text(ko=str(value["ko"]).strip(), en=str(value["en"]).strip())


def _optional_text(data, key, where):
    return _text(data, key, where) if data.get(key) is not None else None


def _list(data, key, where):
    value = data.get(key)
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where}.{key}: a non-empty list".lstrip("."))
    return value


def _slug(value, where):
    if not isinstance(value, str) or not value or not all(c.isalnum() or c in "_-" for c in value):
        raise SpecError(f"{where}: a code of letters, digits, _ and -")
    return value


def _int(value, where, minimum=None):
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or (minimum is not None and value < minimum)
    ):
        raise SpecError(
            f"{where}: a whole number" + (f" ≥ {minimum}" if minimum is not None else "")
        )
    return value


def _number(value, where, low=None, high=None):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where}: a number")
    if (low is not None and value < low) or (high is not None and value > high):
        raise SpecError(f"{where}: between {low} and {high}")
    return float(value)
