"""Track views: the track x layer matrix, ``leakage_audit``, determinism, errors and the CLI.

The matrix (DESIGN.md, rules/tracks.json): T1 = L1+L2+L3, T2 = L1, T3 = L1+L3,
T4 = L1+T4+L2+L3. Each test checks that a track's text has exactly the effects of its layers:
captions masked only in T1/T3/T4, the diagnosis masked only in T1/T4, the cut only in T4, and
title, abstract, conclusion and back matter gone from all four.

Real-data tests read ``../shared/data`` and skip cleanly without it.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mmrare_core
from mmrare_core.base.batch import ordered_map, shared
from mmrare_core.cli.mmrare import main
from mmrare_core.documents import read_document
from mmrare_core.documents.captions import default_caption_rules
from mmrare_core.documents.document import ID_SCHEME, KINDS, Block, Document
from mmrare_core.documents.jats import parse_jats
from mmrare_core.documents.text import parse_text
from mmrare_core.errors import MMRareError, UnknownCodeError
from mmrare_core.masking.masker import MASK_TOKEN, Masker, Scope
from mmrare_core.ontology.ontology import Ontology, load
from mmrare_core.views.build import MaskedView, build_view, tracks
from mmrare_core.views.l1_sections import layer1
from mmrare_core.views.l3_captions import CAPTION_TOKEN, layer3
from mmrare_core.views.t4_truncation import truncate_before

from .conftest import PACKETS, SHARED_DATA, require

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "documents" / "PMC0000001.txt"
JATS_DATA = Path(__file__).parent / "data" / "jats"
CASE_REPORT = JATS_DATA / "case_report.xml"
JATS_TAR = SHARED_DATA / "pmc" / "jats_articles.tar.gz"
CASE_TEXTS = (
    SHARED_DATA / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz",
    SHARED_DATA / "pmc_case_texts" / "sepsis-100_case_report_bodies.jsonl.gz",
)

TRACKS = ("T1", "T2", "T3", "T4")
MASKING = ("T1", "T4")  # Layer 2
CAPTIONING = ("T1", "T3", "T4")  # Layer 3
KAWASAKI = 2331  # in the embedded sample release
#: A short form the report itself defines; in no alias table, so only Layer 2's
#: whole-view abbreviation pass can mask it.
SHORT = "KwD"


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample() -> Ontology:
    return load(cache=False)


@pytest.fixture(scope="module")
def masker(sample: Ontology) -> Masker:
    return Masker.from_ontology(sample, cache=False)


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"fixture drifted: {old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def example_text() -> str:
    """PMC0000001.txt with the diagnosis named in the body: the example names it only in its
    abstract and conclusion, which Layer 1 drops. The short form is defined in one block and
    used in two others, one before and one after the definition."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = _replace_once(text, "including infections,", f"including {SHORT}, infections,")
    text = _replace_once(
        text, "512 x 10^9/L.", f"512 x 10^9/L. Kawasaki disease ({SHORT}) was suspected."
    )
    return _replace_once(text, "The diagnosis rests on", f"The diagnosis of {SHORT} rests on")


def jats_xml() -> bytes:
    """tests/data/jats/case_report.xml with the diagnosis in a paragraph and in a caption,
    and its short form used in another section."""
    xml = CASE_REPORT.read_text(encoding="utf-8")
    xml = _replace_once(
        xml,
        "He was otherwise well.",
        f"He was otherwise well. Kawasaki disease ({SHORT}) was considered.",
    )
    xml = _replace_once(
        xml,
        "<p>Fever peaks every <bold>4</bold> weeks.</p>",
        "<p>Fever peaks every <bold>4</bold> weeks, unlike Kawasaki disease.</p>",
    )
    xml = _replace_once(
        xml,
        "<title>Discussion</title>\n      <p>Colchicine",
        f"<title>Discussion</title>\n      <p>{SHORT} was excluded.</p>\n      <p>Colchicine",
    )
    return xml.encode("utf-8")


@pytest.fixture(scope="module")
def text_doc() -> Document:
    return parse_text(example_text(), source="PMC0000001.txt")


@pytest.fixture(scope="module")
def jats_doc() -> Document:
    return parse_jats(jats_xml())


