"""The printable minutes: an A4 portrait PDF whose text is Vietnamese, with every part of the form."""

import io
import time

import pytest
from pypdf import PdfReader

from corrections import services
from corrections.pdf import minutes_html, minutes_pdf
from tests.corrections.conftest import approved

pytestmark = pytest.mark.django_db


def _signed(book):
    correction = approved(book, [(0, "regular_1", "9"), (1, "regular_1", "8")])
    services.correction_confirm(actor=book.teacher, correction=correction)
    correction = services.correction_confirm(actor=book.admin, correction=correction)
    for who, role in ((book.teacher, "teacher"), (book.admin, "admin"), (book.principal, "principal")):
        correction = services.correction_sign(actor=who, correction=correction, sign_as=role)
    return correction


def test_the_minutes_pdf_is_a4_portrait_with_vietnamese_text(book):
    correction = _signed(book)
    started = time.perf_counter()
    data = minutes_pdf(correction)
    elapsed = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait in points
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())  # lines wrap in table cells
    for expected in (
        "BIÊN BẢN SỬA CHỮA ĐIỂM, SỬA CHỮA MỨC ĐÁNH GIÁ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập – Tự do – Hạnh phúc",
        "Số: 01/BB-SĐ",
        "Trường THCS Thử Nghiệm".upper(),
        book.enrolments[0].student.full_name,
        "ĐĐGtx 1",
        "7,0",
        "9,0",
        "Nhập sai: Nhập nhầm so với sổ cá nhân",
        "Minh chứng lưu kèm biên bản",
        "so-ca-nhan.pdf",
        "HIỆU TRƯỞNG",
        "CÁN BỘ QUẢN TRỊ HỆ THỐNG",
        "GIÁO VIÊN ĐỀ NGHỊ",
        "Đã kí trên phần mềm",
        "đến khi học sinh ra trường",
    ):
        assert expected in text, expected
    fonts = {
        str(font["/BaseFont"])
        for p in reader.pages
        for font in p["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    assert any("DejaVu" in name for name in fonts), fonts
    assert elapsed < 5, f"rendering took {elapsed:.2f} s"


def test_a_draft_prints_with_blank_decision_and_no_signature(book):
    from tests.corrections.conftest import draft

    correction = draft(book)
    html = minutes_html(correction)
    assert "……/BB-SĐ" in html and "Đã kí trên phần mềm" not in html
    text = PdfReader(io.BytesIO(minutes_pdf(correction))).pages[0].extract_text()
    assert "Bản nháp" in text


def test_teacher_comments_are_escaped_in_the_print(book):
    from tests.corrections.conftest import draft

    correction = draft(book, [(0, "regular_1", "9")])
    line = correction.lines.get()
    line.reason_text = "<img src=file:///etc/passwd>"
    line.save()
    html = minutes_html(correction)
    assert "<img" not in html and "&lt;img" in html
    assert minutes_pdf(correction).startswith(b"%PDF")
