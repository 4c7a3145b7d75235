import copy

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from deployment.usecases import UseCase
from diagnosis.models import Questionnaire
from diagnosis.questionnaire import spec as spec_module
from diagnosis.questionnaire.spec import SpecError, parse

CONTENT = spec_module.CONTENT_DIR / "manufacturing-ai-readiness-v1.yaml"


@pytest.fixture(scope="module")
def content():
    return yaml.safe_load(CONTENT.read_bytes())


def test_the_shipped_questionnaire_fits_its_brief(content):
    spec = parse(content)
    assert 35 <= len(spec.questions) <= 60
    assert 15 <= spec.estimated_minutes <= 25
    kinds = {q.kind for q in spec.questions.values()}
    assert kinds == {"ordinal", "multi", "adoption", "ynp", "number", "text", "priority"}
    assert any(o.value < 0 for q in spec.questions.values() for o in q.options)
    assert {d.dma_dimension for d in spec.dimensions} == set(spec_module.DMA_DIMENSIONS)
    assert [lv.level for lv in spec.levels] == [1, 2, 3, 4, 5]
    assert {u.code for u in spec.use_cases} == set(UseCase.values)
    gated = [
        q
        for q in spec.questions.values()
        if q.visible_if and q.visible_if.question == "data_collected_digitally"
    ]
    assert len(gated) >= 3


def test_every_text_is_in_korean_and_english(content):
    spec = parse(content)
    for question in spec.questions.values():
        assert question.text.ko != question.text.en


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("dimensions", 0, "questions", 0, "kind"), "slider", "kind"),
        (("dimensions", 0, "questions", 0, "text"), {"ko": "질문"}, "ko and en"),
        (("dimensions", 0, "dma_dimension"), "vibes", "dma_dimension"),
        (("dimensions", 0, "target"), 140, "target"),
        (("levels", 0, "min_score"), 10, "levels"),
    ],
)
def test_a_broken_file_is_refused_with_the_place_of_the_problem(content, path, value, message):
    broken = copy.deepcopy(content)
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(SpecError, match=message):
        parse(broken)


def test_a_rule_must_point_to_an_earlier_question(content):
    broken = copy.deepcopy(content)
    first = broken["dimensions"][0]["questions"][0]
    first["visible_if"] = {"question": "data_collected_digitally", "in": ["yes"]}
    with pytest.raises(SpecError, match="not an earlier question"):
        parse(broken)


def test_loading_publishes_once_and_refuses_an_edited_version(db, tmp_path, monkeypatch, content):
    call_command("load_questionnaires")
    call_command("load_questionnaires")
    assert Questionnaire.objects.count() == 1
    edited = copy.deepcopy(content)
    edited["title"]["en"] = "Edited after publication"
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / CONTENT.name).write_text(yaml.safe_dump(edited, allow_unicode=True))
    monkeypatch.setattr(spec_module, "CONTENT_DIR", folder)
    with pytest.raises(CommandError, match="never edited"):
        call_command("load_questionnaires")
    assert Questionnaire.objects.get().content["title"]["en"] != "Edited after publication"
