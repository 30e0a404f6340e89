"""Frozen configuration objects taken as ``config=None, **overrides`` (ftfy's
``TextFixerConfig`` shape): one object to pass around, keywords for the odd change."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["configured"]

C = TypeVar("C")


def configured(default: type[C], config: C | None, overrides: dict[str, Any]) -> C:
    """``config`` (else ``default()``) with ``overrides``; None values leave a field as it is.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Cfg:
    ...     size: int = 1
    >>> configured(Cfg, None, {"size": 3}), configured(Cfg, Cfg(2), {"size": None})
    (Cfg(size=3), Cfg(size=2))
    >>> configured(Cfg, None, {"colour": "red"})
    Traceback (most recent call last):
    TypeError: Cfg has no option 'colour' (options: size)
    """
    base = config if config is not None else default()
    names = [f.name for f in dataclasses.fields(default)]  # type: ignore[arg-type]
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise TypeError(
            f"{default.__name__} has no option {', '.join(map(repr, unknown))} "
            f"(options: {', '.join(names)})"
        )
    changes = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(base, **changes) if changes else base  # type: ignore[type-var]
