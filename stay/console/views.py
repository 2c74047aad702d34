"""The agent console: Django templates and HTMX, keyboard-friendly, no SPA build.

Every view goes through :func:`agent_required`, and every conversation through
``conversation_access``. HTMX requests get fragments; anything else gets the full page."""

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import user_has_device

from stay.assistant.labels import HANDED_OVER, intents_of, last_read, turn_relabel
from stay.assistant.selectors import suggestion_for
from stay.catalog.models import Variant
from stay.channels.whatsapp.services import template_reply, templates_of
from stay.conversations import selectors, services
from stay.conversations.limits import NeedsLead, credit_limit, points_limit, refund_limit
from stay.conversations.macros import macro_render
from stay.conversations.models import (
    Attachment,
    Channel,
    Conversation,
    ConversationEvent,
    Direction,
    Macro,
    Priority,
    Status,
)
from stay.conversations.presence import here
from stay.conversations.search import conversation_search
from stay.conversations.selectors import is_lead
from stay.core.errors import Conflict, InvalidInput, NotFound, StayError
from stay.core.models import Store
from stay.core.privacy import audit
from stay.customers.models import ConsentChannel, Customer, Identity
from stay.customers.selectors import consent_current
from stay.customers.services import consent_from_agent, customer_merge
from stay.flows.gate import outreach_settings
from stay.flows.selectors import outreach_of
from stay.flows.services import restock_request
from stay.giftcards.models import Kind
from stay.giftcards.selectors import cards_of_customer, store_credit_of
from stay.giftcards.services import OverLimit
from stay.loyalty.selectors import history_of, standing_of
from stay.loyalty.services import settings_for as loyalty_settings
from stay.orders.models import Order
from stay.orders.platform import (
    PENDING,
    conversations_in_trouble,
    platform_retry,
    platform_state,
    refundable,
    replacement_check,
    requests_of_orders,
)
from stay.orders.selectors import orders_of_customer
from stay.recommendations.serving import recommend_for
from stay.returns.models import Outcome, Reason
from stay.returns.selectors import panel_returns

from .actions import action_summary, cancellable, goodwill_credit, loyalty_points, order_action

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50


def agent_required(view: View) -> View:
    @login_required(login_url="console:login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if selectors.agent_of(request.user) is None:  # type: ignore[arg-type]
            raise PermissionDenied(_("Only agents can use the console."))
        if not request.user.is_verified() and user_has_device(request.user):  # type: ignore[union-attr]
            # Two-factor sign-in is on for this agent: a session from the password alone
            # (begun before it was turned on) signs in again, with the code.
            logout(request)
            return redirect_to_login(request.get_full_path(), "console:login")
        return view(request, *args, **kwargs)

    return wrapped


def current_store(request: HttpRequest) -> Store:
    """The store the agent is working: ``?store=`` (kept in the session) among the stores they
    were given; another store's slug is a 404, as if it did not exist."""
    allowed = selectors.stores_of(request.user)  # type: ignore[arg-type]
    stores = Store.objects.all() if allowed is None else allowed
    wanted = request.GET.get("store") or request.session.get("store")
    store = stores.filter(slug=wanted).first() if wanted else None
    if store is None and request.GET.get("store"):
        raise Http404(_("No such store."))
    store = store or stores.order_by("id").first()
    if store is None:
        if allowed is not None:
            raise PermissionDenied(_("You have not been given a store yet: ask an admin."))
        raise Http404(_("No store is connected yet: create one with `stay createstore`."))
    request.session["store"] = store.slug
    return store


def _conversation(request: HttpRequest, pk: int) -> Conversation:
    try:
        return selectors.conversation_access(user=request.user, store=current_store(request), conversation_id=pk)  # type: ignore[arg-type]
    except NotFound:
        raise Http404(_("No such conversation.")) from None


def _to_flash(response: HttpResponse) -> HttpResponse:
    """HTMX puts the answer in the page's message area, whatever the form aimed at."""
    response["HX-Retarget"] = "#flash"
    response["HX-Reswap"] = "innerHTML"
    return response


def _error(message: str, status: int = 400) -> HttpResponse:
    return _to_flash(HttpResponse(f'<div class="error" role="alert">{escape(message)}</div>', status=status))


def _done(message: str) -> HttpResponse:
    return _to_flash(HttpResponse(f'<div class="ok" role="status">{escape(message)}</div>'))


def _refused(exc: StayError) -> HttpResponse:
    """A refused action, with its reason: a lead's decision 403, a clash with the state 409,
    bad input 400."""
    if isinstance(exc, NeedsLead) or exc.code == OverLimit.code:
        return _error(str(exc), status=403)
    return _error(str(exc), status=409 if isinstance(exc, Conflict) else 400)


def _inbox_filter(request: HttpRequest) -> tuple[str, selectors.InboxFilter]:
    q = request.GET.get("q", "").strip()
    return q, selectors.InboxFilter(
        view=request.GET.get("view", "all"),
        # A search looks through every conversation, resolved ones too, unless a status is chosen.
        status=request.GET.get("status", "") or ("all" if q else ""),
        channel=request.GET.get("channel", ""),
        tag=request.GET.get("tag", ""),
    )


# How long after a conversation's change is stamped its transaction may commit (see inbox_fresh).
LATE_COMMIT = timedelta(seconds=3)


def _moment(text: str) -> datetime | None:
    """A moment a page was given back (``since``), or None when it is not one. One without a
    time zone is read as UTC: it is compared with the database's moments, which have one."""
    try:
        moment = parse_datetime(text)
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, UTC)
    return moment


