"""The agent console through real HTTP requests: access, inbox, search, a conversation with
the customer's orders, replies, notes, status, and order actions with limits."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload
from stay.connectors.shopify.models import PlatformCall
from stay.conversations.models import Conversation, ConversationEvent, Macro, Message, Status
from stay.orders.models import Order, OrderEvent


def test_login_required_and_agents_only(client, django_user_model, store):
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response["Location"]
    django_user_model.objects.create_user(username="shopper", password="pw")
    shopper = Client()
    shopper.login(username="shopper", password="pw")
    assert shopper.get("/console/").status_code == 403


def test_login_page_logs_in(client, agent_user, store):
    response = client.post("/console/login", {"username": "alex", "password": "agent-pass"})
    assert response.status_code == 302
    assert client.get("/console/").status_code == 200


def test_inbox_lists_with_counts_and_few_queries(agent, conversation, django_assert_max_num_queries):
    # The rows' SLA and who wrote last, the assistant's handovers on top and the agent's saved
    # views: one query each.
    with django_assert_max_num_queries(15):
        response = agent.get("/console/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Where is my order #1001?" in page
    assert conversation.customer.name and conversation.customer.name in page


def test_inbox_pages_with_load_more(agent, store, mailbox):
    for i in range(55):
        raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", f"s{i}@example.com".encode())
        email_receive(raw=raw.replace(b"<CAF=q1x9mE4p@", f"<m{i}@".encode()))
    first = agent.get("/console/").content.decode()
    assert first.count('class="row ') == 50 and "Load more" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    more = agent.get(f"/console/?cursor={cursor}", headers={"HX-Request": "true"}).content.decode()
    assert more.count('class="row ') == 5 and "Load more" not in more


def test_search_finds_korean_and_english(agent, store, mailbox):
    email_receive(raw=mail("korean_euc_kr"))
    email_receive(raw=mail("order_question_qp"))
    korean = agent.get("/console/", {"q": "교환하고"}).content.decode()
    assert "교환 문의" in korean and "Where is my order" not in korean
    short = agent.get("/console/", {"q": "사이즈"}).content.decode()
    assert "교환 문의" in short
    english = agent.get("/console/", {"q": "Ridge tent"}).content.decode()
    assert "Where is my order" in english and "교환 문의" not in english
    by_email = agent.get("/console/", {"q": "minji.kim@example.co.kr"}).content.decode()
    assert "교환 문의" in by_email


def test_conversation_shows_timeline_and_orders(agent, conversation, order):
    page = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "last week and it hasn&#x27;t arrived" in page
    assert "#1001" in page and "Ridgeline 2P Tent" in page
    assert "Cancel order" in page and "Send a replacement now" in page


def test_reply_note_and_resolve(agent, conversation, django_capture_on_commit_callbacks):
    url = reverse("console:send", args=[conversation.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(
            url, {"text": "It ships tomorrow.", "mode": "reply", "channel": "email", "then": "resolved"}
        )
    assert response.status_code == 200 and "It ships tomorrow." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == Status.RESOLVED
    note = agent.post(url, {"text": "Called the carrier", "mode": "note"})
    assert "Internal note" in note.content.decode()
    empty = agent.post(url, {"text": "  ", "mode": "reply"})
    assert empty.status_code == 400 and empty["HX-Retarget"] == "#flash"


def test_poll_returns_only_new_messages(agent, conversation):
    url = reverse("console:messages", args=[conversation.pk])
    last = Message.objects.filter(conversation=conversation).latest("id").pk
    assert agent.get(url, {"after": last}).status_code == 204
    email_receive(
        raw=mail("reply_gmail", IN_REPLY_TO="<CAF=q1x9mE4p@mail.example.com>").replace(
            b"jamie.lee@example.com", b"jon@example.com"
        )
    )
    response = agent.get(url, {"after": last})
    assert response.status_code == 200 and "It arrived just now" in response.content.decode()
    assert int(response["X-Stay-After"]) > last


def test_assign_snooze_and_merge(agent, agent_user, conversation):
    url = reverse("console:update", args=[conversation.pk])
    assert agent.post(url, {"assignee": "alex"}).status_code == 200
    assert agent.post(url, {"status": "snoozed", "snooze_hours": "4"}).status_code == 200
    conversation.refresh_from_db()
    assert conversation.assignee == agent_user and conversation.status == Status.SNOOZED
    assert agent.post(url, {"status": "snoozed", "snooze_hours": "0"}).status_code == 400
    assert agent.post(url, {"merge": "#999999"}).status_code == 404


def test_macro_fills_variables(agent, conversation, order):
    macro = Macro.objects.create(
        store=conversation.store, name="Where", body="Hi {first_name}, {last_order} ships soon. {agent_name}"
    )
    text = agent.get(reverse("console:macro", args=[conversation.pk, macro.pk])).content.decode()
    assert text == f"Hi {conversation.customer.name.split()[0]}, #1001 ships soon. Alex"


def test_cancel_is_requested_once_through_the_connector(agent, conversation, order):
    url = reverse("console:act", args=[conversation.pk, order.pk])
    form = {"action": "cancel", "key": "k-1"}
    assert agent.post(url, form).status_code == 200
    assert agent.post(url, form).status_code == 200  # a double click
    call = PlatformCall.objects.get()
    assert call.action == "cancel_order" and call.params["order_id"] == order.platform_id
    assert ConversationEvent.objects.filter(kind="order_cancel").count() == 1
    assert OrderEvent.objects.filter(order=order, kind="cancel_requested").exists()
    activity = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Cancellation of #1001 requested · alex" in activity


def test_refund_over_the_agents_limit_needs_a_lead(agent, lead, conversation, order):
    url = reverse("console:act", args=[conversation.pk, order.pk])
    whole = agent.post(url, {"action": "refund", "key": "r-1"})
    assert whole.status_code == 403 and "need a lead" in whole.content.decode()
    assert not PlatformCall.objects.exists()
    socks = order.lines.get(title="Trail Runner Sock")
    by_line = agent.post(url, {"action": "refund", "key": "r-2", f"line_{socks.pk}": "2"})
    assert by_line.status_code == 200
    assert PlatformCall.objects.get().params["transactions"][0]["amount"] == "49.00"
    too_much = agent.post(url, {"action": "refund", "key": "r-3", "amount": "9999"})
    assert too_much.status_code == 409  # more than is left on the order
    assert lead.post(url, {"action": "refund", "key": "r-4"}).status_code == 200
    assert PlatformCall.objects.count() == 2


def test_replacement_and_resend(agent, conversation, order, django_capture_on_commit_callbacks):
    url = reverse("console:act", args=[conversation.pk, order.pk])
    line = order.lines.get(title="Trail Runner Sock")
    chosen = {"action": "replacement", "key": "p-1", "note": "arrived damaged", f"line_{line.pk}": "1"}
    review = agent.post(url, chosen)
    assert review.status_code == 200 and "Send the replacement" in review.content.decode()
    assert not PlatformCall.objects.exists()  # nothing is asked of the store before the agent confirms
    assert agent.post(url, {**chosen, "confirmed": "1"}).status_code == 200
    call = PlatformCall.objects.get(action="create_order")
    assert "replacement" in call.params["tags"] and all(i["price"] == "0.00" for i in call.params["line_items"])
    with django_capture_on_commit_callbacks(execute=True):
        assert agent.post(url, {"action": "resend", "key": "s-1"}).status_code == 200
    assert "#1001" in Message.objects.filter(direction="out").latest("id").text


def test_another_customers_order_is_refused(agent, conversation, store, django_user_model):
    other = Order.objects.create(
        store=store, platform_id="x", name="#9", placed_at=conversation.created_at, currency="USD"
    )
    response = agent.post(reverse("console:act", args=[conversation.pk, other.pk]), {"action": "cancel", "key": "z"})
    assert response.status_code == 404
    assert not PlatformCall.objects.exists()


def test_korean_agent_reads_korean(client, django_user_model, conversation):
    from stay.conversations.models import Agent

    user = django_user_model.objects.create_user(username="jiwoo", password="pw")
    Agent.objects.create(user=user, locale="ko").stores.add(conversation.store)
    client.login(username="jiwoo", password="pw")
    page = client.get("/console/").content.decode()
    assert 'lang="ko"' in page and "대화" in page and "받은 편지함" in page


def test_attachment_only_for_agents(agent, client, store, mailbox):
    message = email_receive(raw=mail("defect_multipart")).message
    attachment = message.attachments.get(filename="receipt.pdf")
    url = reverse("console:attachment", args=[attachment.pk])
    response = agent.get(url)
    assert response.status_code == 200 and b"%PDF" in b"".join(response.streaming_content)
    assert "sandbox" in response["Content-Security-Policy"]
    assert client.get(url).status_code == 302


def test_csrf_is_enforced(agent_user, conversation):
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="alex", password="agent-pass")
    response = strict.post(reverse("console:send", args=[conversation.pk]), {"text": "hi"})
    assert response.status_code == 403
    assert not Conversation.objects.filter(messages__text="hi").exists()


def test_admin_pages_for_the_inbox(admin_client, conversation, mailbox, chat_widget):
    for path in (
        "/admin/conversations/conversation/",
        f"/admin/conversations/conversation/{conversation.pk}/change/",
        "/admin/conversations/agent/",
        "/admin/conversations/macro/add/",
        "/admin/conversations/slapolicy/",
        "/admin/conversations/businesshours/",
        "/admin/channel_email/mailbox/",
        "/admin/channel_email/inboundemail/",
        "/admin/channel_whatsapp/whatsappaccount/add/",
        "/admin/channel_sms/twilioaccount/add/",
        "/admin/channel_webchat/chatwidget/",
    ):
        assert admin_client.get(path).status_code == 200, path


def test_agent_merges_two_customers_who_are_one_person(agent, conversation, store, mailbox):
    other = email_receive(raw=mail("korean_euc_kr")).message.conversation.customer
    url = reverse("console:update", args=[conversation.pk])
    assert agent.post(url, {"merge_customer": str(conversation.customer_id)}).status_code == 400
    assert agent.post(url, {"merge_customer": f"#{other.pk}"}).status_code == 200
    other.refresh_from_db()
    assert other.merged_into_id == conversation.customer_id
    # (Besides the notice that sent the gift card bought in the fixture order.)
    assert Conversation.objects.filter(customer=conversation.customer, messages__direction="in").distinct().count() == 2


def test_one_bad_field_changes_nothing(agent, conversation):
    response = agent.post(reverse("console:update", args=[conversation.pk]), {"assignee": "alex", "priority": "asap"})
    assert response.status_code == 400
    conversation.refresh_from_db()
    assert conversation.assignee is None and conversation.priority == "normal"
    assert not ConversationEvent.objects.filter(kind="assigned").exists()


def test_goodwill_credit_within_the_role_limit(agent, lead, conversation):
    from stay.giftcards.models import GiftCard

    url = reverse("console:credit", args=[conversation.pk])
    page = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Give goodwill credit" in page and "your limit: 50" in page
    over = agent.post(url, {"amount": "80", "reason": "late parcel", "key": "k1"})
    assert over.status_code == 403 and "ask a lead" in over.content.decode()
    assert agent.post(url, {"amount": "20", "reason": "", "key": "k2"}).status_code == 400
    assert agent.post(url, {"amount": "twenty", "reason": "late", "key": "k3"}).status_code == 400
    for _ in range(2):  # a double click gives credit once
        assert agent.post(url, {"amount": "20", "reason": "late parcel", "key": "k4"}).status_code == 200
    assert lead.post(url, {"amount": "80", "reason": "lost parcel", "key": "k5"}).status_code == 200
    credit = GiftCard.objects.get(customer=conversation.customer, kind="store_credit")
    assert credit.balance == 100
    assert ConversationEvent.objects.filter(conversation=conversation, kind="store_credit").count() == 2
    assert "100.00 USD" in agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()


def test_an_agent_works_only_the_stores_they_were_given(agent, agent_user, api_for, conversation, kr_store):
    """Issue 18 #9: ``?store=`` switched an agent into another store's inbox."""
    from stay.channels.email.models import Mailbox
    from stay.channels.email.services import email_receive as receive

    Mailbox.objects.create(store=kr_store, address="help@summit-kr.test")
    raw = mail("order_question_qp").replace(b"support@summit-outdoor.test", b"help@summit-kr.test")
    other = receive(raw=raw.replace(b"<CAF=q1x9mE4p@", b"<kr1@")).message.conversation
    assert other.store == kr_store
    assert agent.get("/console/?store=summit-kr").status_code == 404
    assert agent.get(reverse("console:conversation", args=[other.pk])).status_code == 404
    assert agent.get("/console/").status_code == 200  # their own store still works
    token = api_for(agent_user)
    assert token.get("/api/v1/conversations?store=summit-kr").status_code == 404
    assert token.get(f"/api/v1/conversations/{other.pk}?store=summit-kr").status_code == 404
    assert token.get("/api/v1/conversations?store=summit").status_code == 200


