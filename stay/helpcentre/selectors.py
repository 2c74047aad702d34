"""Reading the help centre: an article in the reader's language, and search by meaning."""

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

import markdown  # type: ignore[import-untyped]
import nh3
import numpy as np
from django.db.models import Count, Max, Q, QuerySet

from stay.core.models import Store
from stay.core.textmodel import embed

from .models import Article, ArticleText, Category, Passage

# A shopper's words that also appear in an article lift it a little: meaning ranks, words break ties.
WORD_WEIGHT = 0.08
INTENT_LIFT = 0.05
_WORD = re.compile(r"\w{2,}", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    article: Article
    text: ArticleText
    score: float
    passage: str


def text_for(article: Article, language: str) -> ArticleText | None:
    """The article in ``language``, else in the store's default language, else any."""
    texts = {t.language: t for t in article.texts.all()}
    return texts.get(language) or texts.get(article.store.default_locale) or next(iter(texts.values()), None)


def categories(store: Store) -> QuerySet[Category]:
    return (
        Category.objects.filter(store=store)
        .annotate(published=Count("articles", filter=Q(articles__published=True)))
        .filter(published__gt=0)
        .select_related("store")
    )


def articles(store: Store, category: Category | None = None) -> QuerySet[Article]:
    rows = Article.objects.filter(store=store, published=True).select_related("store", "category")
    if category is not None:
        rows = rows.filter(category=category)
    return rows.prefetch_related("texts")


def article_get(store: Store, slug: str) -> Article | None:
    return articles(store).filter(slug=slug).first()


def render(body: str) -> str:
    """An article's Markdown as safe HTML (an admin writes it, but a pasted script still
    must not run on the public site)."""
    return nh3.clean(
        markdown.markdown(body, extensions=["extra", "sane_lists"]), url_schemes={"http", "https", "mailto"}
    )


class _Index:
    """The store's passage vectors in one matrix, rebuilt when an article changes."""

    def __init__(self) -> None:
        self.by_store: dict[int, tuple[tuple[object, ...], list[int], np.ndarray, list[str]]] = {}
        self.lock = threading.Lock()

    def get(self, store: Store) -> tuple[list[int], np.ndarray, list[str]]:
        """Each passage's article id, the matrix of their vectors, and their words."""
        rows = Passage.objects.filter(text__article__store=store, text__article__published=True)
        signature = tuple(rows.aggregate(n=Count("id"), last=Max("text__indexed_at"), first=Max("id")).values())
        cached = self.by_store.get(store.pk)
        if cached is not None and cached[0] == signature:
            return cached[1], cached[2], cached[3]
        found = list(rows.values_list("text__article_id", "vector", "content"))
        article_ids = [r[0] for r in found]
        matrix = (
            np.vstack([np.frombuffer(bytes(r[1]), dtype=np.float32) for r in found])
            if found
            else np.zeros((0, 1), dtype=np.float32)
        )
        with self.lock:
            self.by_store[store.pk] = (signature, article_ids, matrix, [r[2] for r in found])
        return article_ids, matrix, [r[2] for r in found]


_index = _Index()


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


IntentGuesser = Callable[[Store, str], tuple[str, ...]]
_guessers: list[IntentGuesser] = []


def register_intent_guesser(guess: IntentGuesser) -> None:
    """A higher app (the assistant) that can tell what a question is about: search then
    lifts the articles written for that intent."""
    if guess not in _guessers:
        _guessers.append(guess)


def search(
    store: Store, query: str, *, language: str, limit: int = 5, intents: tuple[str, ...] | None = None
) -> list[Hit]:
    """Published articles by how well they answer ``query``, best first: the closest passage
    by meaning (in any language; the model is multilingual), a small lift for shared words,
    and for articles that say they answer one of ``intents`` (by default: what the
    registered guesser makes of the query). Each hit is shown in ``language`` where the
    article has it."""
    query = query.strip()
    if intents is None:
        intents = tuple(i for guess in _guessers for i in guess(store, query)) if query else ()
    article_ids, matrix, contents = _index.get(store)
    if not query or not article_ids:
        return []
    vector = embed([query], query=True)[0]
    if matrix.shape[1] != vector.shape[0]:
        return []  # indexed with another model: `stay helpcentre reindex`
    similarity = matrix @ vector
    asked = _words(query)
    best: dict[int, tuple[float, int]] = {}
    for i, article_id in enumerate(article_ids):
        score = float(similarity[i])
        if asked:
            score += WORD_WEIGHT * len(asked & _words(contents[i])) / len(asked)
        if article_id not in best or score > best[article_id][0]:
            best[article_id] = (score, i)
    found = Article.objects.filter(pk__in=best).select_related("store", "category").prefetch_related("texts")
    hits = []
    for article in found:
        score, i = best[article.pk]
        if intents and set(article.intents) & set(intents):
            score += INTENT_LIFT
        shown = text_for(article, language)
        if shown is not None:
            hits.append(Hit(article=article, text=shown, score=score, passage=contents[i]))
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]
