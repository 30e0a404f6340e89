"""Guarantees of :mod:`mmrare_core.normalize`: offsets, idempotence, a whole-string twin.

The fast implementation works one cluster (a base character with its marks and invisible
characters) at a time and keeps an offset map; :func:`reference_normalize` below is the slow,
obviously-correct twin that processes the whole string at once and keeps no offsets.
Hypothesis holds the first to the second on text that mixes ASCII with the characters that
make normalization hard.
"""

from __future__ import annotations

import gzip
import json
import re
import string
import unicodedata
from functools import cache

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from .conftest import SHARED_DATA, require
from mmrare_core.normalize import Normalized, normalize, normalize_text

# --------------------------------------------------------------------------------------------
# The reference: the specification written as whole-string steps, with its own tables.

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02bc\u02b9\uff07"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02"
#: soft hyphen, zero-width space / non-joiner / joiner, word joiner, BOM, Mongolian separator
INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"

_TABLE = str.maketrans(
    {
        **dict.fromkeys(DASHES, "-"),
        **dict.fromkeys(SINGLE_QUOTES, "'"),
        **dict.fromkeys(DOUBLE_QUOTES, '"'),
        **dict.fromkeys(INVISIBLE, None),
        "\u0130": "i",  # İ -> i (DESIGN.md), not casefold's "i\u0307"
    }
)


def reference_normalize(text: str) -> str:
    """The whole string at once: NFC, table, NFKC, casefold, NFKC, table, white space.

    NFC comes first so that canonically equivalent inputs meet the table in one form
    (``I\u0307`` is ``İ``, GREEK OXIA is ``´``); the table comes before NFKC because NFKC
    would turn ``´`` into ``" \u0301"`` and ``″`` into ``′′``.
    """
    text = unicodedata.normalize("NFC", text).translate(_TABLE)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKC", text).translate(_TABLE)
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------------------------
# Strategies: ASCII mixed with the characters that make normalization hard.

TRICKY = (
    "İIıi\u0307ßẞﬁﬂﬀＡＢＣａ１"  # case folding, ligatures, full-width forms
    "eé\u0301\u0327\u0308\u0345αΣσςΐ"  # combining marks, Greek
    "\u00a0\u2009\u202f\u3000\t\n\r\x0b\x0c\x1c\x85\u2028  "  # white space
    + INVISIBLE
    + DASHES
    + SINGLE_QUOTES
    + DOUBLE_QUOTES
    + "`'\"-\u1fef\u1ffd\u00a8\u00af\u02d8"  # ASCII quotes, Greek accents, spacing diacritics
    "ｶﾞﾟカ\u3099가ㄱㅏㄳ\u1100\u1161\u11a8"  # kana voicing marks, Hangul jamo
    "½²Ω\u212a\ufdfa⑴"  # compatibility forms that grow or contain spaces
    "\ud800\udfff"  # lone surrogates
)
ALPHABET = st.one_of(
    st.sampled_from(TRICKY),
    st.sampled_from(string.ascii_letters + string.digits + " .,;:()/"),
    st.characters(),
)
texts = st.text(alphabet=ALPHABET, max_size=40)


def _is_attached(char: str) -> bool:
    """True for characters that belong to the preceding base (test-side definition)."""
    nfkc = unicodedata.normalize("NFKC", char) or " "
    return char in INVISIBLE or any(unicodedata.category(c)[0] == "M" for c in (char, nfkc[0]))


def _spans(n: Normalized) -> list[tuple[int, int]]:
    return [n.source_span(i, i + 1) for i in range(len(n.text))]


def _renormalizes(n: Normalized, a: int, b: int, s: int, e: int) -> bool:
    """``normalize(source[s:e])`` gives back ``n.text[a:b]``.

    One exception: output that starts with a space after a space (``¨`` is `` \u0308``)
    loses that space to the run before it, as white space collapses across clusters.
    """
    again = normalize(n.source[s:e]).text
    expected = n.text[a:b]
    return again == expected or (again == " " + expected and a > 0 and n.text[a - 1] == " ")


