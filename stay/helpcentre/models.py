"""The help centre: articles in categories, each written in one or more languages.

An :class:`Article`'s words live in :class:`ArticleText` rows, one per language (English and
Korean ship; a missing language falls back to the store's default). Each text is cut into
:class:`Passage` rows (the title, then paragraphs) with their sentence vectors, which is what
search compares a question with.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store

LANGUAGE = RegexValidator(r"^[a-z]{2}$", _("Use a two-letter language code such as en or ko."))


class Category(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="help_categories")
    slug = models.SlugField(_("slug"), max_length=80)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Shown as {"en": "Shipping", "ko": "배송"}: a category name is a few words, not an article.
    names = models.JSONField(_("names by language"), default=dict, help_text=_('e.g. {"en": "Shipping", "ko": "배송"}'))

    class Meta:
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "slug"], name="help_category_slug_unique")]

    def __str__(self) -> str:
        return self.name_in("en")

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get(self.store.default_locale) or self.slug


class Article(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="help_articles")
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="articles")
    slug = models.SlugField(_("slug"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)
    published = models.BooleanField(_("published"), default=True)
    intents = models.JSONField(
        _("intents it answers"),
        default=list,
        blank=True,
        help_text=_('The assistant cites this article for these intents, e.g. ["return_policy"].'),
    )
    helpful_yes = models.PositiveIntegerField(_("found it helpful"), default=0)
    helpful_no = models.PositiveIntegerField(_("did not find it helpful"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "slug"], name="help_article_slug_unique")]

    def __str__(self) -> str:
        return self.slug


class ArticleText(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(_("language"), max_length=2, validators=[LANGUAGE])
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(
        _("short answer"),
        blank=True,
        help_text=_("What the assistant says before citing the article; one or two sentences."),
    )
    body = models.TextField(_("body (Markdown)"))
    indexed_at = models.DateTimeField(_("indexed"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("article text")
        verbose_name_plural = _("article texts")
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="help_article_language_unique")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class Passage(models.Model):
    """A piece of an article's text with its sentence vector (float32 bytes)."""

    text = models.ForeignKey(ArticleText, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField()
    content = models.TextField()
    model = models.CharField(max_length=40)
    vector = models.BinaryField()

    class Meta:
        ordering = ["text_id", "position"]
