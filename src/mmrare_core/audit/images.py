"""Image integrity of an item: files under the images root, base64 images, decoding, duplicates.

:func:`image_findings` checks every image an item lists: the paths in ``image_path`` and the
values of ``figure_mapping`` (relative to the images root) and the base64 strings in
``image``. Every finding has check id ``images``, the item field as ``field`` and a message
that starts with the entry (``image_path[0] 'fig1.png'``, ``figure_mapping['Figure 1']``,
``image[2]``):

=====================  ========  ==========================================================
rule                   severity  when
=====================  ========  ==========================================================
image_entry_invalid    reject    an entry is not a non-empty string, or holds a NUL
image_path_escape      reject    absolute, ``..`` out of the root, or a symlink out of it;
                                 such a path is never opened
image_missing          reject    no regular file at the path under the root
image_bad_base64       reject    an ``image`` string is not base64
image_empty            reject    zero bytes, or an image of zero pixels
image_too_large        reject    more pixels than ``max_pixels`` (decompression bomb) or a
                                 file over :data:`MAX_FILE_BYTES`
image_undecodable      reject    Pillow cannot identify, verify or load it (truncated,
                                 corrupt, or not JPEG/PNG/GIF/TIFF/BMP/WebP)
image_duplicate        warn      the same bytes (sha256) as an earlier image of the item
images_unchecked       warn      path entries, but no images root to check them under
=====================  ========  ==========================================================

Decisions:

* A duplicate is a **warning**: it cannot leak an answer or break a prompt, and real articles
  do reuse a panel in two figures, so a person decides (``--strict`` makes it count).
  Duplicates are looked for among the images shown to the model (``image_path`` and
  ``image`` together) and among the ``figure_mapping`` values; a figure-mapping value that
  names the same file as an ``image_path`` entry is the normal case, not a duplicate.
* Paths that escape any root (absolute, a Windows drive, ``..`` that leaves the folder) are
  rejected even without an images root; with one, the path is resolved (symlinks followed)
  and must stay inside it.
* Only JPEG, PNG, GIF, TIFF, BMP and WebP are opened (Pillow's ``formats=``): other plugins,
  such as EPS, would run external programs. Pillow's global ``MAX_IMAGE_PIXELS`` is not
  touched: the size read from the header is held to ``max_pixels`` before any pixel is
  decoded, and Pillow's own bomb warning is turned into a reject.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import ntpath
import posixpath
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmrare_core.audit.checks import default_rules
from mmrare_core.audit.findings import Finding

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "FORMATS",
    "IMAGES_CHECK",
    "MAX_FILE_BYTES",
    "image_findings",
]

IMAGES_CHECK = "images"
#: Largest image accepted, in pixels (about 7,000 x 7,000); Pillow's default is 89 million.
DEFAULT_MAX_PIXELS = 50_000_000
#: Largest image file read, in bytes.
MAX_FILE_BYTES = 100 * 2**20
#: The Pillow formats that may be opened.
FORMATS = ("JPEG", "PNG", "GIF", "TIFF", "BMP", "WEBP")

_DATA_URI = re.compile(r"data:[^,]{0,100};base64,", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class _Entry:
    """One listed image: its field, its name in messages, its value, its duplicate group."""

    field: str
    name: str
    value: Any
    group: str

    def finding(self, rule: str, problem: str) -> Finding:
        message = f"{self.label}: {problem}"
        return default_rules().finding(IMAGES_CHECK, message, rule=rule, field=self.field)

    @property
    def label(self) -> str:
        if self.field == "image":
            size = len(self.value) if isinstance(self.value, str) else 0
            return f"{self.name} (base64, {size} characters)"
        return f"{self.name} {self.value!r}"


def image_findings(
    item: Mapping[str, Any],
    images_root: str | Path | None,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> list[Finding]:
    """The image findings of one item (see the module docstring for the rules).

    ``images_root`` is the folder that ``image_path`` and ``figure_mapping`` paths are
    relative to; without it those paths are checked for escapes only, and an
    ``images_unchecked`` warning says so. Base64 ``image`` entries are always checked.
    """
    checker = _Checker(Path(images_root) if images_root is not None else None, max_pixels)
    for entry in _entries(item):
        checker.check(entry)
    return checker.findings + checker.unchecked_findings()


def _entries(item: Mapping[str, Any]) -> Iterator[_Entry]:
    """The listed images in order: ``image_path``, ``figure_mapping`` values, ``image``."""
    for index, value in enumerate(_as_list(item.get("image_path"))):
        yield _Entry("image_path", f"image_path[{index}]", value, "shown")
    mapping = item.get("figure_mapping")
    if isinstance(mapping, Mapping):
        for label, value in mapping.items():
            yield _Entry("figure_mapping", f"figure_mapping[{label!r}]", value, "figures")
    for index, value in enumerate(_as_list(item.get("image"))):
        yield _Entry("image", f"image[{index}]", value, "shown")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


class _Checker:
    """Checks entries one by one, remembering digests (duplicates) and files read (cache)."""

    def __init__(self, root: Path | None, max_pixels: int) -> None:
        self.root = root.resolve() if root is not None else None
        self.max_pixels = max_pixels
        self.findings: list[Finding] = []
        self.unchecked: list[_Entry] = []
        self.files: dict[Path, tuple[bytes | None, str]] = {}
        self.digests: dict[tuple[str, str], _Entry] = {}
        self.decoded: dict[Path, tuple[str, str] | None] = {}

    def check(self, entry: _Entry) -> None:
        if not isinstance(entry.value, str) or not entry.value.strip() or "\0" in entry.value:
            self._add(entry, "image_entry_invalid", "expected a non-empty string")
        elif entry.field == "image":
            self._check_base64(entry)
        else:
            self._check_path(entry)

    def _add(self, entry: _Entry, rule: str, problem: str) -> None:
        self.findings.append(entry.finding(rule, problem))

    def _check_path(self, entry: _Entry) -> None:
        if _escapes(entry.value):
            self._add(entry, "image_path_escape", "escapes the images root; not read")
            return
        if self.root is None:
            self.unchecked.append(entry)
            return
        path = (self.root / entry.value).resolve()
        if not path.is_relative_to(self.root):
            self._add(entry, "image_path_escape",
                      f"resolves outside the images root {self.root}; not read")  # fmt: skip
            return
        data, problem = self._read(path)
        if data is None:
            self._add(entry, "image_missing", problem)
            return
        self._check_bytes(entry, data, path)

    def _read(self, path: Path) -> tuple[bytes | None, str]:
        if path not in self.files:
            self.files[path] = _read_file(path)
        return self.files[path]

    def _check_base64(self, entry: _Entry) -> None:
        text = _WHITESPACE.sub("", _DATA_URI.sub("", entry.value, count=1))
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            self._add(entry, "image_bad_base64", f"not valid base64 ({exc})")
            return
        self._check_bytes(entry, data, None)

    def _check_bytes(self, entry: _Entry, data: bytes, path: Path | None) -> None:
        problem = self._problem(data, path)
        if problem:
            self._add(entry, *problem)
            return
        digest = hashlib.sha256(data).hexdigest()
        first = self.digests.setdefault((entry.group, digest), entry)
        if first is not entry:
            self._duplicate(entry, first)

    def _problem(self, data: bytes, path: Path | None) -> tuple[str, str] | None:
        if path is None:
            return _decode_problem(data, self.max_pixels)
        if path not in self.decoded:
            self.decoded[path] = _decode_problem(data, self.max_pixels)
        return self.decoded[path]

    def _duplicate(self, entry: _Entry, first: _Entry) -> None:
        self._add(entry, "image_duplicate", f"the same image as {first.name}")

    def unchecked_findings(self) -> list[Finding]:
        by_field: dict[str, list[_Entry]] = {}
        for entry in self.unchecked:
            by_field.setdefault(entry.field, []).append(entry)
        problem = "not checked: no images root was given (--images-root DIR)"
        return [
            default_rules().finding(
                IMAGES_CHECK,
                f"{', '.join(e.name for e in entries)}: {len(entries)} path(s) {problem}",
                rule="images_unchecked",
                field=field,
            )
            for field, entries in by_field.items()
        ]


def _escapes(path: str) -> bool:
    """Absolute (POSIX or Windows) or leaving its folder by ``..``, judged on the text alone."""
    if posixpath.isabs(path) or ntpath.isabs(path) or ntpath.splitdrive(path)[0]:
        return True
    normal = posixpath.normpath(path.replace("\\", "/"))
    return normal == ".." or normal.startswith("../")


def _read_file(path: Path) -> tuple[bytes | None, str]:
    """The file's bytes, or None and why not (missing, not a file, too large, unreadable)."""
    try:
        if not path.exists():
            return None, "no such file under the images root"
        if not path.is_file():
            return None, "not a regular file"
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, f"the file has {size} bytes, over {MAX_FILE_BYTES}"
        return path.read_bytes(), ""
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"


