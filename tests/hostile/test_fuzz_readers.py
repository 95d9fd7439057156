"""A short, seeded fuzzing run of the readers: valid files, mutated byte by byte.

Hypothesis draws mutations (bytes flipped, inserted, deleted, the file cut short)
of a valid file of every format codage reads, and for the zip-based formats also
mutations of the XML inside a well-formed archive (else nearly every mutation
only breaks the zip's checksums). Each mutant goes to the real reader: it must
either read or refuse with codage's own one-line error (IngestError, or
CodebookError for a YAML codebook); any other exception fails the run.

Bounded: ``FUZZ_EXAMPLES`` mutants per format (derandomised, so every run tries
the same ones), well under a minute in all on a busy two-core machine.
Raise ``CODAGE_FUZZ_EXAMPLES`` to fuzz longer by hand.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codage.codebook import CodebookError, load_codebook
from codage.ingest.errors import IngestError
from codage.ingest.reader import read_file
from codage.ingest.refi.parse import read_qdc, read_qdpx
from tests.hostile.corpus import TEXT, valid_docx
from tests.ingest.office_files import write_odt
from tests.ingest.pdf_writer import write_pdf
from tests.ingest.refi_files import Code, Passage, Source, write_qdc, write_qdpx

FUZZ_EXAMPLES = int(os.environ.get("CODAGE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SRT = "1\n00:00:01,000 --> 00:00:04,000\nEnquêtrice : Bonjour.\n\n2\n00:00:05,000 --> 00:00:09,500\nM. Garnier : Bonjour, l'intranet est lent.\n"  # noqa: E501
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Enquêtrice>Bonjour.\n\n00:00:05.000 --> 00:00:09.500\n<v M. Garnier>L'intranet est lent.\n"  # noqa: E501
CSV = "id,commentaire,service\nR1,Le nouvel intranet est lent,Finances\nR2,Je ne trouve jamais les documents,RH\n"  # noqa: E501
RTF = r"{\rtf1\ansi\deff0{\fonttbl{\f0 Arial;}}\pard Enqu\'eatrice : Bonjour.\par M. Garnier : L'intranet est lent.\par}"  # noqa: E501
YAML = "name: Etude\ncodes:\n  - name: Outils\n    colour: '#336699'\n    codes:\n      - name: Intranet\n        definition: Le portail interne\n  - name: Travail\n"  # noqa: E501


def _xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "commentaire", "service"])
    sheet.append(["R1", "Le nouvel intranet est lent", "Finances"])
    sheet.append(["R2", "Je ne trouve jamais les documents", "RH"])
    book.save(path)
    return path


def _written(name: str, text: str) -> Callable[[Path], Path]:
    def write(folder: Path) -> Path:
        path = folder / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _qdpx(folder: Path) -> Path:
    source = Source("entretien", TEXT, [Passage("intranet", "Outils"), Passage("crise", "Outils")])
    return write_qdpx(folder / "projet.qdpx", [source], [Code("Outils", children=[Code("Web")])])


# name of the format -> writes a valid seed file into a folder
SEEDS: dict[str, Callable[[Path], Path]] = {
    "txt": _written("entretien.txt", TEXT),
    "srt": _written("entretien.srt", SRT),
    "vtt": _written("entretien.vtt", VTT),
    "csv": _written("enquete.csv", CSV),
    "rtf": _written("entretien.rtf", RTF),
    "docx": lambda d: valid_docx(d / "entretien.docx"),
    "odt": lambda d: write_odt(
        d / "entretien.odt", "<text:h>Entretien</text:h><text:p>Bonjour, l'intranet.</text:p>"
    ),
    "pdf": lambda d: write_pdf(d / "entretien.pdf", [[(72, 700, "Bonjour, l'intranet est lent.")]]),
    "xlsx": lambda d: _xlsx(d / "enquete.xlsx"),
    "qdpx": _qdpx,
    "qdc": lambda d: write_qdc(d / "codes.qdc", [Code("Outils", children=[Code("Intranet")])]),
    "yaml": _written("codes.yaml", YAML),
}


def _read(path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".qdpx":
        read_qdpx(path)
    elif suffix == ".qdc":
        read_qdc(path)
    elif suffix == ".yaml":
        load_codebook(path)
    else:
        read_file(path)


EXPECTED = (IngestError, CodebookError)


def mutate(data: bytes, edits: list[tuple[int, int, int]], cut: int | None) -> bytes:
    """Apply ``(kind, place, byte)`` edits: 0 replaces a byte, 1 inserts one, 2 deletes one."""
    out = bytearray(data)
    for kind, place, byte in edits:
        if not out:
            break
        at = place % len(out)
        if kind == 0:
            out[at] = byte
        elif kind == 1:
            out.insert(at, byte)
        else:
            del out[at]
    if cut is not None and out:
        out = out[: cut % len(out)]
    return bytes(out)


edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2**20), st.integers(0, 255)), max_size=12
)
cuts = st.none() | st.integers(0, 2**20)
# bytes that break XML and text in interesting ways
nasty = st.sampled_from([b"<", b"&", b"]]>", b"\x00", b"\xff", b'"', b"<!DOCTYPE", b"&#0;"])


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("seeds")
    out = {}
    for name, write in SEEDS.items():
        path = write(folder)
        _read(path)  # a seed must be valid, or the run proves nothing
        out[name] = path.read_bytes()
    return out


def _suffix(name: str) -> str:
    return {"yaml": ".yaml"}.get(name, f".{name}")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_mutated_files_are_read_or_refused_in_one_line(
    name: str, seeds: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / f"mutant{_suffix(name)}"

    @FUZZ
    @given(edits, cuts)
    def run(changes: list[tuple[int, int, int]], cut: int | None) -> None:
        path.write_bytes(mutate(seeds[name], changes, cut))
        try:
            _read(path)
        except EXPECTED as exc:
            assert "\n" not in str(exc).strip()

    run()


ZIPPED = ("docx", "odt", "xlsx", "qdpx")


@pytest.mark.parametrize("name", ZIPPED)
def test_mutated_xml_inside_a_sound_archive(
    name: str, seeds: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / f"mutant.{name}"
    with zipfile.ZipFile(io.BytesIO(seeds[name])) as archive:
        entries = {info.filename: archive.read(info) for info in archive.infolist()}
    xml_parts = sorted(n for n in entries if n.endswith((".xml", ".qde", ".rels")))

    @FUZZ
    @given(
        st.sampled_from(xml_parts),
        edits,
        cuts,
        st.lists(st.tuples(st.integers(0, 2**20), nasty), max_size=3),
    )
    def run(
        part: str,
        changes: list[tuple[int, int, int]],
        cut: int | None,
        inserts: list[tuple[int, bytes]],
    ) -> None:
        data = bytearray(mutate(entries[part], changes, cut))
        for place, piece in inserts:
            at = place % (len(data) + 1)
            data[at:at] = piece
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for entry, content in entries.items():
                archive.writestr(entry, bytes(data) if entry == part else content)
        path.write_bytes(buffer.getvalue())
        try:
            _read(path)
        except EXPECTED as exc:
            assert "\n" not in str(exc).strip()

    run()
