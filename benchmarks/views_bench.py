"""Documents and views: parse alone, and parse + all four track views, side by side.

    python benchmarks/views_bench.py [--repeat R] [--limit N] [--data DIR]
                                     [--withheld TEST ...] [--code ORPHA]

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

import argparse
import gzip
import json
import platform
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
RELEASE = Path("orphanet") / "orphapackets_en_2025-12-09.jsonl.gz"
JATS_TAR = Path("pmc") / "jats_articles.tar.gz"
CASES = (
    Path("pmc_case_texts") / "t2s2_case_report_bodies.jsonl.gz",
    Path("pmc_case_texts") / "sepsis-100_case_report_bodies.jsonl.gz",
)
TRACKS = ("T1", "T2", "T3", "T4")
FALLBACK_CODE = 2331


def log(message: str) -> None:
    print(f"[views_bench] {message}", file=sys.stderr, flush=True)


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
    names, raw = [], []
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".xml"):
                handle = tar.extractfile(member)
                assert handle is not None
                names.append(Path(member.name).stem)
                raw.append(handle.read())
    names, raw = names[:limit] if limit else names, raw[:limit] if limit else raw
    return Corpus("JATS articles (pmc/jats_articles.tar.gz)", "jats", names, raw,
                  [len(r) for r in raw])  # fmt: skip


def read_texts(paths: Sequence[Path], limit: int | None) -> Corpus:
    names: list[str] = []
    raw: list[str] = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    record = json.loads(line)
                    names.append(record["pmcid"])
                    raw.append(record["text"])
    names, raw = names[:limit] if limit else names, raw[:limit] if limit else raw
    return Corpus("case texts (t2s2 + sepsis-100)", "text", names, raw,
                  [len(t.encode("utf-8")) for t in raw])  # fmt: skip


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


@dataclass
class Timing:
    cpu: float
    wall: float
    errors: Counter[str] = field(default_factory=Counter)


def best_of(repeat: int, work: Callable[[], Counter[str]]) -> Timing:
    best: Timing | None = None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        errors = work()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        if best is None or cpu < best.cpu:
            best = Timing(cpu, wall, errors)
    assert best is not None
    return best


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


def rate(n: int, mb: float, seconds: float) -> tuple[str, str]:
    if seconds <= 0:
        return "–", "–"
    return f"{n / seconds:,.0f}", f"{mb / seconds:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    parser.add_argument("--repeat", type=int, default=3, help="passes per row (best counts)")
    parser.add_argument("--limit", type=int, default=None, help="first N reports per corpus")
    parser.add_argument(
        "--withheld", nargs="+", default=["MRI", "biopsy"], help="T4's withheld tests"
    )
    parser.add_argument("--code", type=int, default=FALLBACK_CODE, help="fallback target")
    args = parser.parse_args(argv)
    release, tar = args.data / RELEASE, args.data / JATS_TAR
    cases = [args.data / c for c in CASES]
    missing = [str(p) for p in (release, tar, *cases) if not p.exists()]
    if missing:
        print(f"views_bench: data missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    started = time.perf_counter()

    import mmrare_core
    from mmrare_core.masking.masker import Masker, Scope
    from mmrare_core.ontology.ontology import load

    log("loading the release and building its masker")
    t0 = time.perf_counter()
    ontology = load(release)
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
        parse = best_of(args.repeat, partial(run_parse, corpus))
        log(f"parse + 4 views: {corpus.name}")
        full = best_of(args.repeat, partial(run_views, corpus, masker, args.withheld))
        docs = [corpus.parse(i) for i in range(len(corpus.raw))]
        per_track = {}
        for track in TRACKS:
            log(f"{track} alone: {corpus.name}")
            work = partial(run_views, corpus, masker, args.withheld, (track,), docs)
            per_track[track] = best_of(args.repeat, work)
        rows.append((corpus, parse, full, per_track))
        for message, count in sorted(full.errors.items()):
            log(f"view error x{count}: {message}")

    print("## Documents and views: parse, and parse + four track views\n")
    print(
        f"mmrare_core {mmrare_core.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}; release {release.name} ({len(codes):,} entities), masker "
        f"load/build {build_s:.1f} s (not in the rows); T4 withholds "
        f"{', '.join(args.withheld)}; best of {args.repeat}, CPU seconds.\n"
    )
    print(
        "| corpus | reports | MB | text MB | real targets | parse s | parse reports/s | parse MB/s "
        "| parse + 4 views s | + 4 views reports/s | + 4 views MB/s | views' share | wall s "
        "(parse / + views) | view errors |"
    )
    print("|---|" + "---:|" * 13)
    for corpus, parse, full, _ in rows:
        n, mb = len(corpus.raw), corpus.mb
        p_rate, p_mb = rate(n, mb, parse.cpu)
        f_rate, f_mb = rate(n, mb, full.cpu)
        share = 1 - parse.cpu / full.cpu if full.cpu > 0 else 0.0
        print(
            f"| {corpus.name} | {n:,} | {mb:.1f} | {corpus.text_bytes / 1e6:.1f} "
            f"| {corpus.real_targets:,} | {parse.cpu:.2f} "
            f"| {p_rate} | {p_mb} | {full.cpu:.2f} | {f_rate} | {f_mb} | {share:.0%} "
            f"| {parse.wall:.2f} / {full.wall:.2f} | {sum(full.errors.values())} |"
        )
    print("\nEach track's view alone, on parsed documents (reports/s, MB/s of input):\n")
    print("| corpus | " + " | ".join(f"{t} s | {t} reports/s | {t} MB/s" for t in TRACKS) + " |")
    print("|---|" + "---:|" * (3 * len(TRACKS)))
    for corpus, _, _, per_track in rows:
        n, mb = len(corpus.raw), corpus.mb
        cells = []
        for track in TRACKS:
            r, m = rate(n, mb, per_track[track].cpu)
            cells += [f"{per_track[track].cpu:.2f}", r, m]
        print(f"| {corpus.name} | " + " | ".join(cells) + " |")
    errors = sorted({message for _, _, full, _ in rows for message in full.errors})
    if errors:
        print("\nViews that raised:\n")
        for message in errors:
            print(f"- {message}")
    print(f"\n_total run time: {time.perf_counter() - started:.0f} s_")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
