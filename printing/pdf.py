"""Lay a book out as PDF with WeasyPrint. Renders only: the data come from ``printing.books``.

How the cost is kept down (performance-and-reliability.md §1): fixed-layout tables with explicit
column widths, one small stylesheet, no CSS framework, one rule matching every cell and none
matching per cell beyond it (a name or a note by class; a heavier rule every fifth row and the
struck-through name of a leaver sit on the row or in an <s>), no clipping, the cover and signature
blocks in block layout, and no resource fetched from anywhere (the fetcher refuses every URL; the
fonts come from fontconfig). The book is one document: laying it out as separate small documents
was measured about a tenth slower. The job's progress comes from WeasyPrint's own progress log
(one record per page laid out), so the bar moves page by page.

Each page keeps a clear zone on its outer edge (right on a recto, left on a verso) for the seal
stamped across the pages (giáp lai); the cover is page 1 and carries no number; the closing page
prints the page total from a margin box, the only place the total is known.

Only DejaVu covers Vietnamese among the installed fonts, and WeasyPrint drops a missing letter
silently: every text uses "DejaVu Serif Condensed" (falling back to "DejaVu Serif"); WeasyPrint
embeds the subset it uses.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .books import ROMAN, ClassBook, StudentRow, TeacherBook

Progress = Callable[[float, str], None]

# WeasyPrint reports each step and each page laid out on this logger at INFO. The records go to the
# handler a rendering attaches (its progress bar), never to the console.
PROGRESS_LOGGER = logging.getLogger("weasyprint.progress")
PROGRESS_LOGGER.setLevel(logging.INFO)
PROGRESS_LOGGER.propagate = False


@dataclass(frozen=True)
class Geometry:
    size: str
    outer: str  # the seal zone on the outer edge
    inner: str
    font_size: str
    row_max: float  # mm: the tallest row
    row_budget: float  # mm of a page's height the student rows may take (the rest: titles, signatures)
    width_mm: float  # usable width of a page

    @property
    def list_rows(self) -> int:
        """The pre-ruled rows of a list (§10.1: the paper book's lists have a fixed number of rows;
        the TT22 form gives none, so: the rows the page holds at the tallest row height, in whole
        blocks of five — A3 40, A4 35). A shorter class list is filled up with empty, ruled rows."""
        return int(self.row_budget / self.row_max) // 5 * 5

    def rows_for(self, students: int) -> int:
        """The rows of every list of a class: the page's rows, or the class's in whole blocks of five."""
        return max(self.list_rows, -(-students // 5) * 5)

    def row_height(self, rows: int) -> str:
        """Rows as tall as the page allows for the class, so that a list stays on one page."""
        return f"{min(self.row_max, max(3.4, self.row_budget / max(rows, 1))):.2f}mm"


A3 = Geometry("A3 landscape", outer="26mm", inner="14mm", font_size="9pt", row_max=4.8, row_budget=196, width_mm=378)
A4 = Geometry("A4 portrait", outer="16mm", inner="12mm", font_size="8pt", row_max=5.6, row_budget=220, width_mm=180)


@dataclass
class Section:
    """One part of the book: a template and its context, and the pages it is expected to take
    (for the progress bar only)."""

    template: str
    context: dict
    pages: int = 1
    label: str = ""


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


def _refuse(url: str, *args: Any, **kwargs: Any):
    # Nothing is ever fetched: no image, font, stylesheet or file (WeasyPrint security notes).
    raise ValueError(f"refused: {url[:80]}")


class _PageProgress(logging.Handler):
    """Turns WeasyPrint's "Creating layout - Page n" records of this thread into progress."""

    def __init__(self, progress: Progress, expected_pages: int):
        super().__init__(logging.INFO)
        self.progress = progress
        self.expected = max(expected_pages, 1)
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread:
            return  # another rendering in another thread of the same process
        message = record.getMessage()
        if message.startswith("Step 5 - Creating layout - Page "):
            page = int(message.rsplit(" ", 1)[1])
            # Layout is about five sixths of the time; writing the PDF is the rest.
            self.progress(0.02 + 0.8 * min(1.0, page / self.expected), f"Dàn trang {page}")
        elif message.startswith("Step 6"):
            self.progress(0.84, "Ghi tệp PDF")


