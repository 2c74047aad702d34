"""What an agent may do with money: the one place each limit is decided. The console, the API,
the returns and the jobs all ask here; callers only render the answer.

Limits are cumulative: beside each action's own limit (an agent's refund limit, their role's
goodwill limit) the store sets how much an agent may refund on one order and in a day, and how
much credit an agent or a lead may give in a day (:class:`AgentLimits`). A user who is not an
agent may do none of it (API tokens included): staff without a profile act as admins."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.errors import Conflict, NotAllowed
from stay.core.models import Store
from stay.giftcards.selectors import credit_given_by
from stay.giftcards.services import settings_for as gift_card_settings
from stay.loyalty.services import settings_for as loyalty_settings

from .models import Agent, AgentLimits, Role
from .selectors import agent_of, is_lead

# An agent without a limit of their own may refund up to this much at once without a lead.
DEFAULT_AGENT_REFUND_LIMIT = Decimal("200")


class NeedsLead(Conflict):
    """The agent's role does not allow this much; a lead must do it."""

    code = "needs_lead"


@dataclass(frozen=True)
class Allowance:
    """How much a user may move; ``None``: no limit of that kind."""

    at_once: Decimal | None
    per_order: Decimal | None = None
    per_day: Decimal | None = None


def limits_for(store: Store) -> AgentLimits:
    return AgentLimits.objects.get_or_create(store=store)[0]


def _agent_or_refuse(user: AbstractBaseUser | None, what: str) -> Agent:
    agent = agent_of(user) if user is not None else None
    if agent is None:
        raise NotAllowed(_("Only an agent may %(what)s.") % {"what": what}, code="not_an_agent")
    return agent


def refund_limit(user: AbstractBaseUser) -> Decimal | None:
    """The most ``user`` may refund at once (shown beside the refund form); ``None``: no limit."""
    agent = agent_of(user)
    if agent is None:
        return Decimal("0")
    if agent.role in (Role.LEAD, Role.ADMIN):
        return None
    return agent.refund_limit if agent.refund_limit is not None else DEFAULT_AGENT_REFUND_LIMIT


def refund_allowance(user: AbstractBaseUser | None, store: Store) -> Allowance:
    """How much ``user`` may refund: at once, on one order, in a day (leads and admins: no limit)."""
    agent = _agent_or_refuse(user, _("refund"))
    if agent.role in (Role.LEAD, Role.ADMIN):
        return Allowance(at_once=None)
    rules = limits_for(store)
    return Allowance(at_once=refund_limit(agent.user), per_order=rules.refund_per_order, per_day=rules.refund_per_day)


def credit_allowance(user: AbstractBaseUser | None, store: Store) -> Allowance:
    """How much store credit ``user`` may give: at once (their role's goodwill limit) and in a day."""
    role = _agent_or_refuse(user, _("give store credit")).role
    if role == Role.ADMIN:
        return Allowance(at_once=None)
    cards, rules = gift_card_settings(store), limits_for(store)
    if role == Role.LEAD:
        return Allowance(at_once=cards.goodwill_limit_lead, per_day=rules.credit_per_day_lead)
    return Allowance(at_once=cards.goodwill_limit_agent, per_day=rules.credit_per_day_agent)


def points_limit(user: AbstractBaseUser | None, store: Store) -> int | None:
    """How many loyalty points ``user`` may add or remove at once: their role's (the store's
    loyalty settings); admins: no limit. Raises NotAllowed for a non-agent."""
    role = _agent_or_refuse(user, _("change a customer's points")).role
    if role == Role.ADMIN:
        return None
    settings = loyalty_settings(store)
    return settings.lead_points_limit if role == Role.LEAD else settings.agent_points_limit


def actors_of(user: AbstractBaseUser) -> list[str]:
    """How the ledger names ``user``'s doings: in the console and through the API."""
    name = user.get_username()
    return [f"user:{name}", f"api:{name}"]


def store_day_start(store: Store, now: datetime | None = None) -> datetime:
    """Midnight today in the store's time zone: where "a day" of an agent's limits starts."""
    local = (now or timezone.now()).astimezone(store.zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def credit_limit(user: AbstractBaseUser | None, store: Store) -> Decimal | None:
    """The most credit ``user`` may give now: their role's limit at once, less what they gave
    today when the day's limit is nearer. ``None``: no limit. Raises NotAllowed for a non-agent."""
    allowance = credit_allowance(user, store)
    if allowance.per_day is None:
        return allowance.at_once
    assert user is not None
    given = credit_given_by(store=store, actors=actors_of(user), since=store_day_start(store))
    left = max(allowance.per_day - given, Decimal("0"))
    return left if allowance.at_once is None else min(allowance.at_once, left)


def may_give_value(user: AbstractBaseUser) -> bool:
    """Whether ``user`` may create or take back value outside a checkout: issue promotion gift
    cards, reverse a ledger transaction, enable a disabled card. Leads and admins (and staff)."""
    return is_lead(user)
