"""The console tells what happened, not what was hoped (issue 19): a refund is "requested", its
call's state shows on the order, a failed call reaches the agent, and a replacement ships only
the lines the agent chose, worth what they say, within the agent's limits."""

from decimal import Decimal

import pytest
from django.urls import reverse

from stay.connectors.shopify.fake import FakeShopify
from stay.connectors.shopify.models import CallStatus, PlatformCall
from stay.conversations.models import Direction, Message, Status

pytestmark = pytest.mark.django_db


def refund(client, conversation, order, amount, key, capture):
    with capture(execute=True):
        return client.post(
            reverse("console:act", args=[conversation.pk, order.pk]), {"action": "refund", "key": key, "amount": amount}
        )


def test_a_refund_says_requested_and_a_failure_reaches_the_agent(
    agent, lead, conversation, order, django_capture_on_commit_callbacks
):
    conversation.status = Status.RESOLVED
    conversation.save()
    response = refund(agent, conversation, order, "10", "r-1", django_capture_on_commit_callbacks)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Refund of 10.00 USD on #1001 requested" in page and "Done" not in page
    assert f'id="calls-{order.pk}"' in page  # the order's requests, redrawn beside the flash

    # The store has no API address: the call fails at once, with the reason, not after an hour.
    call = PlatformCall.objects.get()
    assert call.status == CallStatus.FAILED and call.attempts == 1
    assert "not connected to its platform" in call.last_error
    note = Message.objects.get(conversation=conversation, direction=Direction.NOTE)
    assert note.text.startswith("Refund of 10.00 USD on #1001 failed: This store is not connected")
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN  # back in the agent's queue

    inbox = agent.get("/console/").content.decode()
    assert "Request failed" in inbox
    panel = agent.get(reverse("console:calls", args=[conversation.pk, order.pk])).content.decode()
    assert "Failed" in panel and "not connected to its platform" in panel
    assert "A lead can retry it." in panel and "Retry</button>" not in panel
    assert "Retry</button>" in lead.get(reverse("console:calls", args=[conversation.pk, order.pk])).content.decode()


def test_a_lead_retries_a_failed_call_once_the_store_is_connected(
    agent, lead, conversation, order, django_capture_on_commit_callbacks
):
    refund(agent, conversation, order, "10", "r-1", django_capture_on_commit_callbacks)
    call = PlatformCall.objects.get()
    retry = reverse("console:call_retry", args=[conversation.pk, call.pk])
    denied = agent.post(retry)
    assert denied.status_code == 403 and "Only a lead" in denied.content.decode()

    with FakeShopify(token="shpat_secret") as shopify:
        store = order.store
        store.api_base_url, store.api_token = shopify.base_url, "shpat_secret"
        store.save()
        with django_capture_on_commit_callbacks(execute=True):
            response = lead.post(retry)
        assert response.status_code == 200
        call.refresh_from_db()
        assert call.status == CallStatus.SENT and len(shopify.calls) == 1
    # The answer is drawn before the call goes (after commit): requested, and the panel polls;
    # once sent, the panel says done.
    assert "Requested</span> Refund of 10.00 USD on #1001" in response.content.decode()
    assert 'hx-trigger="every 3s"' in response.content.decode()
    panel = lead.get(reverse("console:calls", args=[conversation.pk, order.pk])).content.decode()
    assert "Done</span> Refund of 10.00 USD on #1001" in panel and "every 3s" not in panel
    assert "Request failed" not in agent.get("/console/").content.decode()
    again = lead.post(retry)
    assert again.status_code == 409 and "Only a failed call" in again.content.decode()


def test_a_failed_refund_is_not_counted_until_retried_and_then_checked_again(
    agent, lead, conversation, order, django_capture_on_commit_callbacks
):
    refund(agent, conversation, order, "400", "r-1", django_capture_on_commit_callbacks)  # lead needed
    refund(lead, conversation, order, "400", "r-2", django_capture_on_commit_callbacks)  # fails: not connected
    refund(lead, conversation, order, "300", "r-3", django_capture_on_commit_callbacks)  # the 400 no longer counts
    first = PlatformCall.objects.get(amount=Decimal("400"))
    PlatformCall.objects.filter(amount=Decimal("300")).update(status=CallStatus.QUEUED)  # still on its way
    response = lead.post(reverse("console:call_retry", args=[conversation.pk, first.pk]))
    assert response.status_code == 409 and "At most 103.00 USD can be refunded" in response.content.decode()
    first.refresh_from_db()
    assert first.status == CallStatus.FAILED