# --- The inbox ----------------------------------------------------------------------------
@agent_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    store = current_store(request)
    q, f = _inbox_filter(request)
    try:
        qs = selectors.inbox(store=store, user=request.user, f=f)  # type: ignore[arg-type]
        qs = conversation_search(store=store, q=q, base=qs)
        rows, cursor = selectors.page(qs, cursor=request.GET.get("cursor", ""), size=PAGE_SIZE)
    except InvalidInput as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return _error(str(exc))
        return render(request, "400.html", {"message": str(exc), "back": reverse("console:inbox")}, status=400)
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "store": store,
        "since": max((c.last_message_at for c in rows), default=timezone.now()).isoformat(),
        "checked": timezone.now().isoformat(),
        "rows": selectors.inbox_rows(rows),
        "trouble": conversations_in_trouble(c.pk for c in rows),
        "next_cursor": cursor,
        "query": query.urlencode(),
        "f": f,
        "q": request.GET.get("q", ""),
        "counts": selectors.inbox_counts(store=store, user=request.user),  # type: ignore[arg-type]
        # The assistant's handovers no one has taken, on top of the open queue's first page.
        "handed_over": (
            selectors.handed_over(store=store)
            if f.view in ("all", "unassigned") and not f.status and not q and not request.GET.get("cursor")
            else []
        ),
        "channels": Channel.choices,
        "statuses": Status.choices,
        "saved_views": selectors.saved_views(user=request.user, store=store),  # type: ignore[arg-type]
        "filtered": bool(query.urlencode()),
    }
    if request.htmx and request.GET.get("cursor"):  # type: ignore[attr-defined]
        return render(request, "console/_rows.html", context)
    return render(request, "console/inbox.html", context)


# At most this many conversations in one bulk action (a page of the inbox is 50).
BULK_MOST = 100
BULK_ACTIONS = ("assign_me", "unassign", "resolve", "tag")


