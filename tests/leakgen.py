"""Test-side leak generator: clean views of real case texts, then leaks injected into copies.

DESIGN.md (Audit): a leak injected from the alias table that the checks use proves nothing.
So every leaking string here comes from a source the checks do not read:

* the diagnosis of a case is found with the masker over the *whole* release (every code is in
  scope), and the clean T1/T4 views are built by the library (``parse_text`` ->
  ``build_view``); the clean items are what the audit must let through;
* the leaks are written by this module from the release's preferred name (hand-made
  transformations: capitals, NBSP, en dash, curly possessive, soft hyphen, full-width
  letters, diacritics, British spelling, typos, split words), from the name-history file
  (former names; the checks load the release *without* it), from invented abbreviations,
  from fragments picked by this module's own heuristics, and from sentences written by hand
  (captions, answers, withheld tests);
* each injected string is then *labelled* inside or outside the alias table (resp. the
  fragment table) of the target's scope, so that recall is reported apart for the two.

Everything is seeded: each injection draws from ``random.Random(f"{seed}:{item}:{kind}")``,
so a leak does not change when other items are added or removed.

``python -m tests.leakgen`` prints the recall table and the false-positive rate (the figures
in docs/audit.md).
"""

from __future__ import annotations

import argparse
import copy
import csv
import gzip
import json
import os
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from mmrare_core.audit.findings import AuditReport
    from mmrare_core.masking.masker import Masker, Scope
    from mmrare_core.ontology.ontology import Ontology

#: ``../shared/data`` beside the checkout (as in conftest.py; kept here so that the benchmark
#: can import this module without pytest).
SHARED_DATA = Path(
    os.environ.get("MMRARE_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
CASE_TEXTS = SHARED_DATA / "pmc_case_texts" / "t2s2_case_report_bodies.jsonl.gz"
PACKETS = SHARED_DATA / "orphanet" / "orphapackets_en_2025-12-09.jsonl.gz"
NAME_HISTORY = SHARED_DATA / "orphanet" / "orpha_name_history_2020-07_to_2025-12.tsv"

MASK = "[DIAGNOSIS_MASKED]"

KINDS = (
    "alias_variant",
    "former_name",
    "abbreviation",
    "fragment",
    "typo",
    "caption",
    "answer",
    "withheld_test",
)

QUESTIONS = {
    "T1": "Based on the case description, what is the most likely diagnosis?",
    "T2": "The working diagnosis is {name}. What treatment was given?",
    "T4": "Based on the case so far, which examinations should be performed next?",
}

#: Test names a T4 item may withhold (hand-written, not from any rule file of the library).
TEST_NAMES = (
    "MRI",
    "CT",
    "PET",
    "EEG",
    "biopsy",
    "echocardiography",
    "whole exome sequencing",
    "electromyography",
    "lumbar puncture",
    "colonoscopy",
    "bronchoscopy",
    "angiography",
    "karyotype",
    "ultrasonography",
)

#: Hand-written other forms of a test name: (variant id, form); each is a leak sub-kind.
TEST_VARIANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "MRI": (("lower_case", "mri"), ("plural", "MRIs"), ("expanded", "magnetic resonance imaging")),
    "CT": (("lower_case", "ct"), ("plural", "CTs"), ("expanded", "computed tomography")),
    "PET": (("expanded", "positron emission tomography"),),
    "EEG": (("plural", "EEGs"), ("expanded", "electroencephalography")),
    "biopsy": (("capitalised", "Biopsy"), ("plural", "biopsies")),
    "echocardiography": (("capitalised", "Echocardiography"), ("typo", "echocardiograpy"),
                         ("related_word", "echocardiogram")),
    "whole exome sequencing": (("hyphenated", "whole-exome sequencing"), ("initialism", "WES")),
    "electromyography": (("typo", "electromyograhy"), ("initialism", "EMG")),
    "lumbar puncture": (("capitalised", "Lumbar puncture"), ("initialism", "LP")),
    "colonoscopy": (("plural", "colonoscopies"),),
    "bronchoscopy": (("capitalised", "Bronchoscopy"),),
    "angiography": (("related_word", "angiogram"),),
    "karyotype": (("related_word", "karyotyping"),),
    "ultrasonography": (("related_word", "ultrasound"),),
}  # fmt: skip

#: Hand-written American -> British spellings (applied as substrings of the name).
BRITISH = (
    ("leukemia", "leukaemia"), ("anemia", "anaemia"), ("emia", "aemia"), ("edema", "oedema"),
    ("esophag", "oesophag"), ("hemo", "haemo"), ("hema", "haema"), ("hemorrh", "haemorrh"),
    ("ischemi", "ischaemi"), ("pediatr", "paediatr"), ("orthoped", "orthopaed"),
    ("gynecolog", "gynaecolog"), ("fetal", "foetal"), ("estrogen", "oestrogen"),
    ("tumor", "tumour"), ("color", "colour"), ("fiber", "fibre"), ("center", "centre"),
    ("ization", "isation"), ("sulfo", "sulpho"), ("sulfi", "sulphi"), ("celiac", "coeliac"),
    ("diarrhea", "diarrhoea"), ("apnea", "apnoea"), ("hypophosphatemi", "hypophosphataemi"),
    ("glycemi", "glycaemi"), ("cyclopedia", "cyclopaedia"), ("dyslipidemi", "dyslipidaemi"),
)  # fmt: skip

#: Sentences that carry a name (written by hand); ``{x}`` is the leaking string.
NAME_SENTENCES = (
    "The working diagnosis was {x}.",
    "These findings raised the suspicion of {x}.",
    "A diagnosis of {x} was finally made.",
    "The team discussed {x} at the weekly meeting.",
)
FRAGMENT_SENTENCES = (
    "The {x} criteria were met.",
    "A {x}-like phenotype was discussed.",
    "Features reminiscent of the {x} type were noted.",
)
GENE_SENTENCES = (
    "Sequencing showed a heterozygous {x} variant.",
    "A pathogenic variant in {x} was reported by the laboratory.",
)
ABBREVIATION_DEFINITIONS = {
    "after_mask": "The patient was diagnosed with {mask} ({x}).",
    "after_mask_bracket": "The final diagnosis was {mask} [{x}].",
    "reversed": "A diagnosis of {x} ({mask}) was established.",
}
ABBREVIATION_USES = (
    "{x} was managed by the multidisciplinary team.",
    "The course of {x} was uneventful at the next visit.",
)
CAPTIONS = (
    "Axial CT of the chest showing bilateral nodular opacities.",
    "Histopathology of the skin biopsy (H&E, x200) with perivascular infiltrates.",
    "Laboratory findings on admission and at discharge.",
    "Brain MRI, T2-weighted sequence: hyperintense lesions in both thalami.",
    "Timeline of the symptoms, treatments and outcome.",
)
CAPTION_LABELS = (
    ("Figure 3.", "figure"),
    ("Fig. 2:", "figure"),
    ("Table 1", "table"),
    ("FIGURE 4", "figure"),
    ("Fig 1.", "figure"),
    ("Supplementary Figure S1.", "supplementary"),
)
TEST_SENTENCES = (
    "The consultant suggested {x} as the next step.",
    "The team arranged {x} for the following morning.",
    "Results of {x} were awaited.",
)
ANSWER_SENTENCES = (
    "The final diagnosis was {x}.",
    "In retrospect, every feature pointed to {x}.",
)

_TREATMENT_CUE = re.compile(
    r"\b(?:was|were) (?:treated|started|commenced|initiated) (?:with|on)\b"
    r"|\b(?:received|was given|were given|was administered)\b",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z])")
