"""Layer 2 masking: held edit for edit to a brute-force oracle, and DESIGN.md's guarantees."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmrare_core.errors import UnknownCodeError
from mmrare_core.masking.masker import MASK_TOKEN, Masker, MaskRecord, MaskResult, Scope, mask_many
from mmrare_core.masking.reference import RefAlias, reference_spans
from mmrare_core.ontology.aliases import alias_key
from mmrare_core.ontology.ontology import Ontology, load

from .conftest import PACKETS, SHARED_DATA, require

# --------------------------------------------------------------------------- the reference


def oracle_aliases(ontology: Ontology, scope: Scope) -> list[RefAlias]:
    """The scope's aliases as the reference masker takes them (forms as written)."""
    return [
        RefAlias(a.form, a.code, a.case_sensitive)
        for code in scope.codes
        for a in ontology.aliases.for_code(code)
    ]


def alias_edits(result: MaskResult) -> list[tuple[int, int, int]]:
    return [(e.start, e.end, e.code) for e in result.edits]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample() -> Ontology:
    return load()


@pytest.fixture(scope="module")
def masker(sample: Ontology) -> Masker:
    return Masker.from_ontology(sample)


@pytest.fixture(scope="module")
def real() -> Ontology:
    return load(require(PACKETS))


@pytest.fixture(scope="module")
def real_masker(real: Ontology) -> Masker:
    return Masker.from_ontology(real)


# --------------------------------------------------------------------------- examples


def test_doc_example(masker: Masker) -> None:
    result = masker.mask("Kawasaki's disease was suspected.", [2331], abbreviations=False)
    assert result.text == f"{MASK_TOKEN} was suspected."
    (edit,) = result.edits
    assert (edit.start, edit.end, edit.original, edit.rule_id) == (
        0, 18, "Kawasaki's disease", "possessive_add"
    )  # fmt: skip
    assert (edit.out_start, edit.out_end) == (0, len(MASK_TOKEN))


def test_acronyms_are_case_sensitive(masker: Masker) -> None:
    result = masker.mask("He was well. WAS was confirmed; was it?", [906], abbreviations=False)
    assert result.text == f"He was well. {MASK_TOKEN} was confirmed; was it?"


@pytest.mark.parametrize(
    "variant",
    [
        "Niemann–Pick disease type C",  # en dash
        "NIEMANN PICK DISEASE TYPE C",
        "Niemann-Pick\ndisease   type C",  # broken across lines, several spaces
        "Niemann-Pick\u00a0disease type C",  # NBSP
        "Nie\u00admann-Pick disease type C",  # soft hyphen inside a word
        "Niemann-Pick disease type ＣC"[:-1].replace("Ｃ", "C"),
        "Ｎｉｅｍａｎｎ-Pick disease type C",  # full-width letters
    ],
)
def test_variants_land_on_the_original_characters(masker: Masker, variant: str) -> None:
    text = f"Diagnosis: {variant}."
    result = masker.mask(text, [646], abbreviations=False)
    assert result.text == f"Diagnosis: {MASK_TOKEN}."
    assert result.edits[0].original == variant


def test_curly_apostrophe(masker: Masker) -> None:
    result = masker.mask("Kawasaki’s disease", [2331], abbreviations=False)
    assert result.text == MASK_TOKEN


def test_whole_words_only(masker: Masker) -> None:
    text = "Kawasaki diseaseslike; preKawasaki disease; Kawasaki disease2x; Kawasaki diseaseé"
    assert masker.mask(text, [2331], abbreviations=False).edits == ()


def test_nested_name_of_another_disorder_does_not_shield_the_target(masker: Masker) -> None:
    text = "Dyskeratosis congenita with bilateral exudative retinopathy (Revesz syndrome)."
    result = masker.mask(text, [1775], abbreviations=False)
    assert result.text == f"{MASK_TOKEN} with bilateral exudative retinopathy (Revesz syndrome)."
    both = masker.mask(text, [1775, 3088], abbreviations=False)
    assert both.text == f"{MASK_TOKEN} ({MASK_TOKEN})."  # the longer span when both are targets


def test_scope_subtypes_and_parent_disorder(masker: Masker) -> None:
    scope = masker.scope(646)
    assert set(scope.codes) == {646, 216972, 216975, 216978, 216981, 216986}
    sub = masker.scope(216986)
    assert 646 in sub.codes and dict(sub.reasons)[646] == "parent of ORPHA:216986"
    assert all(not masker.ontology.get(c).is_group for c in sub.codes)  # type: ignore[union-attr]
    text = "Niemann-Pick disease type C, adult neurologic onset; Niemann-Pick disease type C."
    assert masker.mask(text, [216986], abbreviations=False).text == f"{MASK_TOKEN}; {MASK_TOKEN}."
    only = masker.scope(216986, parents=False, subtypes=False)
    assert only.codes == (216986,)


