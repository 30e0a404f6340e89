"""Items: the shipped schema, reading JSONL and the release's TSV, schema findings."""

from __future__ import annotations

import base64
import gzip
import io
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mmrare_core.audit.findings import REJECT
from mmrare_core.audit.items import (
    SCHEMA_RULE,
    ItemFormatError,
    ItemRecord,
    item_key,
    item_schema,
    read_items,
    schema_findings,
)

DATA = Path(__file__).parent / "data" / "items"

CHAIN = [
    {"claim": "Acroparesthesia", "block": "p1", "quote": "burning pain in the hands"},
    {"claim": "Skin lesions", "block": "p2", "quote": "angiokeratomas"},
]
VALID: dict[str, dict[str, Any]] = {
    "T1": {"track": "T1", "question": "Diagnosis?", "answer": "Fabry disease"},
    "T2": {"track": "T2", "question": "Treatment?", "rubric_must_include": ["agalsidase"]},
    "T3": {
        "track": "T3",
        "question": "Relation?",
        "golden_mainline": [{"claim": "LVH on MRI"}, "proteinuria"],
        "relation_type": "complement",
    },
    "T4": {"track": "T4", "question": "Tests?", "key_test_names": ["GLA sequencing"]},
}
REQUIRED = {
    "T1": "answer",
    "T2": "rubric_must_include",
    "T3": "golden_mainline",
    "T4": "key_test_names",
}


def records(data: bytes, name: str | None = None) -> list[ItemRecord]:
    stream = io.BytesIO(data)
    if name:
        stream.name = name
    return list(read_items(stream))


# --------------------------------------------------------------------------- the schema


def test_schema_ships_inside_the_package() -> None:
    resource = resources.files("mmrare_core") / "data" / "schema" / SCHEMA_RULE
    assert resource.is_file()
    schema = item_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("track", sorted(VALID))
def test_a_valid_item_of_each_track_has_no_schema_finding(track: str) -> None:
    item = {**VALID[track], "pmcid": "PMC123", "orpha_code": "ORPHA:324", "evidence_chain": CHAIN}
    assert schema_findings(item) == []


@pytest.mark.parametrize("track", sorted(VALID))
def test_each_track_requires_its_field(track: str) -> None:
    item = dict(VALID[track])
    del item[REQUIRED[track]]
    findings = schema_findings(item)
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.check, finding.severity, finding.rule) == ("schema", REJECT, SCHEMA_RULE)
    assert finding.field == REQUIRED[track]
    assert finding.message.startswith(f"$: '{REQUIRED[track]}' is a required property")
    assert f"track {track} requires it" in finding.message


@pytest.mark.parametrize(
    ("track", "field", "empty"),
    [
        ("T1", "answer", " "),
        ("T2", "rubric_must_include", []),
        ("T3", "golden_mainline", []),
        ("T4", "key_test_names", []),
    ],
)
def test_each_track_rejects_an_empty_required_field(track: str, field: str, empty: Any) -> None:
    findings = schema_findings({**VALID[track], field: empty})
    assert [f.field for f in findings] == [field]
    assert findings[0].message.startswith(f"$.{field}: ")


def test_t3_names_each_missing_property_as_its_field() -> None:
    findings = schema_findings({"track": "T3", "question": "Q?"})
    assert sorted(f.field for f in findings) == ["golden_mainline", "relation_type"]


def test_the_public_release_shapes_are_valid() -> None:
    item = {
        "index": "17",
        "question": "Q?",
        "context": "A boy.",
        "figure_mapping": {"Figure 1": "figs/1.png"},
        "answer": "Fabry disease",
        "answer_aliases": ["AFD"],
        "image": "aGVsbG8=",
        "image_path": "figs/1.png",
        "golden_mainline": [{"claim": "a", "modality": "MRI"}],
        "relation_type": "contrast",
        "orpha_code": 324,
        "split": "test",  # extra release columns are allowed
    }
    assert schema_findings(item) == []
    assert schema_findings({**item, "image": ["aGVsbG8="], "image_path": ["a.png"]}) == []


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"question": ""}, "$.question"),
        ({"track": "T5"}, "$.track"),
        ({"orpha_code": "ORPHA:x"}, "$.orpha_code"),
        ({"orpha_code": 0}, "$.orpha_code"),
        ({"pmcid": "PMC12a"}, "$.pmcid"),
        ({"relation_type": "supports"}, "$.relation_type"),
        ({"answer_aliases": 5}, "$.answer_aliases"),
        ({"figure_mapping": {"Figure 1": 3}}, "$.figure_mapping['Figure 1']"),
        ({"image_path": [3]}, "$.image_path"),
        ({"golden_mainline": [{"text": "x"}]}, "$.golden_mainline[0]"),
        ({"evidence_chain": [CHAIN[0], {"claim": "c", "block": "p1"}]}, "$.evidence_chain[1]"),
        ({"evidence_chain": [CHAIN[0], {**CHAIN[1], "quote": "  "}]}, "$.evidence_chain[1].quote"),
        ({"evidence_chain": [CHAIN[0], {**CHAIN[1], "page": 3}]}, "$.evidence_chain[1]"),
        ({"leakage_audit": []}, "$.leakage_audit"),
    ],
)
def test_schema_findings_name_the_json_path(patch: dict[str, Any], path: str) -> None:
    findings = schema_findings({**VALID["T1"], **patch})
    assert findings, patch
    assert all(f.message.startswith(f"{path}: ") for f in findings), findings
    assert all(f.field == next(iter(patch)) for f in findings)
    assert all((f.check, f.severity, f.rule) == ("schema", REJECT, SCHEMA_RULE) for f in findings)


