"""Agreement, statistics, exports and ``segments`` read a project one document at a time
(issue 20): what they give is what the whole-project reads gave, on a generated project
of three coders (benchmarks/scale.py's smallest) and on the hand-made corpus with cases;
and none of them reads every coding at once through ``codings()`` or ``codings_bulk()``."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from benchmarks.scale import build
from codage.analysis import agreement as agreement_module
from codage.analysis.agreement import cohen_kappa, krippendorff_alpha
from codage.analysis.agreement_service import compute_agreement
from codage.analysis.stats import (
    _overlapping_pairs,
    compute_stats,
    gather_facts,
    stats_from,
)
from codage.cli import app
from codage.domain import Span, intersect_spans, normalise_spans
from codage.services import Project
from codage.services.selection import select_codings

from ..exchange.corpus import Corpus, build_corpus


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build("20k", tmp_path_factory.mktemp("scale"))


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    built = build_corpus(tmp_path / "cases.db")
    yield built
    built.project.close()


def _all_at_once(project: Project, **filters: object) -> dict[str, object]:
    """The statistics as they were computed before: every coding read, then tallied."""
    codes = project.codes()
    documents = project.documents()
    return stats_from(
        codes, documents, *gather_facts(project, documents, project.codings(**filters))
    ).to_json()


def test_statistics_per_document_equal_the_whole_project_at_once(generated: Path) -> None:
    with Project.open(str(generated), create=False) as p:
        streamed = compute_stats(p).to_json()
        assert streamed["cooccurrence_unit"], "the generated project has co-occurring codes"
        assert json.dumps(streamed) == json.dumps(_all_at_once(p))
        one = compute_stats(p, coders=["bruno"]).to_json()
        assert json.dumps(one) == json.dumps(_all_at_once(p, coders=["bruno"]))


def test_statistics_by_case_attribute_equal_the_whole_project_at_once(corpus: Corpus) -> None:
    streamed = compute_stats(corpus.project).to_json()
    assert streamed["code_by_attribute"] and streamed["cases_by_attribute"]
    assert json.dumps(streamed) == json.dumps(_all_at_once(corpus.project))


def test_passage_cooccurrence_sweep_counts_what_pairwise_intersections_count() -> None:
    rng = random.Random(20)
    for _ in range(200):
        per_code: dict[int, list[Span]] = defaultdict(list)
        for _ in range(rng.randint(1, 40)):
            start = rng.randrange(300)
            per_code[rng.randint(1, 6)].append(Span(start, start + rng.randint(1, 40)))
        expected: dict[tuple[int, int], int] = {}
        codes = sorted(per_code)
        for i, a in enumerate(codes):
            for b in codes[i + 1 :]:
                common = intersect_spans(normalise_spans(per_code[a]), normalise_spans(per_code[b]))
                if common:
                    expected[(a, b)] = len(common)
        assert dict(_overlapping_pairs(per_code)) == expected


def _segments_before(project: Project, **filters: object) -> str:
    """``segments --json`` as it was printed: the whole list read, then dumped."""
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
        for c in project.codings(**filters)  # type: ignore[arg-type]
    ]
    return json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"


def test_segments_json_written_as_read_is_the_same_text(generated: Path) -> None:
    runner = CliRunner()
    with Project.open(str(generated), create=False) as p:
        expected = _segments_before(p)
        only_chloe = _segments_before(p, coders=["chloe"])
    result = runner.invoke(app, ["segments", "--json", "-p", str(generated)])
    assert result.exit_code == 0, result.output
    assert result.stdout == expected
    assert len(json.loads(result.stdout)) > 900
    result = runner.invoke(app, ["segments", "--json", "--coder", "chloe", "-p", str(generated)])
    assert result.stdout == only_chloe
    result = runner.invoke(app, ["segments", "--json", "--coder", "nobody", "-p", str(generated)])
    assert result.exit_code == 0 and result.stdout == "[]\n"


def test_sentence_agreement_equals_alpha_of_the_matrix_built_from_every_coding(
    generated: Path,
) -> None:
    """The per-code and overall figures, recomputed here from all the codings at once
    with the pure functions: the streamed report reads the same values."""
    with Project.open(str(generated), create=False) as p:
        report = compute_agreement(p, unit="sentence")
        codings = p.codings()
        docs = sorted(p.documents(), key=lambda d: d.name)
        units = [
            (d.id, span)
            for d in docs
            for span in sorted(u.span for u in p.units(d.id, ["sentence"]))
        ]
        paths = {c.id: c.path_str for c in p.codes()}
    names = report.coders
    applied: dict[tuple[str, int], set[int]] = defaultdict(set)
    by_doc = defaultdict(list)
    for c in codings:
        by_doc[c.document_id].append(c)
    for column, (doc_id, span) in enumerate(units):
        for c in by_doc[doc_id]:
            if c.span.overlaps(span):
                applied[(c.coder, column)].add(c.code_id)
    overall = [[frozenset(applied[(n, col)]) for col in range(len(units))] for n in names]
    assert report.overall.krippendorff_alpha == pytest.approx(krippendorff_alpha(overall))
    by_path = {f.code: f for f in report.per_code}
    for code_id in {c.code_id for c in codings}:
        rows = [[int(code_id in applied[(n, col)]) for col in range(len(units))] for n in names]
        figure = by_path[paths[code_id]]
        assert figure.krippendorff_alpha == pytest.approx(krippendorff_alpha(rows))


def test_exports_selection_holds_every_coding_once_with_its_place(generated: Path) -> None:
    with Project.open(str(generated), create=False) as p:
        every = p.codings()
        selection = select_codings(p, memos=True, overlaps=True, context=1)
    # the same codings, once each (without their timestamps, which no export shows)
    assert sorted((r.coding for r in selection.records), key=lambda c: c.id) == sorted(
        (replace(c, created_at=None, updated_at=None) for c in every), key=lambda c: c.id
    )
    # (a few shifted spans start between two turns, where no one speaks)
    assert sum(bool(r.speaker) for r in selection.records) > 0.9 * len(every)
    assert any(r.overlapping for r in selection.records)
    assert sum(bool(r.before or r.after) for r in selection.records) > 0.9 * len(every)


def test_no_whole_project_read(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What grows with the project is read one document at a time: the reads of every
    coding at once are refused here, and the commands work all the same."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("read every coding of the project at once")

    monkeypatch.setattr(Project, "codings", refuse)
    monkeypatch.setattr(Project, "codings_bulk", refuse)
    with Project.open(str(generated), create=False) as p:
        assert compute_stats(p).frequencies
        for unit in ("sentence", "turn", "character"):
            assert compute_agreement(p, unit=unit).per_code
        assert select_codings(p, memos=True, overlaps=True).records
    result = CliRunner().invoke(app, ["segments", "--json", "-p", str(generated)])
    assert result.exit_code == 0, result.output


def test_cohen_kappa_without_its_table_gives_the_tables_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(20)
    a = rng.integers(0, 40, size=5000).tolist()
    b = [x if rng.random() < 0.6 else int(rng.integers(0, 40)) for x in a]
    dense = cohen_kappa(a, b)
    monkeypatch.setattr(agreement_module, "_DENSE_KAPPA_CELLS", 0)
    assert cohen_kappa(a, b) == pytest.approx(dense, rel=1e-12)


def test_cohen_kappa_on_tens_of_thousands_of_labels() -> None:
    """27,670 labels asked for a 6 GB table; counted sparsely it is the formula's value."""
    n = 60_000
    a = [f"set-{i % 30_000}" for i in range(n)]
    b = [label if i % 3 else f"other-{i}" for i, label in enumerate(a)]
    agreed = sum(x == y for x, y in zip(a, b, strict=True))
    count_a: dict[str, int] = defaultdict(int)
    count_b: dict[str, int] = defaultdict(int)
    for x, y in zip(a, b, strict=True):
        count_a[x] += 1
        count_b[y] += 1
    p_e = sum(count_a[k] * count_b.get(k, 0) for k in count_a) / n**2
    expected = (agreed / n - p_e) / (1 - p_e)
    assert cohen_kappa(a, b) == pytest.approx(expected, rel=1e-12)


def test_whole_number_labels_counted_encode_as_sorted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels encoded by counting get the very codes and values sorting gave."""
    rng = np.random.default_rng(7)
    for _ in range(100):
        data = rng.integers(0, int(rng.integers(1, 60)), size=(3, 400)).astype(float)
        data[rng.random(data.shape) < 0.2] = np.nan
        counted = agreement_module._encode_rows(data)
        with monkeypatch.context() as patch:
            patch.setattr(agreement_module, "_COUNTED_LABELS", 0)
            sorted_ = agreement_module._encode_rows(data)
        assert (counted[0] == sorted_[0]).all()
        assert counted[1] == sorted_[1]
        assert [type(v) for v in counted[1]] == [type(v) for v in sorted_[1]]