def test_unknown_target_is_a_typed_error(masker: Masker) -> None:
    with pytest.raises(UnknownCodeError, match="ORPHA:123456789"):
        masker.mask("text", [123456789])
    with pytest.raises(UnknownCodeError):
        masker.mask("text", [])


def test_fragments_are_opt_in_and_named(masker: Masker) -> None:
    text = "The Kawasaki criteria were met; kawasaki in lower case stays."
    assert masker.mask(text, [2331], abbreviations=False).edits == ()
    strict = masker.mask(text, [2331], fragments=True, abbreviations=False)
    assert [(e.original, e.rule_id) for e in strict.edits] == [("Kawasaki", "distinctive_fragment")]


def test_fragment_never_beats_a_full_alias(masker: Masker) -> None:
    result = masker.mask("Niemann-Pick disease type C", [646], fragments=True, abbreviations=False)
    assert [e.rule_id for e in result.edits] == ["orphanet_name"]


def test_result_records_scope_and_is_json_ready(masker: Masker) -> None:
    result = masker.mask("Wiskott-Aldrich syndrome", ["ORPHA:906"], abbreviations=False)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["scope"]["targets"] == [906] and data["edits"][0]["code"] == 906


# --------------------------------------------------------------------------- guarantees

_NOISE = st.sampled_from(
    [" ", "  ", "\n", "\u00a0", "-", ",", ".", "(", ")", "'", "’", "the", "was", "He", "WAS",
     "and", "with", "type", "II", "2", "é", "İ", "\u00ad", "x", "ﬁ", "Ａ", "disease", "syndrome"]
)  # fmt: skip


def _disguise(form: str, how: int) -> str:
    """Hand-made Unicode noise, independent of the alias rules."""
    if how == 1:
        return form.upper()
    if how == 2:
        return form.replace(" ", "\u00a0")
    if how == 3 and len(form) > 3:
        return form[:2] + "\u00ad" + form[2:]
    if how == 4:
        return form.replace("-", "\u2013").replace("'", "\u2019")
    if how == 5:
        return "".join(chr(ord(c) + 0xFEE0) if "a" <= c <= "z" else c for c in form)
    return form


_TOKEN_INDEX: dict[int, dict[str, list[tuple[str, str, int]]]] = {}


def _token_index(ontology: Ontology) -> dict[str, list[tuple[str, str, int]]]:
    """word -> (key, form, code) of every alias holding it (built once per ontology)."""
    if id(ontology) not in _TOKEN_INDEX:
        index: dict[str, list[tuple[str, str, int]]] = {}
        for a in ontology.aliases:
            key = alias_key(a.form)
            for word in set(key.split()):
                index.setdefault(word, []).append((key, a.form, a.code))
        _TOKEN_INDEX[id(ontology)] = index
    return _TOKEN_INDEX[id(ontology)]


def _pool(ontology: Ontology, codes: Sequence[int]) -> list[str]:
    """Alias forms of the codes, and names of other disorders that contain them."""
    forms = [a.form for c in codes for a in ontology.aliases.for_code(c)]
    index = _token_index(ontology)
    containing = []
    for key in {alias_key(f) for f in forms if len(f) > 4}:
        rarest = min(key.split(), key=lambda w: len(index.get(w, ())))
        containing += [
            form
            for other, form, code in index.get(rarest, ())
            if code not in codes and key in other
        ]
    return forms + sorted(set(containing))[:40]


def _texts(ontology: Ontology, codes: Sequence[int]) -> st.SearchStrategy[str]:
    pool = _pool(ontology, codes)
    piece = st.one_of(
        st.tuples(st.sampled_from(pool), st.integers(0, 5)).map(lambda t: _disguise(*t)),
        _NOISE,
        st.text(max_size=4),
    )
    return st.lists(piece, max_size=12).map("".join)


SAMPLE_TARGETS = [[1775], [906], [646], [2331], [216986], [58, 61]]


