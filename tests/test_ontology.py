"""The Ontology: lookup, hierarchy, search, release, stats, the disk cache, source selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmrare_core.errors import MMRareError, UnknownCodeError
from mmrare_core.ontology.model import Disorder
from mmrare_core.ontology.ontology import Ontology, load, sample_source


@pytest.fixture(scope="module")
def sample() -> Ontology:
    return load(cache=False)


# --------------------------------------------------------------------------- lookup


@pytest.mark.parametrize("code", [1775, "1775", "ORPHA:1775", "Orphanet_1775", " orpha:1775 "])
def test_get_accepts_every_spelling(sample: Ontology, code: int | str) -> None:
    assert sample.get(code).name == "Dyskeratosis congenita"


@pytest.mark.parametrize("code", ["ORPHA:abc", "", -3, "1775x", True])
def test_malformed_codes_are_typed_errors(sample: Ontology, code: object) -> None:
    with pytest.raises(UnknownCodeError, match="not an ORPHA code"):
        sample.get(code)  # type: ignore[arg-type]


def test_code_outside_the_release_is_a_typed_error_naming_the_release(sample: Ontology) -> None:
    with pytest.raises(
        UnknownCodeError, match=r"ORPHA:999999999 is not in the loaded release"
    ) as info:
        sample.get(999999999)
    assert isinstance(info.value, KeyError) and isinstance(info.value, MMRareError)
    assert "product1" in str(info.value)
    assert 999999999 not in sample and "ORPHA:1775" in sample


def test_disorder_is_frozen(sample: Ontology) -> None:
    with pytest.raises(AttributeError):
        sample.get(1775).name = "x"  # type: ignore[misc]


# --------------------------------------------------------------------------- hierarchy


def tree() -> Ontology:
    """group 10 > disorder 20 > subtype 30 > subtype 40; disorder 50 under 10 and 60."""
    return Ontology(
        [
            Disorder(
                10, "Lipid storage disease", disorder_type="Category", group="Group of disorders"
            ),
            Disorder(
                60, "Neurometabolic disease", disorder_type="Category", group="Group of disorders"
            ),
            Disorder(20, "Niemann-Pick disease type C", disorder_type="Disease", parents=(10, 60)),
            Disorder(
                30,
                "NPC, adult onset",
                disorder_type="Clinical subtype",
                group="Subtype of disorder",
                parents=(20,),
            ),
            Disorder(
                40,
                "NPC, adult onset, variant",
                disorder_type="Clinical subtype",
                group="Subtype of disorder",
                parents=(30,),
            ),
            Disorder(50, "Wolman disease", disorder_type="Disease", parents=(10,)),
        ]
    )


def test_parents_children_ancestors_descendants() -> None:
    ont = tree()
    assert [d.code for d in ont.parents(20)] == [10, 60]
    assert [d.code for d in ont.children(10)] == [20, 50]
    assert [d.code for d in ont.ancestors(40)] == [30, 20, 10, 60]
    assert [d.code for d in ont.descendants(10)] == [20, 50, 30, 40]


def test_subtypes_and_category() -> None:
    ont = tree()
    assert [d.code for d in ont.subtypes(20)] == [30, 40]
    assert [d.code for d in ont.category(20)] == [10, 60]
    assert [d.code for d in ont.category(40)] == [10, 60]  # a subtype's category is its disorder's
    assert ont.category(10) == ()


def test_cycles_do_not_hang() -> None:
    ont = Ontology(
        [Disorder(1, "A disorder", parents=(2,)), Disorder(2, "B disorder", parents=(1,))]
    )
    assert [d.code for d in ont.ancestors(1)] == [2]
    assert [d.code for d in ont.descendants(1)] == [2]


def test_sample_has_a_disorder_its_subtypes_and_a_group(sample: Ontology) -> None:
    subtypes = {d.code for d in sample.subtypes(646)}
    assert subtypes == {216972, 216975, 216978, 216981, 216986}
    assert sample.category(216972), "a subtype must have a disease category"
    assert all(d.is_group for d in sample.category(646))


# --------------------------------------------------------------------------- search, stats


def test_search_exact_alias_first(sample: Ontology) -> None:
    hits = sample.search("Kawasaki's disease", k=3)
    assert hits[0].disorder.code == 2331 and hits[0].score == 100.0


def test_search_fuzzy(sample: Ontology) -> None:
    hits = sample.search("kawasaky disease", k=5)
    assert hits[0].disorder.code == 2331
    assert 0 < hits[0].score < 100
    assert len({h.disorder.code for h in hits}) == len(hits)


def test_stats_and_release(sample: Ontology) -> None:
    stats = sample.stats()
    assert stats["disorders"] == len(sample) >= 40
    assert stats["aliases"]["aliases"] > stats["names"]
    assert sample.release and sample.release[0].format == "product1"
    assert sample.release[0].sha256


# --------------------------------------------------------------------------- cache, source selection


def test_warm_cache_is_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path))
    cold = load()
    assert list((tmp_path / "ontology").glob("*.pickle"))
    warm = load()
    assert list(warm) == list(cold)
    assert list(warm.aliases) == list(cold.aliases)


def test_cache_key_follows_the_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import shutil

    from mmrare_core.rules.files import rules_path

    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules"
    rules.mkdir()
    for name in ("alias_rules.json", "specificity.json"):
        shutil.copy(rules_path(name), rules / name)
    before = load(rules_dir=rules)
    data = json.loads((rules / "alias_rules.json").read_text())
    data["rules"] = [r for r in data["rules"] if r["id"] != "possessive_add"]
    (rules / "alias_rules.json").write_text(json.dumps(data))
    after = load(rules_dir=rules)
    assert "Kawasaki's disease" in {a.form for a in before.aliases.for_code(2331)}
    assert "Kawasaki's disease" not in {a.form for a in after.aliases.for_code(2331)}


def test_corrupt_cache_file_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path))
    load()
    for file in (tmp_path / "ontology").glob("*.pickle"):
        file.write_bytes(b"not a pickle")
    assert load().get(1775).name == "Dyskeratosis congenita"


def test_environment_variable_selects_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = tmp_path / "release.jsonl"
    release.write_text(
        '{"Orphapacket": {"ORPHAcode": "58", "Label": "Alexander disease", '
        '"DisorderType": {"value": "Disease"}, "Synonyms": [{"Synonym": "AxD"}], '
        '"version": "test", "creationDate": "2025-12-09"}}\n'
    )
    monkeypatch.setenv("MMRARE_ORPHANET", str(release))
    ont = load()
    assert [d.code for d in ont] == [58]
    assert ont.release[0].format == "orphapackets"


def test_embedded_sample_is_inside_the_package() -> None:
    assert sample_source().is_dir()
    assert any(p.suffix == ".xml" for p in sample_source().iterdir())


# --------------------------------------------------------------------------- real release


@pytest.mark.realdata
def test_real_release_loads_within_budget(
    packets_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path))
    ont = load(packets_path)
    assert len(ont) >= 9960
    assert ont.get(1775).synonyms == ("DC", "DKC", "Zinsser-Engman-Cole syndrome")
    assert {d.code for d in ont.subtypes(646)} == {216972, 216975, 216978, 216981, 216986}
    assert 320716 in {d.code for d in ont.ancestors(1775)}  # "Rare disorders", a parent-only code
    warm = load(packets_path)
    assert len(warm.aliases) == len(ont.aliases)


@pytest.mark.realdata
def test_real_name_history_loads_through_aliases(
    packets_path: Path, name_history_path: Path
) -> None:
    ont = load(packets_path, aliases=[name_history_path], cache=False)
    table = ont.aliases
    former = [a for a in table.for_code(124) if a.origin == "former_name"]
    assert "Blackfan-Diamond anemia" in {a.form for a in former}
    assert table.report.unknown_codes, "absent codes must be reported, not dropped silently"
    assert any(
        i.format == "aliases_tsv" and i.path.endswith(name_history_path.name) for i in ont.release
    )


def test_cache_is_per_location_so_release_paths_are_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: a second checkout reported the first checkout's paths from the cache."""
    import shutil

    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path / "cache"))
    for name in ("a", "b"):
        shutil.copytree(sample_source(), tmp_path / name)
    first = load(tmp_path / "a", classifications=True)
    second = load(tmp_path / "b", classifications=True)
    assert all(str(tmp_path / "a") in info.path for info in first.release)
    assert all(str(tmp_path / "b") in info.path for info in second.release)
