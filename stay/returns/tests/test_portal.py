"""The shopper's portal: finding an order without giving away whether it exists, limits on
guessing, and a gift recipient who never sees a price."""

import re

import pytest

from stay.returns.models import Return, Status
from stay.returns.receipts import receipt_code

from .conftest import line_of

pytestmark = pytest.mark.django_db
NOT_FOUND = "We could not find an order with those details"


def find(client, **data):
    return client.post("/returns/summit/", data)


def test_returns_root_goes_to_the_only_store(client, shop):
    assert client.get("/returns/").headers["Location"] == "/returns/summit/"


def test_lookup_by_number_and_email_or_postcode(client, shop):
    order = shop.order((shop.jacket_m, 1))
    by_email = find(client, number=order.name, secret="MINA@example.com")
    assert by_email.status_code == 302 and "/returns/summit/start" in by_email.headers["Location"]
    assert find(client, number=order.number, secret="04 524").status_code == 302


def test_a_wrong_email_and_a_missing_order_get_the_same_answer(client, shop):
    order = shop.order((shop.jacket_m, 1))
    wrong = find(client, number=order.name, secret="someone@example.com")
    missing = find(client, number="#999999", secret="mina@example.com")
    assert wrong.status_code == missing.status_code == 200
    assert NOT_FOUND in wrong.content.decode() and NOT_FOUND in missing.content.decode()


def test_lookups_are_rate_limited(client, shop):
    order = shop.order((shop.jacket_m, 1))
    for _ in range(10):
        assert find(client, number=order.name, secret="guess@example.com").status_code == 200
    limited = find(client, number=order.name, secret="mina@example.com")
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()


