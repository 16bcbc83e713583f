"""Vietnamese name order: given name, then middle name, then family name, with Vietnamese collation."""

from types import SimpleNamespace

import pytest

from schools.sorting import name_sort_key, vietnamese_sorted


def people(*names):
    out = []
    for full in names:
        parts = full.split()
        out.append(SimpleNamespace(family_name=" ".join(parts[:-1]), given_name=parts[-1], full=full))
    return out


def order(*names):
    return [p.full for p in vietnamese_sorted(people(*names))]


def test_given_name_comes_first():
    assert order("Trần Văn Bình", "Nguyễn Thị An") == ["Nguyễn Thị An", "Trần Văn Bình"]


def test_then_middle_name_then_family_name():
    assert order("Nguyễn Văn An", "Trần Thị An", "Lê Thị An") == ["Lê Thị An", "Trần Thị An", "Nguyễn Văn An"]


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("An", "Ăn"),
        ("Ăn", "Ân"),
        ("Ân", "Bình"),
        ("Dung", "Đức"),
        ("Đức", "Em"),
        ("Em", "Êm"),
        ("Ong", "Ông"),
        ("Ông", "Ơn"),
        ("Ơn", "Phương"),
        ("Uyên", "Ước"),
        ("Ước", "Vân"),
        ("Chi", "Cường"),
        ("Nguyệt", "Nhung"),
        ("Hà", "Hải"),
        ("Hoa", "Hòa"),
    ],
)
def test_vietnamese_alphabet(earlier, later):
    assert order(f"Lê {later}", f"Lê {earlier}") == [f"Lê {earlier}", f"Lê {later}"]


def test_tones_order_level_grave_hook_tilde_acute_dot():
    names = ["Lê Mạ", "Lê Má", "Lê Mã", "Lê Mả", "Lê Mà", "Lê Ma"]
    assert order(*names) == ["Lê Ma", "Lê Mà", "Lê Mả", "Lê Mã", "Lê Má", "Lê Mạ"]


def test_letters_before_tones():
    # "Ánh" < "Anh"? No: letters decide first (a-n-h equal), then the tone: level before acute.
    assert order("Lê Ánh", "Lê Anh") == ["Lê Anh", "Lê Ánh"]
    # A toned letter never jumps past a later base letter.
    assert order("Lê Ba", "Lê Ạt") == ["Lê Ạt", "Lê Ba"]


def test_case_and_composition_do_not_matter():
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Đặng Thị Ánh")
    assert name_sort_key("Đặng Thị", "Ánh") == name_sort_key(decomposed.rsplit(" ", 1)[0], decomposed.split()[-1])
    assert name_sort_key("nguyễn văn", "an") == name_sort_key("Nguyễn Văn", "An")


def test_a_real_class_list():
    names = [
        "Nguyễn Thị Ánh Tuyết",
        "Phạm Minh Đức",
        "Lê Văn Dũng",
        "Trần Ngọc Anh",
        "Hoàng Thị Anh",
        "Vũ Gia Bảo",
        "Đỗ Thị Ước",
    ]
    assert order(*names) == [
        "Trần Ngọc Anh",
        "Hoàng Thị Anh",
        "Vũ Gia Bảo",
        "Lê Văn Dũng",
        "Phạm Minh Đức",
        "Nguyễn Thị Ánh Tuyết",
        "Đỗ Thị Ước",
    ]
