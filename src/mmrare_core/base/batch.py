"""Order-keeping parallel map for batches of reports and items.

Workers receive the heavy shared object (a compiled masker, an ontology) once, through the
pool initializer: with the ``fork`` start method (Linux) it is inherited without pickling;
elsewhere it is pickled once per worker. Results come back in input order; progress goes to
stderr through tqdm.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["ordered_map", "shared"]

T = TypeVar("T")
R = TypeVar("R")

_SHARED: dict[str, Any] = {}


def shared(name: str) -> Any:
    """The object a worker received under ``name`` (see :func:`ordered_map`)."""
    return _SHARED[name]


def _install(values: dict[str, Any]) -> None:
    _SHARED.update(values)


def ordered_map(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    share: dict[str, Any] | None = None,
    workers: int = 1,
    chunksize: int = 8,
    progress: bool = False,
    total: int | None = None,
    desc: str = "",
) -> Iterator[R]:
    """``map(func, items)`` over ``workers`` processes, streaming, in input order.

    ``func`` must be a module-level function; it reads what ``share`` gave it through
    :func:`shared`. ``workers <= 1`` runs in this process.
    """
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, file=sys.stderr, disable=not progress, unit="rec")
    try:
        if workers <= 1:
            _install(share or {})
            for item in items:
                yield func(item)
                bar.update()
            return
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with context.Pool(workers, initializer=_install, initargs=(share or {},)) as pool:
            for result in pool.imap(func, items, chunksize=chunksize):
                yield result
                bar.update()
    finally:
        bar.close()
