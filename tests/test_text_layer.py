"""One text layer (issue 10): one fold for keys, one word-character definition.

Regression tests named after the bugs they pin; both failed before the text layer.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mmrare_core.masking import Masker
from mmrare_core.masking.reference import RefAlias, reference_spans
from mmrare_core.ontology import load
from mmrare_core.ontology.aliases import AliasTable, alias_key
from mmrare_core.ontology.aliases import default_rules as expand_rules
from mmrare_core.ontology.model import Disorder
from mmrare_core.text.abbreviations import short_form_uses
from mmrare_core.text.normalize import _DASHES, _SINGLE_QUOTES, normalize_text

_UNIFIED = [(c, "-") for c in _DASHES] + [(c, "'") for c in _SINGLE_QUOTES]


def test_x_ald_with_a_hyphen_bullet_is_masked_whole() -> None:
    masker = Masker.from_ontology(load())
    out = masker.mask("Patient had X\u2043ALD confirmed.", [43]).text
    assert out == "Patient had [DIAGNOSIS_MASKED] confirmed."


@given(st.sampled_from(_UNIFIED), st.from_regex(r"[A-Z]{1,4}", fullmatch=True),
       st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True))  # fmt: skip
def test_the_case_keeping_key_unifies_every_dash_and_quote_normalize_unifies(
    pair: tuple[str, str], left: str, right: str
) -> None:
    char, plain = pair
    form = f"{left}{char}{right}"
    assert normalize_text(form) == normalize_text(f"{left}{plain}{right}")
    assert alias_key(form, case_sensitive=True) == f"{left}{plain}{right}"


def test_nm_of_an_identifier_is_not_a_short_form_use() -> None:
    assert short_form_uses("NM_001 and NM", "NM") == [(11, 13)]


_NAME = st.from_regex(r"[A-Z][a-z]{2,7}", fullmatch=True)
_ACRONYM = st.from_regex(r"[A-Z]{1,3}", fullmatch=True)


_DASH = st.sampled_from(["-", *_DASHES])
_QUOTE = st.sampled_from(["'", *_SINGLE_QUOTES])


@settings(max_examples=150, deadline=None)
@given(_DASH, _DASH, _DASH, _QUOTE, _QUOTE, _NAME, _NAME, _ACRONYM, _ACRONYM, st.booleans())
def test_every_unified_dash_and_quote_matches_inside_aliases_and_texts(
    d1: str, d2: str, d3: str, q1: str, q2: str, a: str, b: str, x: str, y: str, possessive: bool
) -> None:
    """The X⁃ALD class of bug: an alias written with one dash or quote of normalize's tables
    is masked in a text written with any other, case-sensitive acronyms included, as the
    reference (which folds text its own way) says."""
    name = f"{a}{d1}{b}{q1}s disease" if possessive else f"{a}{d1}{b} disease"
    disorder = Disorder(7, name, (f"{x}{d1}{y}D",), "Disease")
    masker = Masker(AliasTable.build([disorder], expand_rules()))
    written = name.replace(d1, d2).replace(q1, q2)
    text = f"We saw {written} ({x}{d3}{y}D), then {x.lower()}{d3}{y.lower()}d."
    aliases = [RefAlias(al.form, al.code, al.case_sensitive) for al in masker.table]
    result = masker.mask(text, [7], abbreviations=False)
    assert [(e.start, e.end, e.code) for e in result.edits] == reference_spans(text, aliases)
    assert [e.original for e in result.edits] == [written, f"{x}{d3}{y}D"]
