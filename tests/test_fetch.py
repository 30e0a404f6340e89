"""``fetch_release`` against a local HTTP server: no test here touches the internet."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pytest

from mmrare_core.cli.mmrare import main
from mmrare_core.errors import FetchError, MMRareError
from mmrare_core.ontology.fetch import DEFAULT_URL, cache_dir, fetch_release, releases_dir

BODY = b'<?xml version="1.0"?>\n<JDBOR date="2025-12-09"><DisorderList count="0"/></JDBOR>\n'


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.body`` as en_product1.xml and misbehaves on purpose elsewhere."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        route = {
            "en_product1.xml": self._ok,
            "truncated.xml": self._truncated,
            "chunked-cut.xml": self._chunked_cut,
            "chunked.xml": self._chunked,
            "slow.xml": self._slow,
        }.get(PurePosixPath(unquote(self.path)).name)
        if route is None:
            self.send_error(404, "Not Found")
        else:
            route()

    def _head(self, length: int | None, **headers: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Last-Modified", "Tue, 09 Dec 2025 07:06:32 GMT")
        if length is not None:
            self.send_header("Content-Length", str(length))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()

    def _ok(self) -> None:
        self._head(len(self.server.body))
        self.wfile.write(self.server.body)

    def _truncated(self) -> None:
        self._head(len(BODY) + 100, Connection="close")
        self.wfile.write(BODY)
        self.close_connection = True

    def _chunked(self) -> None:
        self._head(None, Transfer_Encoding="chunked")
        for part in (BODY[:10], BODY[10:]):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def _chunked_cut(self) -> None:
        self._head(None, Transfer_Encoding="chunked", Connection="close")
        self.wfile.write(b"%x\r\n%s" % (len(BODY) + 50, BODY))  # the chunk never ends
        self.close_connection = True

    def _slow(self) -> None:
        self._head(len(BODY))
        time.sleep(1.0)

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    body: bytes
    requests: list[str]


@pytest.fixture()
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.body, httpd.requests = BODY, []
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _url(server: _Server, path: str) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}{path}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# Success, skip, force


def test_downloads_the_file_and_writes_a_sidecar(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/en_product1.xml")
    path = fetch_release(tmp_path, url=url)
    assert path == tmp_path / "en_product1.xml"
    assert path.read_bytes() == BODY
    record = json.loads((tmp_path / "en_product1.xml.json").read_text())
    assert record["url"] == url
    assert record["sha256"] == hashlib.sha256(BODY).hexdigest()
    assert record["bytes"] == len(BODY)
    assert record["date"].startswith("20")
    assert record["last_modified"] == "Tue, 09 Dec 2025 07:06:32 GMT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["en_product1.xml", "en_product1.xml.json"]


def test_a_chunked_body_without_content_length_downloads(server: _Server, tmp_path: Path) -> None:
    """Orphadata serves product1 chunked, without a Content-Length."""
    path = fetch_release(tmp_path, url=_url(server, "/chunked.xml"))
    assert path.read_bytes() == BODY


def test_skips_the_download_when_the_file_is_present(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/en_product1.xml")
    fetch_release(tmp_path, url=url)
    server.body = b"<JDBOR>newer</JDBOR>"
    path = fetch_release(tmp_path, url=url)
    assert path.read_bytes() == BODY
    assert server.requests == ["/en_product1.xml"]


def test_force_downloads_again(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/en_product1.xml")
    fetch_release(tmp_path, url=url)
    server.body = b"<JDBOR>newer</JDBOR>"
    path = fetch_release(tmp_path, url=url, force=True)
    assert path.read_bytes() == b"<JDBOR>newer</JDBOR>"
    record = json.loads(path.with_name("en_product1.xml.json").read_text())
    assert record["sha256"] == hashlib.sha256(b"<JDBOR>newer</JDBOR>").hexdigest()
    assert len(server.requests) == 2


def test_creates_the_destination_folder(server: _Server, tmp_path: Path) -> None:
    dest = tmp_path / "a" / "b"
    assert fetch_release(str(dest), url=_url(server, "/en_product1.xml")).parent == dest


def test_the_default_destination_is_the_releases_cache(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path / "cache"))
    path = fetch_release(url=_url(server, "/en_product1.xml"))
    assert path == tmp_path / "cache" / "releases" / "en_product1.xml" == releases_dir() / path.name


# --------------------------------------------------------------------------------------------
# Failures: a typed error that names the URL and the way out, and no partial file


def _assert_clean_failure(exc: FetchError, url: str, folder: Path, *reason: str) -> None:
    message = str(exc)
    for part in (url, "--orphanet", "MMRARE_ORPHANET", "by hand", *reason):
        assert part in message, f"{part!r} not in {message!r}"
    assert list(folder.iterdir()) == [], "a partial file was left behind"


def test_a_404_is_a_fetch_error(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/missing.xml")
    with pytest.raises(FetchError) as caught:
        fetch_release(tmp_path, url=url)
    _assert_clean_failure(caught.value, url, tmp_path, "HTTP 404")


def test_a_refused_connection_is_a_fetch_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/en_product1.xml"
    with pytest.raises(FetchError) as caught:
        fetch_release(tmp_path, url=url, timeout=5)
    _assert_clean_failure(caught.value, url, tmp_path, "no connection")


def test_a_body_shorter_than_its_content_length_is_a_fetch_error(
    server: _Server, tmp_path: Path
) -> None:
    url = _url(server, "/truncated.xml")
    with pytest.raises(FetchError) as caught:
        fetch_release(tmp_path, url=url)
    _assert_clean_failure(
        caught.value, url, tmp_path, f"got {len(BODY)} of {len(BODY) + 100} bytes"
    )


def test_a_chunked_body_cut_short_is_a_fetch_error(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/chunked-cut.xml")
    with pytest.raises(FetchError) as caught:
        fetch_release(tmp_path, url=url)
    _assert_clean_failure(caught.value, url, tmp_path, "truncated")


def test_a_silent_server_times_out(server: _Server, tmp_path: Path) -> None:
    url = _url(server, "/slow.xml")
    with pytest.raises(FetchError) as caught:
        fetch_release(tmp_path, url=url, timeout=0.2)
    _assert_clean_failure(caught.value, url, tmp_path, "timed out")


def test_a_failed_forced_download_keeps_the_earlier_copy(server: _Server, tmp_path: Path) -> None:
    fetch_release(tmp_path, url=_url(server, "/en_product1.xml"))
    (tmp_path / "truncated.xml").write_bytes(BODY)  # an earlier good copy under that name
    with pytest.raises(FetchError):
        fetch_release(tmp_path, url=_url(server, "/truncated.xml"), force=True)
    assert (tmp_path / "truncated.xml").read_bytes() == BODY
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_fetch_error_is_also_a_connection_error() -> None:
    assert issubclass(FetchError, MMRareError)
    assert issubclass(FetchError, ConnectionError)


@pytest.mark.parametrize("url", ["ftp://example.org/x.xml", "en_product1.xml", "http:///x"])
def test_a_url_that_is_not_http_is_refused(url: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="not an http"):
        fetch_release(tmp_path, url=url)


def test_a_hostile_file_name_stays_inside_the_folder(server: _Server, tmp_path: Path) -> None:
    path = fetch_release(tmp_path, url=_url(server, "/%2E%2E%2Fen_product1.xml"), force=True)
    assert path.parent == tmp_path
    assert not path.name.startswith(".")


# --------------------------------------------------------------------------------------------
# The cache folder


def test_cache_dir_prefers_mmrare_cache_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MMRARE_CACHE_DIR", str(tmp_path / "m"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "m"
    assert releases_dir() == tmp_path / "m" / "releases"


def test_cache_dir_falls_back_to_xdg_then_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("MMRARE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert cache_dir() == tmp_path / "x" / "mmrare_core"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "mmrare_core"


def test_the_default_url_is_orphadata_product1() -> None:
    assert DEFAULT_URL == "https://www.orphadata.com/data/xml/en_product1.xml"


# --------------------------------------------------------------------------------------------
# The command line


def test_cli_fetch_prints_the_path(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ontology", "fetch", "--dest", str(tmp_path), "--url"]
    assert main([*argv, _url(server, "/en_product1.xml")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "en_product1.xml")


def test_cli_fetch_failure_exits_2_with_the_message(
    server: _Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(server, "/missing.xml")
    assert main(["ontology", "fetch", "--dest", str(tmp_path), "--url", url]) == 2
    err = capsys.readouterr().err
    assert url in err
    assert "MMRARE_ORPHANET" in err


def test_an_unwritable_destination_is_a_fetch_error(server: _Server, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(FetchError, match="cannot write in"):
        fetch_release(blocker / "releases", url=_url(server, "/en_product1.xml"))
    assert server.requests == []
