"""Map a model's declared inputs onto a company's columns, by name, kind and unit.

Names are compared after taking units out ("Torque [Nm]" → "torque", unit "Nm") and folding
Korean and English words for the same quantity together ("토크" = "torque"). A user's corrections
replace the automatic choice."""

import functools
import re
from dataclasses import dataclass

UNIT = re.compile(r"[\[(]([^\])]+)[\])]")
SYNONYMS = {
    "temperature": ("temp", "온도", "temperatur"),
    "process temperature": ("process temp", "공정온도", "공정 온도"),
    "air temperature": ("air temp", "대기온도", "외기온도", "주변온도"),
    "pressure": ("압력", "press", "druck"),
    "torque": ("토크",),
    "rotational speed": ("rpm", "speed", "회전수", "회전속도", "속도", "spindle speed"),
    "tool wear": ("공구마모", "공구 마모", "wear", "마모"),
    "vibration": ("진동", "vib"),
    "current": ("전류", "amp"),
    "voltage": ("전압", "volt"),
    "humidity": ("습도",),
    "power": ("전력", "kw"),
    "flow": ("유량",),
    "type": ("유형", "종류", "품종", "grade", "등급"),
    "line": ("라인", "설비", "machine", "호기"),
    "quantity": ("수량", "qty", "생산량", "output"),
    "demand": ("수요", "주문량", "orders"),
    "defect": ("불량", "결함", "ng"),
    "failure": ("고장", "machine_failure", "machine failure", "fault"),
}
CANONICAL = {alias: key for key, aliases in SYNONYMS.items() for alias in (key, *aliases)}
KIND_FITS = {
    "number": {"number"},
    "boolean": {"boolean", "number"},
    "category": {"category", "boolean"},
}
THRESHOLD = 0.5


@dataclass(frozen=True)
class Mapping:
    columns: dict  # input key → company column name, or None
    scores: dict  # input key → how sure (0–1; 1 when the user chose)

    @property
    def share(self):
        return (
            sum(1 for c in self.columns.values() if c) / len(self.columns) if self.columns else 0.0
        )

    @property
    def complete(self):
        return bool(self.columns) and all(self.columns.values())


@functools.lru_cache(maxsize=4096)
def split_unit(name):
    """A column or input name, normalised, and its unit: the same few names come up for every
    version a ranking maps, so each is split once."""
    unit = UNIT.search(name)
    bare = UNIT.sub(" ", name)
    return normalise(bare), (unit.group(1).strip().lower() if unit else "")


def normalise(text):
    text = re.sub(r"[_\-/.:]+", " ", str(text).lower())
    return re.sub(r"\s+", " ", text).strip()


def canonical(name):
    return CANONICAL.get(name, CANONICAL.get(name.replace(" ", ""), name))


def input_key(spec):
    """One model input: a column, or one value of a one-hot category."""
    return f"{spec['name']}={spec['value']}" if "value" in spec else spec["name"]


def similarity(model_input, column):
    name_a, unit_a = split_unit(model_input["name"])
    name_b, unit_b = split_unit(column["name"])
    if column["kind"] not in KIND_FITS.get(model_input.get("type", "number"), {"number"}):
        return 0.0
    if name_a == name_b:
        score = 1.0
    elif canonical(name_a) == canonical(name_b):
        score = 0.85
    else:
        words_a, words_b = set(canonical_words(name_a)), set(canonical_words(name_b))
        score = (
            0.7 * len(words_a & words_b) / len(words_a | words_b) if words_a and words_b else 0.0
        )
    if unit_a and unit_b:
        score += 0.1 if unit_a == unit_b else -0.2
    if "value" in model_input:
        values = {str(t["value"]) for t in column.get("top", [])}
        score = score if model_input["value"] in values else 0.0
    return max(0.0, min(1.0, score))


def canonical_words(name):
    return [canonical(word) for word in name.split()] + [canonical(name)]


def auto_map(inputs, columns, corrections=None):
    """The best column for each input (one-hot parts of one category share their column)."""
    corrections = corrections or {}
    chosen, scores = {}, {}
    names = {c["name"] for c in columns}
    for spec in inputs:
        key = input_key(spec)
        if key in corrections:
            picked = corrections[key] if corrections[key] in names else None
            chosen[key], scores[key] = picked, 1.0 if picked else 0.0
            continue
        best, best_score = None, 0.0
        for column in columns:
            score = similarity(spec, column)
            if score > best_score:
                best, best_score = column["name"], score
        chosen[key] = best if best_score >= THRESHOLD else None
        scores[key] = round(best_score, 3) if chosen[key] else 0.0
    return Mapping(columns=chosen, scores=scores)
