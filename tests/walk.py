"""A person's walk through the portal in a browser test, and the estimate of their time it
gives: the browser types and clicks far faster than a person, so the walk counts what the
person had to do (characters typed, fields decided, pages read) and prices each at a person's
pace, plus the machine's waits measured as they happen. Figures go to var/walk/<name>.json."""

import json
import time
from pathlib import Path

from django.conf import settings

from tests.browser import shot

TYPING_DELAY_MS = 20  # the browser types fast; the estimate below uses a person's speed
PERSON_CHARS_PER_SECOND = 200 / 60
PERSON_SECONDS_PER_FIELD = 8  # a name, an e-mail address, a choice from a short list
PERSON_SECONDS_PER_QUESTION = 15  # a diagnosis question: read it and its six statements
PERSON_SECONDS_PER_PAGE = 20
TARGET_MINUTES = 30


class Walk:
    """A person's walk through the portal: what they typed, chose and read, and how long the
    machine made them wait."""

    def __init__(self, page, name):
        self.page, self.name = page, name
        self.started = time.monotonic()
        self.chars = self.fields = self.questions = 0
        self.pages = []
        self.waited = 0.0

    def arrive(self, title):
        self.pages.append(title)
        shot(self.page, f"walk-{self.name}-{len(self.pages):02d}-{title}")

    def type(self, selector, text):
        field = self.page.locator(selector)
        field.fill("")  # a person selects what is there and types over it
        field.press_sequentially(text, delay=TYPING_DELAY_MS)
        self.chars += len(text)
        self.fields += 1

    def choose(self, selector, value):
        self.page.select_option(selector, value)
        self.fields += 1

    def answer(self, locator):
        """Answer a diagnosis question by ticking one of its statements."""
        locator.check()
        self.questions += 1

    def tick(self, locator):
        locator.check()
        self.fields += 1

    def wait_for(self, locator, timeout_s):
        started = time.monotonic()
        locator.wait_for(timeout=timeout_s * 1000)
        self.waited += time.monotonic() - started

    def figures(self):
        person = (
            self.chars / PERSON_CHARS_PER_SECOND
            + self.fields * PERSON_SECONDS_PER_FIELD
            + self.questions * PERSON_SECONDS_PER_QUESTION
            + len(self.pages) * PERSON_SECONDS_PER_PAGE
        )
        return {
            "walk": self.name,
            "pages": len(self.pages),
            "fields": self.fields,
            "questions": self.questions,
            "characters_typed": self.chars,
            "browser_seconds": round(time.monotonic() - self.started, 1),
            "machine_wait_seconds": round(self.waited, 1),
            "person_active_minutes": round(person / 60, 1),
            "person_minutes_with_waits": round((person + self.waited) / 60, 1),
        }


def report(figures):
    out = Path(settings.BASE_DIR) / "var" / "walk"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{figures['walk']}.json").write_text(json.dumps(figures, indent=2))
    print(
        f"\n{figures['walk']}: {figures['pages']} pages, {figures['questions']} questions, "
        f"{figures['fields']} other fields, "
        f"{figures['characters_typed']} characters; a person: about "
        f"{figures['person_active_minutes']} minutes of work, "
        f"{figures['person_minutes_with_waits']} with the machine's waits "
        f"(browser {figures['browser_seconds']} s)"
    )
