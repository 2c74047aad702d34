"""The one gate every marketing message passes: may it go to this shopper on this channel now,
and if not, when? (issue 20)

:func:`decide` answers for many shoppers at once (a restock releases thousands) with a few
queries per batch, and the inbox asks :func:`~stay.flows.engine.held_at_send` again the moment each marketing
message is handed to its channel, so an opt-out or a quiet hour that began after the message
was queued still holds it. The rules, in the order they are checked:

1. consent on the channel (the shopper's current consent record says *subscribed*);
2. the address has not bounced (e-mail);
3. WhatsApp outside the 24 hours after the shopper last wrote: approved templates only;
4. no open conversation tagged as a complaint, no return in progress (the returns app
   registers that check): wait ``suppress_for`` and ask again;
5. quiet hours in the shopper's own time zone (the store's, default 21:00-08:00, for every
   channel); for a shopper in Korea no marketing text or WhatsApp 21:00-08:00 without separate
   night-time consent (Network Act art. 50); for a shopper in the US no text outside 08:00-21:00
   (TCPA), whatever the store's setting;
6. smart sending (one marketing message per ``email_gap`` / ``text_gap``) and the weekly cap:
   wait until the older message falls out of the window.

A message that must wait is rescheduled, never dropped; one that may not go at all is
withheld. Every answer carries its reason, recorded on the step (``Outreach``).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumbers import timezone as phone_zones

from stay.conversations.models import Channel
from stay.conversations.selectors import customers_with_open, customers_written_since
from stay.core.models import Store
from stay.customers.models import ConsentState, Customer, IdentityKind
from stay.customers.selectors import consents_on, contacts_of

from .models import OutreachSettings, Verdict
from .selectors import recent_marketing

WHATSAPP_WINDOW = timedelta(hours=24)
NIGHT = (time(21, 0), time(8, 0))  # Korea: marketing texts need night-time consent
US_TEXT_HOURS = (time(21, 0), time(8, 0))  # United States: texts only 08:00-21:00
TEXT_CHANNELS = (Channel.SMS, Channel.WHATSAPP)

REASONS = {
    "no_consent": _("no marketing consent on this channel"),
    "no_address": _("no address for this channel"),
    "bounced": _("mail to this address came back"),
    "whatsapp_template": _("outside WhatsApp's 24-hour window and the step has no approved template"),
    "complaint": _("an open complaint"),
    "return": _("a return in progress"),
    "quiet_hours": _("quiet hours in the shopper's time zone"),
    "night_korea": _("night time in Korea without night-time consent"),
    "us_text_hours": _("outside 08:00-21:00 for a text in the US"),
    "smart_sending": _("a marketing message went out recently"),
    "weekly_cap": _("this week's limit of marketing messages"),
    "holdout": _("in the holdout group"),
    "condition": _("the step's condition was not met"),
    "ordered": _("the shopper ordered since"),
    "checkout_completed": _("the checkout was completed"),
    "flow_off": _("the flow was switched off"),
    "stopped": _("the flow stopped for this shopper"),
    "gift_failed": _("the welcome gift could not be made on the platform"),
}


@dataclass(frozen=True)
class Decision:
    """``reason`` empty: send now. Otherwise ``until`` is when to ask again, or ``None`` when
    the message may not go at all."""

    reason: str = ""
    until: datetime | None = None
    country: str = ""  # where the shopper is (the Korean rules shape the message)

    @property
    def allowed(self) -> bool:
        return not self.reason

    @property
    def verdict(self) -> str:
        if self.allowed:
            return Verdict.SENT
        return Verdict.WAITING if self.until is not None else Verdict.WITHHELD


NOW = Decision()

# Apps above flows add their own reasons to wait (returns: a return in progress). Each takes
# customer ids and returns those it holds back.
Suppressor = Callable[[list[int]], set[int]]
_suppressors: dict[str, Suppressor] = {}


def register_suppressor(reason: str, suppressor: Suppressor) -> None:
    _suppressors[reason] = suppressor


def outreach_settings(store: Store) -> OutreachSettings:
    return OutreachSettings.objects.filter(store=store).first() or OutreachSettings(store=store)


@dataclass(frozen=True)
class Place:
    """Where a shopper is, as far as the rules need: their time zones (several when a phone
    number does not say which) and country."""

    zones: tuple[ZoneInfo, ...]
    country: str


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def shopper_place(store: Store, customer_zone: str, phone: str) -> Place:
    """The customer's own time zone if known, else the zones their phone number's region
    spans (up to four, all of which must be outside quiet hours), else the store's."""
    country, zones = "", tuple[ZoneInfo, ...]()
    if phone:
        try:
            number = phonenumbers.parse(phone)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            country = phonenumbers.region_code_for_number(number) or ""
            names = phone_zones.time_zones_for_number(number)
            if 0 < len(names) <= 4:
                zones = tuple(z for z in map(_zone, names) if z is not None)
    own = _zone(customer_zone)
    if own is not None:
        zones = (own,)
        country = country or ("KR" if customer_zone == "Asia/Seoul" else "")
    if not zones:
        zones = (_zone(store.timezone) or ZoneInfo("UTC"),)
    return Place(zones=zones, country=country or store.country)


