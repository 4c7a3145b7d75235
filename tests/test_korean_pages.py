"""Every page a Korean user reads is in Korean: the portal as an owner, a consultant and a
programme officer, and the admin's index, every changelist and a change form of each model,
crawled on the demo data. Visible text (and the placeholders and labels a screen reader says)
may hold no English word but product names, units and the users' own data: company, model,
pool and column names, e-mail addresses."""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from deployment.models import ComputePool, Endpoint, EndpointKey, ModelFamily, ModelVersion
from diagnosis.models import DataCheck
from onestop.models import Company, Partner, User

# Product, vendor and technical names a Korean reader meets as they are, and units.
_NAMES_TEXT = """
5G A100 AI API APS ATOM AUC Bearer BEMS CNC CO2 CPU CRM CSV CUDA curl DMA EDIH en English
ERP ESG Excel FEMS Fi FuriosaAI GB GPU h H100 H200 HMAC HTTP HTTPS ID Inference IoT IR ISO
IT JSON K KB ko KPI KRW KServe KSIC kWh LAN learn LTE M1 M3 M9 MAE MB MES min MLOps MRP ms
n NAIRR Nm NPU NREL numpy NVIDIA OEE OneStop ONNX OPC OPC-UA Open OS OT p50 p95 Parquet PC
PDF PLC PLM PNG POST PPM PR Protocol PSI Python QR Ray Rebellions RFID RMSE RNGD ROC ROI rpm s SCADA
scikit SCM Seoul Serve SHA SIRI SPC Swagger T0 T1 T2 tritonclient UA URL USB VLAN vs Wi WMS
x xlsx HMI JPEG
"""
NAMES = set(_NAMES_TEXT.split())
SKIPPED_PATHS = (
    "/logout/",
    "/api/",
    "/i18n/",
    "/static/",
    "/media/",
    "/metrics",
    "/healthz",
    "/readyz",
    "/admin/logout/",
    "/admin/password_change/",
    "/admin/jsi18n/",
    "/v2/",
)
SKIPPED_SUFFIXES = (".csv", ".pdf", ".onnx", ".json", ".png", ".svg", "/status/")
PAGES_PER_PERSON = 70


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside scripts, styles and code, plus
    placeholders, labels, titles and alternative texts; and the page's same-site links."""

    HIDDEN = {"script", "style", "pre", "code", "textarea", "template"}
    SPOKEN = ("placeholder", "aria-label", "title", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self.links, self._hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and "/admin/img/" in attrs.get("src", ""):
            return  # Django's own yes/no and search icons, whose alt text Django never translates
        self.parts.extend(attrs[name] for name in self.SPOKEN if attrs.get(name))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def users_own_words():
    """Names the users chose: they stay as typed (a vendor's "Press failure" model, say)."""
    texts = [
        *Company.objects.values_list("name", flat=True),
        *Partner.objects.values_list("name", flat=True),
        *ModelFamily.objects.values_list("name", flat=True),
        *ModelFamily.objects.values_list("description_ko", flat=True),
        # What a vendor wrote for English readers, shown in the admin's form as entered.
        *ModelFamily.objects.values_list("description_en", flat=True),
        *ModelVersion.objects.values_list("version", flat=True),
        *ComputePool.objects.values_list("name", flat=True),
        *Endpoint.objects.values_list("name", flat=True),
        *EndpointKey.objects.values_list("name", flat=True),
        *User.objects.values_list("email", flat=True),
        *User.objects.values_list("full_name", flat=True),
    ]
    for check in DataCheck.objects.all():
        texts.append(check.original_name)
        texts.extend(str(c.get("name", "")) for c in (check.columns or []))
    for version in ModelVersion.objects.all():
        texts.extend(str(c.get("name", "")) for c in (version.input_columns or []))
        texts.extend(str(c.get("unit", "")) for c in (version.input_columns or []))
    return {w for text in texts for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text or "")}


def english_words(text, allowed):
    # Machine data shown as JSON (a model's tensor signature, an audit snapshot) is not prose.
    for _pass in range(4):
        text = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", text)
    text = re.sub(r"\S+@\S+", " ", text)  # e-mail addresses
    text = re.sub(r"https?://\S+", " ", text)
    words = re.findall(r"(?<![\w.-])[A-Za-z][A-Za-z]+(?![\w-])", text)
    return sorted(
        {w for w in words if w not in allowed and w not in NAMES and w.upper() not in NAMES}
    )