def test_a_row_shows_what_the_customer_said_and_the_sla_clock(agent, conversation):
    """Issue 25: the row's line was the last message of anyone, so after a reply the inbox
    showed our own answer; it is the customer's last words, with who waits and the SLA."""
    from stay.conversations.services import message_send

    assert 'class="row sla-ok awaiting"' in agent.get("/console/").content.decode()
    message_send(conversation=conversation, text="Thanks, looking into it now", author=None)
    page = agent.get("/console/").content.decode()
    row = page.split(f'id="row-{conversation.pk}"')[1].split("</tr>")[0]
    assert "Where is my order #1001?" in row and "looking into it" not in row
    assert "awaiting" not in page.split(f'id="row-{conversation.pk}"')[0].rsplit("<tr", 1)[1]
    assert "SLA in" in row and 'class="ch ch-email"' in row


def test_the_assistants_handovers_wait_on_top_with_its_summary(agent, conversation):
    from stay.conversations.models import HANDOFF_TAG, AuthorKind
    from stay.conversations.services import conversation_set_tags, note_add

    assert "Handed over by the assistant" not in agent.get("/console/").content.decode()
    note_add(
        conversation=conversation,
        text="Handed over by the assistant: the shopper asked for a person.\nIntent: contact_human (97%).\nOrder: -",
        author=None,
        author_kind=AuthorKind.BOT,
    )
    conversation_set_tags(conversation=conversation, tags=[HANDOFF_TAG], actor=None)
    page = agent.get("/console/").content.decode()
    block = page.split('class="handed-over card"')[1].split("</section>")[0]
    assert "the shopper asked for a person. · Intent: contact_human (97%)." in block and "waiting" in block
    assert "Handed over by the assistant" not in agent.get("/console/?view=mine").content.decode()
    answered = agent.get("/console/?view=answered").content.decode()
    assert "Answered by the assistant" in answered and 'id="row-' not in answered


