"""The Orphanet ontology: codes, names, types, hierarchy, aliases and search.

>>> ont = load()                       # the embedded sample release
>>> ont.get("ORPHA:1775").name
'Dyskeratosis congenita'
>>> [d.code for d in ont.subtypes(646)][:2]
[216972, 216975]

Source selection: an explicit ``source`` (a file or a folder in any Orphadata format,
gzip accepted), else the ``MMRARE_ORPHANET`` environment variable, else the embedded sample.
Parsed releases and their alias tables are cached on disk, keyed by a hash of the source
files, the alias files and the rules.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from mmrare_core.base.cache import read_cached, write_cached
from mmrare_core.errors import UnknownCodeError
from mmrare_core.ontology.aliases import AliasRules, AliasTable, alias_key, default_rules
from mmrare_core.ontology.model import Disorder, ExtraAlias, ReleaseInfo, parse_code

__all__ = ["Ontology", "SearchHit", "load", "sample_source"]

#: Bump when the pickled layout changes: old cache files are then ignored.
CACHE_FORMAT = 1
ENV_SOURCE = "MMRARE_ORPHANET"


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One result of :meth:`Ontology.search`: the disorder, a 0-100 score, the matched alias."""

    disorder: Disorder
    score: float
    matched: str


def sample_source() -> Path:
    """Folder of the embedded sample release (product1 sample + product3 sample)."""
    return Path(str(resources.files("mmrare_core") / "data" / "ontology"))