def crawl(client, seeds, allowed, limit=PAGES_PER_PERSON):
    """{english word: the first page it is on} for every page reached from ``seeds`` (GET
    only)."""
    seen, queue, found = set(), list(seeds), {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        for word in english_words(" ".join(parser.parts), allowed):
            found.setdefault(word, path)
        for link in parser.links:
            target = urlsplit(urljoin(path, link))
            if target.netloc or not target.path.startswith("/"):
                continue
            if target.path.startswith(SKIPPED_PATHS) or target.path.endswith(SKIPPED_SUFFIXES):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def listed(found):
    return "English on Korean pages:\n" + "\n".join(
        f"  {w}  ({p})" for w, p in sorted(found.items())
    )


@pytest.fixture
def demo(db, settings, django_capture_on_commit_callbacks):
    """The demo data, plus what a company makes on its way that the demo does not have: a
    quick start, a data check with a feasibility study, a notification in the inbox."""
    from tests.datacheck_factories import studied, uploaded_check
    from tests.diagnosis_factories import screened

    settings.DEBUG = True  # seed_demo is for development settings
    call_command("seed_demo")
    settings.DEBUG = False
    owner = User.objects.get(email="owner@daesung.example")
    company = Company.objects.get(memberships__user=owner)
    screened(company, owner, plant_network=2)
    with django_capture_on_commit_callbacks(execute=True):
        studied(uploaded_check(company, owner), owner)
    return users_own_words()


def person(email):
    client = Client()
    client.force_login(User.objects.get(email=email))
    client.cookies["django_language"] = "ko"
    return client


@pytest.mark.parametrize(
    "email",
    [
        "owner@hanbit.example",
        "owner@daesung.example",
        "consultant@onestop.example",
        "officer@onestop.example",
        "vendor@kvision.example",
    ],
)
def test_the_portal_speaks_korean(demo, email):
    seeds = ["/dashboard/", "/consultant/", "/partner/", "/diagnosis/quick/", "/notifications/"]
    found = crawl(person(email), seeds, demo)
    assert found == {}, listed(found)


def test_the_admin_speaks_korean(demo):
    officer = person("officer@onestop.example")
    seeds = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        seeds.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            seeds.append(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first.pk])
            )
    found = crawl(officer, seeds, demo, limit=len(seeds))
    assert found == {}, listed(found)


def test_one_date_format_everywhere_in_korean_time():
    """Pages, the admin, sentences written in Python and chart axes all say 2026-12-05, in
    Korean time: 23:30 UTC on the 4th is already the 5th in Seoul."""
    from datetime import UTC, datetime

    from django.template import Context, Template
    from django.utils import translation

    from deployment.views.charts import hour_label
    from onestop.dates import local_date, local_datetime

    moment = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)
    template = Template(
        '{{ m|date:"SHORT_DATE_FORMAT" }} {{ m|date:"DATETIME_FORMAT" }} {{ m|date }}'
    )
    for language in ("ko", "en"):
        with translation.override(language):
            shown = template.render(Context({"m": moment}))
        assert shown == "2026-12-05 2026-12-05 08:30 2026-12-05"
    assert local_date(moment) == "2026-12-05"
    assert local_datetime(moment) == "2026-12-05 08:30"
    assert hour_label(moment.isoformat()) == "2026-12-05 08:00"


TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE_CODE = re.compile(
    r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}"  # translated blocks
    r"|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}"
    r"|<script.*?</script>|<style.*?</style>|<pre.*?</pre>|<code.*?</code>"
    r"|{%.*?%}|{{.*?}}|{#.*?#}",  # tags (translate included), variables, comments
    re.DOTALL,
)
MARKUP = re.compile(r"<[^>]*>")


def literal_text(source):
    """What a template shows as written, outside translation tags, variables and code: the
    text between tags and the spoken attributes (placeholder, aria-label, title, alt)."""
    source = TEMPLATE_CODE.sub(" ", source)
    spoken = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*)"', source)
    return " ".join([MARKUP.sub(" ", source), *spoken])


def test_no_template_writes_english_outside_a_translation():
    """Every template, including the ones no crawl reaches (error pages, password reset,
    confirmations): text a person reads is in a translate tag, so the Korean catalogue has it."""
    found = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        for word in english_words(literal_text(path.read_text(encoding="utf-8")), set()):
            found.setdefault(word, str(path.relative_to(TEMPLATES)))
    assert found == {}, listed(found)


def test_the_korean_catalogue_itself_uses_no_english_words():
    """A translation can smuggle English in ("the inbox folder"); only names and units pass."""
    from tests.test_translations import LOCALE, po_entries

    # Names a person types or sees as they are: the drop folder's subfolders, the JSON keys
    # and HTTP header an API error points to, file formats.
    literal = {
        "inbox",
        "outbox",
        "fields",
        "data",
        "Authorization",
        "ASCII",
        "BOM",
        "pickle",
        "zip",
    }
    found = {}
    for entry in po_entries(LOCALE / "django.po"):
        for text in entry["msgstr"].values():
            text = re.sub(r"%\(\w+\)[-+ #0-9.]*[sdfg]|%%|\{\w*\}|<[^>]+>", " ", text)
            for word in english_words(text, literal):
                found.setdefault(word, entry["msgid"][:60])
    assert found == {}, listed(found)