def render(
    sections: Sequence[Section],
    g: Geometry,
    *,
    title: str,
    footer: str,
    rows: int = 45,
    progress: Progress | None = None,
) -> Rendered:
    """Render the sections into one HTML document and lay it out as one PDF."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override("vi"):
        css = render_to_string(
            "printing/pdf/book.css",
            {
                "size": g.size,
                "outer": g.outer,
                "inner": g.inner,
                "font_size": g.font_size,
                "row_height": g.row_height(rows),
                "footer": footer.replace('"', ""),
            },
        )
        body = "".join(render_to_string(s.template, s.context) for s in sections)
        html = render_to_string("printing/pdf/_doc.html", {"title": title, "body": mark_safe(body)})  # noqa: S308
    font_config = FontConfiguration()
    handler = _PageProgress(progress, sum(s.pages for s in sections)) if progress is not None else None
    if handler is not None:
        PROGRESS_LOGGER.addHandler(handler)
    try:
        document = HTML(string=html, url_fetcher=_refuse, base_url="about:blank").render(
            stylesheets=[CSS(string=css, font_config=font_config)], font_config=font_config
        )
        pdf = document.write_pdf()
    finally:
        if handler is not None:
            PROGRESS_LOGGER.removeHandler(handler)
    return Rendered(pdf=pdf, pages=len(document.pages))


# --- the class book (A3) ------------------------------------------------------------------------


def _lines(students: Sequence[StudentRow]) -> list[tuple[StudentRow, str]]:
    """Each student with the class of the row: "x" struck through (left the class), "v" heavier
    rule under every fifth row (§10.1)."""
    return [(s, " ".join(c for c in ("x" if s.left else "", "v" if s.number % 5 == 0 else "") if c)) for s in students]


class Blank:
    """The empty, ruled rows after a class list, up to the list's pre-ruled rows (§10.1), so the
    page looks like the form's and nothing is added to it by hand without a correction. One string
    per table width, built once: a blank row costs the layout its cells, never a template loop."""

    def __init__(self, students: int, rows: int):
        self.first = students + 1
        self.count = max(0, rows - students)
        self._html: dict[int, SafeString] = {}

    def __call__(self, columns: int) -> SafeString:
        if columns not in self._html:
            cells = "<td></td>" * columns
            self._html[columns] = mark_safe(  # noqa: S308 - fixed markup, no data
                "".join(
                    f'<tr class="{"v" if n % 5 == 0 else ""}">{cells}</tr>'
                    for n in range(self.first, self.first + self.count)
                )
            )
        return self._html[columns]


def _mm(value: float) -> str:
    """A length for the stylesheet: always a decimal point, whatever the active locale."""
    return f"{value:.1f}"


def class_book_sections(book: ClassBook, *, printed_on: date, fingerprint: str, audit_head: str = "") -> list[Section]:
    """The book in the order of the ministry's form (§10.2)."""
    lines = _lines(book.students)
    blank = Blank(len(book.students), A3.rows_for(len(book.students)))
    base = {
        "book": book,
        "printed_on": printed_on.strftime("%d/%m/%Y"),
    }
    # The cover section starts the book (page 1, a recto), so the profile's "break-before: left"
    # puts its first page on a verso, facing the second.
    profile = {"lines": lines, "blank_left": blank(9), "blank_right": blank(5)}
    sections = [Section("printing/pdf/cover.html", {**base, **profile}, pages=5, label="Bìa, sơ yếu lí lịch")]
    months = [
        {
            **month.__dict__,
            "lines": [
                (s, cls, codes, total) for (s, cls), codes, total in zip(lines, month.rows, month.totals, strict=True)
            ],
            "blank": blank(3 + len(month.days) + 3),
        }
        for month in book.months
    ]
    sections.append(
        Section("printing/pdf/attendance.html", {**base, "months": months}, pages=len(months), label="Chuyên cần")
    )
    width_left = A3.width_mm - 8 - 44 - 17  # after STT, family and given name
    for part in book.parts:
        roman = ROMAN[part.term]
        pages = []
        for page in part.pages:
            count = len(page.columns)
            width = _mm(min(22.0, (width_left - 70) / max(count, 1)))  # 70 mm left for Ghi chú
            pages.append(
                {
                    **page.__dict__,
                    "roman": roman,
                    "width": width,
                    "teacher_names": ", ".join(page.teachers),
                    "lines": [
                        (s, cls, marks, note)
                        for (s, cls), marks, note in zip(lines, page.rows, page.notes, strict=True)
                    ],
                    "blank": blank(3 + count + 1),
                }
            )
        context = {**base, "pages": pages, "divider": True, "part": part, "roman": roman}
        sections.append(Section("printing/pdf/subject.html", context, pages=len(pages) + 1, label=f"Học kì {roman}"))
        sections.append(
            Section(
                "printing/pdf/summary.html",
                _summary_context(base, lines, blank, part.summary, roman, width_left),
                label="Tổng hợp học kì",
            )
        )
    if book.year_summary is not None and book.classification is not None:
        c = book.classification
        context = _summary_context(base, lines, blank, book.year_summary, "", width_left)
        context.update(
            {
                "c": c,
                "classification_lines": [(s, cls, r) for (s, cls), r in zip(lines, c.rows, strict=True)],
                "classification_blank": blank(12),
            }
        )
        sections.append(Section("printing/pdf/year.html", context, pages=2, label="Tổng hợp, xếp loại cả năm"))
    closing = {**base, "months": book.months, "short_fingerprint": fingerprint[:12], "audit_head": audit_head}
    sections.append(Section("printing/pdf/closing.html", closing, pages=2, label="Phê duyệt"))
    return sections