def _clusters(n: Normalized) -> list[tuple[int, int, int, int]]:
    """Maximal runs of output characters with the same source span: (out_a, out_b, s, e)."""
    result: list[tuple[int, int, int, int]] = []
    for i, (s, e) in enumerate(_spans(n)):
        if result and result[-1][2:] == (s, e):
            result[-1] = (result[-1][0], i + 1, s, e)
        else:
            result.append((i, i + 1, s, e))
    return result


# --------------------------------------------------------------------------------------------
# Offsets


@given(texts)
@example("Niemann\u2013Pick  DISEASE")
@example("a \u00a8")
def test_every_output_character_maps_into_the_source_monotonically(text: str) -> None:
    n = normalize(text)
    spans = _spans(n)
    for s, e in spans:
        assert 0 <= s < e <= len(text)
    assert [s for s, _ in spans] == sorted(s for s, _ in spans)
    assert [e for _, e in spans] == sorted(e for _, e in spans)


@given(texts)
def test_clusters_are_disjoint_and_cover_all_but_invisible_characters(text: str) -> None:
    n = normalize(text)
    covered = [False] * len(text)
    previous_end = 0
    for _, _, s, e in _clusters(n):
        assert previous_end <= s, "cluster spans overlap"
        previous_end = e
        covered[s:e] = [True] * (e - s)
    uncovered = {c for c, hit in zip(text, covered, strict=True) if not hit}
    assert uncovered <= set(INVISIBLE)


@given(texts)
@example("a \t\n  b")
@example("x\u00a0\u200b\u2009y")
def test_a_white_space_run_lies_inside_the_span_of_one_output_space(text: str) -> None:
    n = normalize(text)
    spans = _spans(n)
    for run in re.finditer(rf"\s(?:[\s{INVISIBLE}]*\s)?", text):
        a, b = run.span()
        if b < len(text) and _is_attached(text[b]):
            continue  # the last white-space character carries the marks that follow it
        assert any(n.text[i] == " " and s <= a and b <= e for i, (s, e) in enumerate(spans)), (
            f"run {a}:{b} not inside one output space"
        )


@given(texts)
@example("a\u00a0 \u0301")
def test_each_cluster_renormalizes_to_its_output(text: str) -> None:
    n = normalize(text)
    for a, b, s, e in _clusters(n):
        assert _renormalizes(n, a, b, s, e)


@given(texts, st.data())
def test_a_span_between_cluster_boundaries_renormalizes_to_the_output_slice(
    text: str, data: st.DataObject
) -> None:
    n = normalize(text)
    bounds = sorted({0, len(n.text)} | {a for a, _, _, _ in _clusters(n)})
    i = data.draw(st.sampled_from(bounds))
    j = data.draw(st.sampled_from([b for b in bounds if b >= i]))
    assert _renormalizes(n, i, j, *n.source_span(i, j))


@given(texts)
def test_the_whole_output_maps_to_the_source_minus_invisible_edges(text: str) -> None:
    n = normalize(text)
    s, e = n.source_span(0, len(n.text))
    if n.text:
        assert set(text[:s]) <= set(INVISIBLE)
        assert set(text[e:]) <= set(INVISIBLE)
    else:
        assert s == e
        assert set(text) <= set(INVISIBLE)


def test_source_span_rejects_spans_outside_the_output() -> None:
    n = normalize("abc")
    for bad in [(-1, 1), (2, 1), (0, 4)]:
        with pytest.raises(IndexError, match="outside normalized text"):
            n.source_span(*bad)


def test_empty_spans_map_to_a_position() -> None:
    n = normalize("ab  cd")
    assert n.text == "ab cd"
    assert n.source_span(0, 0) == (0, 0)
    assert n.source_span(3, 3) == (4, 4)
    assert n.source_span(5, 5) == (6, 6)
    assert n.source_start(5) == 6


# --------------------------------------------------------------------------------------------
# Idempotence, the reference, canonical equivalence