@agent_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign to me, unassign, resolve or tag the selected conversations: all of them or none
    (one transaction); each goes through the same checks and functions as one at a time."""
    user: Any = request.user
    ids, action = request.POST.getlist("ids"), request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        return _error(_("action: one of %(actions)s") % {"actions": ", ".join(BULK_ACTIONS)})
    if not ids or not all(pk.isdigit() for pk in ids):
        return _error(_("Select the conversations first."))
    if len(ids) > BULK_MOST:
        return _error(_("Select at most %(most)s conversations at a time.") % {"most": BULK_MOST})
    tag = request.POST.get("tag", "").strip()
    if action == "tag" and not tag:
        return _error(_("tag: write the tag to add."))
    try:
        with transaction.atomic():
            for pk in dict.fromkeys(int(pk) for pk in ids):
                convo = _conversation(request, pk)
                if action == "assign_me":
                    services.conversation_assign(conversation=convo, assignee=user, actor=user)
                elif action == "unassign":
                    services.conversation_assign(conversation=convo, assignee=None, actor=user)
                elif action == "resolve":
                    services.conversation_set_status(conversation=convo, status=Status.RESOLVED, actor=user)
                else:
                    services.conversation_set_tags(conversation=convo, tags=[*convo.tags, tag], actor=user)
    except Http404:
        return _error(_("A selected conversation is not yours to change: nothing was changed."), status=404)
    except (InvalidInput, Conflict) as exc:
        return _error(str(exc))
    response = _done(_("Done for %(count)s conversations.") % {"count": len(set(ids))})
    response["HX-Refresh"] = "true"
    return response


@agent_required
@require_POST
def view_save(request: HttpRequest) -> HttpResponse:
    """Keep the inbox's current filters under a name, in the agent's sidebar."""
    try:
        saved = services.saved_view_add(
            user=request.user,  # type: ignore[arg-type]
            store=current_store(request),
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except InvalidInput as exc:
        return _error(str(exc))
    response = _done(_("Saved “%(name)s”.") % {"name": saved.name})
    response["HX-Redirect"] = f"{reverse('console:inbox')}?{saved.query}"
    return response


@agent_required
@require_POST
def view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        services.saved_view_delete(user=request.user, store=current_store(request), view_id=view_id)  # type: ignore[arg-type]
    except NotFound:
        return _error(_("No such view."), status=404)
    response = _done(_("Deleted."))
    response["HX-Refresh"] = "true"
    return response


@agent_required
@require_GET
def mine_new(request: HttpRequest) -> HttpResponse:
    """For the console's notifications: conversations assigned to me in which the customer
    wrote after ``since`` (empty: start from now)."""
    since = _moment(request.GET.get("since", "")) or timezone.now()
    found = selectors.mine_since(user=request.user, store=current_store(request), since=since)  # type: ignore[arg-type]
    return JsonResponse(
        {
            "since": max((c.last_inbound_at for c in found if c.last_inbound_at), default=since).isoformat(),
            "conversations": [
                {"id": c.pk, "customer": c.customer.name or _("(no name)"), "said": " ".join(c.preview.split())[:120]}
                for c in found
            ],
        }
    )


@agent_required
@require_GET
def inbox_fresh(request: HttpRequest) -> HttpResponse:
    """Polled by the open inbox. Conversations of its view with a message after ``since`` go
    on top; those changed otherwise after ``checked`` (assigned, resolved, tagged) are redrawn
    in place, or taken out when they left the view. 204: nothing new."""
    store = current_store(request)
    since = _moment(request.GET.get("since", ""))
    checked = _moment(request.GET.get("checked", "")) or since
    if since is None or checked is None:
        return _error(_("The inbox lost its place: reload the page."))
    now = timezone.now()
    q, f = _inbox_filter(request)
    try:
        qs = conversation_search(store=store, q=q, base=selectors.inbox(store=store, user=request.user, f=f))  # type: ignore[arg-type]
        fresh = list(qs.filter(last_message_at__gt=since)[:PAGE_SIZE])
        # A change is stamped when it is saved and seen when its transaction commits, a moment
        # later: looking back a little further than the last poll misses none (a row redrawn
        # twice looks the same).
        touched = set(selectors.changed_since(store=store, since=checked - LATE_COMMIT, limit=PAGE_SIZE))
        touched -= {c.pk for c in fresh}
        changed = list(qs.filter(pk__in=touched)) if touched else []
    except InvalidInput as exc:
        return _error(str(exc))
    if fresh or touched:
        context = {
            "rows": selectors.inbox_rows(fresh + changed),
            "changed": {c.pk for c in changed},
            "gone": sorted(touched - {c.pk for c in changed}),
            "trouble": conversations_in_trouble(c.pk for c in fresh + changed),
        }
        response = render(request, "console/_rows.html", context)
    else:
        response = HttpResponse(status=204)
    if fresh:
        response["X-Stay-Since"] = max(c.last_message_at for c in fresh).isoformat()
    response["X-Stay-Checked"] = now.isoformat()
    return response


# --- One conversation ---------------------------------------------------------------------
def _calls_block(calls: list[Any]) -> dict[str, Any]:
    return {"calls": calls, "polling": any(call.state in PENDING for call in calls)}


def _calls_response(request: HttpRequest, convo: Conversation, order: Order, *, oob: bool = False) -> str:
    block = _calls_block(requests_of_orders([order.pk]).get(order.pk, []))
    context = {"c": convo, "o": order, "lead": is_lead(request.user), "oob": oob, **block}  # type: ignore[arg-type]
    return render_to_string("console/_calls.html", context, request=request)


_ORDER_NUMBER = re.compile(r"#?\b(\d{3,})\b")


def _mentioned_order(conversation: Conversation, orders: list[Order]) -> int | None:
    """The order the shopper wrote about last (its number in one of their messages), else None."""
    by_number = {}
    for order in orders:
        by_number[order.name.lstrip("#")] = order.pk
        if order.number:
            by_number[order.number] = order.pk
    said = selectors.messages_of(conversation).filter(direction=Direction.IN).order_by("-id")[:20]
    for text in said.values_list("text", flat=True):
        for number in reversed(_ORDER_NUMBER.findall(text)):
            if number in by_number:
                return by_number[number]
    return None


def _consent_context(customer: Customer) -> dict[str, Any]:
    current = consent_current(customer)
    return {
        "consents": [(label, current.get(value)) for value, label in ConsentChannel.choices],
        "consent_channels": ConsentChannel.choices,
        "outreach": outreach_of(customer),
    }


def _panel_context(conversation: Conversation, user: Any) -> dict[str, Any]:
    customer = conversation.customer
    orders = orders_of_customer(customer=customer, limit=20)
    # What the panel reads of every order (its store, the variants an exchange can be for, the
    # fulfilments' lines), fetched for all of them at once rather than order by order.
    prefetch_related_objects(orders, "store", "lines__variant__product__variants", "fulfilments__lines")
    mentioned = _mentioned_order(conversation, orders)
    returns = panel_returns(customer_id=customer.pk, orders=orders)
    calls = requests_of_orders(o.pk for o in orders)
    return {
        "customer": customer,
        "identities": Identity.objects.filter(customer=customer).order_by("kind", "id"),
        "orders": [
            (
                o,
                refundable(o),
                cancellable(o),
                returns["by_order"].get(o.pk, []),
                [(ln, returns["left"][o.pk][ln.pk]) for ln in o.lines.all() if returns["left"][o.pk].get(ln.pk)],
                _calls_block(calls.get(o.pk, [])),
            )
            for o in orders
        ],
        "lead": is_lead(user),
        **_consent_context(customer),
        "other_returns": returns["mine"],
        "open_order": mentioned or (orders[0].pk if orders else None),
        "return_reasons": Reason.choices,
        "return_outcomes": Outcome.choices,
        "refund_limit": refund_limit(user),
        "action_key": uuid.uuid4().hex,
        "credit": store_credit_of(customer=customer),
        "gift_cards": cards_of_customer(customer=customer).filter(kind=Kind.GIFT_CARD)[:10],
        "credit_limit": credit_limit(user, conversation.store),
        **_loyalty_context(customer, user),
        "suggestions": _suggestions(customer),
    }


def _suggestions(customer: Customer) -> list[tuple[str, str, str]]:
    """Products an agent can add to a reply: the customer's own recommendations, with a link
    to each on the store's site when its address is known."""
    shop_url = outreach_settings(customer.store).shop_url
    picks = recommend_for(store=customer.store, customer_ids=[customer.pk], limit=4)[customer.pk]
    return [
        (
            pick.product.title,
            pick.product.link(shop_url),
            pick.reason_label,
        )
        for pick in picks
    ]


