from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.generic import RedirectView

from stay.api import api
from stay.connectors.shopify import webhooks as shopify_webhooks


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health, name="health"),
    path("webhooks/shopify/<slug:store_slug>", shopify_webhooks.receive, name="shopify-webhook"),
]
