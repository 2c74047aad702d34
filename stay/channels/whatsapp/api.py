"""``POST /api/v1/conversations/{id}/whatsapp-template``: the reply WhatsApp allows after 24 hours."""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from stay.conversations.api import MessageOut, conversation_of_request

from .services import template_reply

router = Router(tags=["conversations"])


class TemplateIn(Schema):
    name: str = Field(description="An approved template of the store's WhatsApp number.")
    language: str = Field(description="Its language code, as approved (e.g. en, ko).")
    values: list[str] = Field(default_factory=list, description="Its {{1}}, {{2}}… in order.")


@router.post(
    "/{conversation_id}/whatsapp-template",
    response={201: MessageOut},
    summary="Send an approved WhatsApp template (the only reply allowed 24 hours after the customer last wrote)",
)
def send_template(request: HttpRequest, conversation_id: int, body: TemplateIn, store: str | None = None) -> Status:
    conversation = conversation_of_request(request, conversation_id, store)
    message = template_reply(
        conversation=conversation,
        name=body.name,
        language=body.language,
        values=body.values,
        author=request.user,
    )
    return Status(201, message)