def _within(local: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _end_of(now: datetime, zone: ZoneInfo, window: tuple[time, time]) -> datetime:
    """The next moment after ``now`` at which ``window`` ends in ``zone``."""
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), window[1], tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(now.tzinfo)


def quiet_until(now: datetime, place: Place, windows: list[tuple[str, tuple[time, time]]]) -> Decision:
    """The first of ``windows`` (reason, (start, end)) that ``now`` falls in, in any of the
    shopper's zones, and when the last such window ends."""
    reason, until = "", now
    for _round in range(4):  # the windows may follow each other; four rounds settle any overlap
        moved = False
        for zone in place.zones:
            for why, window in windows:
                if _within(until.astimezone(zone).time(), window):
                    reason = reason or why
                    until, moved = _end_of(until, zone, window), True
        if not moved:
            break
    return Decision(reason, until) if reason else NOW


def _windows(
    settings: OutreachSettings, place: Place, channel: str, night_consent: bool
) -> list[tuple[str, tuple[time, time]]]:
    windows = [("quiet_hours", (settings.quiet_start, settings.quiet_end))]
    if channel in TEXT_CHANNELS and place.country == "KR" and not night_consent:
        windows.append(("night_korea", NIGHT))
    if channel == Channel.SMS and place.country == "US":
        windows.append(("us_text_hours", US_TEXT_HOURS))
    return windows


def decide(
    *,
    store: Store,
    customer_ids: Iterable[int],
    channel: str,
    now: datetime | None = None,
    template: bool = False,
    at_send: bool = False,
    requested: bool = False,
) -> dict[int, Decision]:
    """The gate's answer for each customer. ``template``: the message has an approved WhatsApp
    template. ``at_send``: asked again for a message already queued (it counts against smart
    sending and the cap itself, so those are not asked twice). ``requested``: the shopper asked
    for this very message (a back-in-stock alert): their request is the consent for it, unless
    they opted out of the channel; every other rule still holds."""
    now = now or timezone.now()
    ids = list(dict.fromkeys(customer_ids))
    settings = outreach_settings(store)
    consents = consents_on(customer_ids=ids, channel=channel)
    out: dict[int, Decision] = {}
    for pk in ids:
        record = consents.get(pk)
        if requested and (record is None or record.state != ConsentState.UNSUBSCRIBED):
            continue
        if record is None or record.state != ConsentState.SUBSCRIBED:
            out[pk] = Decision("no_consent")
    ids = [pk for pk in ids if pk not in out]
    if channel == Channel.EMAIL:
        addresses = contacts_of(customer_ids=ids, kinds=[IdentityKind.EMAIL])
        for pk in ids:
            if pk not in addresses:
                out[pk] = Decision("no_address")
            elif addresses[pk].bounced_at is not None:
                out[pk] = Decision("bounced")
    elif channel == Channel.WHATSAPP and not template:
        written = customers_written_since(customer_ids=ids, channel=channel, since=now - WHATSAPP_WINDOW)
        out.update((pk, Decision("whatsapp_template")) for pk in ids if pk not in written)
    ids = [pk for pk in ids if pk not in out]
    later = now + settings.suppress_for
    held = {pk: "complaint" for pk in customers_with_open(customer_ids=ids, tag="complaint")}
    for reason, suppressor in _suppressors.items():
        held.update((pk, reason) for pk in suppressor(ids) if pk not in held)
    out.update((pk, Decision(reason, later)) for pk, reason in held.items())
    ids = [pk for pk in ids if pk not in out]
    phones = contacts_of(customer_ids=ids, kinds=[IdentityKind.PHONE, IdentityKind.WHATSAPP])
    zones = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "timezone")) if ids else {}
    history = {} if at_send else recent_marketing(customer_ids=ids, since=now - timedelta(days=7))
    gap = settings.email_gap if channel == Channel.EMAIL else settings.text_gap
    for pk in ids:
        phone = phones.get(pk)
        place = shopper_place(store, zones.get(pk, ""), phone.value if phone else "")
        night = pk in consents and bool(consents[pk].evidence.get("night_time"))
        decision = quiet_until(now, place, _windows(settings, place, channel, night))
        decision = Decision(decision.reason, decision.until, place.country)
        sent = history.get(pk, [])  # (channel, when), newest first
        same = [when for ch, when in sent if ch == channel and when > now - gap]
        if decision.allowed and same:
            decision = Decision("smart_sending", same[0] + gap, place.country)
        if decision.allowed and len(sent) >= settings.weekly_cap:
            decision = Decision("weekly_cap", sent[settings.weekly_cap - 1][1] + timedelta(days=7), place.country)
        out[pk] = decision
    return out
