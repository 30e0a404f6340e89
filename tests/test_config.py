"""Config objects and typed records: ``config=None, **overrides`` means the same either way."""

from __future__ import annotations

import dataclasses

import pytest

from mmrare_core.documents.text import parse_text
from mmrare_core.masking import MaskConfig, Masker, Match, MatchKind
from mmrare_core.ontology import load
from mmrare_core.views import ViewConfig, build_view

TEXT = "Kawasaki disease (KD) was suspected. KD resolved.\n\nFigure 1. A rash."


@pytest.fixture(scope="module")
def masker() -> Masker:
    return Masker.from_ontology(load())


def test_a_mask_config_and_its_keywords_agree(masker: Masker) -> None:
    config = MaskConfig("[X]", fragments=True, abbreviations=False)
    by_config = masker.mask(TEXT, [2331], config=config)
    by_keywords = masker.mask(TEXT, [2331], "[X]", fragments=True, abbreviations=False)
    assert by_config == by_keywords
    assert by_config.text.startswith("[X] (KD) was suspected. KD resolved.")
    assert masker.mask(TEXT, [2331], config=config, abbreviations=True).text.count("[X]") == 3


def test_an_unknown_option_is_a_type_error_naming_the_options(masker: Masker) -> None:
    with pytest.raises(TypeError, match=r"MaskConfig has no option 'fragment'.*fragments"):
        masker.mask(TEXT, [2331], fragment=True)
    with pytest.raises(TypeError, match=r"ViewConfig has no option 'token'"):
        build_view(parse_text(TEXT), "T2", token="[X]")
    with pytest.raises(ValueError, match="must not be empty"):
        MaskConfig("")


def test_a_view_config_and_its_keywords_give_the_same_bytes(masker: Masker) -> None:
    doc = parse_text(TEXT)
    config = ViewConfig(fragments=False, mask_token="[D]", caption_token="[C]")
    by_config = build_view(doc, "T1", masker=masker, codes=[2331], config=config)
    by_keywords = build_view(
        doc, "T1", masker=masker, codes=[2331], fragments=False, mask_token="[D]",
        caption_token="[C]",
    )  # fmt: skip
    assert by_config.to_json() == by_keywords.to_json()
    assert "[D]" in by_config.text and "[C]" in by_config.text


def test_find_returns_frozen_public_matches(masker: Masker) -> None:
    found = masker.find(TEXT, [2331])
    assert found and all(isinstance(m, Match) for m in found)
    assert found[0].kind is MatchKind.ALIAS and TEXT[found[0].start : found[0].end] == (
        "Kawasaki disease"
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[0].start = 3  # type: ignore[misc]
    assert masker.find(TEXT, [2331]) == found  # the kept result is the same, unchanged


def test_the_leakage_audit_is_a_frozen_record_with_its_json_form(masker: Masker) -> None:
    from mmrare_core.views import LeakageAudit

    view = build_view(parse_text(TEXT), "T1", masker=masker, codes=[2331])
    audit = view.leakage_audit
    assert isinstance(audit, LeakageAudit) and audit.layers == ("L1", "L2", "L3")
    with pytest.raises(dataclasses.FrozenInstanceError):
        audit.track = "T2"  # type: ignore[misc]
    record = audit.to_dict()
    assert record["layers"] == ["L1", "L2", "L3"] and record["scope"]["targets"] == [2331]
    assert "scope" not in build_view(parse_text(TEXT), "T2").leakage_audit.to_dict()