#: What each fixture's views must and must not show.
TEXT_CASE: dict[str, Any] = {
    "withheld": ["echocardiography"],
    "captions": ["Echocardiogram showing the dilated left anterior descending coronary artery"],
    "caption_labels": ["Figure 1"],
    "gone": [
        "Persistent fever and coronary changes in a toddler",  # title
        "mucocutaneous changes. He was diagnosed",  # abstract
        "should be considered in any child",  # conclusion
        "The authors declare no conflicts of interest.",  # back matter
        "Conflicts of interest",
    ],
    "kept": ["Prolonged fever in young children", "strawberry tongue"],
    "after_cut": ["On day 7, echocardiography", "periungual desquamation", "Discussion"],
    "cut_block": "case-presentation.p.3803657b",
}
JATS_CASE: dict[str, Any] = {
    "withheld": ["colchicine"],
    "captions": [
        "Temperature chart. Fever peaks every 4 weeks",
        "Laboratory values at admission.",
        "Genetic report (PDF).",
    ],
    "caption_labels": [],  # JATS keeps the label in Block.label
    "gone": [
        "Recurrent fever in a child with a MEFV variant",  # article-title
        "Periodic fevers in children have many causes.",  # abstract
        "Genetic testing helped.",  # abstract conclusion
        "Periodic fever; MEFV; Case report",  # keywords
        "Think of MEFV in recurrent fever.",  # body Conclusion section
        "We thank the family.",  # acknowledgements
        "None declared.",  # COI
        "Written consent was obtained.",  # back fn-group
        "Periodic fevers J Test",  # references
        "Pyrin. J Test",
    ],
    "kept": ["Periodic fever syndromes are rare", "arthralgia of the left knee", "CRP | 85 mg/L"],
    "after_cut": ["Colchicine was started."],
    "cut_block": "discussion.p.103458e8",
}


def views_of(doc: Document, masker: Masker, withheld: list[str]) -> dict[str, MaskedView]:
    return {
        t: build_view(doc, t, masker=masker, codes=[KAWASAKI], withheld_tests=withheld)
        for t in TRACKS
    }