def test_the_number_of_claims_is_left_to_the_evidence_check() -> None:
    """One problem, one finding: evidence_chain_length reports it (tests/test_evidence.py)."""
    assert item_schema()["properties"]["evidence_chain"]["minItems"] == 2
    assert schema_findings({**VALID["T1"], "evidence_chain": CHAIN[:1]}) == []
    assert schema_findings({**VALID["T1"], "evidence_chain": CHAIN * 3}) == []


def test_a_non_object_item_is_one_finding_at_the_root() -> None:
    findings = schema_findings(["not", "an", "item"])
    assert [(f.field, f.message.split(":")[0]) for f in findings] == [("", "$")]


def test_a_huge_value_is_shortened_in_the_message() -> None:
    findings = schema_findings({**VALID["T1"], "relation_type": "x" * 100_000})
    assert len(findings) == 1
    assert len(findings[0].message) < 500
    assert "characters]" in findings[0].message


# --------------------------------------------------------------------------- item_key


def test_item_key_prefers_index_then_id_then_the_record() -> None:
    assert item_key({"index": 0, "id": "x"}, 5) == 0
    assert item_key({"index": "", "id": "x"}, 5) == "x"
    assert item_key({"index": None}, 5) == 5
    assert item_key({"index": True}, 5) == 5
    assert item_key(None, 5) == 5


# --------------------------------------------------------------------------- TSV


def test_release_tsv_fixture() -> None:
    got = list(read_items(DATA / "release_sample.tsv"))
    assert [(r.line, r.record, r.error is None) for r in got] == [
        (2, 1, True),  # a quoted context over lines 2-4
        (5, 2, True),
        (6, 3, False),  # a malformed record...
        (8, 4, True),  # ...and the one after it still comes (line 7 is blank)
    ]
    first, second, broken, last = got
    assert first.item is not None and second.item is not None and last.item is not None
    assert first.item["index"] == 1
    assert first.item["context"].splitlines()[2] == '"Whorled" corneal opacities were seen.'
    assert first.item["figure_mapping"] == {"Figure 1": "figs/1.png"}
    assert first.item["answer_aliases"] == [
        "Anderson-Fabry disease",
        "alpha-galactosidase A deficiency",
    ]
    assert first.item["image_path"] == ["figs/1.png"]
    assert second.item["answer_aliases"] == ["Gaucher's disease", "glucocerebrosidase deficiency"]
    assert second.item["image_path"] == ["figs/2.png"]
    assert "figure_mapping" not in second.item  # an empty cell: the field is absent
    assert broken.item is None and broken.error is not None
    assert broken.error.startswith(f"{DATA / 'release_sample.tsv'}:6 (record 3): malformed TSV")
    assert last.item["answer_aliases"] == []
    assert "image_path" not in last.item
    assert [schema_findings(r.item) for r in (first, second, last) if r.item] == [[], [], []]


def test_tsv_multiline_cell_record_and_line_differ() -> None:
    data = b'index\tquestion\n1\t"one\ntwo\nthree"\n2\tplain\n'
    got = records(data, "x.tsv")
    assert [(r.line, r.record) for r in got] == [(2, 1), (5, 2)]
    assert got[0].item == {"index": 1, "question": "one\ntwo\nthree"}