def _check_guarantees(masker: Masker, ontology: Ontology, text: str, codes: list[int]) -> None:
    result = masker.mask(text, codes, abbreviations=False)
    scope = result.scope
    aliases = oracle_aliases(ontology, scope)
    # edit for edit with the oracle
    assert alias_edits(result) == reference_spans(text, aliases)
    # edits are in order, do not overlap, and name the original characters
    previous_end = 0
    for edit in result.edits:
        assert previous_end <= edit.start < edit.end
        assert text[edit.start : edit.end] == edit.original
        assert result.text[edit.out_start : edit.out_end] == MASK_TOKEN
        previous_end = edit.end
    # text outside the edits is unchanged
    rebuilt, pos = [], 0
    for edit in result.edits:
        rebuilt += [text[pos : edit.start], MASK_TOKEN]
        pos = edit.end
    assert "".join([*rebuilt, text[pos:]]) == result.text
    # no alias of the target survives
    assert reference_spans(result.text, aliases) == []
    # masking twice equals masking once
    assert masker.mask(result.text, codes, abbreviations=False).text == result.text


@given(data=st.data())
def test_fast_masker_equals_the_oracle_on_the_sample(
    data: st.DataObject, masker: Masker, sample: Ontology
) -> None:
    codes = data.draw(st.sampled_from(SAMPLE_TARGETS))
    text = data.draw(_texts(sample, codes))
    _check_guarantees(masker, sample, text, codes)


@pytest.mark.realdata
@settings(max_examples=100)
@given(data=st.data())
def test_fast_masker_equals_the_oracle_on_the_real_release(
    data: st.DataObject, real_masker: Masker, real: Ontology
) -> None:
    code = data.draw(st.sampled_from(sorted(d.code for d in real if not d.is_group)))
    text = data.draw(_texts(real, [code]))
    _check_guarantees(real_masker, real, text, [code])


@pytest.mark.parametrize(
    "text",
    [
        "DKC", "dyskeratosis congenitadyskeratosis congenita", "Dyskeratosis congenita.DC",
        "DC-DKC", "Zinsser-Engman-Cole syndrome's", "İdyskeratosis congenita",
        "dyskeratosis\u00adcongenita", "dyskeratosis \u00ad congenita", "DC\u0301",
    ],
)  # fmt: skip
def test_edge_cases_against_the_oracle(masker: Masker, sample: Ontology, text: str) -> None:
    _check_guarantees(masker, sample, text, [1775])


# --------------------------------------------------------------------------- batches


def test_mask_many_keeps_order_and_reports_bad_records(masker: Masker) -> None:
    records = [
        MaskRecord(1, "Kawasaki disease.", (2331,)),
        MaskRecord(2, "x", (999999999,)),
        MaskRecord(3, None, (2331,)),  # type: ignore[arg-type]
        MaskRecord(4, "WAS", ("ORPHA:906",)),
    ]
    for workers in (1, 2):
        out = list(mask_many(records, masker, workers=workers, abbreviations=False))
        assert [o.id for o in out] == [1, 2, 3, 4]
        assert out[0].result is not None and out[0].result.text == f"{MASK_TOKEN}."
        assert out[1].error and "999999999" in out[1].error
        assert out[2].error and "TypeError" in out[2].error
        assert out[3].result is not None and out[3].result.text == MASK_TOKEN


def test_masker_pickles_with_its_scope(masker: Masker) -> None:
    """Regression: a pickled masker (what a spawned worker gets) lost its ontology, so its
    scope shrank to the targets and subtypes stayed unmasked."""
    import pickle

    again = pickle.loads(pickle.dumps(masker))
    text = "Wiskott-Aldrich syndrome and WAS; Niemann-Pick disease type C, adult neurologic onset"
    assert again.scope(646) == masker.scope(646)
    for codes in ([906], [646]):
        assert again.mask(text, codes).text == masker.mask(text, codes).text


