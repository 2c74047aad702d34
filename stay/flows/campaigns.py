"""Campaigns: a segment and a message per channel and language, sent now or at a time (issue 20).
Each runs as a one-step flow, so the gate, the holdout, attribution and metrics are the flows'."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from stay.conversations.selectors import is_lead
from stay.core.errors import Conflict, InvalidInput, NotAllowed
from stay.core.models import Store
from stay.customers.models import ConsentChannel

from .engine import Enrol, enrol
from .models import Campaign, CampaignState, EnrolmentState, Flow, FlowStep, StepText, Trigger
from .segments import segment_customers
from .services import BEST, best_channels, outreach_prepare


def _may_send(user: AbstractBaseUser) -> None:
    """Campaigns message many shoppers at once: leads and admins decide them (every path)."""
    if not is_lead(user):
        raise NotAllowed("campaigns need a lead or an admin", code="not_allowed")


@dataclass(frozen=True)
class CampaignText:
    language: str
    subject: str
    body: str


def campaign_create(
    *,
    store: Store,
    name: str,
    segment: dict,
    channel: str,
    texts: list[CampaignText],
    send_at: datetime | None,
    whatsapp_template: str = "",
    user: AbstractBaseUser,
    created_by: str,
) -> Campaign:
    """A campaign to ``segment``, enrolled now (the audience is fixed here), sent at
    ``send_at``. Only a lead or an admin may message a whole segment."""
    _may_send(user)
    if not name.strip():
        raise InvalidInput("name: a campaign needs a name", code="name_required")
    if channel not in (*ConsentChannel.values, BEST):
        raise InvalidInput("channel must be one of email, sms, whatsapp, best", code="invalid_channel")
    if not texts or any(not t.body.strip() for t in texts):
        raise InvalidInput("messages: at least one language with a body is needed", code="message_required")
    if channel in (ConsentChannel.EMAIL, BEST) and any(not t.subject.strip() for t in texts):
        raise InvalidInput("messages: an e-mail needs a subject in every language", code="subject_required")
    if len({t.language for t in texts}) != len(texts):
        raise InvalidInput("messages: one text per language", code="duplicate_language")
    now = timezone.now()
    send_at = send_at or now
    if timezone.is_naive(send_at):  # a time without its zone is the store's local time
        send_at = timezone.make_aware(send_at, store.zone)
    if send_at < now - timedelta(minutes=5):
        raise InvalidInput("send_at: a time in the future (or none, to send now)", code="send_at_past")
    audience = list(segment_customers(store=store, segment=segment).values_list("pk", flat=True))
    outreach_prepare(store=store)
    with transaction.atomic():
        flow = Flow.objects.create(store=store, trigger=Trigger.SEGMENT, name=name.strip()[:120], exit_on_order=False)
        step = FlowStep.objects.create(
            flow=flow, position=1, channel="" if channel == BEST else channel, whatsapp_template=whatsapp_template
        )
        StepText.objects.bulk_create(
            StepText(step=step, language=t.language[:10], subject=t.subject.strip()[:200], body=t.body.strip())
            for t in texts
        )
        campaign = Campaign.objects.create(
            store=store,
            name=flow.name,
            flow=flow,
            segment=segment,
            channel=channel,
            send_at=send_at,
            audience=len(audience),
            created_by=created_by[:120],
        )
        chosen = best_channels(audience) if channel == BEST else {}
        enrol(
            flow=flow,
            people=[
                Enrol(pk, f"campaign:{campaign.pk}:{pk}", {"channel": chosen[pk]} if pk in chosen else {})
                for pk in audience
            ],
            now=send_at,
        )
    return campaign


def campaign_cancel(*, campaign: Campaign, user: AbstractBaseUser) -> Campaign:
    """Stop what has not gone yet (messages already queued are the shoppers' now)."""
    _may_send(user)
    with transaction.atomic():
        if campaign.state == CampaignState.CANCELLED:
            return campaign
        if (
            campaign.send_at <= timezone.now()
            and not campaign.flow.enrolments.filter(state=EnrolmentState.ACTIVE).exists()
        ):
            raise Conflict("this campaign has been sent", code="campaign_sent")
        campaign.flow.enrolments.filter(state=EnrolmentState.ACTIVE).update(
            state=EnrolmentState.EXITED, exit_reason="cancelled", next_at=None
        )
        Flow.objects.filter(pk=campaign.flow_id).update(active=False)
        campaign.state = CampaignState.CANCELLED
        campaign.save(update_fields=["state"])
    return campaign
