"""The insights pages in the console: retention now (issue 23). Every chart has its numbers
beside it, and every figure a CSV of its own."""

import csv
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from stay.console.views import agent_required, current_store
from stay.conversations.models import Agent, Channel, Role
from stay.conversations.selectors import is_lead, stores_of
from stay.core.errors import InvalidInput, NotAllowed
from stay.core.models import Store
from stay.core.money import money_text
from stay.customers.models import IdentityKind
from stay.customers.selectors import contacts_of
from stay.returns.models import Outcome as ReturnOutcome
from stay.returns.models import Reason

from . import charts, kept, plans, roster, rush, selectors, service, services
from .models import Buyer, Source
from .scorecard import LIVE, scorecard
from .selectors import Segment

MONTHS = (6, 12, 24)


def _choice(request: HttpRequest, name: str, allowed: list[str], default: str) -> str:
    """A filter's value from the query string; one that is not offered is refused by name."""
    raw = request.GET.get(name, default)
    if raw not in allowed:
        raise InvalidInput(_("%(name)s: one of %(allowed)s") % {"name": name, "allowed": ", ".join(allowed)})
    return raw


def _months(request: HttpRequest) -> int:
    return int(_choice(request, "months", [str(m) for m in MONTHS], str(kept.DEFAULT_MONTHS)))


def _source(request: HttpRequest) -> str:
    return _choice(request, "source", ["", *Source.values], "")


def filters_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page asked for with a filter it does not offer answers 400, saying which values are."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except InvalidInput as exc:
            return HttpResponseBadRequest(f'<p class="error" role="alert">{escape(str(exc))}</p>')

    return checked


def _label(month: date) -> str:
    return month.strftime("%Y-%m")


@agent_required
@require_GET
@filters_checked
def retention(request: HttpRequest) -> HttpResponse:
    store = current_store(request)
    months, source = _months(request), _source(request)
    (repeat, second, rows, standing, first), as_of = kept.retention(store, months, source)
    labels = {key: str(label) for key, label in Segment.LABELS.items()}
    moves = sorted(
        ((labels.get(was, _("Not a buyer yet")), labels[now], n) for (was, now), n in standing.moves.items()),
        key=lambda move: -move[2],
    )
    context: dict[str, Any] = {
        "as_of": as_of,
        "refresh_minutes": kept.WARM_MINUTES,
        "store": store,
        "months": months,
        "month_choices": MONTHS,
        "source": source,
        "sources": Source.choices,
        "repeat": repeat,
        "repeat_chart": charts.line(
            [_label(p.month) for p in repeat], {_("Repeat-purchase rate"): [p.rate for p in repeat]}
        ),
        "second": second,
        "second_chart": charts.line(
            [str(day) for day in second.within], {_("Ordered again"): list(second.within.values())}
        )
        if second.again
        else None,
        "cohorts": rows,
        "width": max((len(r.shares) for r in rows), default=0),
        "segments": [(s, labels[s.segment], money_text(s.spent, store.currency)) for s in standing.sizes],
        "segments_chart": charts.bars(
            [labels[s.segment] for s in standing.sizes], [s.customers for s in standing.sizes]
        ),
        "moves": moves,
        "first": first,
        "first_average": money_text(first.average, store.currency) if first.average is not None else "",
        "first_recipients": money_text(first.recipients_average, store.currency)
        if first.recipients_average is not None
        else "",
    }
    return render(request, "insights/retention.html", context)


