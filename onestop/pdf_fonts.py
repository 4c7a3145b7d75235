"""The font every PDF OneStop draws uses: Korean text needs one with Hangul glyphs."""

from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont


@cache
def font_name():
    """Embed a Korean TrueType font when one is installed; else a standard CID font."""
    for path in settings.ONESTOP_PDF_FONTS:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("OneStopKorean", path))
            return "OneStopKorean"
    pdfmetrics.registerFont(UnicodeCIDFont("HYGothic-Medium"))
    return "HYGothic-Medium"
