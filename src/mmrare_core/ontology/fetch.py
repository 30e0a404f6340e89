"""Download an Orphanet release from Orphadata into a local cache (``mmrare ontology fetch``).

Where the files are (Orphadata free access data, CC BY 4.0, no registration):

* product1 XML, "Rare diseases and alignment with terminologies and databases" (names,
  synonyms, types, groups, cross-references; about 54 MB, served without a Content-Length):
  https://www.orphadata.com/data/xml/en_product1.xml — the default :data:`DEFAULT_URL`.
* ORDO, the Orphanet Rare Disease Ontology, as OWL: described at https://www.orphadata.com/ordo/;
  the file is https://www.orphadata.com/data/ontologies/ordo/last_version/ORDO_en_<version>.owl
  (for example ``ORDO_en_4.9.owl``; the folder itself cannot be listed, so name the version).
* ORPHApackets (one JSON file per entity, with the ``Parents`` that make the hierarchy):
  https://github.com/Orphanet/orphapacket, folder ``json/``, released twice a year.

Any of them can be fetched with ``url=`` (``--url``) or downloaded by hand; then point
``--orphanet`` or ``MMRARE_ORPHANET`` at the file or its folder.

A download streams into a hidden temporary file beside the target and is renamed into place
only when complete, so a failure never leaves a partial file (nor harms an earlier copy).
A sidecar ``<file>.json`` records the URL, the date, the SHA-256 and the size.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO
from urllib.parse import unquote, urlsplit

from mmrare_core.base.cache import cache_dir
from mmrare_core.errors import FetchError

__all__ = ["DEFAULT_URL", "cache_dir", "fetch_release", "releases_dir"]

#: Orphadata's product1 XML, English (checked: 200, application/xml, about 54 MB).
DEFAULT_URL = "https://www.orphadata.com/data/xml/en_product1.xml"

_CHUNK = 1 << 16
_USER_AGENT = "mmrare_core (+https://www.orphadata.com/ download)"


@dataclass(frozen=True, slots=True)
class _Record:
    """What the sidecar ``<file>.json`` says about a downloaded file."""

    url: str
    date: str
    sha256: str
    bytes: int
    last_modified: str | None = None


def releases_dir() -> Path:
    """Where :func:`fetch_release` puts releases by default: ``cache_dir() / "releases"``."""
    return cache_dir() / "releases"


def fetch_release(
    dest: str | os.PathLike[str] | None = None,
    *,
    url: str = DEFAULT_URL,
    timeout: float = 60,
    force: bool = False,
) -> Path:
    """Download ``url`` into the folder ``dest`` (default :func:`releases_dir`); return the file.

    The file keeps the URL's name. An existing file is kept as it is unless ``force``.
    ``timeout`` is the number of seconds to wait for the server at each step.
    Raises :class:`~mmrare_core.errors.FetchError` when offline, on an HTTP error, or when
    the body is shorter than its Content-Length.
    """
    folder = Path(dest) if dest is not None else releases_dir()
    target = folder / _file_name(url)
    if target.is_file() and not force:
        return target
    record = _download(url, target, timeout)
    _write_atomically(_sidecar(target), json.dumps(asdict(record), indent=2).encode() + b"\n")
    return target


def _file_name(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise FetchError(f"not an http(s) URL: {url!r}")
    name = re.sub(r"[^A-Za-z0-9._-]", "_", unquote(PurePosixPath(parts.path).name)).lstrip(".")
    return name or "orphanet_release"


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def _message(url: str, reason: str) -> str:
    return (
        f"could not download {url}: {reason}. Download it by hand (a browser, or "
        f"`curl -fLO {url}`), then point --orphanet or MMRARE_ORPHANET at the file"
    )


def _download(url: str, target: Path, timeout: float) -> _Record:
    """Stream ``url`` into a hidden temporary file beside ``target``; rename it when complete."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed or removed below
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        )
    except OSError as exc:
        raise FetchError(_message(url, f"cannot write in {target.parent}: {exc}")) from exc
    try:
        with tmp:
            record = _stream(url, tmp, timeout)
        os.replace(tmp.name, target)
    except BaseException as exc:
        Path(tmp.name).unlink(missing_ok=True)
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()
        if isinstance(exc, OSError | http.client.HTTPException) and not isinstance(exc, FetchError):
            raise FetchError(_message(url, _reason(exc))) from exc
        raise
    return record


def _stream(url: str, sink: IO[bytes], timeout: float) -> _Record:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        expected = response.headers.get("Content-Length")
        digest, size = _copy(response, sink)
        if expected is not None and expected.isdigit() and size != int(expected):
            reason = f"truncated: got {size} of {expected} bytes (Content-Length)"
            raise FetchError(_message(url, reason))
        last_modified = response.headers.get("Last-Modified")
    sink.flush()
    os.fsync(sink.fileno())
    date = datetime.now(UTC).isoformat(timespec="seconds")
    return _Record(url, date, digest, size, last_modified)


def _copy(source: BinaryIO, sink: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        sink.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _reason(exc: BaseException) -> str:
    """A short, readable cause for the error message."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"no connection ({exc.reason}); are you offline?"
    if isinstance(exc, http.client.IncompleteRead):
        return "truncated: the connection closed before the end of the body"
    if isinstance(exc, TimeoutError):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = Path(path.parent, f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise FetchError(f"cannot write {path}: {exc}") from exc