def words(text: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


# --------------------------------------------------------------------------- the matrix


def test_tracks_are_the_design_matrix() -> None:
    matrix = tracks()
    assert {t: m.layers for t, m in matrix.items()} == {
        "T1": ("L1", "L2", "L3"),
        "T2": ("L1",),
        "T3": ("L1", "L3"),
        "T4": ("L1", "T4", "L2", "L3"),
    }
    assert [t for t, m in matrix.items() if m.strict] == ["T1", "T4"]


@pytest.mark.parametrize("case", ["text", "jats"])
def test_each_track_has_exactly_the_effects_of_its_layers(
    case: str, text_doc: Document, jats_doc: Document, masker: Masker
) -> None:
    doc, spec = (text_doc, TEXT_CASE) if case == "text" else (jats_doc, JATS_CASE)
    views = views_of(doc, masker, spec["withheld"])
    for track, view in views.items():
        text = view.text
        layers = tracks()[track].layers
        assert view.track == track
        assert view.leakage_audit.layers == layers
        # Layer 1, every track: summary sections and metadata are gone.
        for gone in spec["gone"]:
            assert gone not in text, (track, gone)
        assert not {b.kind for b in view.blocks} & {"title", "abstract", "keywords", "back_matter"}
        assert not any(s in ("Conclusion", "Conclusions") for b in view.blocks for s in b.section)
        for kept in spec["kept"]:
            assert kept in text, (track, kept)
        # Layer 3: captions masked in T1/T3/T4 only; the label may stay.
        for caption in spec["captions"]:
            if track in CAPTIONING:
                assert caption not in text, (track, caption)
            else:
                assert caption in text, (track, caption)
        if track not in CAPTIONING:
            assert CAPTION_TOKEN not in text, track
        elif track != "T4":  # T4 may cut before every caption
            assert CAPTION_TOKEN in text, track
        # Layer 2: the diagnosis and its short form masked in T1/T4 only.
        assert ("Kawasaki disease" in text) == (track not in MASKING), track
        assert bool(words(SHORT).search(text)) == (track not in MASKING), track
        assert (MASK_TOKEN in text) == (track in MASKING), track
        # Truncation: only T4 is cut.
        for later in spec["after_cut"]:
            assert (later in text) == (track != "T4"), (track, later)
        assert (view.leakage_audit.truncation is not None) == (track == "T4")
    # Labels stay where the caption was masked in text.
    for label in spec["caption_labels"]:
        assert f"{label}. {CAPTION_TOKEN}" in views["T1"].text
        assert f"{label}. {CAPTION_TOKEN}" in views["T3"].text
    # Views differ exactly by their layers: T2 is Layer 1 alone, T3 is T2 with captions masked.
    l1 = layer1(doc).document
    assert views["T2"].text == l1.text
    assert [b.id for b in views["T2"].blocks] == [b.id for b in l1.blocks]
    assert views["T3"].text == layer3(l1).document.text
    # T4's blocks are a prefix of T1's, cut at the audit's block.
    t1_ids, t4_ids = [b.id for b in views["T1"].blocks], [b.id for b in views["T4"].blocks]
    assert t4_ids == t1_ids[: len(t4_ids)] and len(t4_ids) < len(t1_ids)
    assert views["T4"].leakage_audit.truncation["block_id"] == spec["cut_block"]


def test_text_views_exact(text_doc: Document, masker: Masker) -> None:
    """The example's views, written out: nothing more and nothing less than the layers."""
    views = views_of(text_doc, masker, TEXT_CASE["withheld"])
    t1 = views["T1"].text
    assert t1.startswith(
        f"Introduction\n\nProlonged fever in young children has a broad differential diagnosis, "
        f"including {MASK_TOKEN}, infections,"
    )
    assert f"512 x 10^9/L. {MASK_TOKEN} ({MASK_TOKEN}) was suspected." in t1
    assert f"\n\nFigure 1. {CAPTION_TOKEN}\n\n" in t1
    assert t1.endswith(
        f"Discussion\n\nThe diagnosis of {MASK_TOKEN} rests on clinical criteria: fever for at "
        "least five days with four of the five principal features. Coronary artery aneurysms "
        "are the main complication, and early treatment lowers their risk."
    )
    t4 = views["T4"].text
    assert t4.endswith(f"512 x 10^9/L. {MASK_TOKEN} ({MASK_TOKEN}) was suspected.")
    assert t4 == t1[: len(t4)]
    cut = views["T4"].leakage_audit.truncation
    assert cut["reason"] == "withheld_test" and cut["test"] == "echocardiography"
    assert cut["cue_rule"] == "cue_hospital_day" and cut["cue_text"] == "On day 7"
    assert cut["offset"] == 0 and cut["too_little_left"] is False


@pytest.mark.parametrize("case", ["text", "jats"])
def test_short_form_defined_in_one_block_is_masked_in_every_other(
    case: str, text_doc: Document, jats_doc: Document, masker: Masker
) -> None:
    doc = text_doc if case == "text" else jats_doc
    defining = [b.id for b in doc.blocks if f"Kawasaki disease ({SHORT})" in b.text]
    using = [b.id for b in doc.blocks if words(SHORT).search(b.text) and b.id not in defining]
    assert len(defining) == 1 and len(using) >= 1
    view = build_view(doc, "T1", masker=masker, codes=[KAWASAKI])
    layer2 = view.leakage_audit.layer2
    assert layer2["abbreviations"] == [SHORT]
    short_edits = [e for e in layer2["edits"] if e["original"] == SHORT]
    assert {e["block"] for e in short_edits} == {*defining, *using}
    assert all(e["rule"] for e in short_edits)
    for block in view.blocks:
        assert not words(SHORT).search(block.text), block.id


def test_masking_a_block_alone_misses_the_short_form(text_doc: Document, masker: Masker) -> None:
    """Why Layer 2 runs over the whole view: block by block, the use in another block stays."""
    using = next(b for b in text_doc.blocks if b.id.startswith("introduction.p."))
    alone = masker.mask(using.text, [KAWASAKI], fragments=True)
    assert words(SHORT).search(alone.text)
    view = build_view(text_doc, "T1", masker=masker, codes=[KAWASAKI])
    masked = next(b for b in view.blocks if b.id == using.id)
    assert not words(SHORT).search(masked.text) and MASK_TOKEN in masked.text


# --------------------------------------------------------------------------- leakage_audit


def check_audit(doc: Document, view: MaskedView, release_dir: str | None = None) -> None:
    """Everything a ``leakage_audit`` must say, and say consistently with the view."""
    audit = view.leakage_audit.to_dict()
    json.dumps(audit, sort_keys=True, allow_nan=False)  # TypeError/ValueError if not JSON
    spec = tracks()[view.track]
    assert audit["track"] == view.track and audit["layers"] == list(spec.layers)
    assert audit["library"] == {"name": "mmrare_core", "version": mmrare_core.__version__}
    assert audit["id_scheme"] == ID_SCHEME == doc.id_scheme
    assert audit["schema_version"] >= 1
    # The ontology release: file names only, never a folder of this machine.
    for record in audit["ontology_release"]:
        assert record["path"] == Path(record["path"]).name and record["path"]
        assert record["sha256"] and record["format"]
    if release_dir is not None:
        assert release_dir not in json.dumps(audit["ontology_release"])
    view_ids = {b.id for b in view.blocks}

    def known(block_id: str) -> bool:
        return block_id in view_ids or block_id in doc

    # Layer 1: every dropped block named, with its rule; no view block among them.
    assert audit["layer1"] is not None
    dropped = audit["layer1"]["dropped"]
    for d in dropped:
        assert d["block"] in doc and d["block"] not in view_ids and d["rule"]
        assert d["kind"] == doc.block(d["block"]).kind
    # Layers 2 and 3 and the cut: present exactly for the track's layers.
    assert (audit["layer2"] is not None) == ("L2" in spec.layers)
    assert (audit["layer3"] is not None) == ("L3" in spec.layers)
    assert (audit["truncation"] is not None) == ("T4" in spec.layers)
    before_l2 = layer1(doc).document
    if audit["truncation"] is not None:
        cut = audit["truncation"]
        before_l2 = truncate_before(before_l2, cut["withheld_tests"]).document
        assert cut["reason"] in ("withheld_test", "no_mention")
        if cut["reason"] == "withheld_test":
            assert known(cut["block_id"]) and known(cut["test_block"])
            assert cut["doc_offset"] == len(before_l2.text) == cut["kept_chars"]
    for edit in (audit["layer2"] or {}).get("edits", []):
        assert known(edit["block"]) and edit["rule"] and edit["code"]
        assert before_l2.block(edit["block"]).text[edit["start"] : edit["end"]] == edit["original"]
    for edit in (audit["layer3"] or {}).get("edits", []):
        assert known(edit["block"]) and edit["rule"]
        assert 0 <= edit["start"] <= edit["end"]
    counts = audit["counts"]
    assert counts["blocks_in"] == len(doc.blocks)
    assert counts["blocks_out"] == len(view.blocks)
    assert counts["blocks_dropped"] == len(dropped)
    assert counts["diagnosis_masks"] == len((audit["layer2"] or {}).get("edits", []))
    assert counts["caption_masks"] == len((audit["layer3"] or {}).get("edits", []))
    assert counts["chars_in"] == len(doc.text) and counts["chars_out"] == len(view.text)
    assert view.text == "\n\n".join(b.text for b in view.blocks)


@pytest.mark.parametrize("case", ["text", "jats"])
@pytest.mark.parametrize("track", TRACKS)
def test_leakage_audit_names_everything(
    case: str, track: str, text_doc: Document, jats_doc: Document, masker: Masker
) -> None:
    doc, spec = (text_doc, TEXT_CASE) if case == "text" else (jats_doc, JATS_CASE)
    view = build_view(doc, track, masker=masker, codes=[KAWASAKI], withheld_tests=spec["withheld"])
    ontology_dir = str(Path(masker.ontology.release[0].path).parent)  # type: ignore[union-attr]
    check_audit(doc, view, release_dir=ontology_dir)
    audit = view.leakage_audit.to_dict()
    assert audit["targets"] == [KAWASAKI]
    assert audit["counts"]["blocks_dropped"] > 0
    if track in MASKING:
        assert audit["counts"]["diagnosis_masks"] >= 3
        assert audit["scope"]["targets"] == [KAWASAKI]
        assert audit["layer2"]["fragments"] is True  # strict tracks mask fragments
    if track in ("T1", "T3"):
        assert audit["counts"]["caption_masks"] == len(spec["captions"])
    if track in CAPTIONING:
        assert audit["layer3"]["token"] == CAPTION_TOKEN
    if track == "T4":
        cut = audit["truncation"]
        assert cut["withheld_tests"] == spec["withheld"] and cut["block_id"] == spec["cut_block"]
        assert cut["reason"] == "withheld_test" and cut["dropped_chars"] > 0


def test_to_dict_round_trips_through_json(text_doc: Document, masker: Masker) -> None:
    view = build_view(text_doc, "T4", masker=masker, codes=[KAWASAKI], withheld_tests=["MRI"])
    data = json.loads(view.to_json())
    assert data["track"] == "T4" and data["text"] == view.text
    assert [b["id"] for b in data["blocks"]] == [b.id for b in view.blocks]
    assert data["leakage_audit"]["counts"] == view.leakage_audit.counts


def test_audit_records_the_tokens_and_fragments_given(text_doc: Document, masker: Masker) -> None:
    view = build_view(
        text_doc, "T1", masker=masker, codes=[KAWASAKI], fragments=False,
        mask_token="[DX]", caption_token="[CAP]",
    )  # fmt: skip
    assert "[DX]" in view.text and "[CAP]" in view.text
    assert MASK_TOKEN not in view.text and CAPTION_TOKEN not in view.text
    audit = view.leakage_audit.to_dict()
    assert audit["layer2"]["token"] == "[DX]" and audit["layer2"]["fragments"] is False
    assert audit["layer3"]["token"] == "[CAP]"


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("case", ["text", "jats"])
@pytest.mark.parametrize("track", TRACKS)
def test_two_builds_are_byte_identical(case: str, track: str, masker: Masker) -> None:
    withheld = TEXT_CASE["withheld"] if case == "text" else JATS_CASE["withheld"]

    def build() -> str:
        doc = parse_text(example_text()) if case == "text" else parse_jats(jats_xml())
        view = build_view(doc, track, masker=masker, codes=[KAWASAKI], withheld_tests=withheld)
        return view.to_json()

    first, second = build(), build()
    assert first.encode("utf-8") == second.encode("utf-8")


def _shuffled_copy(doc: Document, seed: int) -> Document:
    """The same document rebuilt from its blocks' dicts with keys in a shuffled order."""
    rng = random.Random(seed)
    blocks = []
    for block in doc.blocks:
        items = list(dataclasses.asdict(block).items())
        rng.shuffle(items)
        blocks.append(Block(**dict(items)))
    return Document(tuple(blocks), doc.source, doc.title, doc.pmcid, doc.article_type)


@pytest.mark.parametrize("track", TRACKS)
def test_blocks_dict_order_does_not_change_the_view(
    track: str, text_doc: Document, jats_doc: Document, masker: Masker
) -> None:
    for doc, withheld in ((text_doc, TEXT_CASE["withheld"]), (jats_doc, JATS_CASE["withheld"])):
        kwargs: dict[str, Any] = {"masker": masker, "codes": [KAWASAKI]}
        expected = build_view(doc, track, withheld_tests=withheld, **kwargs).to_json()
        for seed in range(3):
            copy = _shuffled_copy(doc, seed)
            assert build_view(copy, track, withheld_tests=withheld, **kwargs).to_json() == expected
        # Unsorted dumps too: the audit's own key order is fixed.
        a = build_view(doc, track, withheld_tests=withheld, **kwargs).leakage_audit.to_dict()
        b = build_view(_shuffled_copy(doc, 9), track, withheld_tests=withheld, **kwargs)
        assert json.dumps(a) == json.dumps(b.leakage_audit.to_dict())


_HASHSEED_SCRIPT = """
import sys
from mmrare_core.documents.jats import parse_jats
from mmrare_core.masking.masker import Masker
from mmrare_core.ontology.ontology import load
from mmrare_core.documents.text import parse_text
from mmrare_core.views.build import build_view
masker = Masker.from_ontology(load(cache=False), cache=False)
docs = [parse_text(open(sys.argv[1], encoding="utf-8").read(), source="PMC0000001.txt"),
        parse_jats(open(sys.argv[2], "rb").read())]
for doc in docs:
    for track in ("T1", "T2", "T3", "T4"):
        view = build_view(doc, track, masker=masker, codes=[2331, 1775],
                          withheld_tests=["echocardiography", "colchicine"])
        print(view.to_json())
"""


def test_views_do_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """Set and dict iteration under two ``PYTHONHASHSEED`` s: the same bytes."""
    text, xml = tmp_path / "report.txt", tmp_path / "report.xml"
    text.write_text(example_text(), encoding="utf-8")
    xml.write_bytes(jats_xml())
    outputs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _HASHSEED_SCRIPT, str(text), str(xml)],
            capture_output=True, text=True, env=env, check=False, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 8


