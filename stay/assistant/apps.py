from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistantConfig(AppConfig):
    name = "stay.assistant"
    label = "assistant"
    verbose_name = _("Assistant")

    def ready(self) -> None:
        from stay.channels.webchat.services import register_assistant
        from stay.core.events import subscribe
        from stay.core.privacy import register_part
        from stay.helpcentre.selectors import register_intent_guesser

        from . import privacy, services, tasks

        subscribe("conversation.message_received", tasks.answer_later)
        register_intent_guesser(services.guess_intents)
        register_assistant(services.answers_chat)
        register_part("assistant", export=privacy.export, erase=privacy.erase)
