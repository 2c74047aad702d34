"""``/api/v1/assistant``: ask the assistant (the same path the channels take) and read how
it is doing."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from stay.conversations.models import Conversation
from stay.core.api import When, request_store
from stay.core.errors import InvalidInput, NotFound
from stay.core.http import client_ip

from .selectors import report
from .services import Ask, assistant_reply

router = Router(tags=["assistant"])


class ReplyIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000, description="What the shopper wrote.")
    language: str = Field("", description="en or ko; blank: the language the text is written in.")
    conversation: int | None = Field(
        None, description="A conversation id: the assistant remembers a verified order and its questions there."
    )


class ReplyOut(Schema):
    intent: str
    confidence: float
    reply: str
    language: str
    outcome: str = Field(..., description="answered, acted, asked, handed_off or suggested")
    action: str = Field(..., description="What it did: order_status, return_link, cancel_confirm, handoff, article, …")
    handoff: bool
    handoff_reason: str
    article: str | None = Field(None, description="The help article cited (its slug).")
    order: str | None = Field(None, description="The order acted on, for a verified shopper.")


@router.post("/reply", response=ReplyOut, summary="Answer a shopper's message")
def reply(request: HttpRequest, body: ReplyIn, store: str | None = None) -> dict[str, Any]:
    shop = request_store(request, store)
    if not body.text.strip():
        raise InvalidInput("text must not be blank")
    conversation = None
    if body.conversation is not None:
        conversation = Conversation.objects.filter(pk=body.conversation, store=shop).select_related("customer").first()
        if conversation is None:
            raise NotFound(f"no conversation {body.conversation} in this store")
    answer = assistant_reply(
        Ask(
            store=shop,
            text=body.text.strip(),
            language=body.language,
            conversation=conversation,
            channel="api",
            client=f"api:{client_ip(request)}",
        )
    )
    return answer.as_dict()


@router.get("/report", summary="What the assistant handled and where it handed over")
def assistant_report(
    request: HttpRequest, store: str | None = None, since: When | None = None, until: When | None = None
) -> dict[str, Any]:
    shop = request_store(request, store)
    until = until or timezone.now()
    return report(store=shop, since=since or until - timedelta(days=30), until=until)