def _view_json(job: tuple[str, str]) -> str:
    """Worker for :func:`ordered_map`: parse and build one view with the shared masker."""
    kind, track = job
    doc = parse_jats(jats_xml()) if kind == "jats" else parse_text(example_text())
    view = build_view(
        doc, track, masker=shared("masker"), codes=[KAWASAKI], withheld_tests=["colchicine"]
    )
    return view.to_json()


def test_views_are_the_same_with_one_or_two_workers(masker: Masker) -> None:
    jobs = [(kind, track) for kind in ("text", "jats") for track in TRACKS] * 2
    one = list(ordered_map(_view_json, jobs, share={"masker": masker}, workers=1))
    two = list(ordered_map(_view_json, jobs, share={"masker": masker}, workers=2, chunksize=1))
    assert one == two and len(set(one)) == 8


# --------------------------------------------------------------------------- errors


def test_unknown_track_is_a_typed_error(text_doc: Document, masker: Masker) -> None:
    for track in ("T5", "t1", ""):
        with pytest.raises(MMRareError, match="unknown track"):
            build_view(text_doc, track, masker=masker, codes=[KAWASAKI])


@pytest.mark.parametrize("track", MASKING)
def test_masking_track_needs_a_masker_and_codes(
    track: str, text_doc: Document, masker: Masker
) -> None:
    with pytest.raises(MMRareError, match="masker"):
        build_view(text_doc, track, codes=[KAWASAKI])
    with pytest.raises(MMRareError, match="masker"):
        build_view(text_doc, track, masker=masker)
    with pytest.raises(MMRareError, match="masker"):
        build_view(text_doc, track, masker=masker, codes=[])