def _loyalty_context(customer: Customer, user: AbstractBaseUser) -> dict[str, Any]:
    """The customer's points, tier and recent activity, when the store runs a programme."""
    if not loyalty_settings(customer.store).enabled:
        return {}
    return {
        "loyalty_on": True,
        "loyalty": standing_of(customer),
        "loyalty_history": history_of(customer, limit=5),
        "points_limit": points_limit(user, customer.store),
    }


@agent_required
@require_GET
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    convo = _conversation(request, pk)
    # The page shows the customer's details and orders: an agent's read, in the audit trail.
    who = services.actor_of(request.user)  # type: ignore[arg-type]
    audit(store=convo.store_id, actor=who, action="read", customer_id=convo.customer_id, via="console")
    timeline = selectors.timeline(convo)
    events = list(_events_of(convo).order_by("-created_at")[:50])
    reply_channels = [
        (value, label)
        for value, label in Channel.choices
        if Identity.objects.filter(customer=convo.customer, kind__in=services.CHANNEL_IDENTITY[Channel(value)]).exists()
    ]
    # One timeline: messages, notes, and what was done (assignments, statuses, order actions),
    # oldest first; the events within the span of the messages shown, or the latest ones.
    since = timeline[0].created_at if timeline else None
    entries = [("message", m.created_at, m) for m in timeline] + [
        ("event", e.created_at, e) for e in events if since is None or e.created_at >= since
    ]
    entries.sort(key=lambda entry: entry[1])
    context = {
        **_header_context(convo),
        "entries": entries,
        "last_id": max((m.pk for m in timeline), default=0),
        "last_event": max((e.pk for e in events), default=0),
        "seen": convo.updated_at.isoformat(),
        "macros": Macro.objects.filter(store=convo.store),
        "reply_channels": reply_channels or [(convo.channel, Channel(convo.channel).label)],
        "suggestion": suggestion_for(convo.pk),
        "read": (read := last_read(conversation_id=convo.pk)),
        "known_intents": intents_of(convo.store) if read else [],
        "taught_by_answer": HANDED_OVER,
        # After 24 hours of silence WhatsApp takes only an approved template.
        "whatsapp_templates": templates_of(convo.store_id) if Channel.WHATSAPP in dict(reply_channels) else [],
        **_panel_context(convo, request.user),
    }
    return render(request, "console/conversation.html", context)


