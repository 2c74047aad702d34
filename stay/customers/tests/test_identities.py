from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stay.core.errors import Conflict, InvalidInput
from stay.customers.identities import normalise_email, normalise_identity, normalise_phone
from stay.customers.inputs import ConsentInput, CustomerInput
from stay.customers.models import ConsentRecord, Customer, CustomerEvent, CustomerMerge, Identity
from stay.customers.selectors import consent_current
from stay.customers.services import customer_merge, customer_resolve, identity_attach


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("010-1234-5678", "KR", "+821012345678"),
        ("+82 10 1234 5678", "US", "+821012345678"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "KR", "+442079460958"),
        ("02-312-3456", "KR", "+8223123456"),
    ],
)
def test_phone_numbers_become_e164(raw, region, e164):
    assert normalise_phone(raw, region=region) == e164


@pytest.mark.parametrize("raw", ["12", "call me", "+1 555", ""])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_emails_are_lower_cased_and_checked():
    assert normalise_email("  Jon.Snow@Example.COM ") == "jon.snow@example.com"
    with pytest.raises(InvalidInput, match="not an email"):
        normalise_email("jon at example")
    assert normalise_identity("whatsapp", "+82 10-1234-5678") == "+821012345678"
    with pytest.raises(InvalidInput, match="unknown identity kind"):
        normalise_identity("fax", "1")


@pytest.mark.django_db
def test_one_person_across_channels(store):
    by_email = customer_resolve(store=store, data=CustomerInput(email="Ana@Example.com", name="Ana"), actor="t")
    by_platform = customer_resolve(
        store=store, data=CustomerInput(platform_id="77", email="ana@example.com", phone="415 555 2671"), actor="t"
    )
    assert by_platform == by_email
    assert {str(i) for i in by_email.identities.all()} == {"email:ana@example.com", "platform:77", "phone:+14155552671"}
    assert customer_resolve(store=store, data=CustomerInput(phone="+1-415-555-2671"), actor="t") == by_email
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_identity_belongs_to_one_customer(store):
    customer_resolve(store=store, data=CustomerInput(email="ana@example.com"), actor="t")
    bo = customer_resolve(store=store, data=CustomerInput(email="bo@example.com"), actor="t")
    with pytest.raises(Conflict, match="merge the customers"):
        identity_attach(customer=bo, kind="email", value="ANA@example.com", actor="t")
    identity = identity_attach(customer=bo, kind="whatsapp", value="+82 10 5555 1234", verified=True, actor="t")
    assert identity.value == "+821055551234" and identity.verified


@pytest.mark.django_db
def test_consent_is_evidence_never_overwritten(store):
    t1, t2, t0 = (datetime(2026, 11, d, tzinfo=UTC) for d in (10, 20, 1))

    def evidence(state, at, source):
        consent = ConsentInput(channel="email", state=state, occurred_at=at, source=source)
        return customer_resolve(store=store, data=CustomerInput(email="c@example.com", consents=(consent,)), actor="t")

    customer = evidence("subscribed", t1, "checkout")
    evidence("unsubscribed", t2, "email-link")
    # evidence from before arrives late: kept in the history, but does not become current
    evidence("pending", t0, "import")
    assert ConsentRecord.objects.filter(customer=customer).count() == 3
    assert consent_current(customer)["email"].state == "unsubscribed"