def test_tsv_wrong_number_of_cells_names_file_line_record() -> None:
    data = b"index\tquestion\tanswer\n1\tQ\tA\n2\tonly two\n3\tQ\tA\textra\n4\tQ\tA\n"
    got = records(data, "rel.tsv")
    assert [r.error for r in got] == [
        None,
        "rel.tsv:3 (record 2): 2 cells where the header has 3 (line 3)",
        "rel.tsv:4 (record 3): 4 cells where the header has 3 (line 4)",
        None,
    ]
    assert got[3].item == {"index": 4, "question": "Q", "answer": "A"}


def test_tsv_unterminated_quote_is_one_error_naming_its_lines() -> None:
    data = b'index\tquestion\n1\tQ\n2\t"never closed\n3\tQ\n'
    got = records(data, "t.tsv")
    assert got[0].item == {"index": 1, "question": "Q"}
    assert got[1].item is None and got[1].error is not None
    assert got[1].error.startswith("t.tsv:3 (record 2): malformed TSV (lines 3-4)")


@pytest.mark.parametrize(
    ("column", "cell", "value"),
    [
        ("answer_aliases", '["a; b", "c"]', ["a; b", "c"]),
        ("answer_aliases", "a; b ;; c", ["a", "b", "c"]),
        ("answer_aliases", '"AFD"', ["AFD"]),
        ("rubric_must_include", "x;y", ["x", "y"]),
        ("golden_mainline", '[{"claim": "c"}]', [{"claim": "c"}]),
        ("image", '["aGk=", "aGo="]', ["aGk=", "aGo="]),
        ("image", "aGk=", ["aGk="]),
        ("image", "data:image/png;base64,aGk=", ["data:image/png;base64,aGk="]),
        ("figure_mapping", '{"Figure 1": "a.png"}', {"Figure 1": "a.png"}),
        ("figure_mapping", "Figure 1: a.png", "Figure 1: a.png"),  # kept, for the schema
        (
            "evidence_chain",
            '[{"claim": "c", "block": "b", "quote": "q"}]',
            [{"claim": "c", "block": "b", "quote": "q"}],
        ),
        ("orpha_code", "324", 324),
        ("orpha_code", "ORPHA:324", "ORPHA:324"),
        ("index", "007", 7),
        ("index", "a7", "a7"),
        ("context", '["not", "decoded"]', '["not", "decoded"]'),
        ("answer", "[1]", "[1]"),
        ("extra", '{"k": 1}', {"k": 1}),
        ("extra", "[not json", "[not json"),
    ],
)
def test_tsv_cells_are_decoded_by_column(column: str, cell: str, value: Any) -> None:
    quoted = '"' + cell.replace('"', '""') + '"' if '"' in cell else cell
    data = f"question\t{column}\nQ\t{quoted}\n"
    (got,) = records(data.encode(), "c.tsv")
    assert got.error is None
    assert got.item is not None and got.item[column] == value


def test_tsv_text_cell_kept_empty_other_cells_absent() -> None:
    (got,) = records(b"question\tcontext\tanswer_aliases\tindex\nQ\t\t \t\n", "e.tsv")
    assert got.item == {"question": "Q", "context": ""}


def test_tsv_huge_base64_cell() -> None:
    blob = base64.b64encode(bytes(range(256)) * 4096).decode()  # ~1.4 MB, over csv's 128 KiB
    (got,) = records(f'question\timage\nQ\t["{blob}"]\n'.encode(), "big.tsv")
    assert got.item is not None and got.item["image"] == [blob]


def test_tsv_bad_utf8_record_is_an_error_and_reading_goes_on() -> None:
    got = records(b"question\tanswer\nQ\t\xff\xfe\nQ2\tA\n", "u.tsv")
    assert got[0].error == "u.tsv:2 (record 1): not UTF-8 (line 2)"
    assert got[1].item == {"question": "Q2", "answer": "A"}


def test_tsv_bom_and_crlf() -> None:
    got = records(b'\xef\xbb\xbfquestion\tanswer\r\nQ\t"A\r\nB"\r\nQ2\tC\r\n', "w.tsv")
    assert [r.item for r in got] == [
        {"question": "Q", "answer": "A\r\nB"},
        {"question": "Q2", "answer": "C"},
    ]
    assert [r.line for r in got] == [2, 4]


@pytest.mark.parametrize(
    ("header", "problem"),
    [(b"question\tanswer\tquestion\n", "repeats question"), (b"question\t\tanswer\n", "empty")],
)
def test_tsv_unusable_header_raises(header: bytes, problem: str) -> None:
    with pytest.raises(ItemFormatError, match=problem) as info:
        records(header + b"Q\tA\tB\n", "h.tsv")
    assert isinstance(info.value, ValueError)
    assert "h.tsv:1" in str(info.value)


