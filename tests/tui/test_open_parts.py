"""Opening a long document in parts (issue 19): the units of its first screen before the
first paint, the rest read after it. Checked on real projects in the full application and
on the view alone, against the indexes the view built before from every unit at once
(``transcript_before``): paragraphs, decorations, notes, gutter numbers and every visual
line are the same, whether the rest came before a key needed it or the key waited for it;
text right at the top and the bottom, codings tinted where they are, sentence, turn and
answer keys at the far end, a far search hit and a far passage opened land right."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator

import pytest

from codage.domain import Document, NewDocument, Span, Unit
from codage.services import Project
from codage.services.workbench_state import HEAD_CHARACTERS
from codage.tui.app import CodageApp
from codage.tui.screens.workbench_support import answer_note
from codage.tui.widgets.transcript_layout import LateBounds, LateUnits, UnitsRest
from codage.tui.widgets.transcript_view import TranscriptView
from tests.tui.screens_study import settle
from tests.tui.test_transcript_view import ViewApp, style_at
from tests.tui.transcript_before import IndexBefore

pytestmark = pytest.mark.anyio

CODER = "alice"
WORDS = (  # noqa: SIM905
    "agents numérique outil travail intranet messagerie changé beaucoup depuis réforme "
    "collectivité nous avons été formés équipe service informatique télétravail logiciel "
    "dossier usagers mairie procédure signature parapheur élus réunion le la les des une"
).split()
SPEAKERS = ("ENQ", "Mme Durand", "M. Lefèvre")
# a word found once, in the last turns only: the far search hit
FAR_WORD = "zéphyrin"


def _stamp(seconds: float) -> str:
    total = int(seconds)
    return f"[{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}]"


def long_interview(turns: int = 1500, seed: int = 7) -> NewDocument:
    """Turns of one or two paragraphs: a time written in the text, a speaker written in
    it, or a speaker only in the unit (a header line); paragraphs with a time of their
    own; blank lines; wide, emoji, soft-hyphen and beyond-Latin-1 characters here and
    there, near the top and far down."""
    rng = random.Random(seed)
    lines: list[str] = []
    units: list[Unit] = []
    position = 0

    def sentence_units(start: int, said: str) -> None:
        cursor = start
        for sentence in said.split(". "):
            units.append(Unit("sentence", cursor, cursor + len(sentence)))
            cursor += len(sentence) + 2

    for t in range(turns):
        speaker = SPEAKERS[t % 3]
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 60))]
        if t % 17 == 5:
            words.insert(3, "漢字")
        if t % 23 == 7:
            words.insert(2, "👍🏽")
        if t % 29 == 11:
            words.insert(4, "mé\u00adtier")
        if t % 13 == 3:
            words.append("l’équipe")
        if t == turns - 3:
            words.insert(5, FAR_WORD)
        said = " ".join(words[:5]) + ". " + " ".join(words[5:]) + "."
        if t % 3 == 0:
            prefix = f"{_stamp(t * 7.5)} {speaker} : "
        elif t % 3 == 1:
            prefix = f"{speaker} : "
        else:
            prefix = ""
        first = prefix + said
        turn_start = position
        paragraphs = [(position, first, None)]
        position += len(first) + 1
        if t % 5 == 0:
            more = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 30))) + "."
            paragraphs.append((position, more, t * 7.5 + 3))
            position += len(more) + 1
        for start, body, stamp in paragraphs:
            units.append(Unit("paragraph", start, start + len(body), None, stamp))
            sentence_units(start + (len(prefix) if start == turn_start else 0), said)
            lines.append(body)
        turn_end = position - 1
        units.append(Unit("turn", turn_start, turn_end, speaker=speaker, timestamp=t * 7.5))
        if t % 7 == 6:
            lines.append("")
            position += 1
    text = "\n".join(lines)
    return NewDocument(name="entretien-long", kind="interview", text=text, units=units)


def long_survey(answers: int = 2500, seed: int = 3) -> NewDocument:
    """Answers separated by blank lines, each linked to a respondent with attributes."""
    rng = random.Random(seed)
    parts, units, unit_cases, cases, position = [], [], {}, {}, 0
    for i in range(answers):
        respondent = f"R{i:05d}"
        answer = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 20))) + "."
        unit_cases[len(units)] = respondent
        units.append(Unit("answer", position, position + len(answer)))
        cases[respondent] = {"type_collectivite": ("Région", "Commune")[i % 2], "grade": "B"}
        parts.append(answer)
        position += len(answer) + 2
    return NewDocument(
        name="enquete-longue",
        kind="survey",
        text="\n\n".join(parts),
        units=units,
        unit_cases=unit_cases,
        cases=cases,
    )


def plain_lines(lines: int = 2000, seed: int = 5) -> NewDocument:
    """A text with no units at all: the view numbers its lines."""
    rng = random.Random(seed)
    text = "\n".join(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25))) for _ in range(lines)
    )
    return NewDocument(name="notes-brutes", kind="text", text=text)


def few_then_many() -> NewDocument:
    """Long paragraphs without units first, then short turns: the gutter sized from the
    first part's share (by lines: it numbers none) is a digit too wide."""
    rng = random.Random(11)
    lines, units, position = [], [], 0
    for _ in range(300):
        line = " ".join(rng.choice(WORDS) for _ in range(40))
        lines.append(line)
        position += len(line) + 1
    for t in range(900):
        line = f"{SPEAKERS[t % 2]} : {rng.choice(WORDS)} {rng.choice(WORDS)}."
        units.append(Unit("turn", position, position + len(line), speaker=SPEAKERS[t % 2]))
        units.append(Unit("paragraph", position, position + len(line)))
        lines.append(line)
        position += len(line) + 1
    return NewDocument(
        name="peu-puis-beaucoup", kind="interview", text="\n".join(lines), units=units
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real SQLite project holding the four documents, codes and codings far down."""
    location = str(tmp_path_factory.mktemp("parts") / "parts.db")
    with Project.open(location) as p:
        docs = [p.add_document(d) for d in (long_interview(), long_survey(), plain_lines())]
        p.add_document(few_then_many())
        codes = [
            p.create_code(name, coder=CODER, colour=colour)
            for name, colour in (("Intranet", "#2E7D32"), ("Formation", "#C62828"))
        ]
        rng = random.Random(2)
        for doc in docs:
            length = p.document(doc.id).text
            spans = [
                (s, s + rng.randint(10, 200))
                for s in sorted(rng.randrange(len(length) - 300) for _ in range(150))
            ]
            # the last coding sits in the document's last stretch
            spans.append((len(length) - 250, len(length) - 40))
            p.add_codings(
                ((doc.id, codes[i % 2].id, s, e) for i, (s, e) in enumerate(spans)), coder=CODER
            )
    return location


def stored(location: str, name: str) -> tuple[Document, list[Unit], dict[int, str]]:
    """A document as the view was given it before: its text, every unit but sentences
    (in the store's order) and the notes of its answers."""
    with Project.open(location, create=False) as p:
        info = next(d for d in p.documents() if d.name == name)
        document = p.document(info.id)
        units, _ = p.units_and_bounds(info.id, with_bounds=False)
        cases = p.unit_cases(info.id)
    notes = {u.start: answer_note(cases[u.id]) for u in units if u.id in cases}
    return document, units, notes


def same_as_before(view: TranscriptView, units: list[Unit], notes: dict[int, str]) -> None:
    """Every index of the view, and every visual line at its width, as the view built
    them before from every unit at once."""
    before = IndexBefore(view._text, units, notes)
    layout = view._layout
    assert layout is not None
    view._whole_layout()
    assert view._late_units is None
    assert list(view._para_starts) == list(before._para_starts)
    assert list(view._para_ends) == list(before._para_ends)
    assert view._complex_paras == before._complex_paras
    assert view._labels == before._labels
    assert view._speaker_colours == before._speaker_colours
    assert view._notes == before._notes
    headers = {**{s: (None, None) for s in view._notes}, **view._headers}
    assert headers == before._headers
    numbers = [view._number_of(i) for i in range(len(view._para_starts))]
    assert numbers == list(before._para_numbers)
    assert view._locator.places == before._locator.places
    for kind, bounds in before._unit_bounds.items():
        assert tuple(map(list, view._unit_bounds[kind])) == bounds
    assert layout.gutter == before.gutter()
    starts, ends, kinds, paras = before.wrap(layout.text_width)
    assert list(layout.starts) == starts
    assert list(layout.ends) == ends
    assert bytes(layout.kinds) == kinds
    assert list(layout.paras) == paras
    assert view.virtual_size.height == len(starts)


def screen_rows(view: TranscriptView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def opened(app: CodageApp, pilot, name: str, span: Span | None = None) -> TranscriptView:  # type: ignore[no-untyped-def]
    """Open the document named ``name`` and return its view as soon as it is given the
    document (before the rest of its units is read, most of the time)."""
    document = next(d for d in app.workbench._documents if d.name == name)
    view = app.workbench.view
    app.open_document(document.id, span)
    for _ in range(1000):
        if view.document is not None and view.document.id == document.id:
            return view
        await pilot.pause(0.01)
    raise AssertionError(f"{name} did not open")


@pytest.fixture
async def running(project: str) -> Iterator[tuple[CodageApp, object]]:
    app = CodageApp(project, CODER, language="en")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        yield app, pilot
        await app.workers.wait_for_complete()


# ---------------------------------------------------------------- the store's reads


def test_units_read_in_parts_are_the_units_read_whole(backend_url: str) -> None:
    with Project.open(backend_url) as p:
        doc = p.add_document(long_interview(turns=300))
        code = p.create_code("Intranet", coder=CODER)
        p.add_codings(((doc.id, code.id, s, s + 40) for s in range(0, 20000, 97)), coder=CODER)
        whole, _ = p.units_and_bounds(doc.id, with_bounds=False)
        text = p.document(doc.id).text
        cuts = [0, 1, text.find("\n", 5000) + 1, whole[len(whole) // 2].start, len(text)]
        for cut in cuts:
            head = p.units_between(doc.id, before=cut)
            rest = p.units_between(doc.id, start=cut)
            assert head + rest == whole
            assert all(u.start < cut for u in head) and all(u.start >= cut for u in rest)
        assert p.units_between(doc.id) == whole
        every = p.units_between(doc.id, leave_out=())
        assert [u for u in every if u.kind != "sentence"] == whole
        assert p.document_codings(doc.id) == p.codings_bulk(document_ids=[doc.id])


# ---------------------------------------------------------------- the full application


async def test_the_bottom_before_the_rest_is_read_then_every_line_as_before(
    project: str, running
) -> None:
    app, pilot = running
    document, units, notes = stored(project, "entretien-long")
    text = document.text
    assert len(text) > 4 * HEAD_CHARACTERS
    view = await opened(app, pilot, "entretien-long")
    # the first screen: the text's first line, under the first turn's header
    rows = screen_rows(view)
    assert any(text[: text.index("\n")][:40] in row for row in rows)
    # at once, whether or not the worker has read the rest: the end, on screen
    view.focus()
    await pilot.press("ctrl+end")
    await pilot.pause()
    assert view.cursor == len(text)
    assert view.visible_span().end == len(text)
    last_line = text[text.rindex("\n") + 1 :]
    assert any(last_line[-30:] in row for row in screen_rows(view))
    same_as_before(view, units, notes)
    # the last turn's number in the gutter, as a dossier names it
    place = view.place_at(len(text) - 1)
    assert place is not None and place.number == len(view._locator.places)


async def test_keys_at_the_far_end_and_codings_where_they_are(project: str, running) -> None:
    app, pilot = running
    document, units, _ = stored(project, "entretien-long")
    text = document.text
    turns = [(u.start, u.end) for u in units if u.kind == "turn"]
    view = await opened(app, pilot, "entretien-long")
    view.focus()
    # on the document's last character: the last turn, then the one before it too
    await pilot.press("ctrl+end", "left", "t")
    await pilot.pause()
    assert view.selection == Span(*turns[-1])
    await pilot.press("T")
    await pilot.pause()
    assert view.selection == Span(turns[-2][0], turns[-1][1])
    # the last sentence
    with Project.open(project, create=False) as p:
        sentences = p.document_unit_bounds(document.id)["sentence"]
    await pilot.press("escape", "ctrl+end", "left", "s")
    await pilot.pause()
    assert view.selection == Span(sentences[0][-1], sentences[1][-1])
    # ] and [ step through the turns: the last one, from its end
    await pilot.press("escape", "ctrl+end", "left_square_bracket")
    await pilot.pause()
    assert view.selection == Span(*turns[-1])
    # the last coding, tinted where it lies and named in the margin
    with Project.open(project, create=False) as p:
        last = p.document_codings(document.id)[-1]
    assert last.start > len(text) - 300
    view.jump_to(last.start + 1)
    await pilot.pause()
    assert style_at(view, last.start + 1).bgcolor is not None
    cell = view.cell_of(last.start + 1)
    assert cell is not None
    assert "Intranet" in screen_rows(view)[cell[1]] or "Formation" in screen_rows(view)[cell[1]]


async def test_a_far_search_hit_and_a_far_passage_land_right(project: str, running) -> None:
    app, pilot = running
    document, units, notes = stored(project, "entretien-long")
    text = document.text
    hit = text.index(FAR_WORD)
    assert hit > len(text) - 2000
    view = await opened(app, pilot, "entretien-long")
    view.focus()
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*FAR_WORD, "enter")
    await pilot.pause()
    assert view.selection == Span(hit, hit + len(FAR_WORD))
    assert view.cell_of(hit) is not None
    assert FAR_WORD in screen_rows(view)[view.cell_of(hit)[1]]  # type: ignore[index]
    same_as_before(view, units, notes)
    # another document, then this one opened on a passage far down (retrieval's jump)
    await opened(app, pilot, "notes-brutes")
    span = Span(len(text) - 700, len(text) - 650)
    view = await opened(app, pilot, "entretien-long", span)
    await pilot.pause()
    assert view.selection == span
    cell = view.cell_of(span.start)
    assert cell is not None
    assert text[span.start : span.start + 10] in screen_rows(view)[cell[1]]
    same_as_before(view, units, notes)


async def test_a_long_survey_keeps_its_notes_and_steps(project: str, running) -> None:
    app, pilot = running
    _, units, notes = stored(project, "enquete-longue")
    answers = [u for u in units if u.kind == "answer"]
    view = await opened(app, pilot, "enquete-longue")
    # the first answer under its respondent's note
    assert any(notes[answers[0].start][:20] in row for row in screen_rows(view))
    view.focus()
    await pilot.press("ctrl+end", "left_square_bracket")
    await pilot.pause()
    assert view.selection == answers[-1].span
    assert any(notes[answers[-1].start][:20] in row for row in screen_rows(view))
    same_as_before(view, units, notes)
    assert app.workbench._steps == [u.span for u in answers]
    # an attribute filter set before opening: every unit read before the first paint
    app.workbench.query_one("#document-filter").value = "grade=B"  # type: ignore[attr-defined]
    await opened(app, pilot, "notes-brutes")
    view = await opened(app, pilot, "enquete-longue")
    assert view._late_units is None and app.workbench._late_units is None
    assert len(app.workbench._steps) == len(answers)


async def test_documents_numbered_by_lines_or_past_the_estimate(project: str, running) -> None:
    app, pilot = running
    for name in ("notes-brutes", "peu-puis-beaucoup"):
        document, units, notes = stored(project, name)
        view = await opened(app, pilot, name)
        view.focus()
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert view.visible_span().end == len(document.text)
        same_as_before(view, units, notes)


# ---------------------------------------------------------------- the view alone


def parts(
    document: Document, units: list[Unit], notes: dict[int, str]
) -> tuple[list[Unit], dict[int, str], LateUnits, LateBounds, UnitsRest]:
    """The first part's units and notes as the workbench's worker cuts them, the late
    objects, and what the worker would deliver."""
    text = document.text
    head_end = text.find("\n", HEAD_CHARACTERS) + 1
    head = [u for u in units if u.start < head_end]
    rest = [u for u in units if u.start >= head_end]
    bounds = LateBounds()
    late = LateUnits(head_end, bounds)
    head_notes = {s: n for s, n in notes.items() if s < head_end}
    rest_notes = {s: n for s, n in notes.items() if s >= head_end}
    return head, head_notes, late, bounds, UnitsRest.of(head, rest, text, rest_notes)


def deliver_later(late: LateUnits, bounds: LateBounds, rest: UnitsRest) -> threading.Thread:
    """A worker that reads once the document shows (or a key asks), slowly."""

    def work() -> None:
        bounds.wait_shown(timeout=10)
        time.sleep(0.2)
        late.deliver(rest)
        bounds.deliver({})

    thread = threading.Thread(target=work)
    thread.start()
    return thread


@pytest.mark.parametrize("key", ["ctrl+end", "t", "pagedown"])
async def test_a_key_past_the_first_part_waits_for_the_rest(project: str, key: str) -> None:
    document, units, notes = stored(project, "entretien-long")
    head, head_notes, late, bounds, rest = parts(document, units, notes)
    app = ViewApp(document)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(TranscriptView)
        view.load(document, head, [], (), head_notes, bounds, late_units=late)
        await pilot.pause()
        thread = deliver_later(late, bounds, rest)
        # nothing asked for the rest yet: only the first part is wrapped
        assert view._late_units is late and not late.ready
        assert view._wrapped_to() < late.head_end
        if key == "pagedown":
            # pages until the first part runs out, then one past it
            while view._wrapped_to() < late.head_end - 1 and not late.ready:
                await pilot.press("pagedown")
            await pilot.press("pagedown", "pagedown")
        else:
            await pilot.press(key)
        await pilot.pause()
        thread.join()
        if key == "ctrl+end":
            assert view.visible_span().end == len(document.text)
        elif key == "t":
            turns = [u for u in units if u.kind == "turn"]
            assert view.selection == turns[0].span
        same_as_before(view, units, notes)


async def test_the_rest_taken_when_delivered_leaves_the_screen_as_it_was(project: str) -> None:
    document, units, notes = stored(project, "peu-puis-beaucoup")
    head, head_notes, late, bounds, rest = parts(document, units, notes)
    app = ViewApp(document)
    async with app.run_test(size=(120, 30)) as pilot:
        view = app.query_one(TranscriptView)
        view.load(document, head, [], (), head_notes, bounds, late_units=late)
        await pilot.pause()
        view.jump_to(2000)
        await pilot.pause()
        top = view.visible_span().start
        gutter = view._layout.gutter  # type: ignore[union-attr]
        late.deliver(rest)
        view.take_units(late)
        await pilot.pause()
        # the gutter was sized from an estimate a digit too wide: wrapped again, the
        # same text still at the top
        assert view._layout.gutter == gutter - 1  # type: ignore[union-attr]
        assert view.visible_span().start <= top < view.visible_span().end
        assert view.cursor == 2000
        same_as_before(view, units, notes)
