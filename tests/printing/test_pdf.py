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


def _words(data: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """The words of one page (1-based) with their boxes in points, y downwards (pdftotext -bbox)."""
    out = subprocess.run(  # noqa: S603
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],  # noqa: S607
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in re.findall(pattern, out)]


def _page_of(data: bytes, needle: str) -> int:
    return next(i for i, t in enumerate(_pages(data), start=1) if needle in _flat(t))


def _above_right(data: bytes, page: int, old: str, new: str) -> bool:
    """Whether the (only) word ``new`` on the page sits above and right of an ``old`` just left of it."""
    words = _words(data, page)
    (fixed,) = [w for w in words if w[0] == new]
    left = [w for w in words if w[0] == old and 0 <= fixed[1] - w[3] < 4 and abs(fixed[2] - w[2]) < 6]
    return len(left) == 1 and fixed[1] >= left[0][3] and fixed[4] < left[0][4] - 1 and fixed[2] < left[0][2] - 1


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
    _world, book, rendered = year_book
    page = next(_flat(t) for t in _pages(rendered.pdf) if "HỌC KÌ I – MÔN MÔN 0 " in t)
    # The old value struck through in red, the new one written above it on the right (P-COR-6, §10.1).
    assert "8,0" in page and "9,0" in page
    assert _above_right(rendered.pdf, _page_of(rendered.pdf, "HỌC KÌ I – MÔN MÔN 0 "), "8,0", "9,0")
    sections = pdf.class_book_sections(book, printed_on=date(2027, 6, 1), fingerprint="x")
    section = next(s for s in sections if s.template.endswith("subject.html") and s.context["roman"] == "I")
    assert "<td><s>8,0</s><sup>9,0</sup></td>" in render_to_string(section.template, section.context)
    css = render_to_string("printing/pdf/book.css", {"size": "A3", "font_size": "9pt", "row_height": "4mm"})
    assert re.search(r"^sup \{ color: #c00;[^}]*position: relative; top: -", css, re.M)
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
    school = print_world.school
    school.commune, school.province = "Phường Lê Chân", "Thành phố Hải Phòng"
    school.save()
    cs = ClassSubject.objects.get(class_group=print_world.class_group, subject__code="mon0")
    book = teacher_book(TeachingAssignment.objects.get(class_subject=cs), print_world.term(1), filled=True)
    rendered = pdf.teacher_book_pdf(book, printed_on=date(2026, 12, 1))
    assert _size(rendered.pdf) == A4_PORTRAIT
    text = _flat(" ".join(_pages(rendered.pdf)))
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in text and "(Của giáo viên)" in text
    assert "LỚP 6A – MÔN MÔN 0 – HỌC KÌ I" in text
    assert "Nhận xét sự tiến bộ, ưu điểm nổi bật, hạn chế chủ yếu" in text
    assert TUYET in text
    assert _above_right(rendered.pdf, _page_of(rendered.pdf, "LỚP 6A – MÔN MÔN 0"), "8,0", "9,0")
    # The cover names the school's commune and province (§10.4).
    assert "Xã/Phường: Phường Lê Chân" in text and "Tỉnh/Thành phố: Thành phố Hải Phòng" in text


def test_the_cover_prints_the_place_of_the_school(print_world):
    school = print_world.school
    school.commune, school.county, school.province = "Phường Lê Chân", "Quận Lê Chân", "Thành phố Hải Phòng"
    school.save()
    book = class_book(print_world.class_group, print_world.term(1))
    rendered = pdf.class_book_pdf(book, printed_on=date(2026, 12, 1), fingerprint=book.fingerprint())
    cover = _flat(_pages(rendered.pdf)[0])
    assert "Trường: Trường THCS" in cover
    assert "Xã/Phường: Phường Lê Chân Tỉnh/Thành phố: Thành phố Hải Phòng Lớp: 6A" in cover
    assert "Huyện/Quận" not in cover  # a 2026-2027 book: no district level since the 2025 reform


def test_short_lists_are_filled_with_ruled_blank_rows_to_the_page(small_world):
    # A3 holds 40 rows at the tallest row height: a class of two gets 38 empty rows on every list,
    # with the heavier rule under every fifth row (§10.1); a list of 41-45 is ruled to 45.
    assert (pdf.A3.list_rows, pdf.A4.list_rows) == (40, 35)
    assert [pdf.A3.rows_for(n) for n in (2, 40, 41, 45, 47)] == [40, 40, 45, 45, 50]
    book = class_book(small_world.class_group, small_world.term(2))
    sections = pdf.class_book_sections(book, printed_on=date(2027, 6, 1), fingerprint="x")
    lists = 0
    for section in sections:
        html = render_to_string(section.template, section.context)
        for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S):
            rows = re.findall(r"<tr[ >].*?</tr>", body, re.S)
            if len(rows) < 10:
                continue  # the inner cover's list of subjects, the principal's monthly comments
            lists += 1
            assert len(rows) == 40, section.template
            blank = rows[2:]
            assert all(re.fullmatch(r'<tr class="v?">(<td></td>)+</tr>', r) for r in blank), section.template
            # Blank rows have the students' columns, so the ruling runs on.
            assert {r.count("<td") for r in blank} == {rows[0].count("<td")}, section.template
            assert [i for i, r in enumerate(rows, start=1) if 'class="v"' in r] == [5, 10, 15, 20, 25, 30, 35, 40]
    # Profile (2), attendance (9 months), subject pages (2 subjects x 2 terms), summaries (3), classification.
    assert lists == 2 + 9 + 4 + 3 + 1
    rendered = pdf.class_book_pdf(book, printed_on=date(2027, 6, 1), fingerprint="x")
    texts = [_flat(t) for t in _pages(rendered.pdf)]
    # Each list still fits its page: no list runs over onto a page without its title.
    heads = ("SỞ", "HƯỚNG", "TRƯỜNG", "SƠ", "THEO", "PHẦN", "HỌC", "TỔNG", "XẾP", "NHẬN", "Sổ theo dõi và đánh giá")
    assert [t[:40] for t in texts if not t.startswith(heads)] == []