def test_empty_tsv_has_no_records() -> None:
    assert records(b"", "empty.tsv") == []
    assert records(b"question\tanswer\n", "header.tsv") == []


# --------------------------------------------------------------------------- JSONL


def test_jsonl_fixture_unreadable_line_in_the_middle() -> None:
    got = list(read_items(DATA / "construction.jsonl"))
    assert [(r.line, r.record, r.error is None) for r in got] == [
        (1, 1, True),
        (2, 2, False),
        (4, 3, True),
    ]
    assert got[1].error is not None
    assert got[1].error.startswith(f"{DATA / 'construction.jsonl'}:2: not valid JSON")
    assert [item_key(r.item, r.record) for r in got] == ["t1-fabry", 2, "t4-fabry"]
    assert [schema_findings(r.item) for r in got if r.item] == [[], []]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"[1, 2]", "expected one JSON object per line, got a JSON array"),
        (b'"text"', "got a JSON str"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"a": NaN}', "NaN is not JSON"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": ', "not valid JSON"),
    ],
)
def test_jsonl_malformed_lines(line: bytes, problem: str) -> None:
    got = records(b'{"question": "first"}\n' + line + b'\n{"question": "last"}\n', "m.jsonl")
    assert [r.record for r in got] == [1, 2, 3]
    assert got[1].item is None and got[1].error is not None
    assert got[1].error.startswith("m.jsonl:2: ") and problem in got[1].error
    assert got[2].item == {"question": "last"}


def test_gzip_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl.gz"
    path.write_bytes(
        gzip.compress(
            b'\xef\xbb\xbf{"index": 1, "question": "Q"}\n\n{bad\n{"index": 2, "question": "R"}\n'
        )
    )
    got = list(read_items(path))
    assert [(r.line, r.record, r.item) for r in got] == [
        (1, 1, {"index": 1, "question": "Q"}),
        (3, 2, None),
        (4, 3, {"index": 2, "question": "R"}),
    ]


def test_gzip_tsv_sniffed_without_an_extension(tmp_path: Path) -> None:
    path = tmp_path / "items"
    path.write_bytes(gzip.compress(b'question\tanswer_aliases\nQ\t["a"]\n'))
    assert [r.item for r in read_items(path)] == [{"question": "Q", "answer_aliases": ["a"]}]


@pytest.mark.parametrize("name", ["items.jsonl.gz", "items.tsv.gz"])
def test_truncated_gzip_keeps_the_records_before_the_cut(tmp_path: Path, name: str) -> None:
    questions = [f"Q{i}" for i in range(5000)]
    if name.endswith(".tsv.gz"):
        text = "question\n" + "".join(f"{q}\n" for q in questions)
    else:
        text = "".join(json.dumps({"question": q}) + "\n" for q in questions)
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode())[:-20])
    got = list(read_items(path))
    error = got[-1]
    assert error.item is None and error.error is not None
    assert error.error.startswith(f"{path}:{error.line}") and "cannot read" in error.error
    good = [r.item for r in got if r.item is not None]
    assert len(good) > 4900
    assert good == [{"question": q} for q in questions[: len(good)]]


def test_gzip_with_two_members(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"question": "A"}\n') + gzip.compress(b'{"question": "B"}\n'))
    assert [r.item for r in read_items(path)] == [{"question": "A"}, {"question": "B"}]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'  {"question": "Q"}\n', "jsonl"),
        (b"question\tanswer\nQ\tA\n", "tsv"),
        (b"junk\n", "jsonl"),
    ],
)
def test_format_is_sniffed_from_content(tmp_path: Path, data: bytes, expected: str) -> None:
    path = tmp_path / "items.txt"
    path.write_bytes(data)
    (got,) = list(read_items(path))
    if expected == "tsv":
        assert got.item == {"question": "Q", "answer": "A"}
    elif data.startswith(b"junk"):
        assert got.error is not None and got.error.startswith(f"{path}:1: not valid JSON")
    else:
        assert got.item == {"question": "Q"}


def test_format_argument_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "items.jsonl"
    path.write_bytes(b"question\nQ\n")
    assert [r.item for r in read_items(path, format="tsv")] == [{"question": "Q"}]
    with pytest.raises(ValueError, match="unknown items format"):
        list(read_items(path, format="csv"))


def test_a_stream_is_left_open() -> None:
    stream = io.BytesIO(b'{"question": "Q"}\n')
    assert len(list(read_items(stream))) == 1
    assert not stream.closed


def test_a_missing_file_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(read_items(tmp_path / "absent.jsonl"))