def _decode_problem(data: bytes, max_pixels: int) -> tuple[str, str] | None:
    """(rule, problem) when the bytes are not a sound image, else None."""
    if not data:
        return "image_empty", "zero bytes"
    if len(data) > MAX_FILE_BYTES:
        return "image_too_large", f"{len(data)} bytes, over {MAX_FILE_BYTES}"
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _open_twice(data, max_pixels)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return "image_too_large", f"a decompression bomb ({exc})"
        except UnidentifiedImageError:
            return "image_undecodable", f"not a {', '.join(FORMATS)} image"
        except Exception as exc:  # any decoder failure on untrusted bytes is a finding
            return "image_undecodable", f"does not decode ({type(exc).__name__}: {exc})"


def _open_twice(data: bytes, max_pixels: int) -> tuple[str, str] | None:
    """``verify()`` on one open, ``load()`` on a second (verify leaves the image unusable)."""
    from PIL import Image

    with Image.open(io.BytesIO(data), formats=FORMATS) as image:
        width, height = image.size
        if width <= 0 or height <= 0:
            return "image_empty", f"an image of {width} x {height} pixels"
        if width * height > max_pixels:
            return "image_too_large", f"{width} x {height} pixels, over {max_pixels}"
        image.verify()
    with Image.open(io.BytesIO(data), formats=FORMATS) as image:
        image.load()
    return None
