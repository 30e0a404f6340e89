"""Images: paths under the root, escapes never read, decoding, empties, duplicates, base64."""

from __future__ import annotations

import base64
import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import mmrare_core.audit.images as images
from mmrare_core.audit.findings import REJECT, WARN, Finding
from mmrare_core.audit.images import image_findings


def png(color: str = "red", size: tuple[int, int] = (8, 6), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    (folder / "figs").mkdir(parents=True)
    (folder / "figs" / "1.png").write_bytes(png("red"))
    (folder / "figs" / "2.jpg").write_bytes(png("blue", fmt="JPEG"))
    return folder


@pytest.fixture
def never_read(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Fails the test if a file is read; records nothing else."""
    calls: list[Path] = []

    def refuse(path: Path) -> Any:
        calls.append(path)
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(images, "_read_file", refuse)
    return calls


def only(findings: list[Finding], field: str = "image_path") -> Finding:
    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.check == "images"
    assert finding.field == field
    assert finding.span is None
    return finding


def test_sound_images_have_no_finding(root: Path) -> None:
    item = {
        "image_path": ["figs/1.png", "figs/2.jpg"],
        "figure_mapping": {"Figure 1": "figs/1.png", "Figure 2": "figs/./2.jpg"},
        "image": [base64.b64encode(png("green")).decode()],
    }
    assert image_findings(item, root) == []
    assert image_findings({"image_path": "figs/1.png"}, root) == []  # one string
    assert image_findings({"question": "no images"}, root) == []


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "figs/../../outside.png",
        "..",
        "C:\\Windows\\x.png",
        "..\\x.png",
    ],
)
def test_a_path_escaping_the_root_is_rejected_and_never_read(
    root: Path, never_read: list[Path], path: str
) -> None:
    for images_root in (root, None):
        finding = only(image_findings({"image_path": [path]}, images_root))
        assert (finding.severity, finding.rule) == (REJECT, "image_path_escape")
        assert finding.message.startswith(f"image_path[0] {path!r}: escapes the images root")
    assert never_read == []


def test_a_symlink_out_of_the_root_is_rejected_and_never_read(
    root: Path, tmp_path: Path, never_read: list[Path]
) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(png())
    (root / "figs" / "link.png").symlink_to(secret)
    (root / "dirlink").symlink_to(tmp_path)
    item = {"figure_mapping": {"Figure 3": "figs/link.png", "Figure 4": "dirlink/secret.png"}}
    findings = image_findings(item, root)
    assert [(f.field, f.severity, f.rule) for f in findings] == [
        ("figure_mapping", REJECT, "image_path_escape"),
        ("figure_mapping", REJECT, "image_path_escape"),
    ]
    assert findings[0].message.startswith(
        "figure_mapping['Figure 3'] 'figs/link.png': resolves outside"
    )
    assert findings[1].message.startswith("figure_mapping['Figure 4'] 'dirlink/secret.png'")
    assert never_read == []


def test_a_symlink_inside_the_root_is_followed(root: Path) -> None:
    (root / "alias.png").symlink_to(root / "figs" / "1.png")
    assert image_findings({"image_path": ["alias.png"]}, root) == []


def test_the_root_may_itself_be_a_symlink(root: Path, tmp_path: Path) -> None:
    (tmp_path / "root-link").symlink_to(root)
    assert image_findings({"image_path": ["figs/1.png"]}, tmp_path / "root-link") == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [("figs/3.png", "no such file under the images root"), ("figs", "not a regular file")],
)
def test_a_missing_file_is_rejected(root: Path, path: str, problem: str) -> None:
    finding = only(image_findings({"image_path": ["figs/1.png", path]}, root))
    assert (finding.severity, finding.rule) == (REJECT, "image_missing")
    assert finding.message == f"image_path[1] {path!r}: {problem}"


def test_a_truncated_png_is_rejected(root: Path) -> None:
    data = png(size=(64, 64))
    (root / "cut.png").write_bytes(data[: len(data) // 2])
    finding = only(image_findings({"image_path": ["cut.png"]}, root))
    assert (finding.severity, finding.rule) == (REJECT, "image_undecodable")
    assert finding.message.startswith("image_path[0] 'cut.png': does not decode")


def test_a_truncated_jpeg_fails_on_load(root: Path) -> None:
    data = Image.effect_noise((64, 64), 50).convert("RGB")
    out = io.BytesIO()
    data.save(out, "JPEG")
    (root / "cut.jpg").write_bytes(out.getvalue()[:-400])
    finding = only(image_findings({"image_path": ["cut.jpg"]}, root))
    assert finding.rule == "image_undecodable"


def test_a_zero_byte_file_is_rejected_as_empty(root: Path) -> None:
    (root / "empty.png").write_bytes(b"")
    finding = only(
        image_findings({"figure_mapping": {"Figure 1": "empty.png"}}, root), "figure_mapping"
    )
    assert (finding.severity, finding.rule) == (REJECT, "image_empty")
    assert finding.message == "figure_mapping['Figure 1'] 'empty.png': zero bytes"


def test_a_file_that_is_not_an_allowed_image_format_is_rejected(root: Path) -> None:
    (root / "text.png").write_bytes(b"this is not an image at all")
    (root / "pic.ppm").write_bytes(png(fmt="PPM"))  # Pillow reads PPM, but it is not allowed
    findings = image_findings({"image_path": ["text.png", "pic.ppm"]}, root)
    assert [(f.rule, f.message.split(":")[0]) for f in findings] == [
        ("image_undecodable", "image_path[0] 'text.png'"),
        ("image_undecodable", "image_path[1] 'pic.ppm'"),
    ]
    assert "not a JPEG, PNG" in findings[1].message


def test_a_duplicate_image_is_a_warning_naming_both_entries(root: Path) -> None:
    (root / "figs" / "copy.png").write_bytes((root / "figs" / "1.png").read_bytes())
    finding = only(
        image_findings({"image_path": ["figs/1.png", "figs/2.jpg", "figs/copy.png"]}, root)
    )
    assert (finding.severity, finding.rule) == (WARN, "image_duplicate")
    assert finding.message == "image_path[2] 'figs/copy.png': the same image as image_path[0]"


def test_the_same_path_listed_twice_is_a_duplicate(root: Path) -> None:
    finding = only(image_findings({"image_path": ["figs/1.png", "figs/1.png"]}, root))
    assert finding.rule == "image_duplicate"


def test_two_figure_labels_on_one_file_is_a_duplicate(root: Path) -> None:
    item = {
        "image_path": ["figs/1.png"],
        "figure_mapping": {"Figure 1": "figs/1.png", "Figure 2": "figs/1.png"},
    }
    finding = only(image_findings(item, root), "figure_mapping")
    assert finding.rule == "image_duplicate"
    assert (
        finding.message
        == "figure_mapping['Figure 2'] 'figs/1.png': the same image as figure_mapping['Figure 1']"
    )


def test_a_base64_image_is_decoded_and_checked() -> None:
    good = base64.b64encode(png()).decode()
    assert image_findings({"image": [good]}, None) == []
    assert image_findings({"image": "data:image/png;base64," + good}, None) == []
    wrapped = "\n".join(good[i : i + 76] for i in range(0, len(good), 76))
    assert image_findings({"image": [wrapped]}, None) == []


@pytest.mark.parametrize(
    ("value", "rule", "problem"),
    [
        ("not base64 at all!", "image_bad_base64", "not valid base64"),
        ("aGVsbG8", "image_bad_base64", "not valid base64"),  # bad padding
        (base64.b64encode(b"hello, not an image").decode(), "image_undecodable", "not a JPEG"),
        ("", "image_entry_invalid", "expected a non-empty string"),
        (3, "image_entry_invalid", "expected a non-empty string"),
    ],
)
def test_a_bad_base64_image_is_rejected(value: Any, rule: str, problem: str) -> None:
    finding = only(
        image_findings({"image": [base64.b64encode(png()).decode(), value]}, None), "image"
    )
    assert (finding.severity, finding.rule) == (REJECT, rule)
    assert finding.message.startswith("image[1] (base64, ")
    assert problem in finding.message


def test_a_base64_image_equal_to_a_listed_file_is_a_duplicate(root: Path) -> None:
    copy = base64.b64encode((root / "figs" / "1.png").read_bytes()).decode()
    finding = only(image_findings({"image_path": ["figs/1.png"], "image": [copy]}, root), "image")
    assert finding.rule == "image_duplicate"
    assert "the same image as image_path[0]" in finding.message


def test_without_a_root_paths_are_unchecked_but_base64_is_checked(never_read: list[Path]) -> None:
    item = {
        "image_path": ["figs/1.png", "figs/2.jpg"],
        "figure_mapping": {"Figure 1": "figs/1.png"},
        "image": ["%%%"],
    }
    findings = image_findings(item, None)
    assert [(f.field, f.severity, f.rule) for f in findings] == [
        ("image", REJECT, "image_bad_base64"),
        ("image_path", WARN, "images_unchecked"),
        ("figure_mapping", WARN, "images_unchecked"),
    ]
    assert findings[1].message.startswith("image_path[0], image_path[1]: 2 path(s) not checked")
    assert "--images-root DIR" in findings[1].message
    assert never_read == []


@pytest.mark.parametrize("value", ["", "  ", None, 7, "a\0b.png"])
def test_an_invalid_path_entry_is_rejected(root: Path, value: Any) -> None:
    finding = only(image_findings({"image_path": [value]}, root))
    assert (finding.severity, finding.rule) == (REJECT, "image_entry_invalid")
    assert finding.message.startswith(f"image_path[0] {value!r}: ")


def test_too_many_pixels_is_rejected_before_decoding(root: Path) -> None:
    finding = only(image_findings({"image_path": ["figs/1.png"]}, root, max_pixels=47))
    assert (finding.severity, finding.rule) == (REJECT, "image_too_large")
    assert finding.message == "image_path[0] 'figs/1.png': 8 x 6 pixels, over 47"


def test_pillows_decompression_bomb_check_is_a_reject(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    for size in [(4, 4), (8, 6)]:  # over the limit (a warning in Pillow), over twice (an error)
        (root / "bomb.png").write_bytes(png(size=size))
        finding = only(image_findings({"image_path": ["bomb.png"]}, root))
        assert (finding.severity, finding.rule) == (REJECT, "image_too_large")
        assert "decompression bomb" in finding.message


def test_pillows_global_limit_is_left_alone(root: Path) -> None:
    before = Image.MAX_IMAGE_PIXELS
    image_findings({"image_path": ["figs/1.png"]}, root, max_pixels=10)
    assert before == Image.MAX_IMAGE_PIXELS


def test_a_file_over_the_byte_limit_is_not_read(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(images, "MAX_FILE_BYTES", 10)
    finding = only(image_findings({"image_path": ["figs/1.png"]}, root))
    assert finding.rule == "image_missing"
    assert "bytes, over 10" in finding.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_reported(root: Path) -> None:
    (root / "figs" / "1.png").chmod(0)
    finding = only(image_findings({"image_path": ["figs/1.png"]}, root))
    assert finding.rule == "image_missing"
    assert "cannot be read" in finding.message
