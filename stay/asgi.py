"""The ASGI application: Django over HTTP, and the chat widget's websockets."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stay.settings.base")
django_app: Any = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402  (after Django is set up)

from stay.channels.webchat.routing import websocket_urlpatterns  # noqa: E402
from stay.core.startup import settle  # noqa: E402

# The embedded server serves static files itself (no separate web server needed); behind a
# CDN or reverse proxy, set STAY_SERVE_STATIC=0.
if os.environ.get("STAY_SERVE_STATIC", "1") == "1":
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_app = ASGIStaticFilesHandler(django_app)

application: Any = ProtocolTypeRouter({"http": django_app, "websocket": URLRouter(websocket_urlpatterns)})

settle()