@given(texts)
@example("ｶﾞ")
@example("ㄱㅏ")
def test_idempotent(text: str) -> None:
    once = normalize(text).text
    assert normalize(once).text == once


@given(texts)
@example("I\u0307")  # canonically equal to İ
@example("\u1ffd")  # GREEK OXIA, canonically equal to ´
@example("a`b")  # ASCII grave accent: a quote even between ASCII letters
@example("ｶﾞ")  # half-width kana + voicing mark compose under NFKC
@example("ㄱㅏㄳ")  # compatibility jamo compose to one syllable under NFKC
def test_equals_the_whole_string_reference(text: str) -> None:
    assert normalize(text).text == reference_normalize(text)


@given(texts)
def test_canonically_equivalent_inputs_normalize_alike(text: str) -> None:
    expected = normalize(text).text
    assert normalize(unicodedata.normalize("NFD", text)).text == expected
    assert normalize(unicodedata.normalize("NFC", text)).text == expected


@cache
def _interesting_characters() -> list[str]:
    """Every code point that normalization can change or that attaches to its neighbour."""
    return [
        c
        for c in map(chr, range(0x110000))
        if not unicodedata.is_normalized("NFKC", c)
        or c.casefold() != c
        or unicodedata.category(c)[0] in "MZ"
        or unicodedata.category(c) in ("Cc", "Cf")
        or c in _TABLE
    ]


@pytest.mark.parametrize("base", ["", "a", "I", "`", " ", "\u00a0", "ｶ", "가", "ᄀ"])
def test_every_interesting_character_after_a_base_matches_the_reference(base: str) -> None:
    """Exhaustive over code points, so no composition across clusters can hide."""
    for char in _interesting_characters():
        text = base + char
        out = normalize(text).text
        assert out == reference_normalize(text), f"U+{ord(char):04X} after {base!r}"
        assert normalize(out).text == out, f"U+{ord(char):04X} after {base!r} (idempotence)"


# --------------------------------------------------------------------------------------------
# The fast path

CLEAN_ASCII = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) != "`")


@given(st.lists(st.text(alphabet=CLEAN_ASCII, min_size=1), max_size=8), st.booleans())
def test_clean_ascii_with_single_spaces_is_one_linear_piece(words: list[str], pad: bool) -> None:
    text = " ".join(words)
    if pad and text:
        text = f" {text} "
    n = normalize(text)
    assert n.text == text.lower()
    assert n.is_identity_length
    assert all(n.source_span(i, i + 1) == (i, i + 1) for i in range(len(text)))


def test_a_grave_accent_is_a_quote_and_keeps_the_piece_linear() -> None:
    n = normalize("Crohn`s disease")
    assert n.text == "crohn's disease"
    assert n.is_identity_length


# --------------------------------------------------------------------------------------------
# Unit cases

