"""The printable minutes: an A4 portrait PDF for the paper archive (WeasyPrint). Renders only.

One or two pages of block layout and a short table: it renders in well under a second, so it is
produced in the request (the long class books go through Celery in the printing app). The fetcher
refuses every URL: the document uses no image, stylesheet or font from outside (the system's
DejaVu fonts cover Vietnamese, performance-and-reliability.md §1.4).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation

from .models import Correction
from .selectors import minutes_view


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"external resource refused: {url[:80]}")


def minutes_html(correction: Correction) -> str:
    view = minutes_view(correction, with_current=False)
    school = correction.school_year.school
    with translation.override("vi"):
        return render_to_string(
            "corrections/minutes_pdf.html",
            {"view": view, "c": correction, "school": school, "district": school.district},
        )


def minutes_pdf(correction: Correction) -> bytes:
    from weasyprint import HTML

    html = minutes_html(correction)
    return HTML(string=html, url_fetcher=_no_fetch, base_url="/").write_pdf()