class Ontology:
    """An Orphanet release in memory: ``get``, hierarchy queries, aliases and search."""

    def __init__(
        self,
        disorders: Mapping[int, Disorder] | Iterable[Disorder],
        release: Sequence[ReleaseInfo] = (),
        extra_aliases: Iterable[ExtraAlias] = (),
        notes: Sequence[str] = (),
        rules: AliasRules | None = None,
    ) -> None:
        items = disorders.values() if isinstance(disorders, Mapping) else disorders
        self._disorders: dict[int, Disorder] = {
            d.code: d for d in sorted(items, key=lambda d: d.code)
        }
        self.release: tuple[ReleaseInfo, ...] = tuple(release)
        self.extra_aliases: tuple[ExtraAlias, ...] = tuple(extra_aliases)
        self.notes: tuple[str, ...] = tuple(notes)
        self._rules = rules
        #: Content hash of the sources and rules when loaded by :func:`load` (keys other caches).
        self.cache_key: str | None = None
        self._children: dict[int, list[int]] = defaultdict(list)
        for disorder in self._disorders.values():
            for parent in disorder.parents:
                self._children[parent].append(disorder.code)

    # -- lookup

    def __len__(self) -> int:
        return len(self._disorders)

    def __iter__(self) -> Iterator[Disorder]:
        return iter(self._disorders.values())

    def __contains__(self, code: object) -> bool:
        try:
            return parse_code(code) in self._disorders  # type: ignore[arg-type]
        except UnknownCodeError:
            return False

    def get(self, code: int | str) -> Disorder:
        """The disorder of ``code`` (``1775``, ``"1775"``, ``"ORPHA:1775"``, ``"Orphanet_1775"``).

        Raises :class:`UnknownCodeError` when the code is malformed or not in the release.
        """
        number = parse_code(code)
        try:
            return self._disorders[number]
        except KeyError:
            raise UnknownCodeError(
                f"ORPHA:{number} is not in the loaded release ({self.release_label()})"
            ) from None

    def release_label(self) -> str:
        """The sources in a few words: formats, dates and record counts."""
        parts = [f"{i.format} {i.date[:10]} ({i.records} records)" for i in self.release]
        return " + ".join(parts) or "no source"

    def describe_release(self) -> str:
        """The sources of this ontology in one line."""
        return "; ".join(info.describe() for info in self.release) or "no source"

    # -- hierarchy

    def parents(self, code: int | str) -> tuple[Disorder, ...]:
        """Direct parents, as the release lists them."""
        return tuple(self._known(self.get(code).parents))

    def children(self, code: int | str) -> tuple[Disorder, ...]:
        """Direct children (the inverted ``parents`` edges)."""
        return tuple(self._known(sorted(self._children.get(parse_code(code), ()))))

    def ancestors(self, code: int | str) -> tuple[Disorder, ...]:
        """Every ancestor, nearest first (breadth-first), each once."""
        return tuple(
            self._known(self._walk(self.get(code).code, lambda c: self._disorders[c].parents))
        )

    def descendants(self, code: int | str) -> tuple[Disorder, ...]:
        """Every descendant, nearest first (breadth-first), each once."""
        return tuple(
            self._known(
                self._walk(self.get(code).code, lambda c: sorted(self._children.get(c, ())))
            )
        )

    def subtypes(self, code: int | str) -> tuple[Disorder, ...]:
        """Descendants that are subtypes of a disorder, reached through subtypes only."""
        out: list[Disorder] = []
        frontier = [self.get(code).code]
        while frontier:
            kids = [d for c in frontier for d in self.children(c) if d.is_subtype and d not in out]
            out.extend(kids)
            frontier = [d.code for d in kids]
        return tuple(out)

    def category(self, code: int | str) -> tuple[Disorder, ...]:
        """The nearest groups of disorders above ``code`` (its disease categories).

        A subtype's categories are those of the disorder it belongs to.
        """
        found: list[Disorder] = []
        frontier = list(self.parents(code))
        seen: set[int] = set()
        while frontier and not found:
            found = [d for d in frontier if d.is_group]
            seen.update(d.code for d in frontier)
            frontier = [
                p
                for d in frontier
                if not d.is_group
                for p in self.parents(d.code)
                if p.code not in seen
            ]
        return tuple(sorted(found, key=lambda d: d.code))

    def _walk(self, start: int, step: Any) -> Iterator[int]:
        seen = {start}
        frontier = [start]
        while frontier:
            nxt = []
            for code in frontier:
                for other in step(code) if code in self._disorders else ():
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
                        yield other
            frontier = nxt

    def _known(self, codes: Iterable[int]) -> Iterator[Disorder]:
        return (self._disorders[c] for c in codes if c in self._disorders)

    # -- aliases and search

    @property
    def rules(self) -> AliasRules:
        if self._rules is None:
            self._rules = default_rules()
        return self._rules

    @cached_property
    def aliases(self) -> AliasTable:
        """The alias table of the whole release (built on first use, cached on disk by ``load``)."""
        return AliasTable.build(self, self.rules, self.extra_aliases)

    def search(self, text: str, k: int = 10, min_score: float = 0.0) -> list[SearchHit]:
        """Disorders whose aliases best match ``text``, scored 0-100 with rapidfuzz.

        An exact alias match scores 100. Otherwise each alias scores the best of
        ``token_set_ratio`` (word subsets: "kawasaki" in "kawasaki disease"), ``QRatio``
        (typos) and ``WRatio`` — the last only for aliases at least as long as the query, so
        that a short acronym found inside the query ("was" in "kawasaki") does not win.
        One hit per disorder; ties go to the shorter alias, then the lower code.
        """
        from rapidfuzz import fuzz, process

        query = alias_key(text)
        keys, owners = self._search_index
        candidates: dict[int, float] = {}
        limit = max(k * 5, 50)
        for scorer in (fuzz.token_set_ratio, fuzz.QRatio, fuzz.WRatio):
            for _, _, index in process.extract(query, keys, scorer=scorer, limit=limit):
                candidates[index] = 0.0
        for index in candidates:
            key = keys[index]
            scores = [fuzz.token_set_ratio(query, key), fuzz.QRatio(query, key)]
            if len(key) >= len(query):
                scores.append(fuzz.WRatio(query, key))
            candidates[index] = 100.0 if key == query else max(scores)
        hits: dict[int, SearchHit] = {}
        ranked = sorted(candidates, key=lambda i: (-candidates[i], len(keys[i]), keys[i]))
        for index in ranked:
            if candidates[index] < min_score:
                break
            for alias in owners[index]:
                if alias.code not in hits:
                    hits[alias.code] = SearchHit(
                        self._disorders[alias.code], candidates[index], alias.form
                    )
        return list(hits.values())[:k]

    @cached_property
    def _search_index(self) -> tuple[list[str], list[list[Any]]]:
        by_key: dict[str, list[Any]] = defaultdict(list)
        for alias in self.aliases:
            by_key[alias_key(alias.form)].append(alias)
        keys = list(by_key)
        return keys, [by_key[k] for k in keys]

    # -- reporting

    def stats(self) -> dict[str, Any]:
        """Counts for ``mmrare ontology stats`` and docs/ontology.md."""
        by_type: dict[str, int] = defaultdict(int)
        by_group: dict[str, int] = defaultdict(int)
        for d in self:
            by_type[d.disorder_type or "?"] += 1
            by_group[d.group] += 1
        return {
            "release": [info.describe() for info in self.release],
            "disorders": len(self),
            "names": sum(len(d.names) for d in self),
            "synonyms": sum(len(d.synonyms) for d in self),
            "parent_edges": sum(len(d.parents) for d in self),
            "by_type": dict(sorted(by_type.items(), key=lambda kv: -kv[1])),
            "by_group": dict(sorted(by_group.items(), key=lambda kv: -kv[1])),
            "aliases": self.aliases.stats(),
            "notes": list(self.notes),
        }

    # -- pickling (the cache): the alias table travels with the ontology once built

    def __getstate__(self) -> dict[str, Any]:
        state = {
            "disorders": list(self._disorders.values()),
            "release": self.release,
            "extra_aliases": self.extra_aliases,
            "notes": self.notes,
            "cache_key": self.cache_key,
        }
        if "aliases" in self.__dict__:
            state["aliases"] = self.__dict__["aliases"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["disorders"], state["release"], state["extra_aliases"], state["notes"])  # type: ignore[misc]
        self.cache_key = state.get("cache_key")
        if "aliases" in state:
            self.__dict__["aliases"] = state["aliases"]


