"""Vietnamese name order: by given name, then middle name, then family name (the order of every
class list, printed book and export), with Vietnamese collation: a ă â b c d đ e ê g h i k l m n
o ô ơ p q r s t u ư v x y, and the tones ordered ngang, huyền, hỏi, ngã, sắc, nặng.

One helper, used by every list, print and export, so the same student is on the same row everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")

_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
_VOWEL_MARKS = {"\u0306": "ă", "\u0302": "^", "\u031b": "+"}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
# Tone order of Vietnamese dictionaries: level, grave, hook, tilde, acute, dot below.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Primary (letters) and secondary (tones) keys of one word."""
    primary: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
            continue
        if char in _VOWEL_MARKS and primary:
            base = _ALPHABET[primary[-1]] if primary[-1] >= 0 else ""
            mark = _VOWEL_MARKS[char]
            if mark == "ă" and base == "a":
                primary[-1] = _LETTER_RANK["ă"]
            elif mark == "^" and base in _CIRCUMFLEX:
                primary[-1] = _LETTER_RANK[_CIRCUMFLEX[base]]
            elif mark == "+" and base in _HORN:
                primary[-1] = _LETTER_RANK[_HORN[base]]
            continue
        if unicodedata.combining(char):
            continue
        rank = _LETTER_RANK.get(char)
        # Letters outside the Vietnamese alphabet (f, j, w, z, digits) sort after it, by code point.
        primary.append(rank if rank is not None else len(_ALPHABET) + ord(char))
        tones.append(0)
    return tuple(primary), tuple(tones)


def _word_key(text: str) -> tuple:
    words = text.split()
    return tuple(_letters(word) for word in words)


def name_sort_key(family_name: str, given_name: str) -> tuple:
    """Sort key of a student: given name, then middle name(s), then family name.

    ``family_name`` holds the family and middle names together, as on the register ("Nguyễn Thị").
    """
    parts = family_name.split()
    family = parts[0] if parts else ""
    middle = " ".join(parts[1:])
    given = _word_key(given_name)
    return (
        tuple(p for p, _t in given),
        _word_key_primary(middle),
        _word_key_primary(family),
        tuple(t for _p, t in given),
        _word_key(middle),
        _word_key(family),
    )


def _word_key_primary(text: str) -> tuple:
    return tuple(p for p, _t in _word_key(text))


def vietnamese_sorted(
    items: Iterable[T],
    family: Callable[[T], str] = lambda s: s.family_name,  # type: ignore[attr-defined]
    given: Callable[[T], str] = lambda s: s.given_name,  # type: ignore[attr-defined]
) -> list[T]:
    """Items (students, enrolments via accessors) in Vietnamese name order; stable for equal names."""
    return sorted(items, key=lambda item: name_sort_key(family(item), given(item)))


def text_sort_key(text: str) -> tuple:
    """Vietnamese collation of a plain text (a class or subject name)."""
    key = _word_key(text)
    return (tuple(p for p, _t in key), tuple(t for _p, t in key))
