"""Documents and views: parse alone, and parse + all four track views, side by side.

    python -m benchmarks.views_bench [--repeat R] [--limit N] [--data DIR]
                                     [--withheld TEST ...] [--code ORPHA] [--out JSON]

Corpora, from ``../shared/data``:

* every JATS article in ``pmc/jats_articles.tar.gz`` (139; members read with ``tarfile``,
  ``parse_jats`` on the bytes);
* the 2,239 PMC case-report bodies in ``pmc_case_texts`` (T2S2 + sepsis-100; ``parse_text``).

Views use the masker of the full ORPHApackets release 2025-12-09 (built once, not timed in the
rows). Each report's target is a disorder it mentions: the most frequent code among the spans
``Masker.find`` returns with every code of the release in scope (found once up front, not
timed); a report that mentions none gets ``--code`` (default ORPHA:2331). T4 withholds the same
tests for every report (``--withheld``, default MRI and biopsy).

Rows, per corpus: ``parse`` (bytes or str -> ``Document``) and ``parse + 4 views`` (the same,
then ``build_view`` for T1, T2, T3 and T4), each the best of ``--repeat`` passes in **CPU
seconds** of this process (``time.process_time``; the machine is shared), with the best
wall-clock pass beside it; then the time of each track's view alone on parsed documents.
Throughput is reports/s and MB/s of input (UTF-8 bytes of the text, bytes of the XML;
MB = 10^6 bytes); "text MB" is the size of the parsed documents' text. A view that raises is
counted (and named on stderr), never fatal: its time still counts. Markdown on stdout,
progress on stderr; exit 2 when data is missing.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks import harness
from benchmarks.harness import Timing

TRACKS = ("T1", "T2", "T3", "T4")
FALLBACK_CODE = 2331

log = harness.progress("views_bench")


# --------------------------------------------------------------------------- data


@dataclass
class Corpus:
    """Raw reports of one kind, their sizes, names and (once found) target codes."""

    name: str
    kind: str  # "jats" or "text"
    names: list[str]
    raw: list[Any]  # bytes (JATS) or str (text)
    nbytes: list[int]
    codes: list[list[int]] = field(default_factory=list)
    real_targets: int = 0
    text_bytes: int = 0  # UTF-8 bytes of the parsed documents' text (Document.text)

    @property
    def mb(self) -> float:
        return sum(self.nbytes) / 1e6

    def parse(self, index: int) -> Any:
        from mmrare_core.documents.jats import parse_jats
        from mmrare_core.documents.text import parse_text

        if self.kind == "jats":
            return parse_jats(self.raw[index])
        return parse_text(self.raw[index], source=self.names[index], pmcid=self.names[index])


def read_jats(path: Path, limit: int | None) -> Corpus:
    articles = harness.read_jats(path, limit)
    return Corpus("JATS articles (pmc/jats_articles.tar.gz)", "jats",
                  [name for name, _ in articles], [xml for _, xml in articles],
                  [len(xml) for _, xml in articles])  # fmt: skip


def read_texts(paths: Sequence[Path], limit: int | None) -> Corpus:
    cases = harness.read_cases(paths, limit)
    texts = [text for _, text in cases]
    return Corpus("case texts (t2s2 + sepsis-100)", "text", [pmcid for pmcid, _ in cases],
                  texts, harness.utf8_bytes(texts))  # fmt: skip


def find_targets(corpus: Corpus, masker: Any, scope: Any, fallback: int) -> None:
    """Each report's most frequent disorder (``Masker.find``, all codes in scope)."""
    corpus.codes = []
    for i in range(len(corpus.raw)):
        doc = corpus.parse(i)
        corpus.text_bytes += len(doc.text.encode("utf-8"))
        found = Counter(span.code for span in masker.find(doc.text, scope))
        if found:
            corpus.codes.append([found.most_common(1)[0][0]])
            corpus.real_targets += 1
        else:
            corpus.codes.append([fallback])


# --------------------------------------------------------------------------- timing
# Each row is ``harness.best_of``: best CPU and best wall-clock pass, ``result`` the view errors.


def run_parse(corpus: Corpus) -> Counter[str]:
    for i in range(len(corpus.raw)):
        corpus.parse(i)
    return Counter()


def run_views(
    corpus: Corpus,
    masker: Any,
    withheld: Sequence[str],
    tracks: Sequence[str] = TRACKS,
    docs: Sequence[Any] | None = None,
) -> Counter[str]:
    """Parse (unless ``docs`` are given) and build each track's view of every report."""
    from mmrare_core.views.build import build_view

    errors: Counter[str] = Counter()
    for i in range(len(corpus.raw)):
        doc = docs[i] if docs is not None else corpus.parse(i)
        for track in tracks:
            try:
                build_view(
                    doc, track, masker=masker, codes=corpus.codes[i], withheld_tests=withheld
                )
            except Exception as exc:  # counted and reported, never fatal
                errors[f"{track}: {type(exc).__name__}: {exc} ({corpus.names[i]})"] += 1
    return errors


