import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stay.settings.base")
django_app: Any = get_asgi_application()

# The embedded server serves the admin's static files itself (no separate web server needed);
# behind a CDN or reverse proxy, set STAY_SERVE_STATIC=0.
if os.environ.get("STAY_SERVE_STATIC", "1") == "1":
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    application: Any = ASGIStaticFilesHandler(django_app)
else:
    application = django_app