@agent_required
@require_GET
def messages_since(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled every few seconds by an open conversation: the messages after ``after`` and the
    events (assignments, statuses, order actions) after ``events``, in time order, and the
    header again when the conversation changed after ``seen``, by whoever did it. Nothing new:
    204, no swap."""
    convo = _conversation(request, pk)
    after, last_event = _number(request.GET.get("after")), _number(request.GET.get("events"))
    seen = _moment(request.GET.get("seen", ""))
    new = list(selectors.messages_of(convo, after_id=after))
    # Replies whose delivery changed lately (sent, delivered, failed) are redrawn in place.
    changed = list(
        selectors.messages_of(convo).filter(
            id__lte=after, direction=Direction.OUT, updated_at__gte=timezone.now() - timedelta(seconds=10)
        )
    )
    events = list(_events_of(convo).filter(pk__gt=last_event)) if "events" in request.GET else []
    header = seen is not None and convo.updated_at > seen
    if not new and not changed and not events and not header:
        return HttpResponse(status=204)
    entries = sorted(
        [("message", m) for m in new] + [("event", e) for e in events], key=lambda entry: entry[1].created_at
    )
    context = {**_header_context(convo), "entries": entries, "changed": changed, "header": header}
    response = render(request, "console/_new_messages.html", context)
    response["X-Stay-After"] = str(max([after, *(m.pk for m in new)]))
    response["X-Stay-Events"] = str(max([last_event, *(e.pk for e in events)]))
    response["X-Stay-Seen"] = convo.updated_at.isoformat()
    return response


def _number(text: str | None) -> int:
    """A page's own bookkeeping number (the last id it shows); 0 when missing or not one."""
    return int(text) if text and text.isascii() and text.isdigit() else 0  # not "²": int() refuses it


def _events_of(convo: Conversation) -> Any:
    """What was done in this customer's conversations, shown in the conversation's timeline."""
    return ConversationEvent.objects.filter(conversation__customer_id=convo.customer_id)


def _header_context(convo: Conversation) -> dict[str, Any]:
    return {
        "c": convo,
        "sla": selectors.sla_state(convo),
        "agents": get_user_model().objects.filter(agent__isnull=False, is_active=True).order_by("username"),
        "statuses": Status.choices,
        "priorities": Priority.choices,
    }


@agent_required
@require_GET
def presence(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by an open conversation page: says this agent is here (and typing, when the
    reply box is being written in) and shows who else is."""
    convo = _conversation(request, pk)
    user: Any = request.user
    others = here(
        conversation_id=convo.pk,
        username=user.get_username(),
        name=user.get_full_name() or user.get_username(),
        typing=request.GET.get("typing") == "1",
    )
    return render(request, "console/_presence.html", {"others": others})


def _send(request: HttpRequest, convo: Conversation, text: str) -> Any:
    user: Any = request.user
    if request.POST.get("mode") == "note":
        return services.note_add(conversation=convo, text=text, author=user)
    message = services.message_send(conversation=convo, text=text, channel=request.POST.get("channel", ""), author=user)
    _teach_from_answer(request, convo)
    then = request.POST.get("then", "")
    if then in Status.values and then != convo.status:
        services.conversation_set_status(conversation=convo, status=then, actor=user)
    return message


def _teach_from_answer(request: HttpRequest, convo: Conversation) -> None:
    """An answer to a question the assistant handed over says what it was about ("about" on
    the reply form): the shopper's message becomes an example of that intent (issue 24)."""
    about, turn = request.POST.get("about", ""), request.POST.get("turn", "")
    if not about:
        return
    if not turn.isdigit():
        raise InvalidInput(_("turn: the number of the assistant's answer"))
    turn_relabel(
        user=request.user,  # type: ignore[arg-type]
        store=convo.store,
        turn_id=int(turn),
        intent=about,
        conversation_id=convo.pk,
    )


@agent_required
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    convo = _conversation(request, pk)
    text = request.POST.get("text", "")
    try:
        with transaction.atomic():  # the reply and "then resolve" together, or neither
            message = _send(request, convo, text)
    except NotFound:
        return _error(_("That answer is not in this conversation."), status=404)
    except (InvalidInput, Conflict) as exc:
        return _error(str(exc))
    return render(request, "console/_message.html", {"m": message, "c": convo, "fresh": True})


@agent_required
@require_POST
def send_template(request: HttpRequest, pk: int) -> HttpResponse:
    """Send an approved WhatsApp template, its values one per line."""
    convo = _conversation(request, pk)
    name, _sep, language = request.POST.get("template", "").partition("|")
    try:
        message = template_reply(
            conversation=convo,
            name=name,
            language=language,
            values=request.POST.get("values", "").splitlines(),
            author=request.user,
        )
    except (InvalidInput, Conflict) as exc:
        return _error(str(exc))
    return render(request, "console/_message.html", {"m": message, "c": convo, "fresh": True})


@agent_required
@require_POST
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign, change status (snooze for some hours), priority or tags; re-renders the header."""
    convo = _conversation(request, pk)
    try:
        with transaction.atomic():  # every change of one post, or none
            _update(request, convo)
    except (InvalidInput, Conflict) as exc:
        return _error(str(exc))
    except Http404:
        return _error(_("No such conversation."), status=404)
    convo.refresh_from_db()
    response = render(request, "console/_header.html", _header_context(convo))
    response["X-Stay-Seen"] = convo.updated_at.isoformat()  # the page's poll need not redraw it
    return response


def _update(request: HttpRequest, convo: Conversation) -> None:
    user: Any = request.user
    if "assignee" in request.POST:
        name = request.POST["assignee"]
        assignee = get_user_model().objects.filter(username=name, agent__isnull=False).first() if name else None
        if name and assignee is None:
            raise InvalidInput(_("%(name)s is not an agent.") % {"name": name})
        services.conversation_assign(conversation=convo, assignee=assignee, actor=user)
    if "status" in request.POST:
        until = None
        if request.POST["status"] == Status.SNOOZED:
            hours = request.POST.get("snooze_hours", "24")
            if not hours.isdigit() or not 0 < int(hours) <= 24 * 30:
                raise InvalidInput(_("Snooze for 1 to 720 hours."))
            until = timezone.now() + timedelta(hours=int(hours))
        services.conversation_set_status(
            conversation=convo, status=request.POST["status"], snoozed_until=until, actor=user
        )
    if "priority" in request.POST:
        services.conversation_set_priority(conversation=convo, priority=request.POST["priority"], actor=user)
    if "tags" in request.POST:
        services.conversation_set_tags(conversation=convo, tags=request.POST["tags"].split(","), actor=user)
    if "merge_customer" in request.POST:
        customer_id = request.POST["merge_customer"].strip().lstrip("#")
        twin = Customer.objects.filter(store=convo.store, pk=customer_id).first() if customer_id.isdigit() else None
        if twin is None or twin.pk == convo.customer_id or twin.merged_into_id:
            raise InvalidInput(_("Enter the number of another customer of this store."))
        customer_merge(survivor=convo.customer, merged=twin, actor=services.actor_of(user))
    if "merge" in request.POST:
        other = request.POST["merge"].strip().lstrip("#")
        if not other.isdigit():
            raise InvalidInput(_("Enter the number of the conversation to merge into this one."))
        services.conversation_merge(survivor=convo, merged=_conversation(request, int(other)), actor=user)


@agent_required
@require_GET
def macro(request: HttpRequest, pk: int, macro_id: int) -> HttpResponse:
    convo = _conversation(request, pk)
    found = Macro.objects.filter(store=convo.store, pk=macro_id).first()
    if found is None:
        raise Http404(_("No such macro."))
    return HttpResponse(macro_render(found, convo, request.user), content_type="text/plain; charset=utf-8")  # type: ignore[arg-type]


@agent_required
@require_POST
def act(request: HttpRequest, pk: int, order_id: int) -> HttpResponse:
    convo = _conversation(request, pk)
    try:
        order = _order_of(convo, order_id)
    except Http404 as exc:
        return _error(str(exc), status=404)
    quantities: dict[int, int] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("line_") and value.strip():
            try:
                quantity = int(value)
                line_id = int(key.removeprefix("line_"))
            except ValueError:
                return _error(_("Quantities must be whole numbers."))
            if quantity:
                quantities[line_id] = quantity
    action = request.POST.get("action", "")
    if action == "replacement" and not request.POST.get("confirmed"):
        return _replacement_review(request, convo, order, quantities)
    try:
        event = order_action(
            conversation=convo,
            order=order,
            action=action,
            agent=request.user,  # type: ignore[arg-type]
            idempotency_key=request.POST.get("key", ""),
            amount=request.POST.get("amount", ""),
            line_quantities=quantities,
            note=request.POST.get("note", ""),
        )
    except StayError as exc:
        return _refused(exc)
    flash = f'<div class="ok" role="status">{escape(action_summary(event))}</div>'
    cleared = f'<div id="review-{order.pk}" hx-swap-oob="true"></div>'
    return _to_flash(HttpResponse(flash + cleared + _calls_response(request, convo, order, oob=True)))


def _replacement_review(
    request: HttpRequest, convo: Conversation, order: Order, quantities: dict[int, int]
) -> HttpResponse:
    """Before a free replacement is asked for: what goes out and what it is worth, checked
    against the agent's limits; the agent confirms or changes the quantities."""
    try:
        value = replacement_check(order=order, quantities=quantities, user=request.user)  # type: ignore[arg-type]
    except StayError as exc:
        return _refused(exc)
    lines = {line.pk: line for line in order.lines.all()}
    context = {
        "c": convo,
        "o": order,
        "chosen": [(lines[pk], n) for pk, n in sorted(quantities.items())],
        "value": value,
        "post": request.POST,
    }
    return render(request, "console/_replacement_review.html", context)


def _order_of(convo: Conversation, order_id: int) -> Order:
    order = Order.objects.filter(store=convo.store, customer=convo.customer, pk=order_id).first()
    if order is None:
        raise Http404(_("This order is not this customer's."))
    return order


@agent_required
@require_GET
def calls(request: HttpRequest, pk: int, order_id: int) -> HttpResponse:
    """The order's requests to the store, polled while one is on its way."""
    convo = _conversation(request, pk)
    return HttpResponse(_calls_response(request, convo, _order_of(convo, order_id)))


@agent_required
@require_POST
def call_retry(request: HttpRequest, pk: int, call_id: int) -> HttpResponse:
    """A lead sends a failed request again, checked again."""
    convo = _conversation(request, pk)
    try:
        order_id = platform_state(store=convo.store, request_id=call_id).order_id
    except NotFound:
        order_id = None
    if order_id is None:
        return _error(_("No such request."), status=404)
    order = _order_of(convo, order_id)
    try:
        platform_retry(store=convo.store, request_id=call_id, user=request.user)
    except StayError as exc:
        return _refused(exc)
    return HttpResponse(_calls_response(request, convo, order))


@agent_required
@require_POST
def credit(request: HttpRequest, pk: int) -> HttpResponse:
    convo = _conversation(request, pk)
    try:
        result = goodwill_credit(
            conversation=convo,
            agent=request.user,  # type: ignore[arg-type]
            amount=request.POST.get("amount", ""),
            reason=request.POST.get("reason", ""),
            idempotency_key=request.POST.get("key", ""),
        )
    except StayError as exc:
        return _refused(exc)
    message = _("Store credit added: the customer now has %(balance)s %(currency)s.") % {
        "balance": result["balance"],
        "currency": result["currency"],
    }
    return _done(message)


@agent_required
@require_POST
def points(request: HttpRequest, pk: int) -> HttpResponse:
    convo = _conversation(request, pk)
    try:
        balance = loyalty_points(
            conversation=convo,
            agent=request.user,  # type: ignore[arg-type]
            points=request.POST.get("points", ""),
            reason=request.POST.get("reason", ""),
            idempotency_key=request.POST.get("key", ""),
        )
    except StayError as exc:
        return _refused(exc)
    message = _("Points changed: the customer now has %(points)s points.") % {"points": balance.available}
    return _done(message)


@agent_required
@require_POST
def restock(request: HttpRequest, pk: int) -> HttpResponse:
    """ "When is it back?": the agent asks to tell this shopper, on this conversation's channel
    (e-mail for chat), when the variant with that SKU is back. One step."""
    convo = _conversation(request, pk)
    sku = request.POST.get("sku", "").strip()
    variant = (
        Variant.objects.filter(store=convo.store, sku__iexact=sku, deleted_at__isnull=True).first() if sku else None
    )
    if variant is None:
        return _refused(InvalidInput(_("No variant with the SKU %(sku)s in this store.") % {"sku": sku[:60]}))
    channel = convo.channel if convo.channel in ConsentChannel.values else ConsentChannel.EMAIL
    try:
        asked, _new = restock_request(
            customer=convo.customer,
            variant=variant,
            channel=channel,
            source="agent",
            evidence={"agent": request.user.get_username(), "conversation": convo.pk},
        )
    except StayError as exc:
        return _refused(exc)
    message = _("%(customer)s will be told by %(channel)s when %(variant)s is back.") % {
        "customer": convo.customer.name or _("The shopper"),
        "channel": ConsentChannel(asked.channel).label,
        "variant": f"{variant.product.title} ({variant.title})",
    }
    return HttpResponse(f'<div class="ok" role="status">{escape(message)}</div>')


@agent_required
@require_POST
def consent(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent records what the shopper said about marketing messages (on the phone, in a
    message), with how: evidence kept like any other, effective at once."""
    convo = _conversation(request, pk)
    try:
        record = consent_from_agent(
            customer=convo.customer,
            channel=request.POST.get("channel", ""),
            state=request.POST.get("state", ""),
            note=request.POST.get("note", ""),
            agent=request.user.get_username(),
        )
    except StayError as exc:
        return _refused(exc)
    ConversationEvent.objects.create(
        conversation=convo,
        kind="consent_recorded",
        actor=services.actor_of(request.user),  # type: ignore[arg-type]
        data={"channel": record.channel, "state": record.state},
    )
    message = _("Recorded: %(channel)s, %(state)s.") % {
        "channel": record.get_channel_display(),
        "state": record.get_state_display(),
    }
    context = {"c": convo, "oob": True, **_consent_context(convo.customer)}
    return HttpResponse(
        f'<div class="ok" role="status">{escape(message)}</div>'
        + render_to_string("console/_consent.html", context, request=request)
    )


@agent_required
@require_POST
def read_as(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent says what the shopper's message really asked: it becomes an example of that
    intent for the store, and the assistant learns it (issue 24)."""
    convo = _conversation(request, pk)
    turn = request.POST.get("turn", "")
    if not turn.isdigit():
        return _error(_("turn: the number of the assistant's answer"))
    try:
        example = turn_relabel(
            user=request.user,  # type: ignore[arg-type]
            store=convo.store,
            turn_id=int(turn),
            intent=request.POST.get("intent", ""),
            conversation_id=convo.pk,
        )
    except NotFound:
        return _error(_("That answer is not in this conversation."), status=404)
    except StayError as exc:
        return _refused(exc)
    return _done(
        _("The assistant will read “%(text)s” as %(intent)s from now on.")
        % {"text": example.text, "intent": example.intent.name}
    )


@agent_required
@require_GET
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = Attachment.objects.select_related("message").filter(pk=pk).first()
    if found is None:
        raise Http404(_("No such file."))
    _conversation(request, found.message.conversation_id)  # may this agent see it?
    response = FileResponse(found.file.open("rb"), content_type=found.content_type, filename=found.filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"  # never run what a shopper sent
    response["X-Content-Type-Options"] = "nosniff"
    return response
