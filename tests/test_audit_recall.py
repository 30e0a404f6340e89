"""The audit's recall per leak kind and its false-positive rate, measured on real case texts.

Issue 5, "Measured, not assumed": ``tests/leakgen.py`` builds clean T1/T4/T2 items from the
PMC case texts and the full Orphanet release, then injects leaks of every kind from sources
the checks do not read (DESIGN.md, Audit). Recall must be 1.0 on exact and variant aliases
that are inside the alias table and on caption lines; for the fuzzy kinds the figure measured
when this test was written is asserted as a floor a little below it. The figures are in
docs/audit.md (``python -m tests.leakgen --cases 45 --former-cases 15 --fragment-cases 15``
prints them).

Real data: skipped cleanly where ``../shared/data`` is absent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest

from .conftest import NAME_HISTORY, PACKETS, require
from .leakgen import CASE_TEXTS, KINDS, LeakGenerator, Outcome, Run

pytestmark = pytest.mark.realdata

#: The run the figures below were measured on (146 clean items, 1,855 leaky ones).
CASES, FORMER_CASES, FRAGMENT_CASES = 45, 15, 15


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    require(PACKETS)
    require(NAME_HISTORY)
    require(CASE_TEXTS)
    from .leakgen import build_generator, measure

    with pytest.MonkeyPatch.context() as patch:  # the session's private cache (conftest.py)
        patch.setenv("MMRARE_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        patch.delenv("MMRARE_ORPHANET", raising=False)
        return measure(
            build_generator(seed=0),
            cases=CASES,
            former_cases=FORMER_CASES,
            fragment_cases=FRAGMENT_CASES,
        )


def _recall(outcomes: Iterable[Outcome], flagged: bool = False) -> tuple[float, int]:
    hits = [o.flagged if flagged else o.rejected for o in outcomes]
    assert hits, "no leak of this kind was generated"
    return sum(hits) / len(hits), len(hits)


def _select(
    run: Run, kind: str, *, group: str | None = None, variants: Iterable[str] = ()
) -> list[Outcome]:
    wanted = set(variants)
    return [
        o
        for o in run.outcomes
        if o.leak.kind == kind
        and (group is None or o.leak.group == group)
        and (not wanted or o.leak.variant in wanted)
    ]


def _missed(outcomes: Iterable[Outcome]) -> list[str]:
    return [f"{o.leak.item['index']}: {o.leak.injected!r}" for o in outcomes if not o.rejected]


# --------------------------------------------------------------------------- the sample


def test_the_sample_is_large_and_independent(run: Run) -> None:
    tracks = Counter(item["track"] for item in run.clean)
    assert len(run.clean) >= 140 and set(tracks) == {"T1", "T2", "T4"}, tracks
    kinds = {o.leak.kind for o in run.outcomes}
    assert kinds == set(KINDS)
    # not by construction: many injected strings are not in the table the checks use
    for kind in ("alias_variant", "former_name", "abbreviation", "typo"):
        assert _select(run, kind, group="outside"), kind
    assert all(not o.leak.inside for o in _select(run, "abbreviation"))
    assert all(not o.leak.inside for o in _select(run, "former_name"))


def test_the_generator_is_deterministic(run: Run) -> None:
    generator: LeakGenerator = run.generator
    item = next(i for i in run.clean if i["track"] == "T4")
    first = [(k.variant, k.item["context"], k.spans) for k in generator.inject(item)]
    again = [(k.variant, k.item["context"], k.spans) for k in generator.inject(item)]
    assert first == again and len(first) > 10


# --------------------------------------------------------------------------- the requirement


def test_recall_is_one_on_exact_and_variant_aliases_inside_the_table(run: Run) -> None:
    inside = _select(run, "alias_variant", group="inside")
    recall, n = _recall(inside)
    assert n >= 500
    assert recall == 1.0, _missed(inside)
    exact = _select(run, "alias_variant", group="inside", variants=["exact_name", "exact_synonym"])
    assert _recall(exact)[0] == 1.0, _missed(exact)


def test_recall_is_one_on_former_names_once_the_history_file_is_loaded(run: Run) -> None:
    assert run.history_outcomes and all(o.leak.inside for o in run.history_outcomes)
    recall, _ = _recall(run.history_outcomes)
    assert recall == 1.0, _missed(run.history_outcomes)


def test_recall_is_one_on_caption_lines(run: Run) -> None:
    lines = _select(run, "caption", variants=["own_paragraph", "own_line", "glued"])
    recall, n = _recall(lines)
    assert n >= 200
    assert recall == 1.0, _missed(lines)
    assert all("caption_text" in o.checks for o in lines)
    # Not required: a caption written mid-line after a sentence and a space ("... normal.
    # Figure 3. Axial CT ...") is, by the caption rules, a sentence. Measured: 3/71 = 0.042
    # (T4 items whose caption names a withheld test).
    _, n = _recall(_select(run, "caption", variants=["inline"]))
    assert n >= 50


# --------------------------------------------------------------------------- measured floors


def test_recall_outside_the_alias_table(run: Run) -> None:
    # measured: 74/76 = 0.974 (diacritics added: "Typhöid", "Q fevér" are too short for
    # the near-miss check, which reads aliases of eight characters or more)
    recall, n = _recall(_select(run, "alias_variant", group="outside"))
    assert recall >= 0.95, (recall, n)


def test_recall_on_former_names_without_the_history_file(run: Run) -> None:
    # measured: rejected 5/35 = 0.143, flagged (a fragment warning) 9/35 = 0.257 -- a former
    # name is outside the table, so only a near-miss, an old synonym or a fragment catches it
    former = _select(run, "former_name")
    assert _recall(former)[0] >= 0.12
    assert _recall(former, flagged=True)[0] >= 0.22


def test_recall_on_invented_abbreviations(run: Run) -> None:
    # measured: 213/213 = 1.000 (after the mask, in brackets, and reversed)
    assert _recall(_select(run, "abbreviation"))[0] >= 0.98


def test_recall_on_fragments(run: Run) -> None:
    # measured: fragments are warnings (residual_fragment): flagged 40/40 = 1.000 inside the
    # fragment table; outside it ("Tako", former eponyms "Reiter", ...) 1/4 = 0.25
    inside = _select(run, "fragment", group="inside")
    assert _recall(inside, flagged=True)[0] >= 0.97, [
        o.leak.injected for o in inside if not o.flagged
    ]
    assert all(o.leak.inside is not None for o in _select(run, "fragment"))


def test_recall_on_typos_and_split_words(run: Run) -> None:
    # measured: 276/282 = 0.979 overall; 276/276 = 1.000 on names of eight characters or
    # more; 0/6 on shorter names (below the near-miss check's min_length)
    typos = _select(run, "typo")
    assert _recall(typos)[0] >= 0.95
    long_names = [o for o in typos if "len8+" in o.leak.variant]
    assert _recall(long_names)[0] >= 0.98, _missed(long_names)


def test_recall_on_answer_sentences(run: Run) -> None:
    # measured: 143/143 = 1.000 (T1/T4 diagnosis sentence; T2 treatment sentence verbatim
    # and re-cased)
    answers = _select(run, "answer")
    assert _recall(answers)[0] >= 0.98, _missed(answers)
    t2 = [o for o in answers if o.leak.track == "T2"]
    assert t2 and all("answer_in_context" in o.checks for o in t2)


def test_recall_on_withheld_tests(run: Run) -> None:
    # measured: exact name 37/37, capitalised 14/14, typo'd 6/6, hyphenated 1/1 = 1.000;
    # all forms 58/122 = 0.475: lower case "mri", plurals "MRIs"/"biopsies", the expanded
    # name, initialisms and related words ("echocardiogram") are not caught
    tests = _select(run, "withheld_test")
    named = _select(run, "withheld_test", variants=["exact", "capitalised", "typo"])
    assert _recall(named)[0] >= 0.98, _missed(named)
    assert _recall(tests)[0] >= 0.45


# --------------------------------------------------------------------------- false positives


def test_false_positive_rate_on_clean_views(run: Run) -> None:
    # measured: 17/146 = 0.116 clean items rejected (22/146 = 0.151 with warnings). Of the 17, 9 are
    # real leaks the views left (plural "supernumerary kidneys", "Listeria infections";
    # "syndrome3"-style citation digits glued to the name; "soft-tissue" for "soft tissue";
    # "AL-amyloidosis"; the source's "hydatic cyst"), 9 are audit false positives (a plain
    # word taken for a short form of the mask: "meningitis ([DIAGNOSIS_MASKED])", 5 items;
    # near-misses aligned inside a word: "neonatal ris(k)", 2; "acute renal failure", 1) --
    # see docs/audit.md.
    n = len(run.clean_reports)
    rate = len(run.rejected_clean) / n
    assert rate <= 0.116 + 0.03, [r.item for r in run.rejected_clean]
    flagged = len(run.flagged_clean) / n
    assert flagged <= 0.151 + 0.03, [r.item for r in run.flagged_clean]
