"""The exception tree and the warnings of mmrare_core.

Every error subclasses :class:`MMRareError` *and* the builtin that fits, so callers can
catch either (``except MMRareError`` or ``except ValueError``). Messages say what went
wrong and where: the file, the line or the element.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "DocumentError",
    "FetchError",
    "MMRareError",
    "MMRareWarning",
    "MissingExtraError",
    "OntologyFormatError",
    "RuleFileError",
    "SourceWarning",
    "UnknownCodeError",
    "UnsafeXMLError",
    "where",
]


def where(
    source: str | PathLike[str] | None = None,
    line: int | None = None,
    element: str | None = None,
) -> str:
    """Format a location as ``file:line (element <x>)`` for error messages.

    >>> where("en_product1.xml", 12, "Disorder")
    'en_product1.xml:12 (element <Disorder>)'
    >>> where(None, None, None)
    '<input>'
    """
    text = str(source) if source is not None else "<input>"
    if line is not None:
        text += f":{line}"
    if element:
        text += f" (element <{element}>)"
    return text


class MMRareError(Exception):
    """Base class of every error raised by mmrare_core."""


class RuleFileError(MMRareError, ValueError):
    """A rule file in ``rules/`` is malformed: unknown key, missing id, bad value."""


class OntologyFormatError(MMRareError, ValueError):
    """An Orphanet source could not be read: unknown format, malformed record."""


class DocumentError(MMRareError, ValueError):
    """A case report could not be read: not JATS, truncated, empty body (names file and element)."""


class UnsafeXMLError(MMRareError, ValueError):
    """An XML document declares entities or a DTD that could reach the network or explode."""


class UnknownCodeError(MMRareError, KeyError):
    """An ORPHA code is malformed or not in the loaded release."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class MissingExtraError(MMRareError, ImportError):
    """An optional dependency (a ``mmrare_core[extra]``, e.g. scispacy) is not installed."""


class FetchError(MMRareError, ConnectionError):
    """Downloading an Orphanet release failed (offline, HTTP error, truncated file)."""


class MMRareWarning(UserWarning):
    """Base class of the warnings mmrare_core emits."""


class SourceWarning(MMRareWarning):
    """A source record was odd but usable (e.g. an alias for a code the release lacks)."""