@pytest.mark.parametrize("track", ["T2", "T3"])
def test_tracks_without_layer2_need_no_masker(track: str, text_doc: Document) -> None:
    view = build_view(text_doc, track)
    assert view.leakage_audit.layer2 is None and view.leakage_audit.ontology_release == ()
    assert "Kawasaki disease" in view.text


def test_unknown_code_is_a_typed_error(text_doc: Document, masker: Masker) -> None:
    with pytest.raises(UnknownCodeError):
        build_view(text_doc, "T1", masker=masker, codes=[999999999])
    with pytest.raises(MMRareError):
        build_view(text_doc, "T1", masker=masker, codes=["not a code"])


def test_read_document_picks_the_parser(tmp_path: Path) -> None:
    assert read_document(EXAMPLE).blocks[0].kind == "title"
    doc = read_document(CASE_REPORT)
    assert doc.pmcid == "PMC9999901" and doc.blocks[0].id == "front.title.7b227eeb"
    gz = tmp_path / "report.xml.gz"
    gz.write_bytes(gzip.compress(CASE_REPORT.read_bytes()))
    assert [b.id for b in read_document(gz).blocks] == [b.id for b in doc.blocks]


# --------------------------------------------------------------------------- regressions (found by these tests)


@pytest.mark.parametrize(
    ("text", "track", "withheld"),
    [
        ("An MRI showed a lesion in the brain.", "T4", ["MRI"]),
        ("Abstract\n\nKawasaki disease in a boy.", "T1", []),
    ],
)
def test_layer2_on_a_view_without_blocks(
    text: str, track: str, withheld: list[str], masker: Masker
) -> None:
    view = build_view(
        parse_text(text), track, masker=masker, codes=[KAWASAKI], withheld_tests=withheld
    )
    assert view.blocks == () and view.text == ""