@agent_required
@require_GET
def segment(request: HttpRequest, name: str) -> HttpResponse:
    """A segment's customers, most valuable first (the first 500; the CSV has them all)."""
    if name not in Segment.ORDER:
        raise Http404(_("No such segment."))
    store = current_store(request)
    ids = selectors.segment_members(store=store, segment=name)
    shown = ids if request.GET.get("format") == "csv" else ids[:500]
    buyers = Buyer.objects.select_related("customer").in_bulk(shown, field_name="customer_id")
    emails = contacts_of(customer_ids=shown, kinds=[IdentityKind.EMAIL])
    phones = contacts_of(customer_ids=shown, kinds=[IdentityKind.PHONE])
    people = [
        (buyers[pk], getattr(emails.get(pk), "value", ""), getattr(phones.get(pk), "value", ""))
        for pk in shown
        if pk in buyers
    ]
    if request.GET.get("format") == "csv":
        return _csv(
            f"segment-{name}.csv",
            [_("customer id"), _("name"), _("email"), _("phone"), _("orders"), _("spent"), _("last order")],
            [
                (b.customer_id, b.customer.name, email, phone, b.orders, b.spent, b.last_order_at.date().isoformat())
                for b, email, phone in people
            ],
        )
    context = {"store": store, "name": name, "label": Segment.LABELS[name], "people": people, "total": len(ids)}
    return render(request, "insights/segment.html", context)


@agent_required
@require_GET
@filters_checked
def figure_csv(request: HttpRequest, figure: str) -> HttpResponse:
    """Each chart's numbers as a CSV."""
    store = current_store(request)
    months, source = _months(request), _source(request)
    if figure == "repeat-rate":
        points = selectors.repeat_rate(store=store, months=months)
        return _csv(
            "repeat-rate.csv",
            [_("month"), _("buyers"), _("with two orders or more"), _("rate")],
            [(_label(p.month), p.buyers, p.repeat, f"{p.rate:.4f}") for p in points],
        )
    if figure == "second-order":
        second = selectors.second_order(store=store)
        return _csv("second-order.csv", [_("days"), _("ordered again")], [(d, f"{s:.4f}") for d, s in second.curve])
    if figure == "cohorts":
        rows = selectors.cohorts(store=store, months=months, source=source)
        width = max((len(r.shares) for r in rows), default=0)
        header = [_("first order"), _("customers")] + [str(k) for k in range(1, width + 1)]
        return _csv("cohorts.csv", header, [[_label(r.month), r.size, *(f"{s:.4f}" for s in r.shares)] for r in rows])
    if figure == "segments":
        standing = selectors.segments(store=store)
        return _csv(
            "segments.csv",
            [_("segment"), _("customers"), _("spent")],
            [(s.segment, s.customers, s.spent) for s in standing.sizes],
        )
    raise Http404(_("No such figure."))


