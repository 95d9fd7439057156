"""The demo study: a ready project built from `transcripts/` and `codebooks/`.

Two fictional coders have coded it with the study's codebook, so that
retrieval, export and agreement have something to show. Their codings are
made by keyword rules with a fixed seed, the second coder deliberately
differing from the first (boundaries, omissions, a neighbouring code) the way
two real coders do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# The services, the codebook and the domain load when a demo is built or opened, not
# when `codage --help` reads DEMO_FILE for the help of `codage demo`.
if TYPE_CHECKING:
    from codage.services import Project

DEMO_FILE = "codage-demo.db"
CODEBOOK_FILE = "collectivites-numeriques.yaml"
CASES_FILE = "cas-entretiens.csv"
CODERS = ("amelie", "bastien")
SEED = 20261128
MAX_PER_CODE = 4

# Leaf code name -> folded word stems that signal it in a sentence.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "Recomposition des métiers et des compétences": ("metier", "competence", "fiche de poste"),
    "Hiérarchie et contrôle du travail": ("hierarch", "controle", "chef de service", "encadr"),
    "Relations entre DSI et services métiers": ("services metiers", "la dsi", "informaticien"),
    "Frontières des temps de travail": ("le soir", "week-end", "teletravail", "deconnexion"),
    "Charge cognitive": ("fatigue", "charge mentale", "complex", "concentr"),
    "Interruptions et fragmentation du travail": ("interromp", "interruption", "notification"),
    "Surcharge informationnelle": ("courriel", "mails", "messagerie", "trop d'information"),
    "Apprentissage permanent": ("apprendre", "se former", "nouvelle version", "autodidact"),
    "Droits d'accès et filtrage": ("filtr", "bloque", "droits d'acces", "proxy"),
    "Charte informatique": ("charte",),
    "Protection des données personnelles": ("rgpd", "donnees personnelles", "cnil"),
    "Cybersécurité": ("cyber", "rancon", "piratage", "phishing", "hameconnage", "attaque"),
    "Usages": ("intranet",),
    "Gouvernance": ("comite", "gouvernance", "arbitr"),
    "Obsolescence": ("obsolete", "vieillissant", "jamais mis a jour", "a jour"),
    "Outils collaboratifs": ("teams", "collaboratif", "partage de documents", "visio"),
    "Dématérialisation des procédures": ("dematerialis", "parapheur", "signature electronique"),
    "Résistances et contournements": ("resist", "contourn", "reticen", "papier"),
    "Formation": ("formation", "forme les", "tutoriel"),
    "Accompagnement du changement": ("accompagn", "conduite du changement", "referent"),
    "Outils métiers et progiciels": ("logiciel", "progiciel", "application metier"),
    "Démarches en ligne": ("demarche", "en ligne", "formulaire", "teleservice"),
    "Guichet unique et multicanal": ("guichet", "telephone", "multicanal", "accueil unique"),
    "Fracture numérique et inclusion": ("fracture", "personnes agees", "inclusion", "illectron"),
    "Accueil et médiation": ("mediat", "france services", "accueil"),
    "Mutualisation": ("mutualis", "syndicat", "intercommunal"),
    "Interopérabilité et échanges de données": ("interoper", "echange de donnees", "connecteur"),
    "Relations avec l'État": ("l'etat", "prefecture", "ministere", "anct"),
    "Prestataires et éditeurs": ("prestataire", "editeur", "fournisseur", "marche public"),
    "Élus et numérique": ("elus", "le maire", "whatsapp", "conseil municipal"),
    "Réseaux sociaux et communication publique": ("facebook", "reseaux sociaux", "twitter"),
    "Consultation et participation en ligne": ("participati", "consultation", "budget partic"),
    "Modération et expression critique": ("moder", "critique", "commentaires", "insult"),
    "Obligations et stratégie d'ouverture": ("open data", "opendata", "loi pour une republique"),
    "Production et qualité des données": (
        "qualite des donnees",
        "jeu de donnees",
        "jeux de donnees",
    ),
    "Publication et plateformes": ("portail", "data.", "publier", "plateforme"),
    "Réutilisation et valeur publique": ("reutilis", "valeur"),
}


@dataclass
class DemoReport:
    location: str
    built: bool
    documents: int
    codes: int
    codings: int
    failures: list[str]


def find_sources(start: Path | None = None) -> Path:
    """The folder holding `transcripts/` and `codebooks/`: here, or the source checkout."""
    candidates = [start] if start else []
    candidates += [Path.cwd(), Path(__file__).resolve().parent.parent]
    for folder in candidates:
        if folder and (folder / "transcripts").is_dir() and (folder / "codebooks").is_dir():
            return folder
    raise FileNotFoundError(
        2, "no transcripts/ and codebooks/ folders here or in the codage checkout", "demo"
    )


def demo_files(sources: Path) -> list[Path]:
    """The demo corpus: every transcript and table except the README and the case sheet."""
    folder = sources / "transcripts"
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name not in ("README.md", CASES_FILE)
    )


def build_demo(
    project: Project,
    *,
    sources: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DemoReport:
    """Fill an empty project with the demo study; an already built one is left as it is."""
    if project.documents():
        return DemoReport(
            project.location,
            False,
            len(project.documents()),
            len(project.codes()),
            len(project.codings()),
            [],
        )
    # spaCy loads with the import service: only when a demo is really built.
    from codage import codebook
    from codage.ingest.service import import_files
    from codage.services import import_codebook

    root = find_sources(sources)
    book = codebook.load_codebook(root / "codebooks" / CODEBOOK_FILE)
    import_codebook(project, book, coder=CODERS[0])
    project.set_name("Collectivités numériques (démo)")
    cases = root / "transcripts" / CASES_FILE
    report = import_files(
        project,
        demo_files(root),
        case_attributes=cases if cases.exists() else None,
        progress=progress,
    )
    failures = [f"{item.file}: {item.message}" for item in report.failed]
    code_demo(project)
    return DemoReport(
        project.location,
        True,
        len(project.documents()),
        len(project.codes()),
        len(project.codings()),
        failures,
    )


def demo_is_built(location: str) -> bool:
    """Whether the demo project at ``location`` already holds the study."""
    from codage.services import open_project, project_exists, sqlite_path

    if not project_exists(location):
        return False
    if sqlite_path(location) is not None:
        return True
    project = open_project(location)
    try:
        return bool(project.documents())
    finally:
        project.close()


def ensure_demo(
    location: str,
    *,
    sources: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> DemoReport:
    """Reopen the demo project at ``location``, or build it there first.

    A SQLite demo is built in a side file and moved into place only when it is
    complete, so that an interrupted first run never leaves half a project.
    """
    from codage.services import open_project, project_exists, sqlite_path

    path = sqlite_path(location)
    if path is None or project_exists(location):
        project = open_project(location)
        try:
            return build_demo(project, sources=sources, progress=progress)
        finally:
            project.close()
    partial = path.with_name(path.name + ".building")
    _remove_sqlite(partial)
    project = open_project(str(partial))
    try:
        report = build_demo(project, sources=sources, progress=progress)
    except BaseException:
        project.close()
        _remove_sqlite(partial)
        raise
    project.close()
    partial.replace(path)
    report.location = location
    return report


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def code_demo(project: Project) -> int:
    """Code the demo corpus as two coders; returns the number of codings added."""
    import random

    from codage.domain import fold

    rng = random.Random(SEED)
    codes = {c.name: c for c in project.codes() if c.depth >= 2}
    siblings: dict[int | None, list[int]] = {}
    for c in codes.values():
        siblings.setdefault(c.parent_id, []).append(c.id)
    first: list[tuple[int, int, int, int]] = []
    second: list[tuple[int, int, int, int]] = []
    for info in project.documents():
        doc = project.document(info.id)
        text = doc.text
        units = project.units(doc.id)
        sentences = [u for u in units if u.kind == "sentence"] or [
            u for u in units if u.kind in ("answer", "paragraph", "turn")
        ]
        containers = [u for u in units if u.kind in ("turn", "paragraph", "answer")]
        per_code: dict[int, int] = {}
        for unit in sentences:
            folded = fold(text[unit.start : unit.end])
            for name, stems in KEYWORDS.items():
                code = codes.get(name)
                if code is None or not any(stem in folded for stem in stems):
                    continue
                if per_code.get(code.id, 0) >= MAX_PER_CODE:
                    continue
                per_code[code.id] = per_code.get(code.id, 0) + 1
                first.append((doc.id, code.id, unit.start, unit.end))
                roll = rng.random()
                if roll < 0.15:
                    continue  # the second coder missed it
                start, end, code_id = unit.start, unit.end, code.id
                if roll < 0.35:
                    # the second coder took the whole turn or paragraph
                    for box in containers:
                        if box.start <= start and end <= box.end:
                            start, end = box.start, box.end
                            break
                elif roll < 0.45 and len(siblings[code.parent_id]) > 1:
                    code_id = rng.choice([i for i in siblings[code.parent_id] if i != code.id])
                second.append((doc.id, code_id, start, end))
    added = project.add_codings(first, coder=CODERS[0])
    added += project.add_codings(second, coder=CODERS[1])
    return added