def test_layer2_with_the_separator_inside_a_block(masker: Masker) -> None:
    doc = parse_text("Kawasaki disease was found.\n\u241e\nThe boy recovered.")
    view = build_view(doc, "T1", masker=masker, codes=[KAWASAKI])
    assert view.blocks[0].text == f"{MASK_TOKEN} was found.\n\u241e\nThe boy recovered."


def test_short_form_defined_in_a_dropped_abstract_is_masked(masker: Masker) -> None:
    doc = parse_text(
        f"Abstract\n\nA boy with Kawasaki disease ({SHORT}).\n\n"
        f"Case presentation\n\n{SHORT} was suspected on day 5."
    )
    view = build_view(doc, "T1", masker=masker, codes=[KAWASAKI])
    assert view.text.startswith("Case presentation")
    assert not words(SHORT).search(view.text)


def test_audit_source_has_no_local_folder(masker: Masker) -> None:
    view = build_view(read_document(EXAMPLE.resolve()), "T1", masker=masker, codes=[KAWASAKI])
    assert str(EXAMPLE.parent) not in json.dumps(view.leakage_audit.to_dict())


# --------------------------------------------------------------------------- CLI


def test_cli_view_text_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["view", "--track", "T1", "--orpha", "2331", str(EXAMPLE)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["track"] == "T1" and out["leakage_audit"]["layers"] == ["L1", "L2", "L3"]
    assert out["leakage_audit"]["targets"] == [2331]
    assert f"Figure 1. {CAPTION_TOKEN}" in out["text"]
    assert "Persistent fever and coronary changes" not in out["text"]
    source_ids = [b.id for b in read_document(EXAMPLE).blocks]
    view_ids = [b["id"] for b in out["blocks"]]
    assert view_ids == [i for i in source_ids if i in set(view_ids)]


def test_cli_view_jats_prints_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_bytes(jats_xml())
    assert main(["view", "--track", "T4", "--orpha", "2331", "--withheld", "colchicine",
                 str(report)]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["leakage_audit"]["pmcid"] == "PMC9999901"
    assert out["leakage_audit"]["truncation"]["test"] == "colchicine"
    assert MASK_TOKEN in out["text"] and "Kawasaki" not in out["text"]
    assert main(["view", "--track", "T3", str(CASE_REPORT)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["text"].count(CAPTION_TOKEN) == 3


def test_cli_view_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.xml"
    assert main(["view", "--track", "T2", str(missing)]) == 2
    assert "nope.xml" in capsys.readouterr().err
    # a masking track without --orpha: a typed error, exit 2, nothing on stdout
    assert main(["view", "--track", "T1", str(EXAMPLE)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "masker" in captured.err
    assert main(["view", "--track", "T9", str(EXAMPLE)]) == 2  # argparse choices
    capsys.readouterr()
    # hostile and malformed XML: typed errors, exit 2
    for name in ("xxe.xml", "billion_laughs.xml", "truncated.xml", "empty_body.xml"):
        assert main(["view", "--track", "T2", str(JATS_DATA / name)]) == 2, name
        captured = capsys.readouterr()
        assert captured.out == "" and "mmrare: error:" in captured.err, name


# --------------------------------------------------------------------------- properties

_PIECES = [
    "A boy had fever.",
    "Kawasaki disease (KwD) was suspected.",
    "Kawasaki disease was excluded.",
    "KwD was treated.",
    "On day 6, an MRI was done.",
    "Two weeks later he was well.",
    "Echocardiography was normal.",
    "Figure 1. CT of the chest.",
    "Fig. 2: a rash on the trunk (Fig. 1).",
    "Table 1 Laboratory values",
    "as shown in Figure 2.",
    "Conflict of Interest: None.",
    "The CRP was 40 mg/L.",
]
#: No U+241E (Layer 2's block separator, see the regression test above), no "_" (regex \w).
_ALPHABET = st.sampled_from(list("abcdefxyzKMRIFT0129 .,:;()-\n\u00e9\u2013\u00a0"))
_TEXT = st.lists(
    st.sampled_from(_PIECES) | st.text(_ALPHABET, min_size=1, max_size=25), min_size=1, max_size=4
).map(" ".join)
_SECTIONS = st.sampled_from(
    [
        (),
        ("Introduction",),
        ("Case presentation",),
        ("Case presentation", "Laboratory findings"),
        ("Discussion",),
        ("Conclusion",),
        ("4. Conclusions",),
        ("Concluding remarks",),
        ("Acknowledgements",),
        ("References",),
        ("Abstract",),
        ("Case presentation", "Summary"),
    ]
)
_BLOCK = st.tuples(st.sampled_from(KINDS), _TEXT, _SECTIONS, st.sampled_from(["", "Figure 1"]))
WITHHELD = ["MRI", "echocardiography"]
#: Every generated document opens with this heading: it is kept by Layer 1, holds no test and
#: no cue, so no view is empty (the empty view has a regression test above).
LEAD = Block("lead.h", "heading", "Case presentation", ("Case presentation",))


@st.composite
def documents(draw: st.DrawFn) -> Document:
    raw = draw(st.lists(_BLOCK, min_size=0, max_size=10))
    blocks = [LEAD]
    for i, (kind, text, section, label) in enumerate(raw):
        text = text.strip() or "x"
        blocks.append(Block(f"g{i}.{kind}", kind, text, section, label))
    return Document(tuple(blocks), source="<generated>")


_LINES = st.sampled_from(
    [
        *_PIECES,
        "Conclusions",
        "Discussion",
        "Abstract",
        "References",
        "2.1. Laboratory findings",
        "Fig. 3",
        "Table 2. Blood counts on admission",
        "- a list item with KwD",
    ]
)
_REPORT = st.lists(
    st.tuples(_LINES | _TEXT, st.sampled_from(["\n", "\n\n"])), min_size=0, max_size=12
).map(lambda parts: "".join(line + sep for line, sep in parts))


def check_views(doc: Document, masker: Masker) -> dict[str, MaskedView]:
    """The properties every view of every document has."""
    order = {b.id: i for i, b in enumerate(doc.blocks)}
    views = views_of(doc, masker, WITHHELD)
    kept = layer1(doc).document
    for track, view in views.items():
        positions = [order[b.id] for b in view.blocks]  # KeyError: an id not in the source
        assert positions == sorted(set(positions)), track  # a subsequence, by id
        for block in view.blocks:
            source = doc.block(block.id)
            assert (block.kind, block.section, block.label) == (
                source.kind, source.section, source.label,
            )  # fmt: skip
        audit = view.leakage_audit.to_dict()
        changed = {b.id for b in view.blocks if b.text != doc.block(b.id).text}
        explained = {e["block"] for e in (audit["layer2"] or {}).get("edits", [])}
        explained |= {e["block"] for e in (audit["layer3"] or {}).get("edits", [])}
        if audit["truncation"] and audit["truncation"]["reason"] == "withheld_test":
            explained.add(audit["truncation"]["block_id"])
        assert changed <= explained, (track, changed - explained)
        check_audit(doc, view)
        if track in MASKING:
            assert "Kawasaki disease" not in view.text, track
    assert [(b.id, b.text) for b in views["T2"].blocks] == [(b.id, b.text) for b in kept.blocks]
    assert [b.id for b in views["T3"].blocks] == [b.id for b in kept.blocks]
    t1_ids, t4_ids = [b.id for b in views["T1"].blocks], [b.id for b in views["T4"].blocks]
    assert t4_ids == t1_ids[: len(t4_ids)]
    if any(f"Kawasaki disease ({SHORT})" in b.text for b in kept.blocks):
        assert not words(SHORT).search(views["T1"].text)
    return views


@given(documents())
def test_views_of_generated_documents(masker: Masker, doc: Document) -> None:
    check_views(doc, masker)


@given(_REPORT)
def test_views_of_generated_text_reports(masker: Masker, report: str) -> None:
    doc = parse_text("Case presentation\n\nA girl of 4 had a rash.\n\n" + report)
    check_views(doc, masker)


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_masker() -> Masker:
    return Masker.from_ontology(load(require(PACKETS), cache=False), cache=False)


@pytest.fixture(scope="module")
def all_codes(real_masker: Masker) -> Scope:
    assert real_masker.ontology is not None
    codes = tuple(sorted(d.code for d in real_masker.ontology))
    return Scope(targets=codes, codes=codes)


def jats_articles() -> Iterator[tuple[str, bytes]]:
    with tarfile.open(require(JATS_TAR)) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".xml"):
                handle = tar.extractfile(member)
                assert handle is not None
                yield member.name, handle.read()


def case_texts(n: int) -> list[tuple[str, str]]:
    """``n`` case texts spread over both shared sets (every k-th record, in file order)."""
    records: list[tuple[str, str]] = []
    for path in CASE_TEXTS:
        with gzip.open(require(path), "rt", encoding="utf-8") as fh:
            records.extend((r["pmcid"], r["text"]) for r in map(json.loads, fh))
    step = max(1, len(records) // n)
    return records[::step][:n]


def caption_body(block: Block) -> str:
    """A caption block's own text beyond its label run (JATS keeps the label apart)."""
    text = block.text
    first = default_caption_rules().match_line(text.split("\n", 1)[0])
    if first is not None:
        text = text[first.end if first.bare else first.body_start :]
    return text.strip(" .:\n")


def surviving_captions(doc: Document, view: MaskedView) -> list[tuple[str, str, str]]:
    """Caption text left in a view: in a caption block at all, or in another block whose
    source did not hold it already (a heading or paragraph repeating a table's title
    verbatim is no leak). Captions of fewer than three letters ("A", "(B)") are skipped."""
    found = []
    for caption in doc.blocks:
        if not caption.is_caption:
            continue
        body = caption_body(caption)
        if sum(c.isalpha() for c in body) < 3:
            continue
        for block in view.blocks:
            if body in block.text and (block.is_caption or body not in doc.block(block.id).text):
                found.append((caption.id, block.id, body[:80]))
    return found


def check_real(name: str, doc: Document, masker: Masker, scope: Scope) -> None:
    spans = masker.find(doc.text, scope)
    codes = [spans[0].code] if spans else [KAWASAKI]
    order = {b.id: i for i, b in enumerate(doc.blocks)}
    for track in TRACKS:
        view = build_view(doc, track, masker=masker, codes=codes, withheld_tests=["MRI", "biopsy"])
        positions = [order[b.id] for b in view.blocks]
        assert positions == sorted(set(positions)), (name, track)
        json.dumps(view.leakage_audit.to_dict())
        if track in CAPTIONING:
            assert surviving_captions(doc, view) == [], (name, track)
            assert layer3(Document(view.blocks)).edits == (), (name, track)
        if track == "T2":
            assert all(b.text == doc.block(b.id).text for b in view.blocks), name


def test_every_shared_jats_article_gets_four_views(real_masker: Masker, all_codes: Scope) -> None:
    count = 0
    for name, data in jats_articles():
        doc = parse_jats(data)
        again = parse_jats(data)
        assert [b.id for b in again.blocks] == [b.id for b in doc.blocks], name
        check_real(name, doc, real_masker, all_codes)
        count += 1
    assert count == 139


def test_shared_case_texts_get_four_views(real_masker: Masker, all_codes: Scope) -> None:
    texts = case_texts(300)
    assert len(texts) == 300
    for pmcid, text in texts:
        check_real(pmcid, parse_text(text, source=pmcid, pmcid=pmcid), real_masker, all_codes)


def test_real_views_audit_consistently(real_masker: Masker, all_codes: Scope) -> None:
    """The full audit check on a slice of real reports with real targets."""
    for pmcid, text in case_texts(40):
        doc = parse_text(text, source=pmcid, pmcid=pmcid)
        codes = sorted({s.code for s in real_masker.find(doc.text, all_codes)})[:3] or [KAWASAKI]
        for track in TRACKS:
            view = build_view(doc, track, masker=real_masker, codes=codes,
                              withheld_tests=["MRI", "CT"])  # fmt: skip
            check_audit(doc, view, release_dir=str(PACKETS.parent))
            names = [r["path"] for r in view.leakage_audit.ontology_release]
            assert names == [PACKETS.name]
