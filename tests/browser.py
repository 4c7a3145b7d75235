"""Shared by the browser tests: where chromium is and where screenshots go."""

import os
from pathlib import Path

from django.conf import settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("ONESTOP_SCREENSHOTS", settings.BASE_DIR / "var" / "screenshots"))


def shot(page, name):
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
