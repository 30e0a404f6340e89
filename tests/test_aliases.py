"""Alias expansion: each rule, specificity, the release-wide table, and the real release."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmrare_core.errors import RuleFileError
from mmrare_core.ontology.aliases import AliasRules, alias_key, expand_aliases, is_acronym
from mmrare_core.ontology.model import Disorder, ExtraAlias
from mmrare_core.ontology.ontology import Ontology, load
from mmrare_core.rules.files import rules_path

RULES = AliasRules()


def forms(name: str, *synonyms: str) -> dict[str, str]:
    """form -> rule id for one made-up disorder."""
    return {a.form: a.rule_id for a in expand_aliases(Disorder(1, name, synonyms), RULES)}


# --------------------------------------------------------------------------- one rule each

CASES = [
    # (name, expected form, rule id)
    ("Niemann-Pick disease type C", "Niemann Pick disease type C", "hyphen_space"),
    ("X-linked adrenoleukodystrophy", "Xlinked adrenoleukodystrophy", "hyphen_none"),
    ("Kawasaki disease", "Kawasaki's disease", "possessive_add"),
    ("Fried's tooth and nail syndrome", "Fried tooth and nail syndrome", "possessive_drop"),
    ("Hemoglobin Bart's disease", "Hemoglobin Barts disease", "possessive_plain_s"),
    ("Sjögren-Larsson syndrome", "Sjogren-Larsson syndrome", "diacritics_fold"),
    ("Sjögren-Larsson syndrome", "Sjoegren-Larsson syndrome", "umlaut_expand"),
    ("Alpha-mannosidosis", "α-mannosidosis", "greek_name_to_letter"),
    ("β-thalassemia major", "beta-thalassemia major", "greek_letter_to_name"),
    ("Mucolipidosis type II", "Mucolipidosis type 2", "roman_to_arabic"),
    ("Mucopolysaccharidosis type 2", "Mucopolysaccharidosis type II", "arabic_to_roman"),
    ("Mucopolysaccharidosis type 2", "Mucopolysaccharidosis type-2", "numeral_hyphen"),
    ("Glycogen storage disease type IIA", "Glycogen storage disease type 2A", "roman_to_arabic"),
    ("Congenital factor VIII deficiency", "Congenital factor 8 deficiency", "roman_to_arabic"),
    ("Acute myeloid leukaemia", "Acute myeloid leukemia", "spelling_british_to_american"),
    ("Oesophageal atresia", "Esophageal atresia", "spelling_british_to_american"),
    ("Hemophilia A", "Haemophilia A", "spelling_american_to_british"),
    ("Desmoid tumor", "Desmoid tumour", "spelling_american_to_british"),
    ("Desmoid tumor", "Desmoid tumors", "plural"),
    ("Cerebral cavernous malformations", "Cerebral cavernous malformation", "singular"),
    (
        "Multiple epiphyseal dysplasia, Al-Gazali type",
        "Al-Gazali type Multiple epiphyseal dysplasia",
        "inversion_type_front",
    ),
    (
        "Multiple epiphyseal dysplasia, Al-Gazali type",
        "Multiple epiphyseal dysplasia Al-Gazali type",
        "inversion_comma_drop",
    ),
    (
        "Alpha-mannosidosis, infantile form",
        "infantile form of Alpha-mannosidosis",
        "inversion_form_of",
    ),
    ("Krabbe disease, late-onset", "late-onset Krabbe disease", "inversion_qualifier_front"),
    (
        "Syndrome of reduced sensitivity to thyroid hormone",
        "reduced sensitivity to thyroid hormone syndrome",
        "syndrome_of_inverted",
    ),
]


@pytest.mark.parametrize(("name", "expected", "rule_id"), CASES)
def test_each_rule_makes_its_form(name: str, expected: str, rule_id: str) -> None:
    made = forms(name)
    assert made.get(expected) == rule_id, sorted(made)


def test_rules_combine_and_name_the_chain() -> None:
    made = forms("Sjögren-Larsson syndrome")
    assert made["Sjogren Larsson syndrome"] == "diacritics_fold+hyphen_space"


def test_british_table_does_not_double_a_british_spelling() -> None:
    made = forms("Acute myeloid leukaemia", "Oesophageal atresia")
    assert not any("leukaaemia" in f or "ooesoph" in f.lower() for f in made)


def test_karyotype_comma_is_never_split() -> None:
    made = forms("47,XYY syndrome")
    assert set(made) == {"47,XYY syndrome"}


def test_lists_with_and_are_not_inverted() -> None:
    made = forms("Myopathy, lactic acidosis and sideroblastic anemia")
    assert not any(f.startswith("lactic") for f in made)


def test_acronym_synonyms_are_case_sensitive_and_keep_their_capitals() -> None:
    aliases = expand_aliases(Disorder(906, "Wiskott-Aldrich syndrome", ("WAS",)), RULES)
    was = [a for a in aliases if a.form == "WAS"]
    assert was and was[0].case_sensitive and was[0].rule_id == "orphanet_acronym"
    assert all(not a.case_sensitive for a in aliases if a.form != "WAS")


def test_acronyms_get_only_acronym_rules() -> None:
    made = forms("Mucopolysaccharidosis type 2", "MPS II", "X-ALD")
    assert {"MPS 2", "MPS-II", "X ALD", "XALD"} <= set(made)
    assert "MPS II's" not in made


@pytest.mark.parametrize(
    ("text", "expected"),
    [("AxD", True), ("LCHADD", True), ("X-ALD", True), ("MPS II", True), ("LGMD2D", True),
     ("Penta-X", False), ("Tetra X", False), ("Kawasaki disease", False), ("A", False)],
)  # fmt: skip
def test_is_acronym(text: str, expected: bool) -> None:
    assert is_acronym(text) is expected


# --------------------------------------------------------------------------- specificity


@pytest.mark.parametrize(
    ("form", "rule_id"),
    [("syndrome", "stoplist_generic_phrase"), ("type 2", "stoplist_generic_phrase"),
     ("deficiency", "stoplist_generic_phrase"), ("the", "stoplist_english_word"),
     ("congenital disease type IIA", "specificity_generic_token"),
     ("Deficiency, familial", "specificity_generic_token"), ("type C", "specificity_generic_token")],
)  # fmt: skip
def test_generic_forms_are_rejected_with_their_rule(form: str, rule_id: str) -> None:
    assert RULES.rejection(form, case_sensitive=False) == rule_id


@pytest.mark.parametrize(
    "form",
    ["Kawasaki disease", "3C syndrome", "Q fever", "ADULT syndrome", "45,X syndrome",
     "Benign familial infantile epilepsy", "Isolated complex III deficiency", "C syndrome"],
)  # fmt: skip
def test_specific_names_are_kept(form: str) -> None:
    assert RULES.rejection(form, case_sensitive=False) is None


def test_acronym_stoplist_is_case_sensitive() -> None:
    assert RULES.rejection("MRI", case_sensitive=True) == "stoplist_acronym"
    assert RULES.rejection("WAS", case_sensitive=True) is None


def test_dropped_forms_are_reported_not_lost() -> None:
    ont = Ontology([Disorder(1, "Lymphoma", ("Hodgkin lymphoma",))])
    table = ont.aliases
    assert {a.form for a in table} >= {"Hodgkin lymphoma"}
    assert [(d.form, d.reason) for d in table.report.dropped] == [
        ("Lymphoma", "stoplist_generic_phrase")
    ]


# --------------------------------------------------------------------------- the table


def small_release() -> Ontology:
    return Ontology(
        [
            Disorder(244, "Primary ciliary dyskinesia", ("PCD",)),
            Disorder(623626, "Progressive cerebellar degeneration", ("PCD",)),
            Disorder(1775, "Dyskeratosis congenita", ("DC", "DKC")),
            Disorder(
                3088,
                "Revesz syndrome",
                ("Dyskeratosis congenita with bilateral exudative retinopathy",),
            ),
            Disorder(2331, "Kawasaki disease", ("Mucocutaneous lymph node syndrome",)),
            Disorder(124, "Diamond-Blackfan anemia"),
            Disorder(999, "Blackfan-Diamond anemia"),
        ]
    )


def test_shared_forms_keep_every_code() -> None:
    table = small_release().aliases
    assert table.codes_of("PCD") == (244, 623626)
    assert table.shared_forms()["PCD"] == (244, 623626)


def test_lookup_is_case_sensitive_for_acronyms_only() -> None:
    table = small_release().aliases
    assert table.codes_of("dc") == ()
    assert table.codes_of("DC") == (1775,)
    assert table.codes_of("DYSKERATOSIS  Congenita") == (1775,)


def test_derived_initialisms_only_when_unambiguous() -> None:
    table = small_release().aliases
    # Mucocutaneous lymph node syndrome -> MLNS, unique here
    assert table.codes_of("MLNS") == (2331,)
    mlns = table.lookup("MLNS")[0]
    assert mlns.rule_id == "derived_initialism" and mlns.case_sensitive
    # "PCD" is listed by two codes: a derived PCD for any code would be ambiguous
    assert "PCD" not in {a.form for a in table if a.rule_id == "derived_initialism"}


def test_ambiguous_initialisms_are_reported() -> None:
    ont = Ontology(
        [Disorder(1, "Alpha beta chain disease"), Disorder(2, "Acute bilateral cyst disease")]
    )
    table = ont.aliases
    assert table.report.ambiguous_initialisms["ABC"] == (1, 2)
    assert table.codes_of("ABC") == ()


def test_former_name_is_tagged_and_loses_to_a_current_name() -> None:
    ont = small_release()
    extra = [
        ExtraAlias(124, "Blackfan-Diamond anemia", "former_name"),
        ExtraAlias(124, "Aase syndrome", "former_name"),
        ExtraAlias(5, "Unknown code name", "former_name"),
    ]
    ont = Ontology(list(ont), extra_aliases=extra)
    table = ont.aliases
    aase = table.lookup("Aase syndrome")
    assert [(a.code, a.origin) for a in aase] == [(124, "former_name")]
    # the current name of ORPHA:999 wins
    assert table.codes_of("Blackfan-Diamond anemia") == (999,)
    assert table.report.shadowed_former_names[0].form == "Blackfan-Diamond anemia"
    assert table.report.unknown_codes == {5: ("Unknown code name",)}


def test_table_pickles_with_every_row() -> None:
    import pickle

    table = small_release().aliases
    again = pickle.loads(pickle.dumps(table))
    assert list(again) == list(table)
    assert again.codes_of("PCD") == (244, 623626)


# --------------------------------------------------------------------------- rule files


def test_rule_file_with_unknown_key_is_rejected_by_name(tmp_path: Path) -> None:
    for name in ("alias_rules.json", "specificity.json"):
        shutil.copy(rules_path(name), tmp_path / name)
    data = json.loads((tmp_path / "alias_rules.json").read_text())
    data["rules"][0]["patern"] = "typo"
    (tmp_path / "alias_rules.json").write_text(json.dumps(data))
    with pytest.raises(RuleFileError, match=r"unknown key\(s\) 'patern'") as info:
        AliasRules(tmp_path)
    assert "alias_rules.json" in str(info.value) and "diacritics_fold" in str(info.value)


def test_rules_folder_of_ones_own_changes_behaviour(tmp_path: Path) -> None:
    for name in ("alias_rules.json", "specificity.json"):
        shutil.copy(rules_path(name), tmp_path / name)
    data = json.loads((tmp_path / "alias_rules.json").read_text())
    data["rules"] = [r for r in data["rules"] if r["id"] != "hyphen_space"]
    (tmp_path / "alias_rules.json").write_text(json.dumps(data))
    own = AliasRules(tmp_path)
    made = {a.form for a in expand_aliases(Disorder(1, "Niemann-Pick disease"), own)}
    assert "Niemann Pick disease" not in made
    assert own.digest != RULES.digest


# --------------------------------------------------------------------------- properties

_NAME_WORDS = st.sampled_from(
    ["Kawasaki", "Niemann-Pick", "Sjögren", "alpha", "type", "II", "2", "disease", "syndrome",
     "deficiency", "of", "the", "leukaemia", "tumor", "X-linked", "form", "late-onset", ",", "'s"]
)  # fmt: skip


@given(st.lists(_NAME_WORDS, min_size=1, max_size=7).map(" ".join))
def test_every_alias_is_specific_and_names_known_rules(name: str) -> None:
    known = {rule_id for rule_id, _, _ in RULES.variants} | {
        "orphanet_name",
        "orphanet_synonym",
        "orphanet_acronym",
    }
    for alias in expand_aliases(Disorder(1, name), RULES):
        assert RULES.rejection(alias.form, alias.case_sensitive) is None
        assert set(alias.rule_id.split("+")) <= known
        assert alias.form == " ".join(alias.form.split())


@given(st.lists(_NAME_WORDS, min_size=1, max_size=7).map(" ".join))
def test_expansion_is_deterministic_and_keys_unique(name: str) -> None:
    first = expand_aliases(Disorder(1, name), RULES)
    assert first == expand_aliases(Disorder(1, name), RULES)
    keys = [alias_key(a.form, a.case_sensitive) for a in first]
    assert len(keys) == len(set(keys))


# --------------------------------------------------------------------------- the real release


@pytest.fixture(scope="module")
def real(packets_path: Path) -> Ontology:
    return load(packets_path, cache=False)


@pytest.mark.realdata
def test_no_alias_of_the_real_release_is_on_a_stoplist(real: Ontology) -> None:
    stop = {alias_key(t) for rule in _stoplists() for t in rule}
    offending = [a for a in real.aliases if not a.case_sensitive and alias_key(a.form) in stop]
    assert offending == []
    assert all(RULES.rejection(a.form, a.case_sensitive) is None for a in real.aliases)


@pytest.mark.realdata
def test_real_release_shared_forms_keep_all_codes(real: Ontology) -> None:
    shared = real.aliases.shared_forms()
    assert set(shared["PCD"]) >= {244}
    assert len(shared["PCD"]) >= 2
    assert len(shared) >= 41  # SOURCE.md: 41 lower-cased forms shared by Orphanet itself


@pytest.mark.realdata
def test_real_release_every_disorder_keeps_its_preferred_name_or_reports_it(real: Ontology) -> None:
    dropped = {(d.code, d.form) for d in real.aliases.report.dropped}
    for disorder in real:
        kept = {a.form for a in real.aliases.for_code(disorder.code)}
        name = " ".join(disorder.name.split())  # the release has names with double spaces
        assert name in kept or (disorder.code, name) in dropped


@pytest.mark.realdata
def test_masking_anchor_aliases_of_the_real_release(real: Ontology) -> None:
    table = real.aliases
    assert table.codes_of("Kawasaki's disease") == (2331,)
    assert 1775 in table.codes_of("dyskeratosis congenita")
    assert table.codes_of("WAS") == (906,)
    assert table.codes_of("was") == ()
    assert 646 in table.codes_of("Niemann Pick disease type C")


def _stoplists() -> list[list[str]]:
    data = json.loads(rules_path("specificity.json").read_text())
    return [r["terms"] for r in data["rules"] if r["kind"] == "stoplist"]
