"""Finding the names of a project to pseudonymise: spaCy's French NER over every document,
speaker label and case name, plus the names a user lists.

The proposal is counted with the very matcher exports use (whole word, case and accents
folded, titles kept out of the key), so the count a reviewer sees is the number of
replacements a pseudonymised export will make.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from codage.domain import Pseudonym, fold
from codage.ingest.nlp import MODEL
from codage.services.pseudonyms import Pseudonymiser, is_title, name_key, number_pseudonyms
from codage.store.project import Project

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["project_strings", "propose_pseudonyms"]

Progress = Callable[[int, int], None]
# spaCy's labels kept, and the kind they become (MISC is too loose to propose)
_KINDS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}
# a speaker label that starts with one of these names a person
_TITLED = ("m. ", "mme ", "mlle ", "monsieur ", "madame ", "dr ")


@lru_cache(maxsize=1)
def load_ner() -> Language:
    """The French pipeline with its named-entity recogniser, loaded once per process."""
    import spacy

    try:
        return spacy.load(
            MODEL, exclude=["parser", "lemmatizer", "morphologizer", "attribute_ruler", "senter"]
        )
    except OSError as exc:
        raise RuntimeError(
            f"the French spaCy model {MODEL} is not installed: python -m spacy download {MODEL}"
        ) from exc


def project_strings(project: Project) -> Iterator[str]:
    """Every text of a project a name may hide in: document texts and names, speaker
    labels, case names and attribute values."""
    for info in project.documents():
        yield info.name
        yield project.document(info.id).text
        yield from {u.speaker for u in project.units(info.id) if u.speaker}
    for case in project.cases():
        yield case.name
        yield from (v for v in case.attributes.values() if isinstance(v, str))


def _pieces(text: str) -> Iterator[str]:
    # lines are turns, paragraphs or answers: short enough for the model, and an
    # entity never spans two of them
    for line in text.split("\n"):
        if line.strip():
            yield line


def propose_pseudonyms(
    project: Project,
    extra: Iterable[tuple[str, str]] = (),
    *,
    progress: Progress | None = None,
) -> list[Pseudonym]:
    """The names of people, places and organisations of ``project`` with their counts and
    a proposed replacement each, plus the ``(name, kind)`` pairs of ``extra`` (a user
    list). Names already in the stored map keep their reviewed replacement and keep
    flag. Names found by the model but never matched whole-word are left out (count 0
    would replace nothing)."""
    nlp = load_ner()
    surfaces: dict[str, Counter[str]] = defaultdict(Counter)
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    infos = project.documents()
    labels: set[str] = set()
    texts: list[str] = []
    for done, info in enumerate(infos, 1):
        texts.append(info.name)
        text = project.document(info.id).text
        texts.append(text)
        labels.update(u.speaker for u in project.units(info.id) if u.speaker)
        for doc in nlp.pipe(_pieces(text), batch_size=256):
            for ent in doc.ents:
                _note(ent.text, ent.label_, surfaces, kinds)
        if progress is not None:
            progress(done, len(infos))
    cases = project.cases()
    labels.update(c.name for c in cases)
    for case in cases:
        texts.extend(v for v in case.attributes.values() if isinstance(v, str))
    texts.extend(sorted(labels))
    for doc in nlp.pipe(sorted(labels)):
        for ent in doc.ents:
            _note(ent.text, ent.label_, surfaces, kinds)
    for label in labels:
        if label.casefold().startswith(_TITLED):
            # a titled speaker label is a person whatever the model said of the name
            _note(label, "PER", surfaces, kinds, weight=100)
    for name, kind in extra:
        _note(name, kind, surfaces, kinds, weight=1000)
    candidates = [
        Pseudonym(key, surfaces[key].most_common(1)[0][0], kinds[key].most_common(1)[0][0], "")
        for key in surfaces
    ]
    counts: Counter[str] = Counter()
    matcher = Pseudonymiser([Pseudonym(c.key, c.name, c.kind, "x") for c in candidates])
    for text in texts:
        counts.update(p.key for _, _, p in matcher.matches(text))
    found = [(c.key, c.name, c.kind, counts[c.key]) for c in candidates if counts[c.key]]
    # one word also written in lower case in the corpus is a common word the small model
    # took for a name ("Accueil", "Merci"): proposed, but not kept unless the user listed it
    listed = {name_key(name) for name, _ in extra}
    codebook = [f"{c.name} {c.description}" for c in project.codes()]
    common = _lower_case_words([*texts, *codebook]) - listed
    return number_pseudonyms(found, project.pseudonyms(), frozenset(common))


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _lower_case_words(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found.update(fold(w) for w in _WORD.findall(text) if w[0].islower())
    return found


def _note(
    surface: str,
    label: str,
    surfaces: dict[str, Counter[str]],
    kinds: dict[str, Counter[str]],
    weight: int = 1,
) -> None:
    kind = _KINDS.get(label)
    if kind is None:
        return
    # the small model runs a name into what follows a dash or a colon ("Roussel - Oui")
    surface = re.split(r"\s[-–—:]\s|:", " ".join(surface.split()))[0].strip()
    # identifiers (R0159, case numbers) are pseudonymous already
    if any(ch.isdigit() for ch in surface):
        return
    # a name starts with a capital: the small model tags some common words
    if not surface or not any(ch.isupper() for ch in surface[:1] + surface.split()[-1][:1]):
        return
    words = surface.split()
    # "Bonjour Madame Lefèvre": the name is what follows the last title
    titled = [i for i, w in enumerate(words) if is_title(w)]
    if titled and titled[-1] + 1 < len(words):
        words = words[titled[-1] + 1 :]
        surface = " ".join(words)
    key = name_key(surface)
    if key is None:
        return
    while words and name_key(words[0]) is None:
        words.pop(0)
    shown = " ".join(words).strip(" .,;:!?'\"«»()")
    surfaces[key][shown or surface] += weight
    kinds[key][kind] += weight
