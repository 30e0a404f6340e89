"""Evidence chains: 2-5 claims, each citing a block of the source report with a quote.

An item's ``evidence_chain`` is a list of ``{"claim": str, "block": <block id>, "quote": str}``.
:func:`evidence_findings` checks it against the parsed report (a
:class:`~mmrare_core.documents.document.Document`):

=========================  ========  ==================================================
rule                       severity  when
=========================  ========  ==================================================
evidence_chain_length      reject    the chain is missing, not a list, or not 2-5 claims
evidence_claim_malformed   reject    a claim is not an object with non-blank strings
evidence_block_missing     reject    the cited block id is not in the document
evidence_quote_fuzzy       warn      the quote is found only fuzzily (score >= threshold)
evidence_quote_missing     reject    the quote is not found in its block
evidence_unchecked         warn      no document: the blocks and quotes could not be checked
=========================  ========  ==================================================

Every finding has check id ``evidence`` and field ``evidence_chain``; its message starts with
the entry (``evidence_chain[1].quote``). The ``span`` of a quote finding is in the offsets of
the *cited block's text* (named in the message), not of a field of the item.

A quote is found (:func:`locate_quote`) exactly when it occurs in the block's text as it is,
or under the shared normalization (:func:`~mmrare_core.text.normalize.normalize`: case, white
space, dashes, quotes, invisible characters); else fuzzily, when it has at least
:data:`FUZZY_MIN_CHARS` normalized characters and rapidfuzz's ``partial_ratio`` against the
normalized block reaches the threshold (default 90). A quote longer than its block is scored
with ``ratio`` against the whole block (``partial_ratio`` would score the block inside the
quote).

Documents come from a folder (:func:`find_document`: ``<pmcid>.xml``, ``.nxml``,
``.xml.gz``, ``.txt`` or ``.md``); :func:`check_evidence` finds, reads and checks in one call,
and says why the check could not run when it cannot (never a silent pass).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmrare_core.audit.checks import default_rules
from mmrare_core.audit.findings import Finding
from mmrare_core.documents.document import Document
from mmrare_core.text.normalize import normalize, normalize_text

__all__ = [
    "DOCUMENT_SUFFIXES",
    "EVIDENCE_CHECK",
    "FUZZY_MIN_CHARS",
    "FUZZY_THRESHOLD",
    "MAX_CLAIMS",
    "MIN_CLAIMS",
    "QuoteMatch",
    "check_evidence",
    "evidence_findings",
    "find_document",
    "locate_quote",
]

EVIDENCE_CHECK = "evidence"
MIN_CLAIMS, MAX_CLAIMS = 2, 5
FUZZY_THRESHOLD = 90
#: Shorter quotes must match exactly: a few characters reach any fuzzy score by chance.
FUZZY_MIN_CHARS = 8
#: Report files looked for in a documents folder, in this order.
DOCUMENT_SUFFIXES = (".xml", ".nxml", ".xml.gz", ".txt", ".md")

_FIELD = "evidence_chain"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_PMCID = re.compile(r"(?i)(?:pmc)?(\d+)")
_NO_DOCUMENTS = "no documents folder was given (--documents DIR)"


@dataclass(frozen=True, slots=True)
class QuoteMatch:
    """Where a quote stands in a block: ``kind`` is ``exact``, ``fuzzy`` or ``missing``.

    ``span`` is in the offsets of the block's text (None when missing); ``score`` is 100 for
    an exact match, else rapidfuzz's score of the best alignment.
    """

    kind: str
    span: tuple[int, int] | None
    score: float


def locate_quote(text: str, quote: str, *, fuzzy_threshold: float = FUZZY_THRESHOLD) -> QuoteMatch:
    """Find ``quote`` in ``text``: as it is, under the shared normalization, or fuzzily.

    >>> locate_quote("A 9-year-old boy had fever.", "9\u2013YEAR-OLD  boy")
    QuoteMatch(kind='exact', span=(2, 16), score=100.0)
    >>> locate_quote("A 9-year-old boy had fever.", "9-year-old boi had fever").kind
    'fuzzy'
    >>> locate_quote("A 9-year-old boy had fever.", "an adult woman").kind
    'missing'
    """
    stripped = quote.strip()
    found = text.find(stripped) if stripped else -1
    if found >= 0:
        return QuoteMatch("exact", (found, found + len(stripped)), 100.0)
    source = normalize(text)
    wanted = normalize_text(quote).strip()
    if not wanted:
        return QuoteMatch("missing", None, 0.0)
    found = source.text.find(wanted)
    if found >= 0:
        return QuoteMatch("exact", source.source_span(found, found + len(wanted)), 100.0)
    return _fuzzy(source, wanted, fuzzy_threshold)


def _fuzzy(source: Any, wanted: str, threshold: float) -> QuoteMatch:
    from rapidfuzz import fuzz

    if len(wanted) < FUZZY_MIN_CHARS or not source.text:
        return QuoteMatch("missing", None, 0.0)
    if len(wanted) > len(source.text):
        score = float(fuzz.ratio(wanted, source.text))
        span = (0, len(source.source))
    else:
        alignment = fuzz.partial_ratio_alignment(wanted, source.text)
        if alignment is None:
            return QuoteMatch("missing", None, 0.0)
        score = float(alignment.score)
        span = source.source_span(alignment.dest_start, alignment.dest_end)
    if score >= threshold:
        return QuoteMatch("fuzzy", span, round(score, 1))
    return QuoteMatch("missing", None, round(score, 1))


def evidence_findings(
    item: Mapping[str, Any],
    document: Document | None,
    *,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
    unchecked_reason: str | None = None,
) -> list[Finding]:
    """The findings of the item's evidence chain against ``document`` (see the module doc).

    Without a document the claims' blocks and quotes get one ``evidence_unchecked`` warning,
    saying why (``unchecked_reason``); the number of claims is checked either way.
    """
    chain = item.get(_FIELD)
    findings = _length_findings(chain)
    claims = chain if isinstance(chain, list) else []
    if document is None:
        if claims:
            reason = unchecked_reason or _NO_DOCUMENTS
            findings.append(
                _finding("evidence_unchecked",
                         f"{_FIELD}: the blocks and quotes of {len(claims)} claim(s) were not "
                         f"checked: {reason}")
            )  # fmt: skip
        return findings
    for index, claim in enumerate(claims):
        findings.extend(_claim_findings(index, claim, document, fuzzy_threshold))
    return findings


def _finding(rule: str, message: str, span: tuple[int, int] | None = None) -> Finding:
    """A finding of the evidence check, with the severity ``rules/audit.json`` gives ``rule``."""
    return default_rules().finding(EVIDENCE_CHECK, message, rule=rule, field=_FIELD, span=span)


def _length_findings(chain: Any) -> list[Finding]:
    if chain is None:
        problem = "is missing"
    elif not isinstance(chain, list):
        problem = f"is a {type(chain).__name__}, not a list of claims"
    elif not MIN_CLAIMS <= len(chain) <= MAX_CLAIMS:
        problem = f"has {len(chain)} claim(s)"
    else:
        return []
    message = f"{_FIELD} {problem}; an item needs {MIN_CLAIMS}-{MAX_CLAIMS} claims"
    return [_finding("evidence_chain_length", message)]


def _claim_findings(index: int, claim: Any, document: Document, threshold: float) -> list[Finding]:
    entry = f"{_FIELD}[{index}]"
    problem = _malformed(claim)
    if problem:
        return [_finding("evidence_claim_malformed", f"{entry}: {problem}")]
    block_id, quote = claim["block"], claim["quote"]
    if block_id not in document:
        message = f"{entry}.block: no block {block_id!r} in {document.source}"
        return [_finding("evidence_block_missing", message)]
    match = locate_quote(document.block(block_id).text, quote, fuzzy_threshold=threshold)
    where = f"block {block_id!r} of {document.source}"
    if match.kind == "fuzzy":
        message = (
            f"{entry}.quote: not found exactly in {where}; a fuzzy match scores "
            f"{match.score} (threshold {threshold}) at {match.span}"
        )
        return [_finding("evidence_quote_fuzzy", message, match.span)]
    if match.kind == "missing":
        message = (
            f"{entry}.quote: {_clip(quote)!r} is not found in {where} (best fuzzy score "
            f"{match.score}, threshold {threshold})"
        )
        return [_finding("evidence_quote_missing", message)]
    return []


def _malformed(claim: Any) -> str:
    if not isinstance(claim, Mapping):
        return f"expected an object with claim, block and quote, got a {type(claim).__name__}"
    for key in ("claim", "block", "quote"):
        value = claim.get(key)
        if not isinstance(value, str) or not value.strip():
            return f"{key!r} must be a non-blank string"
    return ""


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- documents


def find_document(documents_dir: str | os.PathLike[str], pmcid: str) -> Path | None:
    """The report file for ``pmcid`` in ``documents_dir``, or None.

    Looks for ``<pmcid>`` with each of :data:`DOCUMENT_SUFFIXES`; ``PMC123`` and ``123``
    find each other's files. A pmcid that is not a plain file name (``../x``) finds nothing.
    """
    pmcid = str(pmcid).strip()
    if not _SAFE_NAME.fullmatch(pmcid) or ".." in pmcid:
        return None
    names = [pmcid]
    digits = _PMCID.fullmatch(pmcid)
    if digits:
        names += [f"PMC{digits[1]}", digits[1]]
    folder = Path(documents_dir)
    for name in dict.fromkeys(names):
        for suffix in DOCUMENT_SUFFIXES:
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def check_evidence(
    item: Mapping[str, Any],
    documents_dir: str | os.PathLike[str] | None,
    *,
    fuzzy_threshold: float = FUZZY_THRESHOLD,
) -> list[Finding]:
    """Find and read the item's report in ``documents_dir``, then :func:`evidence_findings`.

    When there is no folder, no ``pmcid``, no file for it, or the file cannot be parsed, the
    ``evidence_unchecked`` warning says which.
    """
    document, reason = _load(item, documents_dir)
    return evidence_findings(
        item, document, fuzzy_threshold=fuzzy_threshold, unchecked_reason=reason
    )


def _load(
    item: Mapping[str, Any], documents_dir: str | os.PathLike[str] | None
) -> tuple[Document | None, str]:
    if documents_dir is None:
        return None, _NO_DOCUMENTS
    pmcid = item.get("pmcid")
    if not isinstance(pmcid, str | int) or isinstance(pmcid, bool) or not str(pmcid).strip():
        return None, "the item has no pmcid"
    path = find_document(documents_dir, str(pmcid))
    if path is None:
        suffixes = ", ".join(DOCUMENT_SUFFIXES)
        return None, f"no document for {pmcid} in {documents_dir} ({suffixes})"
    try:
        stat = path.stat()
        return _read_document(str(path), stat.st_mtime_ns, stat.st_size), ""
    except (OSError, ValueError) as exc:  # DocumentError, UnsafeXMLError are ValueErrors
        return None, f"{path} could not be read: {exc}"


@lru_cache(maxsize=16)
def _read_document(path: str, mtime_ns: int, size: int) -> Document:
    """Parse a report once per version of the file (items of four tracks share a report)."""
    from mmrare_core.documents.read import read_document

    return read_document(path)