CASES = [
    ("İstanbul", "istanbul"),
    ("I\u0307STANBUL", "istanbul"),
    ("ı", "ı"),  # dotless i is a letter of its own
    ("Straße", "strasse"),
    ("STRAẞE", "strasse"),
    ("ﬁbrosis", "fibrosis"),
    ("ﬀ", "ff"),
    ("Crohn\u00a0disease", "crohn disease"),
    ("10\u2009mg", "10 mg"),
    ("5\u202fkg", "5 kg"),
    ("ＡＢＣ１２３", "abc123"),
    ("Sjögren", "sjögren"),
    ("Sjo\u0308gren", "sjögren"),
    ("Caf\u00e9", "café"),
    ("Cafe\u0301", "café"),
    ("hemo\u00adglobin", "hemoglobin"),
    ("Marfan\u200d syndrome", "marfan syndrome"),
    ("zero\u200bwidth", "zerowidth"),
    ("\ufeffBOM", "bom"),
    ("Niemann\u2010Pick", "niemann-pick"),
    ("Niemann\u2013Pick", "niemann-pick"),
    ("type I\u2014II", "type i-ii"),
    ("\u22125", "-5"),
    ("\u2212\u2013\u2014\ufe58\uff0d", "-----"),
    ("Crohn\u2019s", "crohn's"),
    ("\u2018quoted\u2019", "'quoted'"),
    ("\u201cquoted\u201d", '"quoted"'),
    ("\u00abguillemets\u00bb", '"guillemets"'),
    ("5\u2032 and 3\u2033", "5' and 3\""),
    ("acute\u00b4", "acute'"),
    ("tab\tand\nnewline", "tab and newline"),
    ("crlf\r\nline", "crlf line"),
    ("para\r\n\r\n\tnext", "para next"),
    ("  leading", " leading"),
    ("trailing  \n", "trailing "),
    ("   ", " "),
    ("", ""),
    ("ΣΊΣΥΦΟΣ", "σίσυφοσ"),
    ("½", "1⁄2"),
    ("x²", "x2"),
    ("\u2126", "ω"),
    ("ｶﾞ", "ガ"),
    ("ㄱㅏ", "가"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_unit_cases(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
    assert reference_normalize(text) == expected


def test_soft_hyphen_inside_a_word_maps_back_to_the_whole_word() -> None:
    text = "Hemo\u00adglobin"
    n = normalize(text)
    assert n.text == "hemoglobin"
    assert n.source_span(0, len(n.text)) == (0, len(text))
    assert n.source_span(4, 10) == (5, 11)
    assert text[slice(*n.source_span(4, 10))] == "globin"


def test_a_ligature_maps_both_letters_to_one_source_character() -> None:
    n = normalize("ﬁbrosis")
    assert n.text == "fibrosis"
    assert n.source_span(0, 1) == n.source_span(1, 2) == n.source_span(0, 2) == (0, 1)
    assert n.source_span(2, 8) == (1, 7)


def test_a_base_with_combining_marks_maps_as_one_cluster() -> None:
    n = normalize("Cafe\u0301 au lait")
    assert n.text == "café au lait"
    assert n.source_span(3, 4) == (3, 5)
    assert n.source_span(5, 7) == (6, 8)


def test_collapsed_white_space_maps_to_the_whole_run() -> None:
    text = "Crohn \t\r\n  disease"
    n = normalize(text)
    assert n.text == "crohn disease"
    assert n.source_span(5, 6) == (5, 11)
    assert n.source_span(6, 13) == (11, 18)


def test_the_module_docstring_example() -> None:
    n = normalize("Niemann\u2013Pick  DISEASE")
    assert n.text == "niemann-pick disease"
    assert n.source_span(7, 8) == (7, 8)
    assert n.source_span(13, 20) == (14, 21)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\ud83d\ude00", "x \ud800\u0301 y"])
def test_lone_surrogates_pass_through_unchanged(text: str) -> None:
    """Decision: normalize is total on ``str``. A lone surrogate (from ``surrogateescape``
    or a broken JSON escape) is not text NFKC knows about, so it passes through as it is,
    mapped one to one; encoding it later is the caller's concern."""
    n = normalize(text)
    assert n.text == reference_normalize(text)
    for i, char in enumerate(n.text):
        if "\ud800" <= char <= "\udfff":
            s, e = n.source_span(i, i + 1)
            assert char in text[s:e]


@pytest.mark.parametrize("bad", [None, b"bytes", 3, ["a"]])
def test_a_non_str_argument_is_a_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="normalize\\(\\) takes str"):
        normalize(bad)  # type: ignore[arg-type]


def test_normalized_is_frozen() -> None:
    n = normalize("abc")
    with pytest.raises(AttributeError):
        n.text = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Real case reports


@pytest.mark.realdata
def test_real_case_reports_match_the_reference_and_map_back() -> None:
    path = require(SHARED_DATA / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for _, line in zip(range(100), fh, strict=False)]
    for text in texts:
        n = normalize(text)
        assert n.text == reference_normalize(text)
        assert normalize(n.text).text == n.text
        for a, b, s, e in _clusters(n):
            if b - a > 1 or e - s > 1:  # the non-trivial clusters only, to stay fast
                assert _renormalizes(n, a, b, s, e)