def test_bulk_assign_resolve_and_tag_all_or_none(agent, agent_user, store, mailbox):
    from stay.core.services import store_create

    for i in range(3):
        raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", f"b{i}@example.com".encode())
        email_receive(raw=raw.replace(b"<CAF=q1x9mE4p@", f"<bulk{i}@".encode()))
    ids = sorted(Conversation.objects.values_list("pk", flat=True))
    assert "data-select-all" in agent.get("/console/").content.decode()
    assert agent.post("/console/inbox/bulk", {"ids": ids, "action": "assign_me"}).status_code == 200
    assert set(Conversation.objects.values_list("assignee_id", flat=True)) == {agent_user.pk}
    tagged = agent.post("/console/inbox/bulk", {"ids": ids[:2], "action": "tag", "tag": "Rush"})
    assert tagged.status_code == 200 and tagged["HX-Refresh"] == "true"
    assert [c.tags for c in Conversation.objects.order_by("pk")] == [["rush"], ["rush"], []]
    # Bad input is named; a conversation of another store refuses the whole action.
    assert "action: one of" in agent.post("/console/inbox/bulk", {"ids": ids, "action": "delete"}).content.decode()
    assert agent.post("/console/inbox/bulk", {"ids": ["x"], "action": "resolve"}).status_code == 400
    assert agent.post("/console/inbox/bulk", {"ids": ids, "action": "tag"}).status_code == 400
    other = store_create(name="Elsewhere", webhook_secret="s" * 32, slug="elsewhere", currency="USD")
    theirs = Conversation.objects.create(store=other, customer=Conversation.objects.first().customer, channel="email",
                                         last_message_at=Conversation.objects.first().last_message_at)  # fmt: skip
    refused = agent.post("/console/inbox/bulk", {"ids": [*ids, theirs.pk], "action": "resolve"})
    assert refused.status_code == 404
    assert not Conversation.objects.filter(pk__in=ids, status=Status.RESOLVED).exists()
    assert agent.post("/console/inbox/bulk", {"ids": ids, "action": "resolve"}).status_code == 200
    assert Conversation.objects.filter(pk__in=ids, status=Status.RESOLVED).count() == 3


