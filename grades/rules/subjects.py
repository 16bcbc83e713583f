"""Subject codes used by the engine and their Vietnamese names.

The codes are the product's subject codes (the JSON contract uses ``toan``, ``van``, ``anh``,
``gdtc``). Periods per year are school/programme data (R22-SUB-3) and are not kept here.
A subject whose code is not listed is a scored subject (R22-SUB-2, R58-SUB-3) named by its code.
"""

from __future__ import annotations

__all__ = ["SUBJECT_NAMES", "subject_name"]

SUBJECT_NAMES: dict[str, str] = {
    # THCS, CT GDPT 2018 (TT22)
    "van": "Ngữ văn",
    "toan": "Toán",
    "anh": "Ngoại ngữ",
    "gdcd": "Giáo dục công dân",
    "lsdl": "Lịch sử và Địa lí",
    "khtn": "Khoa học tự nhiên",
    "cong_nghe": "Công nghệ",
    "tin": "Tin học",
    "gdtc": "Giáo dục thể chất",
    "nghe_thuat": "Nghệ thuật",
    "am_nhac": "Âm nhạc",
    "mi_thuat": "Mĩ thuật",
    "hdtn": "Hoạt động trải nghiệm, hướng nghiệp",
    "gddp": "Nội dung giáo dục của địa phương",
    "tieng_dan_toc": "Tiếng dân tộc thiểu số",
    "ngoai_ngu_2": "Ngoại ngữ 2",
    # THPT (TT22) and the old programme (TT58)
    "lich_su": "Lịch sử",
    "dia_li": "Địa lí",
    "gdqpan": "Giáo dục quốc phòng và an ninh",
    "gdktpl": "Giáo dục kinh tế và pháp luật",
    "vat_li": "Vật lí",
    "hoa_hoc": "Hóa học",
    "sinh_hoc": "Sinh học",
    "the_duc": "Thể dục",
}


def subject_name(code: str, name: str | None = None) -> str:
    """The Vietnamese name used in reasons ("môn Toán")."""
    return name or SUBJECT_NAMES.get(code, code)