def _csv(filename: str, header: list[str], rows: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@agent_required
@require_GET
def staffing(request: HttpRequest) -> HttpResponse:
    return _staffing(request)


def _staffing(request: HttpRequest, roster_text: str | None = None, roster_error: str = "") -> HttpResponse:
    store = current_store(request)
    handling = plans.measured(store)
    defaults = plans.defaults(handling)
    rows: list[tuple[Any, float, dict[str, Any]]] = []
    found: plans.Ahead | None = None
    error = ""
    try:
        values = plans.values(request.GET, defaults)
        cases = ((_("As entered"), 1.0), (_("Orders +30%"), 1.3), (_("The assistant answers 10% more"), 0.9))
        for label, factor in cases:
            rows.append((label, values["per_hour"] * factor, plans.queue(values["per_hour"] * factor, values)))
        what_if = _choice(request, "what_if", list(plans.WHAT_IF), "")
        found = plans.ahead(store, values, handling, what_if)
    except InvalidInput as exc:
        error, rows, values, what_if = str(exc), [], defaults, ""
    if request.GET.get("format") == "csv" and not error:
        return _plan_csv(found.days if found else [])
    shifts = found.shifts if found else services.roster_of(store)
    ahead = selectors.orders_ahead(store=store)
    context: dict[str, Any] = {
        "values": values,
        "defaults": defaults,
        "measured": [(str(dict(Channel.choices)[c]), h) for c, h in handling.items() if h.conversations],
        "rows": rows,
        "error": error,
        "ahead": ahead,
        "tested": found.tested if found else None,
        "plans": [(p, _hours_text(p.short)) for p in found.days] if found else [],
        "with_roster": bool(shifts),
        "roster_text": roster.text_of(shifts) if roster_text is None else roster_text,
        "roster_error": roster_error,
        "may_edit": is_lead(request.user),  # type: ignore[arg-type]
        "what_if": what_if,
        "cases": [
            ("", _("As forecast")),
            ("orders", _("Orders +30%")),
            ("assistant", _("The assistant answers 10% more")),
        ],
        "level_query": urlencode({name: values[name] for name in plans.FIELDS}),
    }
    if ahead is not None:
        context["ahead_model"] = MODEL_NAMES[ahead.model]
        context["ahead_rows"] = list(zip(ahead.days, ahead.values, strict=True))
        context["ahead_chart"] = charts.line(
            [day.strftime("%m-%d") for day in ahead.days], {_("Orders"): ahead.values}, percent=False
        )
    return render(request, "insights/staffing.html", context, status=400 if error or roster_error else 200)


@agent_required
@require_POST
def roster_save(request: HttpRequest) -> HttpResponse:
    """The lead's roster, replaced whole; a line that is not a shift is shown with the page."""
    text = request.POST.get("shifts", "")
    try:
        services.roster_set(store=current_store(request), text=text, user=request.user)  # type: ignore[arg-type]
    except NotAllowed as exc:
        return HttpResponseForbidden(escape(str(exc)))
    except InvalidInput as exc:
        request.GET = QueryDict()  # the page as first shown, with the text as typed
        return _staffing(request, roster_text=text, roster_error=str(exc))
    return HttpResponseRedirect(reverse("insights:staffing") + "#roster", status=303)


def _hours_text(hours: list[rush.HourPlan]) -> str:
    """Hours as ranges: 09-11, 14 (each short by how many at most)."""
    parts: list[str] = []
    run: list[rush.HourPlan] = []
    for h in [*hours, None]:
        if h is not None and run and h.hour == run[-1].hour + 1:
            run.append(h)
            continue
        if run:
            gap = max(r.agents - (r.on_duty or 0) for r in run)
            span = f"{run[0].hour:02d}" if len(run) == 1 else f"{run[0].hour:02d}-{run[-1].hour + 1:02d}"
            parts.append(_("%(hours)s (%(n)s short)") % {"hours": span, "n": gap})
        run = [h] if h is not None else []
    return ", ".join(parts)


def _plan_csv(plans: list[rush.DayPlan]) -> HttpResponse:
    """The four weeks hour by hour: the contacts that need a person, the agents they need and
    the roster's people."""
    return _csv(
        "staffing.csv",
        [
            _("day"),
            _("hour"),
            _("live contacts"),
            _("e-mails"),
            _("agents needed"),
            _("on the roster"),
            _("short"),
        ],
        [
            (
                p.day.day.isoformat(),
                f"{h.hour:02d}:00",
                f"{h.live:.2f}",
                f"{h.email:.2f}",
                h.agents,
                "" if h.on_duty is None else h.on_duty,
                "" if h.on_duty is None else max(0, h.agents - h.on_duty),
            )
            for p in plans
            for h in p.hours
        ],
    )


MODEL_NAMES = {
    "naive": gettext_lazy("the same weekday last week"),
    "profile": gettext_lazy("the last 8 weeks' weekday pattern"),
    "growth": gettext_lazy("the last 8 weeks' weekday pattern, carried by the recent growth"),
    "ets": gettext_lazy("exponential smoothing (Holt-Winters)"),
}


PERIODS = (1, 7, 30, 90)


def _period(request: HttpRequest) -> service.Period:
    store = current_store(request)
    days = int(_choice(request, "days", [str(d) for d in PERIODS], str(kept.DEFAULT_DAYS)))
    channel = _choice(request, "channel", ["", *Channel.values], "")
    agent = request.GET.get("agent", "")
    if agent and not agent.isdigit():
        raise InvalidInput(_("agent: an agent's number from the list"))
    return service.last_days(store, days, channel=channel, agent_id=int(agent) if agent else None)


def _minutes(value: float | None) -> str:
    if value is None:
        return "–"
    if value < 60:
        return _("%(n)s min") % {"n": f"{value:.0f}"}
    return _("%(n)s h") % {"n": f"{value / 60:.1f}"}


@agent_required
@require_GET
@filters_checked
def service_page(request: HttpRequest) -> HttpResponse:
    """Is the service holding up: per channel, the backlog, when shoppers write, about what,
    returns and gift cards; for a period, a channel, an agent."""
    period = _period(request)
    store = period.store
    (rows, hours, returned, backlog, intents, intent_hours, cards, reached, members), as_of = kept.service_figures(
        period
    )
    names = dict(Channel.choices)
    table = [
        (
            str(names.get(row.channel, _("All channels"))),
            row,
            _minutes(row.first_response_minutes[0]),
            _minutes(row.first_response_minutes[1]),
            _minutes(row.resolution_hours[0] * 60 if row.resolution_hours[0] is not None else None),
            _minutes(row.resolution_hours[1] * 60 if row.resolution_hours[1] is not None else None),
        )
        for row in rows
    ]
    agents = Agent.objects.filter(Q(stores=store) | Q(role=Role.ADMIN)).select_related("user").distinct()
    allowed = stores_of(request.user)  # type: ignore[arg-type]
    context: dict[str, Any] = {
        "as_of": as_of,
        "refresh_minutes": kept.WARM_MINUTES,
        "store": store,
        "period": period,
        "days": (period.end - period.start).days,
        "periods": PERIODS,
        "channels": Channel.choices,
        "agents": agents.order_by("user__username"),
        "stores": list((Store.objects.all() if allowed is None else allowed).order_by("name")),
        "table": table,
        "backlog": backlog,
        "hours_chart": charts.line(
            [f"{h:02d}" for h in range(24)], {str(names[c]): hours[c] for c in sorted(hours)}, percent=False
        )
        if hours
        else None,
        "hours": [(str(names[c]), counts) for c, counts in sorted(hours.items())],
        "intents": intents,
        "intent_hours": list(intent_hours.items()),
        "returned": returned,
        "reasons": [(str(dict(Reason.choices).get(r, r)), n) for r, n in returned.reasons],
        "outcomes": [(str(dict(ReturnOutcome.choices).get(o, o)), n) for o, n in returned.outcomes],
        "cards": [
            (money_text(c.gift_cards, c.currency), money_text(c.credit, c.currency), money_text(c.breakage, c.currency))
            for c in cards
        ],
        "reached": [(str(names.get(r.channel, r.channel)), r) for r in reached.channels],
        "credited": reached,
        "credited_revenue": money_text(reached.revenue, store.currency),
        "members": members,
        "kept_value": ", ".join(money_text(v, c) for c, v in sorted(returned.kept_value.items())),
    }
    if request.GET.get("format") == "csv":
        return _csv(
            "service.csv",
            [
                _("channel"),
                _("conversations"),
                _("first response median (min)"),
                _("first response p90 (min)"),
                _("resolution median (h)"),
                _("resolution p90 (h)"),
                _("satisfaction"),
                _("answers"),
                _("late"),
                _("by the assistant"),
            ],
            [
                (
                    r.channel or "all",
                    r.conversations,
                    *_fmt(r.first_response_minutes),
                    *_fmt(r.resolution_hours),
                    "" if r.csat is None else f"{r.csat:.2f}",
                    r.csat_answers,
                    r.breaches,
                    r.by_assistant,
                )
                for r in rows
            ],
        )
    return render(request, "insights/service.html", context)


def _fmt(pair: tuple[float | None, float | None]) -> tuple[str, str]:
    return tuple("" if v is None else f"{v:.2f}" for v in pair)  # type: ignore[return-value]


@agent_required
@require_GET
def scorecard_page(request: HttpRequest) -> HttpResponse:
    """The store's customer-experience scorecard, from what is set up and used."""
    store = current_store(request)
    points = scorecard(store)
    context = {"store": store, "points": points, "live": sum(p.state == LIVE for p in points)}
    return render(request, "insights/scorecard.html", context)