def test_an_agent_keeps_named_views_of_the_inbox(agent, lead, store, conversation):
    page = agent.get("/console/?channel=email").content.decode()
    assert "Name this view" in page and 'name="query" value="channel=email"' in page
    saved = agent.post("/console/inbox/views", {"name": "  Email  queue ", "query": "channel=email&cursor=x&evil=1"})
    assert saved.status_code == 200 and saved["HX-Redirect"] == "/console/?channel=email"
    assert 'href="?channel=email"' in agent.get("/console/").content.decode()
    assert "Email queue" not in lead.get("/console/").content.decode()  # an agent's own
    assert agent.post("/console/inbox/views", {"name": "", "query": "channel=email"}).status_code == 400
    assert agent.post("/console/inbox/views", {"name": "x", "query": "cursor=1"}).status_code == 400
    from stay.conversations.models import SavedView

    view = SavedView.objects.get()
    assert lead.post(f"/console/inbox/views/{view.pk}/delete").status_code == 404
    assert agent.post(f"/console/inbox/views/{view.pk}/delete").status_code == 200
    assert not SavedView.objects.exists()


def test_an_impossible_moment_is_a_400_not_a_500(agent, conversation):
    assert agent.get("/console/inbox/fresh", {"since": "2026-13-45T10:00:00"}).status_code == 400
    mine = agent.get("/console/inbox/mine/new", {"since": "2026-13-45T10:00:00"})
    assert mine.status_code == 200 and mine.json()["conversations"] == []