def test_fragments_follow_the_ontologys_rules_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: the masker read fragments.json from the package even when the ontology
    was loaded with a rules folder of its own (whose digest keys the cache)."""
    import shutil

    from mmrare_core.rules.files import RULE_FILES, rules_path

    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in RULE_FILES:
        shutil.copy(rules_path(name), rules / name)
    data = json.loads((rules / "fragments.json").read_text())
    data["rules"][0]["exclude"].append("kawasaki")
    (rules / "fragments.json").write_text(json.dumps(data))
    text = "The Kawasaki criteria were met."
    assert Masker.from_ontology(load()).mask(text, [2331], fragments=True).edits != ()
    own = Masker.from_ontology(load(rules_dir=rules))
    assert own.mask(text, [2331], fragments=True).edits == ()
    again = Masker.from_ontology(load(rules_dir=rules))  # from the disk cache
    assert again.mask(text, [2331], fragments=True).edits == ()


def test_masker_cache_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path))
    ont = load()
    first = Masker.from_ontology(ont)
    assert list((tmp_path / "masker").glob("*.pickle"))
    second = Masker.from_ontology(load())
    assert second.ontology is not None
    text = "Kawasaki disease; NPC"
    assert second.mask(text, [646, 2331]).text == first.mask(text, [646, 2331]).text


# --------------------------------------------------------------------------- real reports


def _case_texts(limit: int) -> list[str]:
    path = require(SHARED_DATA / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["text"] for _, line in zip(range(limit), fh, strict=False)]


@pytest.mark.realdata
def test_real_case_texts_lose_every_alias_of_what_they_mention(
    real_masker: Masker, real: Ontology
) -> None:
    everything = Scope((), tuple(d.code for d in real))
    masked_any = 0
    for text in _case_texts(150):
        mentioned = sorted({span.code for span in real_masker.find(text, everything)})
        if not mentioned:
            continue
        masked_any += 1
        result = real_masker.mask(text, mentioned[:3], abbreviations=False)
        assert real_masker.find(result.text, result.scope) == []
        for edit in result.edits:
            assert text[edit.start : edit.end] == edit.original
    assert masked_any > 20


@pytest.mark.realdata
def test_real_jats_case_reports(real_masker: Masker) -> None:
    from lxml import etree

    folder = require(SHARED_DATA / "pmc" / "case_reports")
    for path in sorted(folder.glob("*.xml")):
        body = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        text = " ".join(body.getroot().itertext())
        result = real_masker.mask(text, [1775, 646], abbreviations=False)
        assert real_masker.find(result.text, result.scope) == []


# --------------------------------------------------------------------------- short forms


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Kawasaki disease (KD) was likely. KD recurs.", "[M] ([M]) was likely. [M] recurs."),
        ("Mucocutaneous lymph node syndrome (MCLNS) again; MCLNS.", "[M] ([M]) again; [M]."),
        ("Early KD signs. Kawasaki disease (KD) then.", "Early [M] signs. [M] ([M]) then."),
        ("We saw KD (Kawasaki disease) here; KD.", "We saw [M] ([M]) here; [M]."),
    ],
)
def test_short_forms_of_a_masked_name_are_masked(masker: Masker, text: str, masked: str) -> None:
    result = masker.mask(text, [2331], "[M]")
    assert result.text == masked
    rules = {e.rule_id for e in result.edits}
    assert rules & {"abbreviation_defined", "abbreviation_after_mask"}


def test_short_forms_of_other_names_stay(masker: Masker) -> None:
    text = "Kawasaki disease was likely; coronary artery aneurysm (CAA) was seen. CAA grew."
    assert masker.mask(text, [2331], "[M]").text == (
        "[M] was likely; coronary artery aneurysm (CAA) was seen. CAA grew."
    )


def test_abbreviation_edits_keep_the_guarantees(masker: Masker) -> None:
    text = "Dyskeratosis congenita (DKC1-DC) was found. DKC1-DC recurs; dyskeratosis congenita."
    result = masker.mask(text, [1775])
    assert masker.mask(result.text, [1775]).text == result.text
    for edit in result.edits:
        assert text[edit.start : edit.end] == edit.original


def test_underscore_joins_identifiers(masker: Masker) -> None:
    """Regression (benchmark finding): NM in the RefSeq id NM_001008537 was masked."""
    text = "Dyskeratosis congenita; transcript DC_001008537 and DC."
    result = masker.mask(text, [1775], "[M]", abbreviations=False)
    assert result.text == "[M]; transcript DC_001008537 and [M]."


def test_a_glued_citation_number_does_not_hide_a_name(masker: Masker) -> None:
    """Regression (recall run on real reports): 'capillary leak syndrome3', 'syndrome2,5)'."""
    text = "A typical Kawasaki disease3 was suspected; Kawasaki disease2,5) again; WAS2."
    result = masker.mask(text, [2331, 906], "[M]", abbreviations=False)
    assert result.text == "A typical [M]3 was suspected; [M]2,5) again; WAS2."


def test_citation_at_the_start_of_the_text(masker: Masker, sample: Ontology) -> None:
    """Found by hypothesis: a name at offset 0 followed by a citation digit."""
    _check_guarantees(masker, sample, "Dyskeratosis congenita0", [1775])


def test_digits_that_open_a_chemical_name_are_no_citation(
    real_masker: Masker, real: Ontology
) -> None:
    """Found by hypothesis: a name glued to the "3-" of the next name ("deficiency3-methyl...")
    was masked as if "3" were a citation, and the mask exposed the next name's start."""
    text = "3-methylcrotonyl-CoA carboxylase deficiency3-methylcrotonyl-CoA carboxylase deficiency"
    _check_guarantees(real_masker, real, text, [6])
    cited = "3-methylcrotonyl-CoA carboxylase deficiency3-5 was confirmed."
    assert real_masker.mask(cited, [6]).text == "[DIAGNOSIS_MASKED]3-5 was confirmed."
