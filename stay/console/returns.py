"""Returns in the console: start one from a conversation's order panel (with the rules, or
overriding them), see and move any return (approve, reject, change an outcome, receive,
resolve, cancel), and the warehouse's receiving screen (scan or type the return number)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from stay.conversations.limits import NeedsLead
from stay.conversations.selectors import may_override_rules
from stay.conversations.services import actor_of
from stay.core.errors import Conflict, InvalidInput, NotFound, StayError
from stay.orders.models import Order
from stay.returns import selectors as return_selectors
from stay.returns import services as returns
from stay.returns.messages import status_token
from stay.returns.models import Condition, Outcome, Return, Status
from stay.returns.services import Pick, Received, Requester

from .views import _conversation, _error, _refused, agent_required, current_store


def _int(raw: str | None) -> int:
    """A quantity from a form: blank is 0; anything but a whole number is an error."""
    raw = (raw or "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise InvalidInput(_("Quantities must be whole numbers."))
    return int(raw)


@agent_required
@require_POST
def start(request: HttpRequest, pk: int, order_id: int) -> HttpResponse:
    """Start a return for the conversation's customer from their order's panel."""
    convo = _conversation(request, pk)
    order = Order.objects.filter(store=convo.store, customer=convo.customer, pk=order_id).first()
    if order is None:
        return _error(_("This order is not this customer's."), status=404)
    override = request.POST.get("override") == "on"
    try:
        if override and not may_override_rules(request.user):  # type: ignore[arg-type]
            raise NeedsLead(_("Overriding the return rules needs a lead."))
        picks = [
            Pick(
                line_id=line.pk,
                quantity=_int(request.POST.get(f"rqty_{line.pk}")),
                reason=request.POST.get(f"rreason_{line.pk}", ""),
                outcome=request.POST.get("outcome", ""),
                exchange_variant_id=_int(request.POST.get(f"rvariant_{line.pk}")) or None,
            )
            for line in order.lines.all()
            if _int(request.POST.get(f"rqty_{line.pk}"))
        ]
        if not request.POST.get("confirmed"):
            return _start_review(request, convo, order, picks, override)
        ret, _created = returns.return_request(
            order=order,
            picks=picks,
            requester=Requester(
                actor=actor_of(request.user),  # type: ignore[arg-type]
                channel=convo.channel if convo.channel in ("email", "sms", "whatsapp") else "email",
            ),
            idempotency_key=f"console:{request.POST.get('key', '')}" if request.POST.get("key") else "",
            override=override,
            note=request.POST.get("note", ""),
            user=request.user,  # type: ignore[arg-type]
        )
    except StayError as exc:
        return _refused(exc)
    message = format_html(
        '<div class="ok" role="status">{} <a href="{}">{}</a></div>'
        '<div id="return-review-{}" hx-swap-oob="true"></div>',
        _("Return %(number)s started: %(status)s.") % {"number": ret.number, "status": ret.get_status_display()},
        reverse("console:return", args=[ret.pk]),
        _("Open it"),
        order.pk,
    )
    response = HttpResponse(message)
    response["HX-Retarget"] = "#flash"
    response["HX-Reswap"] = "innerHTML"
    return response


def _start_review(request: HttpRequest, convo: Any, order: Order, picks: list[Pick], override: bool) -> HttpResponse:
    """What the rules say of each picked line, before anything is created: the agent confirms
    what may go ahead, or (with the right) overrides a refusal, saying so."""
    if not picks:
        raise InvalidInput(_("Choose at least one item to return."))
    previews = returns.return_preview(order=order, picks=picks, gift=False)
    context = {
        "c": convo,
        "o": order,
        "previews": [(p, returns.refusal_text(p.decision)) for p in previews],
        "any_allowed": any(p.decision.verdict != "refused" for p in previews),
        "any_refused": any(p.decision.verdict == "refused" for p in previews),
        "override": override,
        "may_override": may_override_rules(request.user),  # type: ignore[arg-type]
        "post": request.POST,
    }
    return render(request, "console/_return_review.html", context)


def _detail(request: HttpRequest, ret: Return, error: str = "", status: int = 200) -> HttpResponse:
    lines = list(ret.lines.select_related("order_line__variant", "exchange_variant"))
    context: dict[str, Any] = {
        "ret": ret,
        "lines": [(ln, return_selectors.line_options(ln), returns.exchange_variants(ln.order_line)) for ln in lines],
        "steps": ret.transitions.all(),
        "error": error,
        "outcomes": Outcome.choices,
        "conditions": Condition.choices,
        "receivable": ret.status in (Status.APPROVED, Status.LABEL_ISSUED, Status.IN_TRANSIT) and ret.needs_return,
        "status_url": reverse("returns:status", args=[ret.store.slug, status_token(ret)]),
        "label_url": reverse("returns:label", args=[ret.store.slug, status_token(ret)]),
    }
    return render(request, "console/return.html", context, status=status)


def _return(request: HttpRequest, return_id: int) -> Return:
    try:
        return returns.return_get(store=current_store(request), return_id=return_id)
    except NotFound:
        raise Http404(_("No such return.")) from None


@agent_required
@require_GET
def detail(request: HttpRequest, return_id: int) -> HttpResponse:
    return _detail(request, _return(request, return_id))


@agent_required
@require_POST
def act(request: HttpRequest, return_id: int) -> HttpResponseBase:
    ret = _return(request, return_id)
    actor = actor_of(request.user)  # type: ignore[arg-type]
    action = request.POST.get("action", "")
    try:
        if action == "approve":
            returns.return_approve(ret=ret.pk, actor=actor, user=request.user)  # type: ignore[arg-type]
        elif action == "reject":
            returns.return_reject(ret=ret.pk, actor=actor, reason=request.POST.get("reason", ""))
        elif action == "cancel":
            returns.return_cancel(ret=ret.pk, actor=actor, reason=request.POST.get("reason", ""))
        elif action == "resolve":
            returns.return_resolve(ret=ret.pk, actor=actor, user=request.user)  # type: ignore[arg-type]
        elif action == "change":
            returns.return_line_change(
                ret=ret.pk,
                line_id=_int(request.POST.get("line")),
                outcome=request.POST.get("outcome", ""),
                exchange_variant_id=_int(request.POST.get("variant")) or None,
                actor=actor,
            )
        elif action == "receive":
            items = [
                Received(ln.pk, _int(request.POST.get(f"got_{ln.pk}")), request.POST.get(f"cond_{ln.pk}", ""))
                for ln in ret.lines.all()
                if _int(request.POST.get(f"got_{ln.pk}"))
            ]
            returns.return_receive(ret=ret.pk, items=items, actor=actor)
        else:
            return _detail(request, ret, _("Unknown action %(action)s.") % {"action": escape(action)}, 400)
    except StayError as exc:
        ret.refresh_from_db()
        return _detail(request, ret, str(exc), 409 if isinstance(exc, Conflict) else 400)
    return redirect("console:return", ret.pk)


@agent_required
@require_GET
def receive(request: HttpRequest) -> HttpResponseBase:
    """Scan the label's barcode (the scanner types the number and Enter) or type it."""
    number = request.GET.get("number", "").strip()
    error = ""
    if number:
        try:
            ret = returns.return_by_number(store=current_store(request), number=number)
        except NotFound as exc:
            error = str(exc)
        else:
            return redirect(reverse("console:return", args=[ret.pk]) + "#receive")
    recent = return_selectors.return_list(store=current_store(request)).filter(
        status__in=[Status.LABEL_ISSUED, Status.IN_TRANSIT]
    )[:20]
    return render(
        request,
        "console/receive.html",
        {"error": error, "number": number, "recent": recent},
        status=404 if error else 200,
    )


@agent_required
@require_GET
def listing(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    try:
        rows = return_selectors.return_list(store=current_store(request), status=status)[:100]
    except StayError as exc:
        return _error(str(exc))
    return render(request, "console/returns.html", {"rows": rows, "status": status, "statuses": Status.choices})
