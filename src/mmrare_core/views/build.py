"""Leakage-controlled views of a case report, by track, each with its ``leakage_audit``.

The track x layer matrix is data (``rules/tracks.json``; MMRareBench section 3.2):

======  ==========================  =====================================
track   layers (in the order run)   what the model sees
======  ==========================  =====================================
T1      L1, L2, L3                  no summary sections, diagnosis and captions masked
T2      L1                          no summary sections (the diagnosis is given)
T3      L1, L3                      no summary sections, captions masked
T4      L1, T4, L2, L3              also cut before the withheld tests
======  ==========================  =====================================

Layer 1 drops title, abstract, conclusion and back matter (``sections``); truncation works on
the Layer-1 document, before masking (DESIGN.md); Layer 2 masks the diagnosis over the whole
view at once, so a short form defined in one paragraph is masked in every other
(``masking``); Layer 3 masks captions (``captions``). Every step is recorded in the view's
``leakage_audit``, a frozen :class:`LeakageAudit` whose ``to_dict()`` is byte-identical (as
sorted JSON) for the same input, release and rules.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmrare_core.base.config import configured
from mmrare_core.documents.document import Block, Document
from mmrare_core.ontology.model import parse_code
from mmrare_core.rules.files import RuleSet, read_rule_file
from mmrare_core.text.spans import apply_edits

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.masking.masker import Masker

__all__ = [
    "AUDIT_SCHEMA_VERSION",
    "LeakageAudit",
    "MaskedView",
    "Track",
    "ViewConfig",
    "build_view",
    "tracks",
]

AUDIT_SCHEMA_VERSION = 1
#: Joins blocks for Layer 2: not white space, not a word character, so no alias spans it.
_SEPARATOR = "\n\u241e\n"


@dataclass(frozen=True, slots=True)
class Track:
    """One row of the track x layer matrix."""

    id: str
    name: str
    layers: tuple[str, ...]
    strict: bool


@dataclass(frozen=True, slots=True)
class LeakageAudit:
    """What building a view did, layer by layer: the record a view carries and an item keeps.

    Each layer's entry is None when the track does not run it; ``scope`` is there when Layer 2
    ran. The entries are JSON-ready dicts (their keys are the file format: see ``to_dict``).
    """

    schema_version: int
    library: dict[str, str]
    id_scheme: str
    source: str
    pmcid: str
    track: str
    layers: tuple[str, ...]
    ontology_release: tuple[dict[str, Any], ...]
    targets: tuple[int, ...]
    layer1: dict[str, Any] | None
    truncation: dict[str, Any] | None
    layer2: dict[str, Any] | None
    layer3: dict[str, Any] | None
    counts: dict[str, int]
    scope: dict[str, Any] | None = None
    #: Reserved for checks run when the view is built; empty today (the audit runs them).
    prechecks: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready record (``scope`` only when Layer 2 ran)."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record["layers"] = list(self.layers)
        record["ontology_release"] = list(self.ontology_release)
        record["targets"] = list(self.targets)
        if self.scope is None:
            del record["scope"]
        return record


@dataclass(frozen=True, slots=True)
class MaskedView:
    """What a model sees for one track: the text, its blocks, and the audit record."""

    track: str
    text: str
    blocks: tuple[Block, ...]
    leakage_audit: LeakageAudit

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: track, text, blocks (id, kind, section, label, text), audit."""
        return {
            "track": self.track,
            "text": self.text,
            "blocks": [
                {
                    "id": b.id,
                    "kind": b.kind,
                    "section": list(b.section),
                    "label": b.label,
                    "text": b.text,
                }
                for b in self.blocks
            ],
            "leakage_audit": self.leakage_audit.to_dict(),
        }

    def to_json(self) -> str:
        """Deterministic JSON (sorted keys)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)


@lru_cache(maxsize=4)
def tracks(rules_dir: str | Path | None = None) -> dict[str, Track]:
    """The track x layer matrix from ``rules/tracks.json``."""
    data = read_rule_file("tracks.json", rules_dir)
    out = {}
    for rule in data["rules"]:
        layers = tuple(rule["layers"])
        unknown = set(layers) - {"L1", "L2", "L3", "T4"}
        if unknown:
            from mmrare_core.errors import RuleFileError

            raise RuleFileError(
                f"tracks.json: track {rule['id']!r}: unknown layer(s) {sorted(unknown)}"
            )
        out[rule["id"]] = Track(rule["id"], rule["name"], layers, bool(rule["strict"]))
    return out


@dataclass(frozen=True, slots=True)
class ViewConfig:
    """How a view is built beyond its track: tokens, strictness, a rules folder of your own."""

    #: Mask distinctive fragments too; None follows the track (strict for T1 and T4).
    fragments: bool | None = None
    mask_token: str | None = None
    caption_token: str | None = None
    #: Rule files of your own (tracks, sections, captions, temporal cues); the alias and
    #: fragment rules are the masker's, from the release it was built on.
    rules: RuleSet | str | Path | None = None

    @property
    def rules_dir(self) -> str | Path | None:
        return self.rules.rules_dir if isinstance(self.rules, RuleSet) else self.rules


def build_view(
    doc: Document,
    track: str,
    *,
    masker: Masker | None = None,
    codes: Iterable[int | str] = (),
    withheld_tests: Sequence[str] = (),
    config: ViewConfig | None = None,
    **overrides: Any,
) -> MaskedView:
    """The view of ``doc`` for ``track`` (T1-T4), with its ``leakage_audit``.

    Tracks with Layer 2 need ``masker`` and the diagnosis ``codes``; T4 needs
    ``withheld_tests``. ``config`` (a :class:`ViewConfig`) or its fields as keywords
    (``fragments``, ``mask_token``, ``caption_token``, ``rules``) say how.
    """
    from mmrare_core.errors import MMRareError

    cfg = configured(ViewConfig, config, overrides)
    rules_dir = cfg.rules_dir
    matrix = tracks(rules_dir)
    if track not in matrix:
        raise MMRareError(f"unknown track {track!r} (expected one of {', '.join(matrix)})")
    spec = matrix[track]
    codes = list(codes)
    if "L2" in spec.layers and (masker is None or not codes):
        raise MMRareError(f"track {track} masks the diagnosis: give a masker and the ORPHA codes")
    if "T4" in spec.layers and not any(t and t.strip() for t in withheld_tests):
        raise MMRareError(f"track {track} cuts before the withheld tests: give withheld_tests")
    audit = _Audit(doc, spec, masker, codes, rules_dir)
    current = doc
    for layer in spec.layers:
        if layer == "L1":
            current = audit.layer1(current)
        elif layer == "T4":
            current = audit.truncate(current, withheld_tests)
        elif layer == "L3":
            current = audit.layer3(current, cfg.caption_token)
        else:
            assert masker is not None
            strict = spec.strict if cfg.fragments is None else cfg.fragments
            current = audit.layer2(current, masker, codes, strict, cfg.mask_token)
    return MaskedView(track, current.text, current.blocks, audit.finish(current))


class _Audit:
    """Runs the layers and keeps the record of what each did."""

    def __init__(
        self,
        doc: Document,
        spec: Track,
        masker: Masker | None,
        codes: list[Any],
        rules_dir: str | Path | None = None,
    ) -> None:
        from mmrare_core._version import __version__

        self.rules_dir = rules_dir
        ontology = masker.ontology if masker is not None else None
        self.record: dict[str, Any] = {
            "schema_version": AUDIT_SCHEMA_VERSION,
            "library": {"name": "mmrare_core", "version": __version__},
            "id_scheme": doc.id_scheme,
            "source": Path(doc.source).name,
            "pmcid": doc.pmcid,
            "track": spec.id,
            "layers": list(spec.layers),
            "ontology_release": [_release(i) for i in ontology.release] if ontology else [],
            "targets": [parse_code(c) for c in codes],
            "layer1": None,
            "truncation": None,
            "layer2": None,
            "layer3": None,
            "prechecks": {},
        }
        self.before = doc

    def layer1(self, doc: Document) -> Document:
        from mmrare_core.documents.sections import default_section_rules
        from mmrare_core.views.l1_sections import layer1

        result = layer1(doc, default_section_rules(self.rules_dir))
        self.record["layer1"] = {
            "dropped": [
                {"block": d.block.id, "kind": d.block.kind, "rule": d.rule, "title": d.title}
                for d in result.dropped
            ]
        }
        return result.document

    def truncate(self, doc: Document, withheld_tests: Sequence[str]) -> Document:
        from mmrare_core.views.t4_truncation import default_rules, truncate_before

        result = truncate_before(doc, withheld_tests, default_rules(self.rules_dir))
        self.record["truncation"] = {"withheld_tests": list(withheld_tests), **result.cut.to_dict()}
        return result.document

    def layer3(self, doc: Document, token: str | None) -> Document:
        from mmrare_core.documents.captions import default_caption_rules
        from mmrare_core.views.l3_captions import CAPTION_TOKEN, layer3

        result = layer3(doc, token or CAPTION_TOKEN, default_caption_rules(self.rules_dir))
        self.record["layer3"] = {
            "token": token or CAPTION_TOKEN,
            "edits": [
                {
                    "block": e.block_id,
                    "start": e.start,
                    "end": e.end,
                    "rule": e.rule,
                    "label": e.label,
                }
                for e in result.edits
            ],
        }
        return result.document

    def layer2(
        self, doc: Document, masker: Masker, codes: list[Any], strict: bool, token: str | None
    ) -> Document:
        from mmrare_core.masking.masker import MASK_TOKEN, MaskConfig

        token = token or MASK_TOKEN
        joined = _SEPARATOR.join(b.text for b in doc.blocks)
        # short forms defined in the blocks Layer 1 dropped still stand for the diagnosis
        config = MaskConfig(token, fragments=strict)
        result = masker.mask(joined, codes, config=config, definitions=self.before.text)
        starts = _block_starts(doc.blocks)
        per_block: list[list[Any]] = [[] for _ in doc.blocks]
        for edit in result.edits:  # no alias spans the separator: each edit is in one block
            per_block[bisect_right(starts, edit.start) - 1].append(edit)
        blocks, edits = [], []
        for block, start, block_edits in zip(doc.blocks, starts, per_block, strict=True):
            local = [replace(e, start=e.start - start, end=e.end - start) for e in block_edits]
            edits += [
                {"block": block.id, "start": e.start, "end": e.end, "original": e.original,
                 "alias": e.alias, "code": e.code, "rule": e.rule_id}
                for e in local
            ]  # fmt: skip
            blocks.append(replace(block, text=apply_edits(block.text, local)))
        self.record["scope"] = result.scope.to_dict()
        self.record["layer2"] = {
            "token": token,
            "fragments": strict,
            "abbreviations": list(result.abbreviations),
            "edits": edits,
            "coarser_left": _coarser_left(masker, result.text, result.scope, blocks),
        }
        return replace(doc, blocks=tuple(blocks))

    def finish(self, doc: Document) -> LeakageAudit:
        record = self.record
        l1, l2, l3 = record["layer1"], record["layer2"], record["layer3"]
        record["counts"] = {
            "blocks_in": len(self.before.blocks),
            "blocks_out": len(doc.blocks),
            "blocks_dropped": len(l1["dropped"]) if l1 else 0,
            "diagnosis_masks": len(l2["edits"]) if l2 else 0,
            "caption_masks": len(l3["edits"]) if l3 else 0,
            "chars_in": len(self.before.text),
            "chars_out": len(doc.text),
        }
        record["layers"] = tuple(record["layers"])
        record["ontology_release"] = tuple(record["ontology_release"])
        record["targets"] = tuple(record["targets"])
        return LeakageAudit(**record)


def _release(info: Any) -> dict[str, Any]:
    """A release record without the local folder: the same on every machine."""
    record = asdict(info)
    record["path"] = Path(record["path"]).name
    return record


def _coarser_left(
    masker: Masker, masked: str, scope: Any, blocks: Sequence[Block]
) -> list[dict[str, Any]]:
    """The coarser names of the diagnosis still in the view (one scan of its masked text),
    so that a builder sees them without running the audit."""
    starts = _block_starts(blocks)
    out = []
    for match in masker.coarser_left(masked, scope):
        index = bisect_right(starts, match.start) - 1
        start = starts[index]
        out.append(
            {"block": blocks[index].id, "start": match.start - start, "end": match.end - start,
             "text": masked[match.start : match.end], "rule": match.rule_id, "code": match.code,
             "shared": match.shared, "finding": match.finding}
        )  # fmt: skip
    return out


def _block_starts(blocks: Sequence[Block]) -> list[int]:
    starts, pos = [], 0
    for block in blocks:
        starts.append(pos)
        pos += len(block.text) + len(_SEPARATOR)
    return starts
