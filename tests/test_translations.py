"""The Korean catalogue is complete and compiled, so no page built so far shows English to a
Korean user."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "onestop" / "locale" / "ko" / "LC_MESSAGES"


def po_entries(path):
    """(msgid, [msgstr...], flags) per entry; enough of the .po grammar for our catalogue."""
    entries, current, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current is not None:
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"msgid": "", "msgstr": {}, "flags": ""}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[(\d)\])?) "(.*)"$', line):
            key, index, text = match.groups()
            field = ("msgstr", int(index or 0)) if key.startswith("msgstr") else key
            _append(current, field, text)
        elif line.startswith('"'):
            _append(current, field, line[1:-1])
    return [e for e in entries if e["msgid"]]


def _append(entry, field, text):
    text = _unescape(text)
    if isinstance(field, tuple):
        entry["msgstr"][field[1]] = entry["msgstr"].get(field[1], "") + text
    else:
        entry[field] = entry.get(field, "") + text


def test_every_korean_message_is_translated_and_none_is_fuzzy():
    entries = po_entries(LOCALE / "django.po")
    assert len(entries) > 200
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    for entry in po_entries(LOCALE / "django.po"):
        wanted = sorted(re.findall(r"%\(\w+\)s", entry["msgid"]))
        for text in entry["msgstr"].values():
            assert sorted(re.findall(r"%\(\w+\)s", text)) == wanted, entry["msgid"]


def test_the_compiled_catalogue_says_what_the_source_says():
    """The committed .mo must be compiled from the committed .po (file times prove nothing
    after a clone), so each message is looked up in the .mo itself."""
    with (LOCALE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in po_entries(LOCALE / "django.po"):
        if entry.get("msgid_plural"):
            got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1)
        elif entry.get("msgctxt"):
            got = compiled.pgettext(entry["msgctxt"], entry["msgid"])
        else:
            got = compiled.gettext(entry["msgid"])
        if got != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert stale == []


PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text):
    """A .po string literal's body → the text it stands for."""
    return re.sub(r"\\(.)", lambda m: PO_ESCAPES.get(m.group(1), m.group(1)), text)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_every_message_in_the_code_is_in_the_catalogue(tmp_path):
    """Extract messages afresh into a copy and compare: a new string without a translation
    fails here."""
    copy = tmp_path / "project"
    base = Path(settings.BASE_DIR)
    for name in ("onestop", "diagnosis", "deployment", "templates", "manage.py"):
        src = base / name
        if src.is_dir():
            shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, copy / name)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "ko",
            "--no-obsolete",
            "--no-location",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {e["msgid"] for e in po_entries(copy / "onestop/locale/ko/LC_MESSAGES/django.po")}
    known = {e["msgid"] for e in po_entries(LOCALE / "django.po")}
    assert sorted(fresh - known) == []
    missing = [
        e["msgid"]
        for e in po_entries(copy / "onestop/locale/ko/LC_MESSAGES/django.po")
        if not all(e["msgstr"].values())
    ]
    assert missing == []