def test_a_replacement_ships_only_the_chosen_lines_and_counts_toward_the_limit(
    agent, conversation, order, django_capture_on_commit_callbacks
):
    url = reverse("console:act", args=[conversation.pk, order.pk])
    sock = order.lines.get(title="Trail Runner Sock")
    tent = order.lines.get(title="Ridgeline 2P Tent")
    nothing = agent.post(url, {"action": "replacement", "key": "p-1"})
    assert nothing.status_code == 400 and "Choose the items to replace" in nothing.content.decode()

    chosen = {"action": "replacement", "key": "p-1", "note": "one sock torn", f"line_{sock.pk}": "1"}
    review = agent.post(url, chosen).content.decode()
    assert "worth 24.50 USD given away" in review and "1 × Trail Runner Sock" in review
    assert "Ridgeline" not in review and not PlatformCall.objects.exists()

    done = agent.post(url, {**chosen, "confirmed": "1"}).content.decode()
    assert "Replacement of 1 item worth 24.50 USD requested for #1001" in done
    call = PlatformCall.objects.get(action="create_order")
    assert call.params["line_items"] == [{"variant_id": sock.variant_platform_id, "quantity": 1, "price": "0.00"}]
    assert call.amount == Decimal("24.50") and call.user_id is not None

    # The agent's limit is 100 a refund: a replacement worth 249.00 needs a lead, before and at confirm.
    over = {"action": "replacement", "key": "p-2", f"line_{tent.pk}": "1"}
    assert agent.post(url, over).status_code == 403
    assert agent.post(url, {**over, "confirmed": "1"}).status_code == 403
    assert PlatformCall.objects.filter(action="create_order").count() == 1


@pytest.mark.parametrize("q", ["jon@example.com", "#1001", "1001", "+1 415-555-0133", "14155550133", "(415) 555-0133"])
def test_search_finds_resolved_conversations_by_email_order_and_phone(agent, conversation, q):
    from stay.customers.models import Identity, IdentityKind

    Identity.objects.create(
        store=conversation.store, customer=conversation.customer, kind=IdentityKind.PHONE, value="+14155550133"
    )
    conversation.status = Status.RESOLVED
    conversation.save()
    page = agent.get("/console/", {"q": q}).content.decode()
    assert f"/console/c/{conversation.pk}" in page, q
    narrowed = agent.get("/console/", {"q": q, "status": "open"}).content.decode()
    assert f"/console/c/{conversation.pk}" not in narrowed  # a status filter narrows the search


def test_what_agents_read_is_labels_not_codes(agent, lead, conversation, order, django_capture_on_commit_callbacks):
    from stay.conversations.models import Agent, ConversationEvent

    refund(agent, conversation, order, "10", "r-1", django_capture_on_commit_callbacks)
    agent.post(reverse("console:credit", args=[conversation.pk]), {"amount": "5", "reason": "late", "key": "k"})
    update = reverse("console:update", args=[conversation.pk])
    agent.post(update, {"assignee": "alex", "priority": conversation.priority})  # the header's form sends both
    assert not ConversationEvent.objects.filter(conversation=conversation, kind="priority_changed").exists()

    page = agent.get(f"/console/c/{conversation.pk}").content.decode()
    start = page.index('id="timeline"')
    activity = page[start : page.index("</ol>", start)]  # what was done is in the one timeline
    assert "Refund of 10.00 USD requested on #1001 · alex" in activity
    assert "Store credit of 5.00 USD given: late" in activity and "Assigned to alex" in activity
    for code in ("order_refund", "store_credit", "user:alex", "assigned"):
        assert code not in activity
    panel = page[page.index('id="panel"') :]
    assert "Paid" in panel and ">paid<" not in panel and "Payment: paid" not in panel

    Agent.objects.filter(user__username="alex").update(locale="ko")
    korean = agent.get(f"/console/c/{conversation.pk}").content.decode()
    assert "결제 완료" in korean and "#1001의 10.00 USD 환불 요청" in korean


def test_a_bad_filter_and_a_missing_page_get_styled_pages(agent, conversation):
    bad = agent.get("/console/", {"status": "bogus"})
    page = bad.content.decode()
    assert bad.status_code == 400 and "core/error.css" in page and "There is no status “bogus”" in page
    assert agent.get("/console/", {"channel": "pigeon"}).status_code == 400
    missing = agent.get("/console/c/999999")
    assert missing.status_code == 404 and "core/error.css" in missing.content.decode()
    assert "We could not find that page" in missing.content.decode()


def test_a_server_error_is_a_styled_page(agent, conversation, monkeypatch):
    from stay.console import views

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "suggestion_for", broken)
    agent.raise_request_exception = False
    response = agent.get(f"/console/c/{conversation.pk}")
    assert response.status_code == 500 and "Something went wrong on our side" in response.content.decode()


