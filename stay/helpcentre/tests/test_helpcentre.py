"""The public help centre: pages in English and Korean (falling back to the store's language),
search by meaning in both languages, "was this helpful?" once per reader, safe Markdown, and
an article edited in the admin is searchable at once."""

import pytest
from django.test import Client

from stay.demo.articles import help_centre_create
from stay.helpcentre.models import Article, ArticleText
from stay.helpcentre.selectors import render, search
from stay.helpcentre.services import TextInput, article_save, category_ensure

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpcentre(store):
    help_centre_create(store)
    return store


def test_home_lists_categories_and_articles_in_each_language(client: Client, helpcentre):
    english = client.get("/help/summit/?lang=en").content.decode()
    assert "Shipping and delivery" in english and "Returns and exchanges" in english and "Track your order" in english
    korean = client.get("/help/summit/?lang=ko").content.decode()
    assert "반품·교환" in korean and "주문 배송 조회" in korean and 'lang="ko"' in korean
    assert client.get("/help/").status_code == 302


def test_an_article_page_renders_its_markdown(client: Client, helpcentre):
    page = client.get("/help/summit/a/returns-and-exchanges/?lang=en").content.decode()
    assert "<h1>Returns and exchanges</h1>" in page
    assert "<strong>31 January</strong>" in page and "<li>" in page
    assert "Was this helpful?" in page
    korean = client.get("/help/summit/a/size-guide/?lang=ko").content.decode()
    assert "사이즈 가이드" in korean and "<table>" in korean


def test_a_missing_language_falls_back_to_the_stores(client: Client, helpcentre):
    category = category_ensure(store=helpcentre, slug="stores", names={"en": "Our stores"})
    article_save(
        store=helpcentre,
        category=category,
        slug="seoul-store",
        texts=[TextInput(language="en", title="Our Seoul store", body="Open daily in Seongsu-dong.")],
    )
    page = client.get("/help/summit/a/seoul-store/?lang=ko").content.decode()
    assert "Our Seoul store" in page and 'lang="en"' in page  # the English text, marked as English
    assert "이 글은 아직 한국어로 준비되지 않았습니다" in page  # and the reader is told so


@pytest.mark.parametrize(
    ("query", "language", "expected"),
    [
        ("my parcel hasn't moved for days", "en", "track-your-order"),
        ("can I send something back after christmas", "en", "returns-and-exchanges"),
        ("which size fits a 180 cm person", "en", "size-guide"),
        ("I was charged twice", "en", "payment-methods"),
        ("when does my gift voucher expire", "en", "gift-cards"),
        ("택배 조회", "ko", "track-your-order"),
        ("기프트카드 유효기간", "ko", "gift-cards"),
        ("상자가 찌그러져서 왔어요", "ko", "damaged-or-wrong-items"),
        ("세금계산서 발행", "ko", "invoices-and-receipts"),
        ("how do I get a tax invoice", "en", "invoices-and-receipts"),
    ],
)
def test_search_understands_meaning_in_both_languages(helpcentre, query, language, expected):
    hits = search(helpcentre, query, language=language, limit=3)
    assert hits[0].article.slug == expected, [(h.article.slug, round(h.score, 3)) for h in hits]
    assert hits[0].text.language == language


def test_the_search_page(client: Client, helpcentre):
    page = client.get("/help/summit/", {"q": "refund not received", "lang": "en"}).content.decode()
    assert "When will I get my refund?" in page
    empty = client.get("/help/summit/", {"q": "   "})
    assert empty.status_code == 200


def test_helpful_votes_count_once_per_reader(client: Client, helpcentre):
    url = "/help/summit/a/shipping-times/helpful"
    assert client.post(url, {"helpful": "yes"}).status_code == 302
    client.post(url, {"helpful": "yes"})
    Client().post(url, {"helpful": "no"})
    article = Article.objects.get(slug="shipping-times")
    assert (article.helpful_yes, article.helpful_no) == (1, 1)
    assert client.post(url, {"helpful": "maybe"}).status_code == 400
    thanked = client.get("/help/summit/a/shipping-times/?voted=1").content.decode()
    assert "Thank you for your feedback." in thanked


def test_markdown_cannot_carry_a_script():
    html = render("Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**")
    assert "<script>" not in html and "javascript:" not in html and "<strong>bold</strong>" in html


def test_an_article_saved_in_the_admin_is_found_at_once(admin_client: Client, helpcentre):
    category = helpcentre.help_categories.get(slug="products")
    response = admin_client.post(
        "/admin/helpcentre/article/add/",
        {
            "store": helpcentre.pk,
            "category": category.pk,
            "slug": "tent-care",
            "position": 0,
            "published": "on",
            "intents": "[]",
            "helpful_yes": 0,
            "helpful_no": 0,
            "texts-TOTAL_FORMS": 1,
            "texts-INITIAL_FORMS": 0,
            "texts-0-language": "en",
            "texts-0-title": "Caring for your tent",
            "texts-0-summary": "Dry it before storing it, and never machine-wash it.",
            "texts-0-body": "Pitch it to dry after every trip. Clean the fly with lukewarm water only.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ArticleText.objects.get(title="Caring for your tent").passages.count() >= 2
    hits = search(helpcentre, "how should I store a wet tent", language="en", limit=1)
    assert hits[0].article.slug == "tent-care"


def test_unknown_store_or_article_is_404(client: Client, helpcentre):
    assert client.get("/help/nowhere/").status_code == 404
    assert client.get("/help/summit/a/nothing/").status_code == 404


def test_a_category_with_articles_cannot_be_deleted_but_its_store_can(helpcentre):
    from django.db.models import RestrictedError

    category = helpcentre.help_categories.get(slug="shipping")
    with pytest.raises(RestrictedError):
        category.delete()
    helpcentre.delete()
    assert not Article.objects.exists() and not ArticleText.objects.exists()


def test_the_demo_articles_promise_only_what_the_store_has_in_its_currency(helpcentre, client: Client):
    texts = " ".join(f"{t.title} {t.summary} {t.body}" for t in ArticleText.objects.filter(article__store=helpcentre))
    assert helpcentre.currency == "USD" and "$50" in texts
    for promise in ("₩", "만 원", "000원", "Summit Rewards", "리워드", "Notify me", "재입고 알림", "5,000"):
        assert promise not in texts, promise
    assert not [a for a in Article.objects.filter(store=helpcentre) if "loyalty_points" in a.intents]


def test_the_help_centre_offers_the_chat_when_the_store_has_one(helpcentre, client: Client, chat_widget):
    page = client.get("/help/summit/?lang=ko")
    html = page.content.decode()
    assert "data-stay-chat-open" in html and f"widget.js?key={chat_widget.public_key}" in html
    assert "ws://" in page["Content-Security-Policy"]  # the widget's websocket may connect