# --------------------------------------------------------------------------- loading


def load(
    source: str | os.PathLike[str] | None = None,
    *,
    aliases: Iterable[str | os.PathLike[str]] = (),
    classifications: bool | Iterable[str | os.PathLike[str]] = False,
    rules_dir: str | os.PathLike[str] | None = None,
    cache: bool = True,
) -> Ontology:
    """Load an Orphanet release (see the module docstring for how the source is chosen).

    ``aliases``: extra alias TSV files (curated or former names). ``classifications``:
    merge product3 hierarchy files (True: those in the source folder; or paths).
    ``cache=False`` always parses from the source.
    """
    from mmrare_core.ontology import formats

    embedded = source is None and not os.environ.get(ENV_SOURCE)
    path = Path(source or os.environ.get(ENV_SOURCE) or sample_source())
    if embedded:
        classifications = True
    alias_paths = [Path(p) for p in aliases]
    class_paths = formats.classification_files(path, classifications)
    files = [*formats.source_files(path), *class_paths, *alias_paths]
    rules = AliasRules(Path(rules_dir)) if rules_dir is not None else default_rules()
    key = _cache_key(files, rules.digest)
    cached = read_cached("ontology", key, Ontology) if cache else None
    if cached is not None:
        cached._rules = rules
        cached.cache_key = key
        return cached
    ontology = _parse(path, class_paths, alias_paths, rules)
    ontology.cache_key = key
    _ = ontology.aliases  # build now so that the cache holds it
    if cache:
        write_cached("ontology", key, ontology)
    return ontology


def _parse(
    path: Path, class_paths: Sequence[Path], alias_paths: Sequence[Path], rules: AliasRules
) -> Ontology:
    from mmrare_core.ontology import formats

    release = formats.read_source(path)
    notes: list[str] = []
    if class_paths:
        hierarchy = formats.read_product3(class_paths)
        release, conflicts = formats.merge_classifications(release, hierarchy)
        notes.extend(conflicts)
    extra: list[ExtraAlias] = []
    infos = list(release.infos)
    for alias_path in alias_paths:
        rows = formats.read_alias_tsv(alias_path)
        extra.extend(rows)
        infos.append(formats.alias_file_info(alias_path, rows))
    return Ontology(release.disorders, infos, extra, notes, rules)


def _cache_key(files: Iterable[Path], rules_digest: str) -> str:
    digest = hashlib.sha256(f"mmrare-ontology-{CACHE_FORMAT}|{rules_digest}".encode())
    for file in files:  # the resolved path too: Ontology.release names where it was read
        digest.update(str(file.resolve()).encode())
        digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()[:32]