_PARAGRAPH = re.compile(r"\n\n(?=\S)")
_HEADS = frozenset((
    "disease", "syndrome", "sign", "anomaly", "malformation", "tumor", "tumour", "disorder",
    "phenomenon", "lymphoma", "sarcoma", "dystrophy", "myopathy", "neuropathy",
    "encephalopathy", "cardiomyopathy", "ataxia", "palsy", "thyroiditis", "arthritis",
    "encephalitis", "triad", "sequence", "complex"
))  # fmt: skip
_NOT_EPONYM = frozenset((
    "acute", "chronic", "congenital", "familial", "hereditary", "juvenile", "infantile",
    "adult", "primary", "secondary", "idiopathic", "systemic", "autoimmune", "inflammatory",
    "malignant", "benign", "rare", "early", "late", "severe", "mild", "atypical", "classic",
    "isolated", "generalized", "localized", "multiple", "necrotizing", "invasive", "toxic",
    "cystic", "spinal", "cardiogenic", "peripartum", "serotonin", "locked", "interatrial",
    "choledochal", "supernumerary", "infective", "mitochondrial", "hepatic", "pulmonary",
    "renal", "cardiac", "cerebral", "disease", "syndrome", "type", "form"
))  # fmt: skip
_ADJECTIVE_SUFFIXES = ("al", "ic", "ous", "ive", "ary", "ar", "ed", "ing", "oid", "ile", "ant",
                       "ent", "ial", "tic", "ory")  # fmt: skip
#: A gene-like token: capitals with a digit ("COL4A1", "CD30"); capitals alone ("PIGA") only
#: before "-related" / "-associated" (acronyms such as "AML" or "HLH" are no fragments).
_GENE = re.compile(r"^[A-Z][A-Z0-9]*\d[A-Z0-9]*$")
_GENE_BEFORE = re.compile(r"^([A-Z][A-Z0-9]{2,})-(?:related|associated|linked)$", re.IGNORECASE)
_ROMAN = re.compile(r"^[IVX]+$")


# --------------------------------------------------------------------------- inputs


