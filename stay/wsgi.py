import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stay.settings.base")
django_app = get_wsgi_application()

# The embedded server serves the admin's static files itself (no separate web server needed);
# behind a CDN or reverse proxy, set STAY_SERVE_STATIC=0.
if os.environ.get("STAY_SERVE_STATIC", "1") == "1":
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    application = StaticFilesHandler(django_app)
else:
    application = django_app  # type: ignore[assignment]
