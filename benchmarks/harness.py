"""What the benchmarks share: options, the shared data, timing, rates, and the report.

Every benchmark runs as a module from the repo root (``python -m benchmarks.mask_bench``), so
``benchmarks`` and ``tests`` import as packages, the import path left as it is. Each script
keeps its own measurements and baselines; this module gives them

* the common options (:func:`parser`: ``--limit``, ``--repeat``, ``--data``, ``--out``, and
  ``--texts`` for the scripts that read one file of case texts, see :func:`texts_file`);
* the shared data folder (``../shared/data`` beside the checkout, ``MMRARE_SHARED_DATA`` or
  ``--data`` elsewhere) and a clean message when it is absent (:func:`have_data`, exit 2);
* readers for the case texts, the JATS articles and the Orphanet release;
* timing (:func:`best_of`, :func:`interleaved`: CPU and wall-clock seconds), a forked child
  with its peak memory (:func:`isolated`), a fresh interpreter (:func:`python_child`);
* rates and ratios (:func:`mbps`, :func:`per_second`, :func:`ratio`, :func:`fmt`);
* the report (:class:`Report`, :class:`Table`): Markdown on stdout under a header that names
  the command and the machine, and the same tables as JSON with ``--out``.

Only the standard library is imported here at the top: the library itself is imported where
it is used (the abbreviation benchmark also runs in a scispaCy venv with ``PYTHONPATH=src``).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import math
import multiprocessing
import os
import platform
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: ``../shared/data`` beside the checkout, as in tests/conftest.py.
SHARED_DATA = Path(os.environ.get("MMRARE_SHARED_DATA", ROOT.parent / "shared" / "data"))
RELEASE = Path("orphanet") / "orphapackets_en_2025-12-09.jsonl.gz"
T2S2 = Path("pmc_case_texts") / "t2s2_case_report_bodies.jsonl.gz"
SEPSIS = Path("pmc_case_texts") / "sepsis-100_case_report_bodies.jsonl.gz"
CASES = (T2S2, SEPSIS)
JATS_TAR = Path("pmc") / "jats_articles.tar.gz"
SQUAD = Path("squad")
#: Exit status of a benchmark whose data is missing.
MISSING = 2


# --------------------------------------------------------------------------- options


def parser(
    doc: str | None,
    *,
    repeat: int | None = 3,
    limit: str | None = "use the first N texts (default: all)",
    limit_default: int | None = None,
    limit_aliases: Sequence[str] = (),
    data: bool = True,
    texts: bool = False,
) -> argparse.ArgumentParser:
    """The common options; a script adds its own. ``None`` leaves an option out."""
    out = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] or None)
    if limit is not None:
        out.add_argument(
            "--limit", *limit_aliases, type=int, default=limit_default, metavar="N", help=limit
        )
    if repeat is not None:
        out.add_argument(
            "--repeat", type=int, default=repeat, metavar="R",
            help=f"timed passes per row, the best kept (default {repeat})",
        )  # fmt: skip
    if data:
        out.add_argument(
            "--data", type=Path, default=SHARED_DATA, metavar="DIR",
            help="the shared data folder (default: ../shared/data beside the checkout)",
        )  # fmt: skip
    if texts:
        out.add_argument(
            "--texts", type=Path, metavar="JSONL.GZ", help=f"the case texts (default: DIR/{T2S2})"
        )
    out.add_argument("--out", type=Path, metavar="JSON", help="also write the results as JSON")
    return out


def texts_file(args: argparse.Namespace) -> Path:
    """``--texts``, or the T2S2 case texts of ``--data``."""
    path: Path = args.texts or args.data / T2S2
    return path


def have_data(name: str, *paths: Path | str) -> bool:
    """True when every path exists; otherwise say which do not, on stderr."""
    missing = [str(path) for path in paths if not Path(path).exists()]
    if missing:
        print(
            f"{name}: data not found: {', '.join(missing)}\n"
            "  the benchmarks read ../shared/data beside the checkout (or MMRARE_SHARED_DATA, "
            "or --data DIR where the script has it)",
            file=sys.stderr,
        )
    return not missing


def progress(name: str) -> Callable[[str], None]:
    """A logger for progress lines on stderr (stdout is the report)."""

    def log(message: str) -> None:
        print(f"[{name}] {message}", file=sys.stderr, flush=True)

    return log


# --------------------------------------------------------------------------- data


def _cut(items: list[Any], limit: int | None) -> list[Any]:
    return items[:limit] if limit else items


def read_cases(paths: Sequence[Path], limit: int | None = None) -> list[tuple[str, str]]:
    """``(pmcid, text)`` of the case-report bodies (JSONL.GZ), in file order; the first
    ``limit`` of them (all when ``limit`` is None or 0)."""
    out: list[tuple[str, str]] = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if limit and len(out) >= limit:
                    return out
                if line.strip():
                    record = json.loads(line)
                    out.append((record.get("pmcid", ""), record["text"]))
    return out


def case_texts(paths: Sequence[Path], limit: int | None = None) -> list[str]:
    """The texts alone (see :func:`read_cases`)."""
    return [text for _, text in read_cases(paths, limit)]


def read_jats(path: Path, limit: int | None = None) -> list[tuple[str, bytes]]:
    """``(name, XML bytes)`` of every ``.xml`` member of a JATS tarball, in member order."""
    out: list[tuple[str, bytes]] = []
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".xml"):
                handle = tar.extractfile(member)
                assert handle is not None
                out.append((Path(member.name).stem, handle.read()))
    return _cut(out, limit)


def utf8_bytes(texts: Sequence[str]) -> list[int]:
    return [len(text.encode("utf-8")) for text in texts]


def load_ontology(source: Path | str | None, **options: Any) -> tuple[Any, float]:
    """``mmrare_core.ontology.ontology.load(source, **options)`` and its wall-clock seconds."""
    from mmrare_core.ontology.ontology import load

    start = time.perf_counter()
    ontology = load(source, **options)
    return ontology, time.perf_counter() - start


# --------------------------------------------------------------------------- timing


def cpu_seconds(children: bool = False) -> float:
    """User + system CPU seconds of this process (or of its reaped children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timing:
    """Best and first pass, in CPU seconds of this process (``time.process_time``: other jobs
    on a shared machine do not stretch them) and wall-clock seconds; the last pass's result."""

    cpu: float = math.inf
    wall: float = math.inf
    first_cpu: float = math.nan
    first_wall: float = math.nan
    result: Any = None
    passes: int = 0

    def add(self, cpu: float, wall: float, result: Any) -> None:
        if not self.passes:
            self.first_cpu, self.first_wall = cpu, wall
        self.cpu, self.wall = min(self.cpu, cpu), min(self.wall, wall)
        self.result, self.passes = result, self.passes + 1


def _pass(work: Callable[[], Any], timing: Timing, collect: bool) -> None:
    if collect:
        gc.collect()
    c0, w0 = time.process_time(), time.perf_counter()
    result = work()
    timing.add(time.process_time() - c0, time.perf_counter() - w0, result)


def best_of(work: Callable[[], Any], repeat: int = 1, *, collect: bool = False) -> Timing:
    """``repeat`` passes of ``work`` (at least one); ``collect`` runs the GC before each."""
    timing = Timing()
    for _ in range(max(1, repeat)):
        _pass(work, timing, collect)
    return timing


def interleaved(
    works: Sequence[tuple[str, Callable[[], Any]]], repeat: int = 1, *, collect: bool = False
) -> dict[str, Timing]:
    """Best of ``repeat`` for each named work, the works taking turns within each repeat, so
    that a busy spell of the machine slows them alike."""
    timings = {name: Timing() for name, _ in works}
    for _ in range(max(1, repeat)):
        for name, work in works:
            _pass(work, timings[name], collect)
    return timings


def status_kb(key: str) -> int | None:
    """A ``/proc/self/status`` figure in kB (``VmRSS``, ``VmHWM``), None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Reset the high-water mark of the resident set (Linux ``clear_refs`` 5)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _child(work: Callable[[], dict[str, Any]], send: Any) -> None:
    try:
        send.send(work())
    except BaseException as exc:  # report anything, the parent goes on
        send.send({"error": f"{type(exc).__name__}: {exc}"})
    finally:
        send.close()


def isolated(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run ``work`` in a forked child (it inherits the parent's data) and return its result;
    a failure comes back as ``{"error": ...}``."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(work, send))
    proc.start()
    send.close()
    try:
        result: dict[str, Any] = receive.recv()
    except EOFError:
        result = {"error": "child process died"}
    proc.join()
    if proc.exitcode:
        result.setdefault("error", f"child exited with {proc.exitcode}")
    return result


def python_child(code: str, *args: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run ``python -c code args`` in a fresh interpreter; its stdout is one JSON object."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@contextmanager
def cache_folder(prefix: str = "bench_") -> Iterator[str]:
    """A fresh, temporary ``MMRARE_CACHE_DIR`` for the duration of the block."""
    old = os.environ.get("MMRARE_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        os.environ["MMRARE_CACHE_DIR"] = folder
        try:
            yield folder
        finally:
            if old is None:
                os.environ.pop("MMRARE_CACHE_DIR", None)
            else:
                os.environ["MMRARE_CACHE_DIR"] = old


# --------------------------------------------------------------------------- rates


def mbps(nbytes: float, seconds: float) -> float:
    """Megabytes (10^6 bytes) per second; NaN for a zero time."""
    return nbytes / 1e6 / seconds if seconds > 0 else math.nan


def per_second(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else math.nan


def ratio(value: float, reference: float) -> float:
    return value / reference if reference > 0 else math.nan


def fmt(value: float | None, digits: int = 2) -> str:
    """Fixed decimals, or two significant digits for small values (0.0019); n/a for None/NaN."""
    if value is None or value != value:
        return "n/a"
    if 0 < abs(value) < 0.1:
        return f"{value:.2g}"
    return f"{value:,.{digits}f}"


# --------------------------------------------------------------------------- report

#: A column: a bare name (text, left-aligned), or ``(name, format)`` (right-aligned), where
#: the format is a format spec (``",.0f"``) or a function of the value. A ``str`` cell is
#: printed as it is; ``None`` is blank unless the format is a function.
Column = str | tuple[str, str | Callable[[Any], str]]


def _cell(value: Any, spec: str | Callable[[Any], str] | None) -> str:
    if isinstance(value, str):
        return value
    if callable(spec):
        return spec(value)
    if value is None:
        return ""
    return format(value, spec or "")


def _plain(value: Any) -> Any:
    """A JSON value: NaN and infinity become null, other objects their text."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


@dataclass
class Table:
    """A Markdown table (with an optional ``###`` title and a paragraph before it)."""

    columns: Sequence[Column]
    title: str | None = None
    intro: str | None = None
    rows: list[list[Any]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c if isinstance(c, str) else c[0] for c in self.columns]

    def add(self, *cells: Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(list(cells))

    def markdown(self) -> str:
        specs = [None if isinstance(c, str) else c[1] for c in self.columns]
        lines = [f"### {self.title}", ""] if self.title else []
        if self.intro:
            lines += [self.intro, ""]
        lines.append("| " + " | ".join(self.names) + " |")
        lines.append("|" + "".join("---|" if isinstance(c, str) else "---:|" for c in self.columns))
        for row in self.rows:
            lines.append(
                "| " + " | ".join(_cell(v, s) for v, s in zip(row, specs, strict=True)) + " |"
            )
        return "\n".join(lines)

    def json(self) -> dict[str, Any]:
        return {
            "title": self.title or self.intro,
            "columns": self.names,
            "rows": [dict(zip(self.names, map(_plain, row), strict=True)) for row in self.rows],
        }


def machine() -> dict[str, Any]:
    """The interpreter, the machine and the library's version."""
    try:
        import mmrare_core

        version: str | None = mmrare_core.__version__
    except ImportError:  # pragma: no cover - the library is installed in the venv
        version = None
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "mmrare_core": version,
    }


class Report:
    """A benchmark's results: header facts, tables and paragraphs, printed at the end.

    ``emit`` prints Markdown on stdout (``## title``, then the command, the machine with the
    load average at start and end, the facts, the blocks, the total run time) and, given a
    path, writes the same as JSON (raw numbers in the table rows).
    """

    def __init__(self, name: str, title: str, argv: Sequence[str] | None = None) -> None:
        self.name, self.title = name, title
        self.argv = list(sys.argv[1:] if argv is None else argv)
        self.started = time.perf_counter()
        self.load_start = os.getloadavg()[0]
        self.facts: list[str] = []
        self.blocks: list[Table | str] = []
        self.values: dict[str, Any] = {}

    @property
    def command(self) -> str:
        return " ".join(["python -m benchmarks." + self.name, *self.argv])

    def fact(self, text: str, **values: Any) -> None:
        """A line of the header; ``values`` go to the JSON as they are."""
        self.facts.append(text)
        self.values.update(values)

    def table(self, *columns: Column, title: str | None = None, intro: str | None = None) -> Table:
        table = Table(columns, title, intro)
        self.blocks.append(table)
        return table

    def text(self, paragraph: str) -> None:
        self.blocks.append(paragraph)

    def emit(self, out: Path | None = None) -> None:
        info, load_end = machine(), os.getloadavg()[0]
        total = time.perf_counter() - self.started
        lines = [f"## {self.title}", "", f"- command: `{self.command}`"]
        lines.append(
            f"- machine: {info['python']} on {info['machine']}, {info['cpus']} CPUs, "
            f"mmrare_core {info['mmrare_core']}; load average {self.load_start:.2f} at start, "
            f"{load_end:.2f} at end"
        )
        lines += [f"- {fact}" for fact in self.facts]
        for block in self.blocks:
            lines += ["", block.markdown() if isinstance(block, Table) else block]
        lines += ["", f"_total run time: {total:.0f} s_"]
        print("\n".join(lines))
        if out is None:
            return
        record = {
            "benchmark": self.name,
            "title": self.title,
            "command": self.command,
            "machine": {**info, "load_start": self.load_start, "load_end": load_end},
            "facts": self.facts,
            "values": _plain(self.values),
            "tables": [b.json() for b in self.blocks if isinstance(b, Table)],
            "text": [b for b in self.blocks if isinstance(b, str)],
            "total_s": total,
        }
        out.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"[{self.name}] wrote {out}", file=sys.stderr)