@pytest.mark.django_db
def test_merge_keeps_all_history_on_the_survivor(store):
    ana = customer_resolve(
        store=store, data=CustomerInput(email="ana@example.com", name="Ana", tags=("vip",)), actor="t"
    )
    dup = customer_resolve(
        store=store,
        data=CustomerInput(
            phone="+14155552671",
            tags=("chat",),
            consents=(
                ConsentInput(
                    channel="sms", state="subscribed", occurred_at=datetime(2026, 11, 1, tzinfo=UTC), source="pos"
                ),
            ),
        ),
        actor="t",
    )
    Customer.objects.filter(pk=ana.pk).update(orders_count=2, total_spent=Decimal("120.00"))
    Customer.objects.filter(pk=dup.pk).update(orders_count=1, total_spent=Decimal("30.50"))
    ana.refresh_from_db()
    dup.refresh_from_db()

    survivor = customer_merge(survivor=ana, merged=dup, actor="user:agent")

    assert {str(i) for i in survivor.identities.all()} == {"email:ana@example.com", "phone:+14155552671"}
    assert survivor.orders_count == 3 and survivor.total_spent == Decimal("150.50")
    assert survivor.tags == ["chat", "vip"]
    assert consent_current(survivor)["sms"].state == "subscribed"
    assert CustomerEvent.objects.filter(customer=survivor, kind="created").count() == 2
    dup.refresh_from_db()
    assert dup.merged_into == survivor
    merge = CustomerMerge.objects.get()
    assert merge.merged_by == "user:agent" and merge.snapshot["identities"] == ["phone:+14155552671"]
    # a message from the merged customer's phone now finds the survivor
    assert customer_resolve(store=store, data=CustomerInput(phone="(415) 555-2671"), actor="t") == survivor
    with pytest.raises(Conflict):
        customer_merge(survivor=survivor, merged=dup, actor="t")
    with pytest.raises(InvalidInput):
        customer_merge(survivor=survivor, merged=survivor, actor="t")


@pytest.mark.django_db
def test_merge_moves_orders_too(post_webhook, store):
    from stay.conftest import payload
    from stay.orders.models import Order

    post_webhook("orders/create", payload("orders_create"))
    owner = Order.objects.get().customer
    other = customer_resolve(store=store, data=CustomerInput(email="jon.work@example.com"), actor="t")
    survivor = customer_merge(survivor=other, merged=owner, actor="t")
    assert Order.objects.get().customer == survivor
    assert survivor.orders_count == 1 and Identity.objects.filter(customer=owner).count() == 0


@pytest.mark.parametrize(
    ("written", "region"),
    [("010-1234-5678", "KR"), ("821012345678", "KR"), ("+82 10 1234 5678", "US"), ("0082 10 1234 5678", "KR")],
)
def test_a_phone_is_found_however_it_is_written(written, region):
    from stay.customers.selectors import phone_candidates

    assert "+821012345678" in phone_candidates(written, region=region)


@pytest.mark.django_db
def test_the_preferences_link_opts_out_in_one_click_without_a_cookie_and_a_scanner_changes_nothing(store):
    """Issue 20 (opting out always works): RFC 8058's one-click POST, the page per shopper."""
    from django.test import Client

    from stay.customers.models import ConsentState
    from stay.customers.preferences import list_unsubscribe_headers, preferences_token

    customer = customer_resolve(
        store=store,
        data=CustomerInput(
            email="mina@example.com",
            locale="ko",
            consents=(
                ConsentInput(
                    channel="email", state="subscribed", occurred_at=datetime(2026, 1, 1, tzinfo=UTC), source="form"
                ),
                ConsentInput(
                    channel="sms", state="subscribed", occurred_at=datetime(2026, 1, 1, tzinfo=UTC), source="form"
                ),
            ),
        ),
        actor="test",
    )
    headers = list_unsubscribe_headers(customer)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"].strip("<>").removeprefix("http://127.0.0.1:8000")
    assert url == f"/u/{preferences_token(customer)}"

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)  # a mail scanner, or the shopper looking
    assert page.status_code == 200 and 'lang="ko"' in page.content.decode() and 'value="all"' in page.content.decode()
    assert consent_current(customer)["email"].state == ConsentState.SUBSCRIBED

    one_click = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    email = consent_current(customer)["email"]
    assert email.state == ConsentState.UNSUBSCRIBED and email.source == "one-click"
    assert consent_current(customer)["sms"].state == ConsentState.SUBSCRIBED

    stop_all = browser.post(url, {"channel": "all"})
    assert stop_all.status_code == 200
    assert consent_current(customer)["sms"].state == ConsentState.UNSUBSCRIBED
    assert Client().get("/u/not-a-token").status_code == 404