def _summary_context(base: dict, lines, blank: Blank, summary, roman: str, width_left: float) -> dict:
    count = len(summary.subjects)
    width = _mm(min(22.0, (width_left - 17 - 17 - 13 - 40) / max(count, 1)))
    return {
        **base,
        "summary": summary,
        "roman": roman,
        "width": width,
        "lines": [(s, cls, row) for (s, cls), row in zip(lines, summary.rows, strict=True)],
        "blank": blank(3 + count + 4),
    }


def class_book_pdf(
    book: ClassBook,
    *,
    printed_on: date,
    fingerprint: str,
    progress: Progress | None = None,
    audit_head: str = "",
) -> Rendered:
    """``audit_head``: the audit chain's head (``schools.audit.head_text``), printed on the last page
    so that a later edit of the history no longer matches the paper (goal G6)."""
    sections = class_book_sections(book, printed_on=printed_on, fingerprint=fingerprint, audit_head=audit_head)
    footer = f"Lớp {book.class_name} – Năm học {book.year_name} – Trang "
    title = f"Sổ theo dõi và đánh giá học sinh lớp {book.class_name} năm học {book.year_name}"
    rows = A3.rows_for(len(book.students))
    return render(sections, A3, title=title, footer=footer, rows=rows, progress=progress)


# --- the teacher's book (A4) ----------------------------------------------------------------------


def teacher_book_pdf(
    book: TeacherBook, *, printed_on: date, progress: Progress | None = None, audit_head: str = ""
) -> Rendered:
    lines = [
        (s, cls, marks, comment)
        for (s, cls), marks, comment in zip(_lines(book.students), book.rows, book.comments, strict=True)
    ]
    rows = A4.rows_for(len(book.students))
    context = {
        "book": book,
        "lines": lines,
        "blank": Blank(len(book.students), rows)(4 + len(book.columns) + 1),
        "roman": ROMAN[book.term],
        "width": "10.5",
        "printed_on": printed_on.strftime("%d/%m/%Y"),
        "audit_head": audit_head,
    }
    footer = f"{book.teacher} – {book.subject} – Lớp {book.class_name} – Trang "
    sections = [Section("printing/pdf/teacher_book.html", context, pages=3, label=book.subject)]
    title = f"Sổ theo dõi và đánh giá học sinh của giáo viên {book.teacher}"
    return render(sections, A4, title=title, footer=footer, rows=rows, progress=progress)


def probe_pdf(text: str) -> bytes:
    """A one-line document in the books' fonts and stylesheet (the glyph test of §1.4)."""
    return render([Section("printing/pdf/probe.html", {"text": text})], A4, title=text, footer="Trang ").pdf