# --------------------------------------------------------------------------- report


def _rate(spec: str) -> Any:
    """A column format that shows a dash for a zero time (NaN rate)."""
    return lambda v: "–" if v != v else format(v, spec)


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, repeat=3, limit="first N reports per corpus")
    parser.add_argument(
        "--withheld", nargs="+", default=["MRI", "biopsy"], help="T4's withheld tests"
    )
    parser.add_argument("--code", type=int, default=FALLBACK_CODE, help="fallback target")
    args = parser.parse_args(argv)
    release, tar = args.data / harness.RELEASE, args.data / harness.JATS_TAR
    cases = [args.data / c for c in harness.CASES]
    if not harness.have_data("views_bench", release, tar, *cases):
        return harness.MISSING
    report = harness.Report(
        "views_bench", "Documents and views: parse, and parse + four track views", argv
    )

    from mmrare_core.masking.masker import Masker, Scope

    log("loading the release and building its masker")
    t0 = time.perf_counter()
    ontology, _ = harness.load_ontology(release)
    masker = Masker.from_ontology(ontology)
    build_s = time.perf_counter() - t0
    codes = tuple(sorted(d.code for d in ontology))
    everything = Scope(targets=codes, codes=codes)

    corpora = [read_jats(tar, args.limit), read_texts(cases, args.limit)]
    for corpus in corpora:
        log(f"finding targets: {corpus.name}")
        find_targets(corpus, masker, everything, args.code)

    rows: list[tuple[Corpus, Timing, Timing, dict[str, Timing]]] = []
    for corpus in corpora:
        log(f"parse: {corpus.name}")
        parse = harness.best_of(partial(run_parse, corpus), args.repeat)
        log(f"parse + 4 views: {corpus.name}")
        full = harness.best_of(partial(run_views, corpus, masker, args.withheld), args.repeat)
        docs = [corpus.parse(i) for i in range(len(corpus.raw))]
        per_track = {}
        for track in TRACKS:
            log(f"{track} alone: {corpus.name}")
            work = partial(run_views, corpus, masker, args.withheld, (track,), docs)
            per_track[track] = harness.best_of(work, args.repeat)
        rows.append((corpus, parse, full, per_track))
        for message, count in sorted(full.result.items()):
            log(f"view error x{count}: {message}")

    report.fact(
        f"release {release.name} ({len(codes):,} entities), masker load/build {build_s:.1f} s "
        f"(not in the rows); T4 withholds {', '.join(args.withheld)}; best of {args.repeat}, "
        "CPU seconds (wall clock: best wall-clock pass)"
    )
    table = report.table(
        "corpus", ("reports", ","), ("MB", ".1f"), ("text MB", ".1f"), ("real targets", ","),
        ("parse s", ".2f"), ("parse reports/s", _rate(",.0f")), ("parse MB/s", _rate(".2f")),
        ("parse + 4 views s", ".2f"), ("+ 4 views reports/s", _rate(",.0f")),
        ("+ 4 views MB/s", _rate(".2f")), ("views' share", ".0%"),
        ("wall s (parse / + views)", ""), ("view errors", ","),
    )  # fmt: skip
    for corpus, parse, full, _ in rows:
        n, nbytes = len(corpus.raw), sum(corpus.nbytes)
        share = 1 - parse.cpu / full.cpu if full.cpu > 0 else 0.0
        table.add(
            corpus.name, n, corpus.mb, corpus.text_bytes / 1e6, corpus.real_targets, parse.cpu,
            harness.per_second(n, parse.cpu), harness.mbps(nbytes, parse.cpu), full.cpu,
            harness.per_second(n, full.cpu), harness.mbps(nbytes, full.cpu), share,
            f"{parse.wall:.2f} / {full.wall:.2f}", sum(full.result.values()),
        )  # fmt: skip
    per_track_columns: list[harness.Column] = ["corpus"]
    for t in TRACKS:
        per_track_columns += [(f"{t} s", ".2f"), (f"{t} reports/s", _rate(",.0f")),
                              (f"{t} MB/s", _rate(".2f"))]  # fmt: skip
    tracks = report.table(
        *per_track_columns,
        intro="Each track's view alone, on parsed documents (reports/s, MB/s of input):",
    )
    for corpus, _, _, per_track in rows:
        n, nbytes = len(corpus.raw), sum(corpus.nbytes)
        cells: list[Any] = [corpus.name]
        for track in TRACKS:
            cpu = per_track[track].cpu
            cells += [cpu, harness.per_second(n, cpu), harness.mbps(nbytes, cpu)]
        tracks.add(*cells)
    errors = sorted({message for _, _, full, _ in rows for message in full.result})
    if errors:
        report.text("Views that raised:\n\n" + "\n".join(f"- {message}" for message in errors))
    report.emit(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
