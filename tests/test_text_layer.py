"""One text layer (issue 10): one fold for keys, one word-character definition.

Regression tests named after the bugs they pin; both failed before the text layer.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.masking import Masker
from mmrare_core.ontology import load
from mmrare_core.ontology.aliases import alias_key
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
