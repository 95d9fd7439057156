"""A small generated interview, its units, codes and codings, for the interface tests."""

from __future__ import annotations

from codage.domain import Code, Coding, Document, Unit, text_sha256

SPEAKERS = ("ENQ", "Mme Durand")

SENTENCES = (
    "Depuis la réforme, nous utilisons l'intranet tous les jours.",
    "Les agents ont été formés en deux demi-journées.",
    "Au début, la messagerie posait beaucoup de problèmes.",
    "Maintenant, le service informatique répond vite.",
    "Je pense que le télétravail a tout changé pour l'équipe.",
)

CODES = (
    Code(id=1, name="Intranet", path=("Outils", "Intranet"), colour="#2e7d32"),
    Code(id=2, name="Formation", path=("Formation",), colour="#1565c0"),
    Code(id=3, name="Télétravail", path=("Organisation", "Télétravail"), colour="#c62828"),
)


def make_interview(turns: int = 40) -> tuple[Document, list[Unit]]:
    """An interview of ``turns`` turns; odd turns name their speaker in the text,
    even ones only in the unit (with a timestamp), so both decorations are exercised."""
    parts: list[str] = []
    units: list[Unit] = []
    position = 0
    for t in range(turns):
        speaker = SPEAKERS[t % 2]
        sentences = [SENTENCES[(t + k) % len(SENTENCES)] for k in range(1 + t % 4)]
        prefix = f"{speaker} : " if t % 2 else ""
        body = prefix + " ".join(sentences)
        start = position
        units.append(Unit("paragraph", start, start + len(body)))
        units.append(
            Unit(
                "turn",
                start,
                start + len(body),
                speaker=speaker,
                timestamp=None if t % 2 else 30.0 * t,
            )
        )
        cursor = start + len(prefix)
        for sentence in sentences:
            units.append(Unit("sentence", cursor, cursor + len(sentence)))
            cursor += len(sentence) + 1
        parts.append(body)
        position += len(body) + 1
    text = "\n".join(parts)
    document = Document(
        id=1, name="entretien", kind="interview", text=text, sha256=text_sha256(text)
    )
    return document, units


def coding(document: Document, id: int, code_id: int, start: int, end: int) -> Coding:
    return Coding(
        id=id,
        document_id=document.id,
        code_id=code_id,
        coder="alice",
        start=start,
        end=end,
        text=document.text[start:end],
    )
