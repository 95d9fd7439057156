"""``segments --json`` and ``stats`` read plain rows to go through a million codings in
seconds (issue 20): what they print is what the object-per-row code printed, on the demo
study, on a generated project of three coders and on the hand-made corpus with cases
(whole documents and survey answers), through the light reader and the full store."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from benchmarks.scale import build
from codage import codebook
from codage.analysis.stats import compute_stats, gather_facts, stats_from
from codage.cli import app
from codage.cli.json_records import _BATCH, record_json, write_json_list
from codage.demo import build_demo
from codage.services import Project
from codage.store.lite import open_lite

from ..exchange.corpus import Corpus, build_corpus

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("demo") / "demo.db"
    with Project.open(str(location)) as proj:
        build_demo(proj, sources=ROOT)
    return location


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "cases.db")
    yield built
    built.project.close()


# ------------------------------------------------------------------ JSON records


def _dumped(item: Any, ascii_only: bool) -> str:
    return json.dumps(item, ensure_ascii=ascii_only, indent=2, default=str).replace("\n", "\n  ")


_SCALARS = st.one_of(
    st.text(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
)


@given(
    st.dictionaries(st.text(), st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))),
    st.booleans(),
)
@example({"%s": "100 %", "a%%b": "\ud800", "é": "…"}, False)
@example({"%s": "100 %", "a%%b": "\ud800", "é": "…"}, True)
@example({1: "a", "b": 2}, False)
@example({"when": Path("/tmp"), "n": math.nan}, False)
def test_a_record_is_written_as_json_dumps_writes_it(
    item: dict[Any, Any], ascii_only: bool
) -> None:
    assert record_json(item, ascii_only) == _dumped(item, ascii_only)


def _json_list_before(items: Iterable[Any], stream: io.TextIOWrapper) -> None:
    """The writer as it was: each item through ``json.dumps``, checked one by one."""
    try:
        "\u00e9\u2026".encode(stream.encoding or "utf-8")
        ascii_only = False
    except (UnicodeEncodeError, LookupError):
        ascii_only = True
    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=ascii_only, indent=2, default=str)
        if not ascii_only:
            try:
                text.encode(stream.encoding or "utf-8")
            except (UnicodeEncodeError, LookupError):
                text = json.dumps(item, ensure_ascii=True, indent=2, default=str)
        stream.write("[\n  " if first else ",\n  ")
        stream.write(text.replace("\n", "\n  "))
        first = False
    stream.write("[]\n" if first else "\n]\n")


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "ascii", "cp1252"])
def test_a_json_list_escapes_only_what_the_stream_cannot_take(encoding: str) -> None:
    items: list[Any] = []
    for n in range(3 * _BATCH + 7):
        items.append(
            {
                "id": n,
                "text": ["plain", "déjà vu", "coût : 5 €", "lone \ud800 half", "Ω"][n % 5],
                "memo": None if n % 3 else "note",
                "share": n / 7,
                "flag": n % 2 == 0,
            }
        )
    items[5] = {"nested": {"list": [1, "é"]}}
    items[9] = {}
    for chosen in (items, items[:1], []):
        assert _written(write_json_list, chosen, encoding) == _written(
            _json_list_before, chosen, encoding
        )
    written = _written(write_json_list, items, encoding).decode(encoding)
    takes_euro = encoding in ("utf-8", "cp1252")
    assert ("coût : 5 €" in written) == takes_euro
    assert ("co\\u00fbt : 5 \\u20ac" in written) == (not takes_euro)


def _written(writer: Any, items: list[Any], encoding: str) -> bytes:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
    writer(items, stream)
    stream.flush()
    return raw.getvalue()


# ------------------------------------------------------------------ segments


def _segments_before(project: Project, **filters: Any) -> str:
    """``segments --json`` as it was printed: every coding read, then dumped."""
    names = {d.id: d.name for d in project.documents()}
    paths = {c.id: c.path_str for c in project.codes()}
    rows = [
        {
            "id": c.id,
            "document": names[c.document_id],
            "code": paths[c.code_id],
            "coder": c.coder,
            "start": c.start,
            "end": c.end,
            "text": c.text,
            "memo": c.memo,
            "automatic": c.automatic,
            "suggested": c.suggested,
        }
        for c in project.codings(**filters)
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"


def _filters(project: Project) -> list[tuple[list[str], dict[str, Any]]]:
    """Options of ``segments`` and the filters of ``Project.codings`` they mean."""
    codes = project.codes()
    counts = project.coding_counts()
    parent = next(
        c for c in codes if c.parent_id is None and len(codebook.subtree_ids(codes, c.id)) > 1
    )
    leaf = max(codes, key=lambda c: counts.get(c.id, 0))
    doc = max(project.documents(), key=lambda d: sum(project.coding_counts(d.id).values()))
    coder = sorted({c.coder for c in project.codings(document_id=doc.id)})[-1]
    return [
        ([], {}),
        (["--coder", coder], {"coders": [coder]}),
        (["--code", parent.path_str], {"code_ids": codebook.subtree_ids(codes, parent.id)}),
        (["--code", parent.path_str, "--no-subcodes"], {"code_ids": [parent.id]}),
        (["--code", leaf.path_str, "--coder", coder], {"code_ids": [leaf.id], "coders": [coder]}),
        (["--document", doc.name], {"document_id": doc.id}),
    ]


@pytest.mark.parametrize("full_store", [False, True], ids=["light", "full"])
@pytest.mark.parametrize("which", ["demo", "generated"])
def test_segments_json_prints_what_it_printed(
    which: str, full_store: bool, request: pytest.FixtureRequest
) -> None:
    location: Path = request.getfixturevalue(which)
    with Project.open(str(location), create=False) as p:
        cases = [(args, _segments_before(p, **filters)) for args, filters in _filters(p)]
    env = {"CODAGE_FULL_STORE": "1" if full_store else ""}
    runner = CliRunner()
    for args, expected in cases:
        result = runner.invoke(app, ["segments", "--json", *args, "-p", str(location)], env=env)
        assert result.exit_code == 0, result.output
        assert result.stdout == expected, args
    assert len(json.loads(cases[0][1])) >= 100


def _rows_of(codings: Iterable[Any]) -> list[tuple[Any, ...]]:
    return [
        (c.id, c.document_id, c.code_id, c.coder, c.start, c.end, c.text, c.memo, *flags)
        for c in codings
        for flags in [(c.automatic, c.suggested)]
    ]


def test_coding_rows_are_the_codings_stream_in_both_readers(demo: Path, generated: Path) -> None:
    for location in (demo, generated):
        lite = open_lite(str(location))
        assert lite is not None
        with Project.open(str(location), create=False) as full, lite:
            for _, filters in _filters(full):
                asked = dict(filters)
                if "document_id" in asked:
                    asked["document_ids"] = [asked.pop("document_id")]
                for reader in (full, lite):
                    rows = list(reader.coding_rows(**asked))
                    assert rows == _rows_of(reader.stream_codings(**asked))
                assert list(lite.coding_rows(**asked)) == list(full.coding_rows(**asked))


# ------------------------------------------------------------------ stats


def _stats_before(project: Project, **filters: Any) -> Any:
    """The statistics as the object-per-coding code computed them: every coding read
    with its units as objects, then tallied at once."""
    code_ids = filters.get("code_ids")
    document_ids = filters.get("document_ids")
    codes = project.codes()
    if code_ids is not None:
        codes = [c for c in codes if c.id in set(code_ids)]
    documents = project.documents()
    if document_ids is not None:
        documents = [d for d in documents if d.id in set(document_ids)]
    codings = [
        c
        for c in project.codings(code_ids=code_ids, coders=filters.get("coders"))
        if document_ids is None or c.document_id in set(document_ids)
    ]
    preference = filters.get("unit_preference")
    extra = {} if preference is None else {"unit_preference": preference}
    return stats_from(codes, documents, *gather_facts(project, documents, codings, **extra))


def _stats_filters(project: Project) -> list[dict[str, Any]]:
    codes = project.codes()
    used = sorted(project.coding_counts())
    docs = [d.id for d in project.documents()]
    coders = sorted({c.name for c in project.coders()})
    return [
        {},
        {"coders": coders[:1]},
        {"code_ids": used[::2]},
        {"document_ids": docs[::2]},
        {"code_ids": [c.id for c in codes][:5], "coders": coders[-1:], "document_ids": docs[1:]},
        {"unit_preference": ("sentence",)},
    ]


def _same(new: Any, old: Any) -> None:
    # JSON text and sheets: the order of every table as well as its numbers
    assert json.dumps(new.to_json(), ensure_ascii=False) == json.dumps(
        old.to_json(), ensure_ascii=False
    )
    assert new.sheets() == old.sheets()


def test_stats_equal_the_object_per_coding_tally(demo: Path, generated: Path) -> None:
    for location in (demo, generated):
        with Project.open(str(location), create=False) as p:
            for filters in _stats_filters(p):
                new = compute_stats(p, **filters)
                _same(new, _stats_before(p, **filters))
            assert new.cooccurrence_unit and new.cooccurrence_passage


def test_stats_with_cases_of_documents_and_of_answers(corpus: Corpus) -> None:
    p = corpus.project
    for filters in _stats_filters(p):
        _same(compute_stats(p, **filters), _stats_before(p, **filters))
    found = compute_stats(p).to_json()
    # the survey's answers have cases of their own (grade), the interviews theirs (taille)
    assert "grade" in found["code_by_attribute"] and "taille" in found["code_by_attribute"]


@pytest.mark.parametrize("shape", [[], ["--json"], ["--csv"]], ids=["table", "json", "csv"])
def test_stats_command_prints_the_tables_of_the_tally_before(
    shape: list[str], demo: Path, tmp_path: Path
) -> None:
    """The command prints from the statistics object: given the same, it prints the
    same; here on the demo, the JSON checked against the tally before."""
    result = CliRunner().invoke(app, ["stats", *shape, "-p", str(demo)], env={"CODAGE_LANG": "en"})
    assert result.exit_code == 0, result.output
    with Project.open(str(demo), create=False) as p:
        before = _stats_before(p)
    if shape == ["--json"]:
        expected = json.dumps(before.to_json(), ensure_ascii=False, indent=2, default=str)
        assert result.stdout == expected + "\n"
    else:
        top = next(f for f in before.frequencies if f.codings)
        assert str(top.codings) in result.stdout
