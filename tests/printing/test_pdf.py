"""The printed class book and teacher's book as PDF: page size, text of every part, fonts.

The text is read back with pypdf (and pdftotext for the glyph test): what the office will see on
paper, not the HTML that produced it.
"""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from printing import pdf
from printing.books import class_book, teacher_book
from schools.models import ClassSubject, TeachingAssignment
from tests.printing.conftest import TUYET

A3_LANDSCAPE = (1190.55, 841.89)  # points
A4_PORTRAIT = (595.28, 841.89)
PROBE = "Nguyễn Thị Ánh Tuyết – Đạt – Ưu tú"


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _size(data: bytes, index: int = 0) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(data)).pages[index].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def year_book(print_world):
    book = class_book(print_world.class_group, print_world.term(2))
    rendered = pdf.class_book_pdf(book, printed_on=date(2027, 6, 1), fingerprint=book.fingerprint())
    return print_world, book, rendered


def test_the_year_book_is_a3_landscape_with_every_part(year_book):
    _world, book, rendered = year_book
    pages = _pages(rendered.pdf)
    assert rendered.pages == len(pages)
    assert {_size(rendered.pdf, i) for i in range(len(pages))} == {A3_LANDSCAPE}
    text = [_flat(t) for t in pages]
    # Cover (§10.2 item 1), instructions, inner cover.
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in text[0] and "CẤP TRUNG HỌC CƠ SỞ" in text[0]
    assert "NĂM HỌC 2026-2027" in text[0] and "Lớp: 6A" in text[0]
    assert "HƯỚNG DẪN SỬ DỤNG" in text[1]
    # The profile spread opens on a verso (an even page) and faces its second half.
    profile = next(i for i, t in enumerate(text) if "SƠ YẾU LÍ LỊCH HỌC SINH – LỚP 6A" in t)
    assert (profile + 1) % 2 == 0 and "SƠ YẾU LÍ LỊCH HỌC SINH (tiếp theo)" in text[profile + 1]
    # One attendance page per month of the year.
    assert sum("THEO DÕI CHUYÊN CẦN – THÁNG" in t for t in text) == len(book.months) == 9
    # Every subject has its page in each term, with its signature block.
    for term in ("I", "II"):
        assert any(f"PHẦN GHI ĐIỂM HỌC KÌ {term}" in t for t in text)
        for subject in ["GIÁO DỤC THỂ CHẤT"] + [f"MÔN {i}" for i in range(6)]:
            page = next(t for t in text if f"HỌC KÌ {term} – MÔN {subject} " in t)
            assert "Giáo viên môn học" in page and "Xác nhận của giáo viên chủ nhiệm" in page
    term2 = next(t for t in text if "HỌC KÌ II – MÔN MÔN 0 " in t)
    assert "ĐTBmcn" in term2 and "Điểm đánh giá lại" in term2
    # Summaries: both terms, the year, the classification; not approved, and said so.
    for title in ("TỔNG HỢP KẾT QUẢ HỌC KÌ I", "TỔNG HỢP KẾT QUẢ HỌC KÌ II", "TỔNG HỢP KẾT QUẢ CẢ NĂM HỌC"):
        page = next(t for t in text if title in t)
        assert "chưa được phê duyệt" in page
    classification = next(t for t in text if "XẾP LOẠI CẢ NĂM HỌC" in t)
    assert "Tổng hợp chung" in classification and "Hiệu trưởng" in classification
    # The principal's approval page closes the book and counts its pages.
    assert "PHÊ DUYỆT CỦA HIỆU TRƯỞNG" in text[-1]
    assert f"có {rendered.pages} trang" in text[-1] and "Hiệu trưởng duyệt" in text[-1]
    # Page numbers run on; the cover has none.
    assert "Trang" not in text[0]
    assert text[-1].rstrip().endswith(f"Trang {rendered.pages}")


def test_signature_blocks_name_the_teachers(year_book):
    world, _book, rendered = year_book
    text = [_flat(t) for t in _pages(rendered.pdf)]
    cs = ClassSubject.objects.get(class_group=world.class_group, subject__code="mon3")
    teacher = world.teachers[cs.pk].full_name
    page = next(t for t in text if "HỌC KÌ I – MÔN MÔN 3 " in t)
    assert teacher in page and world.users["homeroom"].full_name in page


def test_the_transferred_student_is_struck_through_with_the_date(year_book):
    world, book, rendered = year_book
    text = _flat(" ".join(_pages(rendered.pdf)))
    assert "Chuyển đi ngày 16/11/2026 (Trường THCS Ngô Quyền)" in text
    # The struck-through name: <s> (line-through) in red, on every list of the book.
    sections = pdf.class_book_sections(book, printed_on=date(2027, 6, 1), fingerprint="x")
    leaver = world.leaver.student
    for template in ("cover.html", "attendance.html", "subject.html", "summary.html", "year.html"):
        section = next(s for s in sections if s.template.endswith(template))
        context = section.context(4) if callable(section.context) else section.context
        html = render_to_string(section.template, context)
        assert f'<td class="n"><s>{leaver.family_name}' in html, template
        assert html.count("<s>") >= 1
    css = render_to_string("printing/pdf/book.css", {"size": "A3", "font_size": "9pt", "row_height": "4mm"})
    assert "s { color: #c00; }" in css


def test_a_corrected_value_shows_old_and_new_and_the_minutes(year_book):
    _world, _book, rendered = year_book
    page = next(_flat(t) for t in _pages(rendered.pdf) if "HỌC KÌ I – MÔN MÔN 0 " in t)
    assert "8,0 9,0" in page
    assert "ĐĐGtx 1: BB số 01" in page
    assert "Trong trang này có 1 điểm được sửa chữa, trong đó môn Môn 0: 1 điểm" in page


def test_the_fixture_student_reads_back_with_her_labels(year_book):
    _world, _book, rendered = year_book
    text = [_flat(t) for t in _pages(rendered.pdf)]
    profile = next(t for t in text if "SƠ YẾU LÍ LỊCH HỌC SINH (tiếp theo)" in t)
    assert TUYET in profile and "Ưu tú" in profile
    summary = next(t for t in text if "TỔNG HỢP KẾT QUẢ CẢ NĂM HỌC" in t)
    assert re.search(r"Nguyễn Thị Ánh Tuyết Đ( 5,5){6} Đạt", summary)


def test_vietnamese_glyphs_round_trip_with_an_embedded_font(tmp_path):
    path = tmp_path / "probe.pdf"
    path.write_bytes(pdf.probe_pdf(PROBE))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    assert PROBE in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all("DejaVu" in row[0] for row in rows)
    assert all(row[-5] == "yes" for row in rows)  # emb


def test_the_teacher_book_is_a4_portrait(print_world):
    cs = ClassSubject.objects.get(class_group=print_world.class_group, subject__code="mon0")
    book = teacher_book(TeachingAssignment.objects.get(class_subject=cs), print_world.term(1), filled=True)
    rendered = pdf.teacher_book_pdf(book, printed_on=date(2026, 12, 1))
    assert _size(rendered.pdf) == A4_PORTRAIT
    text = _flat(" ".join(_pages(rendered.pdf)))
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in text and "(Của giáo viên)" in text
    assert "LỚP 6A – MÔN MÔN 0 – HỌC KÌ I" in text
    assert "Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu" in text
    assert TUYET in text and "8,0 9,0" in text