def read_case_texts(path: Path = CASE_TEXTS, limit: int | None = None) -> Iterator[tuple[str, str]]:
    """(pmcid, text) of the case texts, in file order."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for index, line in enumerate(stream):
            if limit is not None and index >= limit:
                return
            record = json.loads(line)
            yield record["pmcid"], record["text"]


def read_former_names(path: Path = NAME_HISTORY) -> dict[int, list[str]]:
    """ORPHA code -> former labels and synonyms of the codes still in the release."""
    out: dict[int, list[str]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as stream:
        for row in csv.DictReader(stream, delimiter="\t"):
            if row["in_2025_12_release"] == "present" and row["term_kind"].startswith("former"):
                out[int(row["orpha_code"])].append(row["term"])
    return dict(out)


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Case:
    """A real case text and the disorder chosen as its diagnosis."""

    pmcid: str
    text: str
    code: int
    name: str
    mentions: int


@dataclass(slots=True)
class Leak:
    """One injected leak: the leaky item, what was injected and where (context offsets).

    ``inside``: whether the injected string is an alias (for fragments: a distinctive
    fragment) of the target's scope in the table the checks use; None where that does not
    apply (captions, answers, tests). ``inside_history``: the same against the table loaded
    with the name-history file (former names only).
    """

    kind: str
    variant: str
    base: str
    track: str
    injected: str
    spans: tuple[tuple[int, int], ...]
    item: dict[str, Any]
    inside: bool | None = None
    inside_history: bool | None = None

    @property
    def group(self) -> str:
        if self.inside is None:
            return "n/a"
        return "inside" if self.inside else "outside"


@dataclass(slots=True)
class Outcome:
    """Whether the audit caught one leak: a finding on the injected text."""

    leak: Leak
    rejected: bool
    flagged: bool  # rejected, or warned (strict mode rejects it)
    checks: tuple[str, ...] = ()


# --------------------------------------------------------------------------- the generator


@dataclass
class LeakGenerator:
    """Clean items from real texts, and leaky copies of them (see the module docstring)."""

    ontology: Ontology
    masker: Masker
    former_names: Mapping[int, Sequence[str]] = field(default_factory=dict)
    seed: int = 0
    history_masker: Masker | None = None

    def __post_init__(self) -> None:
        from mmrare_core.masking.masker import Scope
        from mmrare_core.ontology.fragments import distinctive_fragments

        codes = tuple(sorted(d.code for d in self.ontology))
        self._everything = Scope(codes, codes)
        self._fragments = distinctive_fragments(self.ontology)
        self._lower_words = {
            w for d in self.ontology for w in re.findall(r"(?<![\w-])[a-z][a-z-]+", d.definition)
        }

    def _rng(self, *parts: object) -> random.Random:
        return random.Random(":".join(str(p) for p in (self.seed, *parts)))

    # -- cases

    def mentioned(self, text: str) -> Counter[int]:
        """Disorders (not groups) the text names by a case-insensitive alias, with counts."""
        from mmrare_core.masking.masker import ALIAS

        counts: Counter[int] = Counter()
        for span in self.masker.find(text, self._everything):
            if span.kind != ALIAS or self.ontology.get(span.code).is_group:
                continue
            found = text[span.start : span.end]
            if any(a.case_sensitive for a in self.masker.table.lookup(found)):
                continue  # an acronym ("CRP", "HLH"): too often something else
            counts[span.code] += 1
        return counts

    def cases(
        self, texts: Iterable[tuple[str, str]], limit: int, *, want: str | None = None
    ) -> list[Case]:
        """Up to ``limit`` cases: a text and the disorder it names most (twice or more).

        ``want="former_name"`` (``"fragment"``): pick among the mentioned disorders only
        those with a former name outside the table (a fragment), each disorder once, so that
        one common disorder does not fill the list.
        """
        out: list[Case] = []
        taken: set[int] = set()
        for pmcid, text in texts:
            counts = {c: n for c, n in self.mentioned(text).items() if n >= 2}
            if want:
                counts = {c: n for c, n in counts.items() if c not in taken and self._has(c, want)}
            if not counts:
                continue
            code = max(counts, key=lambda c: (counts[c], -c))
            taken.add(code)
            out.append(Case(pmcid, text, code, self.ontology.get(code).name, counts[code]))
            if len(out) >= limit:
                break
        return out

    def _has(self, code: int, want: str) -> bool:
        if want == "former_name":
            return bool(self._former_outside(code))
        if want == "fragment":
            return bool(self._fragment_pieces(code))
        raise ValueError(want)

    def _former_outside(self, code: int) -> list[str]:
        scope = self.masker.scope(code)
        return [f for f in self.former_names.get(code, ()) if not self._inside(f, scope)]

    # -- clean items

    def clean_items(self, case: Case, tracks: Sequence[str] = ("T1", "T4")) -> list[dict[str, Any]]:
        """The case's clean items of ``tracks`` (T4 and T2 only when the text allows one)."""
        from mmrare_core.documents.text import parse_text
        from mmrare_core.views.build import build_view

        doc = parse_text(case.text, source=case.pmcid)
        items = []
        for track in tracks:
            base: dict[str, Any] = {"index": f"{case.pmcid}-{track}", "track": track,
                                    "pmcid": case.pmcid, "orpha_code": case.code}  # fmt: skip
            if track == "T1":
                view = build_view(doc, "T1", masker=self.masker, codes=[case.code])
                items.append({**base, "question": QUESTIONS["T1"], "context": view.text,
                              "answer": case.name})  # fmt: skip
            elif track == "T4":
                tests = self._withheld_tests(doc, case)
                if not tests:
                    continue
                view = build_view(
                    doc, "T4", masker=self.masker, codes=[case.code], withheld_tests=tests
                )
                items.append({**base, "question": QUESTIONS["T4"], "context": view.text,
                              "answer": case.name, "key_test_names": list(tests)})  # fmt: skip
            elif track == "T2":
                item = self._treatment_item(doc, case, base)
                if item:
                    items.append(item)
        return items

    def _withheld_tests(self, doc: Any, case: Case) -> tuple[str, ...]:
        """One or two hand-listed tests the text names late enough to leave a narrative."""
        from mmrare_core.views.l1_sections import layer1
        from mmrare_core.views.t4_truncation import find_test_mentions, sentences

        body = layer1(doc).document
        starts, pos = {}, 0
        for block in body.blocks:
            starts[block.id] = pos
            pos += len(block.text) + 2
        first: dict[str, int] = {}
        for block_id, test, span, _how in find_test_mentions(body, TEST_NAMES):
            first.setdefault(test, starts[block_id] + span[0])
        if not sentences(body):
            return ()
        late = sorted(t for t, at in first.items() if at >= 800)
        if not late:
            return ()
        rng = self._rng(case.pmcid, "tests")
        chosen = [rng.choice(late)]
        later = [t for t in late if t != chosen[0] and first[t] > first[chosen[0]]]
        if later and rng.random() < 0.5:
            chosen.append(rng.choice(later))
        return tuple(chosen)

    def _treatment_item(self, doc: Any, case: Case, base: dict[str, Any]) -> dict[str, Any] | None:
        """T2: the first treatment sentence is the answer; the context stops before it."""
        from mmrare_core.documents.document import Document
        from mmrare_core.views.build import build_view
        from mmrare_core.views.t4_truncation import sentences

        view = build_view(doc, "T2")
        starts, pos = [], 0
        for block in view.blocks:
            starts.append(pos)
            pos += len(block.text) + 2
        for sentence in sentences(Document(tuple(view.blocks))):
            words = sentence.text.split()
            if not 8 <= len(words) <= 60 or not _TREATMENT_CUE.search(sentence.text):
                continue
            if view.blocks[sentence.block].kind != "paragraph":
                continue
            offset = starts[sentence.block] + sentence.start
            if offset < 800:
                continue
            return {**base, "index": f"{case.pmcid}-T2", "track": "T2",
                    "question": QUESTIONS["T2"].format(name=case.name),
                    "context": view.text[:offset].rstrip(), "answer": sentence.text,
                    "rubric_must_include": [sentence.text]}  # fmt: skip
        return None

    # -- leaks

    def inject(self, item: Mapping[str, Any], kinds: Sequence[str] = KINDS) -> list[Leak]:
        """Leaky copies of a clean item: every applicable sub-kind of every kind asked for."""
        out: list[Leak] = []
        for kind in kinds:
            out.extend(getattr(self, f"_leak_{kind}")(item))
        return out

    def _scope(self, item: Mapping[str, Any]) -> Scope:
        return self.masker.scope(item["orpha_code"])

    def _inside(self, form: str, scope: Scope, masker: Masker | None = None) -> bool:
        table = (masker or self.masker).table
        return any(code in scope.codes for code in table.codes_of(form))

    def _place(
        self, item: Mapping[str, Any], kind: str, variant: str, sentences: Sequence[str],
        injected: str, rng: random.Random, **labels: Any,
    ) -> Leak:  # fmt: skip
        """Insert ``sentences`` at random sentence boundaries (in that order) of the context.

        The spans cover every occurrence of ``injected`` in the inserted sentences (the whole
        sentence when ``injected`` is empty).
        """
        text = item["context"]
        places = _boundaries(text)
        if len(places) >= len(sentences):
            points = sorted(rng.sample(places, len(sentences)))
        else:
            points = sorted(rng.choices(places, k=len(sentences)))
        pieces: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = shift = 0
        for point, sentence in zip(points, sentences, strict=True):
            pieces.append(text[pos:point])
            if point and not text[point - 1].isspace():  # at the very end of the text
                pieces.append(" ")
                shift += 1
            at = point + shift
            inner = _occurrences(sentence, injected) if injected else [(0, len(sentence))]
            spans.extend((at + s, at + e) for s, e in inner)
            pieces.append(sentence + " ")
            shift += len(sentence) + 1
            pos = point
        pieces.append(text[pos:])
        return self._leak(item, kind, variant, "".join(pieces), spans, injected, **labels)

    def _leak(
        self, item: Mapping[str, Any], kind: str, variant: str, context: str,
        spans: Sequence[tuple[int, int]], injected: str, **labels: Any,
    ) -> Leak:  # fmt: skip
        leaky = copy.deepcopy(dict(item))
        leaky["context"] = context
        leaky["index"] = f"{item['index']}~{kind}~{variant}"
        return Leak(kind, variant, str(item["index"]), item["track"], injected, tuple(spans),
                    leaky, **labels)  # fmt: skip

    # (a) alias variants: hand-made forms of the preferred name

    def _leak_alias_variant(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T4"):
            return []
        disorder = self.ontology.get(item["orpha_code"])
        scope = self._scope(item)
        out = []
        forms = alias_variants(disorder.name, self._rng(item["index"], "variant"))
        if disorder.synonyms:
            forms["exact_synonym"] = self._rng(item["index"], "synonym").choice(disorder.synonyms)
        for variant, form in forms.items():
            rng = self._rng(item["index"], "alias_variant", variant)
            sentence = rng.choice(NAME_SENTENCES).format(x=form)
            inside = self._inside(form, scope)
            out.append(self._place(item, "alias_variant", variant, [sentence], form, rng,
                                   inside=inside))  # fmt: skip
        return out

    # (b) former names, from the name-history file (those the table does not hold anyway)

    def _leak_former_name(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T4"):
            return []
        scope = self._scope(item)
        out = []
        for number, former in enumerate(self._former_outside(item["orpha_code"])[:4]):
            rng = self._rng(item["index"], "former_name", number)
            sentence = rng.choice(NAME_SENTENCES).format(x=former)
            history = (
                self._inside(former, scope, self.history_masker) if self.history_masker else None
            )
            out.append(self._place(item, "former_name", f"former_{number}", [sentence], former,
                                   rng, inside=self._inside(former, scope),
                                   inside_history=history))  # fmt: skip
        return out

    # (c) invented abbreviations next to the mask, and their later uses

    def _leak_abbreviation(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T4"):
            return []
        name = self.ontology.get(item["orpha_code"]).name
        out = []
        for variant, definition in ABBREVIATION_DEFINITIONS.items():
            rng = self._rng(item["index"], "abbreviation", variant)
            short = self._invent_short(name, item["context"], rng)
            sentences = [definition.format(mask=MASK, x=short),
                         rng.choice(ABBREVIATION_USES).format(x=short)]  # fmt: skip
            out.append(self._place(item, "abbreviation", variant, sentences, short, rng,
                                   inside=self._inside(short, self._scope(item))))  # fmt: skip
        return out

    def _invent_short(self, name: str, context: str, rng: random.Random) -> str:
        consonants = "BCDFGHJKLMNPQRSTVWXZ"
        head = next((c.upper() for c in name if c.isalpha()), "X")
        while True:
            short = head + "".join(rng.choice(consonants) for _ in range(rng.choice((2, 3))))
            if not self.masker.table.lookup(short) and not re.search(rf"\b{short}", context):
                return short

    # (d) distinctive fragments picked by this module's heuristics

    def _leak_fragment(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T4"):
            return []
        from mmrare_core.text.normalize import normalize_text

        scope = self._scope(item)
        out = []
        for fragment, is_gene, variant in self._fragment_pieces(item["orpha_code"]):
            rng = self._rng(item["index"], "fragment", fragment)
            template = rng.choice(GENE_SENTENCES if is_gene else FRAGMENT_SENTENCES)
            entry = self._fragments.get(normalize_text(fragment))
            inside = entry is not None and any(c in scope.codes for c in entry.codes)
            out.append(self._place(item, "fragment", variant, [template.format(x=fragment)],
                                   fragment, rng, inside=inside))  # fmt: skip
        return out

    def _fragment_pieces(self, code: int) -> list[tuple[str, bool, str]]:
        """(fragment, is_gene, variant) of the disorder's names (``gene``/``eponym``), then of
        its former names (``former_eponym``), at most four of each; a word that the release's
        definitions write in lower case is no proper name."""
        from mmrare_core.ontology.aliases import is_acronym

        disorder = self.ontology.get(code)
        whole = {n.casefold() for n in (*disorder.names, *self.former_names.get(code, ()))}
        out: dict[str, tuple[str, bool, str]] = {}
        for names, source in ((disorder.names, ""), (self._former_outside(code), "former_")):
            found = 0
            for name in names:
                if is_acronym(name):
                    continue
                for fragment, gene in name_fragments(name):
                    key = fragment.casefold()
                    if key in whole or key in out or found >= 4:
                        continue
                    if not gene and fragment.lower() in self._lower_words:
                        continue
                    out[key] = (fragment, gene, source + ("gene" if gene else "eponym"))
                    found += 1
        return list(out.values())

    # (e) typos and split words

    def _leak_typo(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T4"):
            return []
        name = self.ontology.get(item["orpha_code"]).name
        scope = self._scope(item)
        out = []
        for edit in ("substitution", "deletion", "transposition", "split_word"):
            rng = self._rng(item["index"], "typo", edit)
            typo = typo_of(name, edit, rng)
            if typo is None or typo == name:
                continue
            sentence = rng.choice(NAME_SENTENCES).format(x=typo)
            variant = f"{edit}{'_len8+' if len(name) >= 8 else '_len<8'}"
            out.append(self._place(item, "typo", variant, [sentence], typo, rng,
                                   inside=self._inside(typo, scope)))  # fmt: skip
        return out

    # (f) caption lines written by hand

    def _leak_caption(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] not in ("T1", "T3", "T4"):
            return []
        text = item["context"]
        out = []
        for variant in ("own_paragraph", "own_line", "glued", "inline"):
            rng = self._rng(item["index"], "caption", variant)
            label, _ = rng.choice(CAPTION_LABELS)
            caption = f"{label} {rng.choice(CAPTIONS)}"
            if variant in ("own_paragraph", "own_line"):
                points = [m.start() for m in _PARAGRAPH.finditer(text)] or [len(text)]
                point = rng.choice(points)
                glue = "\n\n" if variant == "own_paragraph" else "\n"
                context = text[:point] + glue + caption + text[point:]
                start = point + len(glue)
            else:
                point = rng.choice(_boundaries(text))
                if variant == "glued":  # "... effusion.Figure 3. CT ..." (no space)
                    point = len(text[:point].rstrip())
                context = text[:point] + caption + (" " if variant == "inline" else "")
                context += text[point:]
                start = point
            out.append(self._leak(item, "caption", variant, context,
                                  [(start, start + len(caption))], caption))  # fmt: skip
        return out

    # (g) the answer in a sentence written by hand

    def _leak_answer(self, item: Mapping[str, Any]) -> list[Leak]:
        answer = item.get("answer")
        if not answer:
            return []
        rng = self._rng(item["index"], "answer")
        if item["track"] == "T2":
            variants = {
                "treatment_verbatim": answer,
                "treatment_recased": answer.upper().replace(",", ""),
            }
            return [self._place(item, "answer", v, [s], "", rng) for v, s in variants.items()]
        sentence = rng.choice(ANSWER_SENTENCES).format(x=answer)
        return [self._place(item, "answer", "diagnosis_sentence", [sentence], answer, rng)]

    # (h) T4: a withheld test named by hand

    def _leak_withheld_test(self, item: Mapping[str, Any]) -> list[Leak]:
        if item["track"] != "T4":
            return []
        out = []
        for test in item["key_test_names"]:
            forms = (("exact", test), *TEST_VARIANTS.get(test, ()))
            for variant, form in forms:
                rng = self._rng(item["index"], "withheld_test", test, variant)
                sentence = rng.choice(TEST_SENTENCES).format(x=form)
                out.append(self._place(item, "withheld_test", variant, [sentence], form, rng))
        return out


def _boundaries(text: str) -> list[int]:
    """Sentence starts inside paragraphs (after ``. `` and before a capital)."""
    points = [m.end() for m in _BOUNDARY.finditer(text)]
    return points or [len(text)]


def _occurrences(sentence: str, needle: str) -> list[tuple[int, int]]:
    out, start = [], sentence.find(needle)
    while start >= 0:
        out.append((start, start + len(needle)))
        start = sentence.find(needle, start + 1)
    return out or [(0, len(sentence))]


# --------------------------------------------------------------------------- hand-made forms


def alias_variants(name: str, rng: random.Random) -> dict[str, str]:
    """Hand-made surface forms of a name: variant id -> form (only those that change it)."""
    words = name.split(" ")
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    out = {
        "exact_name": name,
        "upper_case": name.upper(),
        "lower_case": name.lower(),
        "title_case": " ".join(w[:1].upper() + w[1:] for w in words),
        "nbsp": name.replace(" ", "\u00a0"),
        "line_break": name.replace(" ", "\n", 1),
        "en_dash": name.replace("-", "\u2013"),
        "hyphen_to_space": name.replace("-", " "),
        "soft_hyphen": _inside_word(name, words, longest, "\u00ad"),
        "zero_width_space": _inside_word(name, words, longest, "\u200b"),
        "full_width": "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in name),
    }
    if len(words) >= 2 and _eponym_like(words[0]) and words[-1].lower() in _HEADS:
        out["curly_possessive"] = words[0] + "\u2019s " + " ".join(words[1:])
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c)
    )
    if stripped != unicodedata.normalize("NFD", name):
        out["diacritics_removed"] = unicodedata.normalize("NFC", stripped)
    else:
        out["diacritics_added"] = _add_diacritic(name, rng)
    british = _british(name)
    if british != name:
        out["british_spelling"] = british
    return {k: v for k, v in out.items() if k == "exact_name" or v != name}


def _inside_word(name: str, words: list[str], index: int, char: str) -> str:
    word = words[index]
    if len(word) < 4:
        return name
    cut = len(word) // 2
    return " ".join([*words[:index], word[:cut] + char + word[cut:], *words[index + 1 :]])


def _add_diacritic(name: str, rng: random.Random) -> str:
    marks = {"e": "\u00e9", "o": "\u00f6", "u": "\u00fc", "a": "\u00e4", "c": "\u00e7"}
    places = [i for i, c in enumerate(name) if c in marks]
    if not places:
        return name
    i = rng.choice(places)
    return name[:i] + marks[name[i]] + name[i + 1 :]


def _british(name: str) -> str:
    lower = name.lower()
    for american, british in BRITISH:
        at = lower.find(american)
        if at >= 0 and british not in lower:
            piece = name[at : at + len(american)]
            repl = british if piece.islower() else british[:1].upper() + british[1:]
            return name[:at] + repl + name[at + len(american) :]
    return name


def _eponym_like(word: str) -> bool:
    bare = word.split("-")[0]
    return (
        bare[:1].isupper()
        and bare.isalpha()
        and len(bare) >= 4
        and bare.lower() not in _NOT_EPONYM
        and not bare.lower().endswith(_ADJECTIVE_SUFFIXES)
        and not bare.lower().endswith(("osis", "itis", "emia", "pathy", "oma", "iasis"))
    )


def name_fragments(name: str) -> list[tuple[str, bool]]:
    """Distinctive pieces of a name by this module's own heuristics: (fragment, is_gene).

    Gene-like tokens ("COL4A1", "PIGA"); eponyms: a capitalised word after the first, a
    hyphenated pair of capitalised words ("Niemann-Pick"), or a first word that looks like a
    proper name before a head noun ("Kawasaki disease"). The whole name never counts.
    """
    out: dict[str, bool] = {}
    tokens = re.findall(r"[^\W_]+(?:[-'\u2019][^\W_]+)*", name)
    for index, token in enumerate(tokens):
        for part in token.split("-"):
            if _GENE.match(part) and len(part) >= 3:
                out.setdefault(part, True)
        before = _GENE_BEFORE.match(token)
        if before and before.group(1).isupper() and not _ROMAN.match(before.group(1)):
            out.setdefault(before.group(1), True)
        parts = token.split("-")
        proper = [p for p in parts if _eponym_like(p)]
        if len(parts) >= 2 and len(proper) == len(parts):
            out.setdefault(token, False)  # Niemann-Pick, Charcot-Marie-Tooth
            for part in parts:
                out.setdefault(part, False)  # Reiter (of Fiessinger-Leroy-Reiter)
        elif proper and (
            (index > 0 and token[:1].isupper())  # a capitalised word after the first
            or (index == 0 and len(tokens) >= 2 and tokens[-1].lower() in _HEADS)
        ):
            out.setdefault(proper[0], False)
    return [(f, g) for f, g in out.items() if f.casefold() != name.casefold()]


def typo_of(name: str, edit: str, rng: random.Random) -> str | None:
    """The name with one random character edit in a word of four letters or more."""
    words = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z]{4,}", name)]
    if not words:
        return None
    if edit == "split_word":
        long = [(s, e) for s, e in words if e - s >= 8]
        if not long:
            return None
        s, e = rng.choice(long)
        cut = rng.randrange(s + 3, e - 2)
        return name[:cut] + " " + name[cut:]
    s, e = rng.choice(words)
    i = rng.randrange(s + 1, e - 1)  # keep the first and last letter of the word
    if edit == "substitution":
        letter = rng.choice([c for c in "abcdefghijklmnopqrstuvwxyz" if c != name[i].lower()])
        return name[:i] + letter + name[i + 1 :]
    if edit == "deletion":
        return name[:i] + name[i + 1 :]
    if name[i] == name[i + 1]:
        i = next((j for j in range(s, e - 1) if name[j] != name[j + 1]), i)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


# --------------------------------------------------------------------------- clean views


def silent_residue(item: Mapping[str, Any], ontology: Ontology) -> list[tuple[str, str]]:
    """Forms of the diagnosis (T1, T4) and of the withheld tests (T4) that a clean view still
    holds, found by patterns written here: (what, the text found).

    Diagnosis: each non-acronym name of the target with its words joined by a space or a
    hyphen, an optional plural ``s``/``es`` and an optional possessive. Tests: the hand-made
    forms of :data:`TEST_VARIANTS` (acronyms with their capitals).
    """
    from mmrare_core.ontology.aliases import is_acronym

    context = item.get("context") or ""
    text = context.replace("\u00ad", "").replace("\u200b", "")
    out = []
    if item["track"] in ("T1", "T4"):
        for name in ontology.get(item["orpha_code"]).names:
            if is_acronym(name) or len(name) < 6:
                continue
            words = [re.escape(w) for w in re.split(r"[\s\-\u2013]+", name) if w]
            joined = r"(?:['\u2019]s)?[\s\-\u2013]+".join(words)
            pattern = rf"(?<![\w-]){joined}(?:['\u2019]s|s|es)?(?![\w-])"
            for m in re.finditer(pattern, text, re.IGNORECASE):
                out.append((f"name:{name}", m.group(0)))
    if item["track"] == "T4":
        for test in item.get("key_test_names", ()):
            for variant, form in (("exact", test), *TEST_VARIANTS.get(test, ())):
                flags = 0 if form.isupper() or form[:-1].isupper() else re.IGNORECASE
                for m in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", text, flags):
                    out.append((f"test:{test}/{variant}", m.group(0)))
    return out


# --------------------------------------------------------------------------- scoring


def outcome(leak: Leak, report: AuditReport, base: AuditReport) -> Outcome:
    """Caught = a finding on the injected text (a span that overlaps it), or a finding with
    no span whose check the clean item did not have (answer-in-context)."""
    base_checks = {f.check for f in base.findings}
    hits = []
    for finding in report.findings:
        if finding.severity not in ("reject", "warn"):
            continue
        if finding.span is None:
            if finding.check not in base_checks:
                hits.append(finding)
            continue
        if finding.field != "context":
            continue
        start, end = finding.span
        if any(start < e and s < end for s, e in leak.spans):
            hits.append(finding)
    return Outcome(
        leak,
        rejected=any(f.severity == "reject" for f in hits),
        flagged=bool(hits),
        checks=tuple(sorted({f.check for f in hits})),
    )


@dataclass(slots=True)
class Row:
    kind: str
    variant: str
    group: str
    n: int = 0
    rejected: int = 0
    flagged: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.rejected / self.n if self.n else float("nan")

    @property
    def recall_flagged(self) -> float:
        return self.flagged / self.n if self.n else float("nan")


def tabulate(outcomes: Iterable[Outcome], by_variant: bool = True) -> list[Row]:
    """Recall rows by (kind, variant, inside/outside), in kind order."""
    rows: dict[tuple[str, str, str], Row] = {}
    for out in outcomes:
        leak = out.leak
        key = (leak.kind, leak.variant if by_variant else "*", leak.group)
        row = rows.setdefault(key, Row(*key))
        row.n += 1
        row.rejected += out.rejected
        row.flagged += out.flagged
        row.checks.update(out.checks)
        if not out.rejected:
            row.missed.append(f"{leak.item['index']}: {leak.injected!r}")
    return sorted(rows.values(), key=lambda r: (KINDS.index(r.kind), r.variant, r.group))


def format_rows(rows: Sequence[Row]) -> str:
    lines = [
        f"{'kind':14} {'variant':24} {'table':8} {'n':>5} {'rejected':>9} {'flagged':>8}  checks",
        "-" * 100,
    ]
    for r in rows:
        checks = ", ".join(f"{c} {n}" for c, n in r.checks.most_common())
        lines.append(
            f"{r.kind:14} {r.variant:24} {r.group:8} {r.n:5d} {r.recall:9.3f} "
            f"{r.recall_flagged:8.3f}  {checks}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- a whole run


@dataclass
class Run:
    """Everything one measurement needs: the clean items, their reports, the leaks."""

    generator: LeakGenerator
    clean: list[dict[str, Any]]
    clean_reports: list[AuditReport]
    leaks: list[Leak]
    outcomes: list[Outcome]
    history_outcomes: list[Outcome]
    seconds: float
    residue: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def rejected_clean(self) -> list[AuditReport]:
        return [r for r in self.clean_reports if r.verdict == "reject"]

    @property
    def flagged_clean(self) -> list[AuditReport]:
        return [r for r in self.clean_reports if r.verdict != "pass"]


def build_generator(seed: int = 0, history: bool = True) -> LeakGenerator:
    """The generator over the full release (loaded without the name-history file)."""
    from mmrare_core.masking.masker import Masker
    from mmrare_core.ontology.ontology import load

    ontology = load(PACKETS)
    masker = Masker.from_ontology(ontology)
    history_masker = None
    if history:
        history_masker = Masker.from_ontology(load(PACKETS, aliases=[NAME_HISTORY]))
    return LeakGenerator(ontology, masker, read_former_names(NAME_HISTORY), seed, history_masker)


def measure(
    generator: LeakGenerator,
    *,
    cases: int = 80,
    former_cases: int = 25,
    fragment_cases: int = 25,
    texts: int = 2139,
    tracks: Sequence[str] = ("T1", "T4", "T2"),
) -> Run:
    """Clean items of ``cases`` texts, their leaky copies (every kind), and the audit of all
    of them. To have enough former names and fragments to count, ``former_cases``
    (``fragment_cases``) more texts give a T1 item whose diagnosis has a former name (a
    fragment), each a different disorder, injected with that kind only. Former names are
    also audited against the table loaded with the name-history file."""
    from mmrare_core.audit import AuditContext, audit_item

    started = time.perf_counter()
    chosen = generator.cases(read_case_texts(CASE_TEXTS, texts), cases)
    taken = {c.pmcid for c in chosen}
    clean: list[dict[str, Any]] = []
    for case in chosen:
        clean.extend(generator.clean_items(case, tracks))
    only: dict[str, str] = {}  # item index -> the one kind injected into it
    for want, limit in (("former_name", former_cases), ("fragment", fragment_cases)):
        rest = ((p, t) for p, t in read_case_texts(CASE_TEXTS, texts) if p not in taken)
        for case in generator.cases(rest, limit, want=want):
            taken.add(case.pmcid)
            for item in generator.clean_items(case, ("T1",)):
                only[item["index"]] = want
                clean.append(item)
    context = AuditContext(generator.masker)
    clean_all = clean
    reports = [audit_item(item, context) for item in clean_all]
    by_index = {r.item: r for r in reports}
    leaks: list[Leak] = []
    for item, report in zip(clean_all, reports, strict=True):
        if report.verdict == "reject":
            continue  # a false positive: no clean base to inject into
        kinds = (only[item["index"]],) if item["index"] in only else KINDS
        leaks.extend(generator.inject(item, kinds))
    outcomes = [outcome(k, audit_item(k.item, context), by_index[k.base]) for k in leaks]
    history_outcomes = []
    if generator.history_masker is not None:
        history_context = AuditContext(generator.history_masker)
        for leak in leaks:
            if leak.kind == "former_name":
                shadow = Leak(leak.kind, leak.variant, leak.base, leak.track, leak.injected,
                              leak.spans, leak.item, leak.inside_history)  # fmt: skip
                history_outcomes.append(
                    outcome(shadow, audit_item(leak.item, history_context), by_index[leak.base])
                )
    residue = {item["index"]: silent_residue(item, generator.ontology) for item in clean_all}
    return Run(generator, clean_all, reports, leaks, outcomes, history_outcomes,
               time.perf_counter() - started, {k: v for k, v in residue.items() if v})  # fmt: skip


def summary(run: Run) -> str:
    """The recall tables and the false-positive rate, as docs/audit.md shows them."""
    n = len(run.clean_reports)
    tracks = Counter(item["track"] for item in run.clean)
    lines = [
        f"clean items: {n} ({', '.join(f'{t} {c}' for t, c in sorted(tracks.items()))}); "
        f"leaky items: {len(run.leaks)}; {run.seconds:.1f} s",
        f"false positives (clean items rejected): {len(run.rejected_clean)}/{n} = "
        f"{len(run.rejected_clean) / n:.3f}; flagged (reject or warn, strict mode): "
        f"{len(run.flagged_clean)}/{n} = {len(run.flagged_clean) / n:.3f}",
    ]
    for report in run.flagged_clean:
        for f in report.findings:
            if f.severity in ("reject", "warn"):
                lines.append(f"  {report.item}: {f.severity} {f.check}: {f.message[:110]}")
    verdicts = {r.item: r.verdict for r in run.clean_reports}
    lines += [
        "",
        f"clean views that still hold a hand-pattern form of the diagnosis or a withheld test: "
        f"{len(run.residue)}/{n}",
    ]
    for index, found in run.residue.items():
        lines.append(f"  {index} (audit: {verdicts[index]}): {sorted(set(found))[:4]}")
    lines += ["", "recall by kind (rejected = caught without --strict; flagged = with it)", ""]
    lines.append(format_rows(tabulate(run.outcomes, by_variant=False)))
    lines += ["", "recall by variant", ""]
    lines.append(format_rows(tabulate(run.outcomes)))
    if run.history_outcomes:
        lines += ["", "former names, checks loaded WITH the name-history file", ""]
        lines.append(format_rows(tabulate(run.history_outcomes, by_variant=False)))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.leakgen", description=__doc__)
    parser.add_argument("--cases", type=int, default=80)
    parser.add_argument("--former-cases", type=int, default=25)
    parser.add_argument("--fragment-cases", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--missed", action="store_true", help="list every missed leak")
    args = parser.parse_args(argv)
    if not CASE_TEXTS.exists() or not PACKETS.exists():
        print(f"real data not available under {SHARED_DATA}", file=sys.stderr)
        return 2
    run = measure(
        build_generator(args.seed),
        cases=args.cases,
        former_cases=args.former_cases,
        fragment_cases=args.fragment_cases,
    )
    print(summary(run))
    if args.missed:
        print("\nmissed (not rejected):")
        for row in tabulate([*run.outcomes, *run.history_outcomes]):
            for miss in row.missed:
                print(f"  {row.kind}/{row.variant}/{row.group}: {miss}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
