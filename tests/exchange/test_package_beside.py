"""A package's bulk written by a thread beside the one making it (``beside=True``).

The same package, byte for byte, as written in one thread; a failure on either side
(the pieces' maker, or the writing thread) reaches the caller, and no thread is left.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from codage.exchange.package import splice_package

MARKER = "<!--here-->"


def _template() -> io.BytesIO:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as package:
        package.writestr("a.xml", "<a/>")
        package.writestr("body.xml", f"<body>{MARKER}</body>")
        package.writestr("z.xml", "<z/>")
    return data


def _pieces(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield (f"<p n='{i}'>" + "é texte " * (i % 300) + "</p>").encode()


def test_beside_writes_the_same_package(tmp_path: Path) -> None:
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    splice_package(one, _template(), "body.xml", MARKER, _pieces(3000))
    splice_package(two, _template(), "body.xml", MARKER, _pieces(3000), beside=True)
    with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
        assert a.namelist() == b.namelist() == ["a.xml", "body.xml", "z.xml"]
        for name in a.namelist():
            assert a.read(name) == b.read(name)
        body = b.read("body.xml")
    assert body == b"<body>" + b"".join(_pieces(3000)) + b"</body>"


def test_a_failing_maker_reaches_the_caller(tmp_path: Path) -> None:
    def broken() -> Iterator[bytes]:
        yield from _pieces(50)
        raise OSError("the spill was cut short")

    before = threading.active_count()
    with pytest.raises(OSError, match="cut short"):
        splice_package(tmp_path / "x.zip", _template(), "body.xml", MARKER, broken(), beside=True)
    assert threading.active_count() == before


def test_a_failing_writer_reaches_the_caller(tmp_path: Path) -> None:
    made: list[int] = []

    def pieces() -> Iterator[bytes]:
        for i, piece in enumerate(_pieces(200)):
            made.append(i)
            # a piece the zip entry refuses (text, not bytes): the writing thread fails
            yield piece if i != 3 else "not bytes"  # type: ignore[misc]

    before = threading.active_count()
    with pytest.raises(TypeError):
        splice_package(tmp_path / "x.zip", _template(), "body.xml", MARKER, pieces(), beside=True)
    assert threading.active_count() == before
    # the maker stopped soon after, rather than making every piece for nothing
    assert len(made) < 200