def test_the_order_panel_opens_the_order_the_shopper_wrote_about(agent, conversation, order):
    from datetime import timedelta

    from stay.orders.models import Order

    newer = Order.objects.create(
        store=order.store,
        customer=order.customer,
        platform_id="n-2",
        name="#1002",
        placed_at=order.placed_at + timedelta(days=3),
        currency="USD",
    )
    page = agent.get(f"/console/c/{conversation.pk}").content.decode()
    assert f'<details class="order" open id="order-{order.pk}">' in page  # "order #1001" in the mail
    assert f'<details class="order"  id="order-{newer.pk}">' in page


def test_a_macro_carries_its_links_and_the_shoppers_language(agent, conversation, order):
    from stay.conversations.models import Macro
    from stay.demo.data import MACROS

    name, english, korean = next(m for m in MACROS if m[0] == "Exchange how-to")
    macro = Macro.objects.create(store=conversation.store, name=name, body=english, body_ko=korean)
    url = reverse("console:macro", args=[conversation.pk, macro.pk])
    text = agent.get(url).content.decode()
    assert "#1001" in text and "/returns/summit/?t=" in text and "lang=en" in text and "{" not in text
    portal = text.split("here: ")[1].split()[0].removeprefix("http://127.0.0.1:8000")
    assert "Order #1001" in agent.get(portal, follow=True).content.decode()  # the link opens the order

    Message.objects.filter(conversation=conversation, direction=Direction.IN).update(text="주문 #1001 교환하고 싶어요")
    korean_text = agent.get(url).content.decode()
    assert korean_text.startswith("Jon 님,") and "교환은 여기에서" in korean_text
    assert "lang=ko" in korean_text


def test_an_agent_records_an_opt_out_with_how_and_sees_consent_beside_the_conversation(agent, conversation):
    """Issue 20 (consent in the console): the side panel shows consent per channel with its
    evidence, and an agent records what the shopper said."""
    from stay.customers.models import ConsentState
    from stay.customers.selectors import consent_current

    url = reverse("console:consent", args=[conversation.pk])
    vague = agent.post(url, {"channel": "email", "state": "unsubscribed", "note": " "})
    assert vague.status_code == 400 and "Say how the shopper told you" in vague.content.decode()
    assert agent.post(url, {"channel": "fax", "state": "unsubscribed", "note": "x"}).status_code == 400
    done = agent.post(url, {"channel": "email", "state": "unsubscribed", "note": "asked on the phone"})
    assert done.status_code == 200 and "Recorded: Email, Unsubscribed." in done.content.decode()
    record = consent_current(conversation.customer)["email"]
    assert record.state == ConsentState.UNSUBSCRIBED and record.source == "agent"
    assert record.evidence == {"agent": "alex", "note": "asked on the phone"}
    page = agent.get(f"/console/c/{conversation.pk}").content.decode()
    assert "Marketing consent" in page and "recorded by alex" in page and "asked on the phone" in page
    assert "Marketing consent recorded: Email, Unsubscribed · alex" in page


def test_an_agent_asks_to_tell_the_shopper_when_it_is_back_and_sees_the_gates_decisions(agent, conversation):
    """Issue 20: "when is X back?" is one step for an agent; the side panel lists the marketing
    messages the gate decided for this shopper, with the reason."""
    from stay.catalog.models import Product, Variant
    from stay.flows.models import Outreach, RestockRequest, Verdict

    store = conversation.store
    product = Product.objects.create(store=store, platform_id="p9", title="Down Vest")
    Variant.objects.create(store=store, product=product, platform_id="v9", sku="VEST-M", title="M", price=90)
    url = reverse("console:restock", args=[conversation.pk])
    missing = agent.post(url, {"sku": "NOPE"})
    assert missing.status_code == 400 and "No variant with the SKU NOPE" in missing.content.decode()
    done = agent.post(url, {"sku": "vest-m"})
    assert done.status_code == 200 and "when Down Vest (M) is back" in done.content.decode()
    request = RestockRequest.objects.get()
    assert (request.customer, request.source) == (conversation.customer, "agent")

    Outreach.objects.create(
        store=store,
        customer=conversation.customer,
        channel="sms",
        verdict=Verdict.WAITING,
        reason="quiet_hours",
        decided_at=request.created_at,
        until=request.created_at,
    )
    page = agent.get(f"/console/c/{conversation.pk}").content.decode()
    assert "Marketing messages" in page and "quiet hours in the shopper&#x27;s time zone" in page
