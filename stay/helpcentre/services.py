"""Writing the help centre: articles in their languages, indexed for search as they are saved."""

import re
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.core.textmodel import embed, encoder

from .models import Article, ArticleText, Category, Passage

PASSAGE_CHARS = 500


@dataclass(frozen=True)
class TextInput:
    language: str
    title: str
    body: str
    summary: str = ""


def _plain(markdown: str) -> str:
    """Markdown as the words a reader sees: no link targets, emphasis marks or headings' #."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"^\s{0,3}(#{1,6}|[-*+]|\d+\.)\s+", "", text, flags=re.MULTILINE)
    return re.sub(r"[*_`>|]+", "", text)


def passages_of(text: ArticleText) -> list[str]:
    """The title with the short answer, then the body's paragraphs, joined up to a few
    hundred characters so that a passage carries one idea with its context."""
    pieces = [f"{text.title}. {text.summary}".strip()]
    current = ""
    for paragraph in re.split(r"\n\s*\n", _plain(text.body)):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if current and len(current) + len(paragraph) > PASSAGE_CHARS:
            pieces.append(current)
            current = ""
        current = f"{current} {paragraph}".strip()
    if current:
        pieces.append(current)
    return [f"{text.title}: {p}" if i else p for i, p in enumerate(pieces)]


def text_index(text: ArticleText) -> int:
    """(Re)compute the text's passages and their vectors. Returns how many there are."""
    contents = passages_of(text)
    vectors = embed(contents, query=False, remember=True)
    model = encoder().name
    with transaction.atomic():
        Passage.objects.filter(text=text).delete()
        Passage.objects.bulk_create(
            Passage(text=text, position=i, content=c, model=model, vector=np.asarray(v, dtype=np.float32).tobytes())
            for i, (c, v) in enumerate(zip(contents, vectors, strict=True))
        )
        ArticleText.objects.filter(pk=text.pk).update(indexed_at=timezone.now())
    return len(contents)


def store_reindex(store: Store) -> int:
    """Index every text of the store again (after the sentence model changed)."""
    return sum(text_index(t) for t in ArticleText.objects.filter(article__store=store))


def category_ensure(*, store: Store, slug: str, names: dict[str, str], position: int = 0) -> Category:
    category, _created = Category.objects.update_or_create(
        store=store, slug=slug, defaults={"names": names, "position": position}
    )
    return category


def article_save(
    *,
    store: Store,
    category: Category,
    slug: str,
    texts: list[TextInput],
    intents: list[str] | None = None,
    position: int = 0,
    published: bool = True,
) -> Article:
    """Create or update the article ``slug`` with its texts, and index them for search."""
    if not texts:
        raise InvalidInput(_("An article needs its text in at least one language."))
    for item in texts:
        if not item.title.strip() or not item.body.strip():
            raise InvalidInput(
                _("Each language of an article needs a title and a body (%(lang)s).") % {"lang": item.language}
            )
    with transaction.atomic():
        article, _created = Article.objects.update_or_create(
            store=store,
            slug=slug,
            defaults={"category": category, "intents": intents or [], "position": position, "published": published},
        )
        saved = []
        for item in texts:
            text, _new = ArticleText.objects.update_or_create(
                article=article,
                language=item.language,
                defaults={"title": item.title.strip(), "body": item.body.strip(), "summary": item.summary.strip()},
            )
            saved.append(text)
        for text in saved:
            text_index(text)
    return article


def helpful_vote(*, article: Article, helpful: bool) -> None:
    field = "helpful_yes" if helpful else "helpful_no"
    Article.objects.filter(pk=article.pk).update(**{field: F(field) + 1})