def test_buyer_returns_for_a_refund_in_a_few_steps(client, shop):
    order = shop.order((shop.jacket_m, 1))
    line = line_of(order, shop.jacket_m)
    find(client, number=order.name, secret="mina@example.com")
    page = client.get("/returns/summit/start").content.decode()
    assert "Trail Jacket" in page and "120.00" in page
    options = client.post(
        "/returns/summit/start", {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", "action": "options"}
    )
    html = options.content.decode()
    assert "Refund to the original payment" in html and "132.00 USD" in html  # store credit with its bonus
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    done = client.post(
        "/returns/summit/start",
        {
            f"qty_{line.pk}": "1",
            f"reason_{line.pk}": "too_small",
            f"outcome_{line.pk}": "refund",
            "channel": "email",
            "key": key,
            "action": "confirm",
        },
    )
    assert done.status_code == 302
    ret = Return.objects.get()
    assert ret.status == Status.LABEL_ISSUED
    status = client.get(done.headers["Location"]).content.decode()
    assert ret.number in status and "label.pdf" in status
    label = client.get(re.search(r'href="([^"]+label\.pdf[^"]*)"', status).group(1).replace("&amp;", "&"))
    assert label.status_code == 200 and label.content.startswith(b"%PDF")


def test_gift_recipient_never_sees_prices_and_gets_no_refund(client, shop):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    line = line_of(order, shop.jacket_m)
    assert client.post("/returns/summit/", {"receipt": receipt_code(order)}).status_code == 302
    page = client.get("/returns/summit/start").content.decode()
    assert "120.00" not in page
    options = client.post(
        "/returns/summit/start", {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", "action": "options"}
    )
    html = options.content.decode()
    # A price is a number on its own ("120.00", "$132"); the page's random tokens (CSRF, keys)
    # may hold the same digits inside longer runs of letters and digits.
    assert "Refund" not in html and not re.search(r"(?<![A-Za-z0-9])(120|132)(?![A-Za-z0-9])", html)
    assert "A gift card in your name" in html and "Exchange for another size or colour" in html
    refused = client.post(
        "/returns/summit/start",
        {
            f"qty_{line.pk}": "1",
            f"reason_{line.pk}": "too_small",
            f"outcome_{line.pk}": "refund",
            "action": "confirm",
            "name": "Jun",
            "email": "jun@example.com",
        },
    )
    assert refused.status_code == 400 and not Return.objects.exists()


def test_a_typo_in_a_gift_receipt_is_named(client, shop):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    code = receipt_code(order)
    typo = code[:-1] + ("2" if code[-1] != "2" else "3")
    response = client.post("/returns/summit/", {"receipt": typo})
    assert response.status_code == 400 and "typo" in response.content.decode()


def test_the_portal_speaks_korean(client, shop):
    page = client.get("/returns/summit/?lang=ko").content.decode()
    assert 'lang="ko"' in page and "주문 번호" in page


def test_the_start_page_needs_a_found_order(client, shop):
    assert client.get("/returns/summit/start").headers["Location"] == "/returns/summit/"


def test_behind_a_trusted_proxy_one_visitors_guesses_lock_out_only_that_visitor(client, shop, settings):
    """Issue 18 #10: limits keyed on REMOTE_ADDR, so behind a reverse proxy ten wrong look-ups
    by one visitor locked the portal for every shopper."""
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    order = shop.order((shop.jacket_m, 1))

    def find_from(visitor, secret, number=order.name):
        return client.post(
            "/returns/summit/",
            {"number": number, "secret": secret},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"{visitor}, 10.1.2.3",
        )

    for _ in range(10):
        assert find_from("203.0.113.9", "guess@example.com").status_code == 200
    assert find_from("203.0.113.9", "mina@example.com").status_code == 429
    other = shop.order((shop.jacket_s, 1))  # another shopper, with their own order
    assert find_from("198.51.100.4", "mina@example.com", number=other.name).status_code == 302
    # A client that writes its own X-Forwarded-For without a trusted proxy in front is keyed
    # on its real address: it cannot pose as someone else to dodge its limit.
    settings.TRUSTED_PROXIES = []
    for _ in range(10):
        client.post("/returns/summit/", {"number": other.name, "secret": "x@x.com"}, HTTP_X_FORWARDED_FOR="1.2.3.4")
    limited = client.post(
        "/returns/summit/", {"number": "#1", "secret": "mina@example.com"}, HTTP_X_FORWARDED_FOR="5.6.7.8"
    )
    assert limited.status_code == 429


def test_what_the_rules_refuse_is_shown_and_never_created(client, shop):
    order = shop.order((shop.cap, 1))  # a final-sale cap: returnable only if faulty
    line = line_of(order, shop.cap)
    find(client, number=order.name, secret="mina@example.com")
    pick = {f"qty_{line.pk}": "1", f"reason_{line.pk}": "changed_mind"}
    options = client.post("/returns/summit/start", {**pick, "action": "options"}).content.decode()
    assert "only if they are faulty" in options and "no return was started" in options
    assert "Confirm my return" not in options and "Decided by the rule" not in options
    crafted = client.post("/returns/summit/start", {**pick, f"outcome_{line.pk}": "refund", "action": "confirm"})
    assert crafted.status_code == 409 and "only if they are faulty" in crafted.content.decode()
    assert not Return.objects.exists()


def test_after_a_return_the_order_links_to_it_instead_of_a_dead_end(client, shop):
    order = shop.order((shop.jacket_m, 1))
    line = line_of(order, shop.jacket_m)
    find(client, number=order.name, secret="mina@example.com")
    pick = {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", f"outcome_{line.pk}": "refund"}
    done = client.post("/returns/summit/start", {**pick, "channel": "email", "key": "k", "action": "confirm"})
    status = client.get(done.headers["Location"]).content.decode()
    assert f"Back to order {order.name}" in status
    again = client.get("/returns/summit/start").content.decode()
    ret = Return.objects.get()
    assert "once they have shipped" not in again
    assert "already in a return" in again and done.headers["Location"].split("?")[0] in again and ret.number in again