def test_the_customer_page_shows_contacts_consent_notes_and_one_timeline(agent, store, conversation):
    from stay.conversations.services import note_add
    from stay.core.models import AuditEntry
    from stay.core.services import store_create
    from stay.customers.models import Customer

    customer = conversation.customer
    note_add(conversation=conversation, text="Prefers calls after 6pm", author=conversation.assignee)
    assert f'href="/console/customers/{customer.pk}"' in agent.get(f"/console/c/{conversation.pk}").content.decode()
    page = agent.get(f"/console/customers/{customer.pk}").content.decode()
    assert "jon@example.com" in page.lower() and "Marketing consent" in page
    assert "Prefers calls after 6pm" in page.split("Notes by the team")[1]
    timeline = page.split('class="happenings"')[2]
    assert "#1001" in timeline and "Where is my order #1001?" in timeline
    assert AuditEntry.objects.filter(customer_id=customer.pk, action="read", via="console").exists()
    # Read only: the customer's note is the store platform's (its webhooks keep it in step).
    assert agent.post(f"/console/customers/{customer.pk}").status_code == 405
    other = store_create(name="Elsewhere", webhook_secret="s" * 32, slug="elsewhere", currency="USD")
    theirs = Customer.objects.create(store=other, name="Not yours")
    assert agent.get(f"/console/customers/{theirs.pk}").status_code == 404


def test_agents_see_who_else_has_the_conversation_open_and_typing(agent, lead, conversation):
    from django.core.cache import caches

    caches["presence"].clear()  # what earlier tests' pages said of a conversation with this id
    url = f"/console/c/{conversation.pk}/presence"
    assert 'id="presence"' in agent.get(f"/console/c/{conversation.pk}").content.decode()
    assert agent.get(url).content.decode().strip() == ""  # alone
    assert "Alex is viewing" in lead.get(url).content.decode()
    agent.get(url, {"typing": "1"})
    assert "Alex is typing a reply" in lead.get(url).content.decode()
    assert "Lee is viewing" in agent.get(url).content.decode()


def test_a_conversation_page_reads_each_order_in_few_queries(
    agent, conversation, post_webhook, django_assert_max_num_queries
):
    """The order panel's lines, exchange variants, fulfilments and open returns are fetched
    for all orders at once: another order costs only the platform's refund check (two queries
    through the connector), not a query per line, variant and fulfilment as before (282
    queries for a demo customer with 20 orders; 97 now)."""
    post_webhook("products/create", payload("products_create"))

    def another(n: int) -> None:
        order = payload("orders_create")
        order["id"], order["name"], order["order_number"] = order["id"] + n, f"#100{n}", 1000 + n
        order["fulfillment_status"] = "fulfilled"  # shipped: its lines can be returned or exchanged
        for line in order["line_items"]:
            line["id"] += n
        post_webhook("orders/create", order)

    another(2)
    url = reverse("console:conversation", args=[conversation.pk])
    with CaptureQueriesContext(connection) as two:
        assert agent.get(url).status_code == 200
    base = len(two.captured_queries)  # read now: each request empties the connection's log
    for n in range(3, 6):
        another(n)
    with django_assert_max_num_queries(base + 3 * 2):
        page = agent.get(url).content.decode()
    assert "#1005" in page
    assert page.count("exchange for…") >= 4  # each shipped order's lines offer the other variants
