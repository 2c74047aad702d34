"""The public help centre at ``/help/<store>/``: search, categories, articles and "was this
helpful?". Plain pages that work without JavaScript and read well on a phone."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_GET, require_POST

from stay.core.i18n import pick_language
from stay.core.models import Store
from stay.core.storefront import allow_chat, chat_embed

from . import selectors, services
from .models import Category

_VOTED = "helpcentre-voted"


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise Http404("no such store")
    return store


def _page(
    request: HttpRequest, store: Store, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    language = pick_language(request, request.LANGUAGE_CODE, store.default_locale)
    chat = chat_embed(store)
    with translation.override(language):
        cats = [(c, c.name_in(language)) for c in selectors.categories(store)]
        response = render(
            request,
            template,
            {"store": store, "lang": language, "categories": cats, "chat": chat, **context},
            status=status,
        )
    return allow_chat(response, chat)


@require_GET
def index(request: HttpRequest) -> HttpResponseBase:
    stores = list(Store.objects.order_by("name")[:2])
    if len(stores) == 1:
        return redirect("helpcentre:home", stores[0].slug)
    raise Http404("name the store: /help/<store>/")


@require_GET
def home(request: HttpRequest, store_slug: str) -> HttpResponse:
    store = _store(store_slug)
    language = pick_language(request, request.LANGUAGE_CODE, store.default_locale)
    query = request.GET.get("q", "").strip()[:300]
    if query:
        hits = selectors.search(store, query, language=language, limit=8)
        return _page(request, store, "helpcentre/search.html", {"q": query, "hits": hits})
    listed = [(a, selectors.text_for(a, language)) for a in selectors.articles(store)]
    return _page(request, store, "helpcentre/home.html", {"articles": listed})


@require_GET
def category(request: HttpRequest, store_slug: str, slug: str) -> HttpResponse:
    store = _store(store_slug)
    found = Category.objects.filter(store=store, slug=slug).select_related("store").first()
    if found is None:
        raise Http404("no such category")
    language = pick_language(request, request.LANGUAGE_CODE, store.default_locale)
    listed = [(a, selectors.text_for(a, language)) for a in selectors.articles(store, found)]
    return _page(
        request,
        store,
        "helpcentre/category.html",
        {"category": found, "title": found.name_in(language), "articles": listed},
    )


@require_GET
def article(request: HttpRequest, store_slug: str, slug: str) -> HttpResponse:
    store = _store(store_slug)
    found = selectors.article_get(store, slug)
    if found is None:
        raise Http404("no such article")
    language = pick_language(request, request.LANGUAGE_CODE, store.default_locale)
    text = selectors.text_for(found, language)
    voted = found.pk in request.session.get(_VOTED, [])
    return _page(
        request,
        store,
        "helpcentre/article.html",
        {
            "article": found,
            "text": text,
            "html": selectors.render(text.body) if text else "",
            "voted": voted,
            "thanks": request.GET.get("voted") == "1",
            "other_language": text is not None and text.language != language,
        },
    )


@require_POST
def vote(request: HttpRequest, store_slug: str, slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    found = selectors.article_get(store, slug)
    if found is None:
        raise Http404("no such article")
    answer = request.POST.get("helpful", "")
    if answer not in ("yes", "no"):
        return HttpResponse("helpful must be yes or no", status=400, content_type="text/plain")
    voted = request.session.get(_VOTED, [])
    if found.pk not in voted:  # one vote per reader and article
        services.helpful_vote(article=found, helpful=answer == "yes")
        request.session[_VOTED] = [*voted, found.pk][-200:]
    lang = request.POST.get("lang", "")
    url = reverse("helpcentre:article", args=[store.slug, found.slug])
    return redirect(f"{url}?voted=1" + (f"&lang={lang}" if lang in ("en", "ko") else ""))
