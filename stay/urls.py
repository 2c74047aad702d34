from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView

from stay.api import api
from stay.channels.email import views as email_views
from stay.channels.sms import views as sms_views
from stay.channels.webchat import views as webchat_views
from stay.channels.whatsapp import views as whatsapp_views
from stay.connectors.shopify import webhooks as shopify_webhooks
from stay.core.brand import brand_css
from stay.core.health import readiness
from stay.customers import views as customer_views
from stay.flows import storefront as flow_storefront
from stay.flows import views as flow_views
from stay.giftcards import views as giftcard_views


def health(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. It asks nothing of the database."""
    return JsonResponse({"status": "ok"})


def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: 503 unless the database, the queue and a worker answer and no backlog is old."""
    is_ready, report = readiness()
    return JsonResponse(
        {"status": "ready" if is_ready else "unready", "checks": report}, status=200 if is_ready else 503
    )


urlpatterns = [
    path("", RedirectView.as_view(url="/console/", permanent=False)),
    path("console/", include("stay.console.urls")),
    path("returns/", include("stay.returns.urls")),
    path("account/", include("stay.account.urls")),
    path("help/", include("stay.helpcentre.urls")),
    path("insights/", include("stay.insights.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health, name="health"),
    path("brand/<slug:store_slug>.css", brand_css, name="brand-css"),
    path("readyz", ready, name="ready"),
    path("webhooks/shopify/<slug:store_slug>", shopify_webhooks.receive, name="shopify-webhook"),
    path("channels/email/inbound", email_views.inbound, name="email-inbound"),
    path("channels/whatsapp/webhook", whatsapp_views.webhook, name="whatsapp-webhook"),
    path("channels/sms/twilio", sms_views.inbound, name="sms-inbound"),
    path("channels/sms/twilio/status", sms_views.status, name="sms-status"),
    path("channels/webchat/widget.js", webchat_views.widget_js, name="webchat-widget"),
    path("channels/webchat/storefront", webchat_views.storefront, name="webchat-storefront"),
    path("gift/<str:token>", giftcard_views.card_page, name="giftcard-page"),
    path("u/<str:token>", customer_views.preferences, name="preferences"),
    path("subscribe/confirm/<str:token>", flow_views.confirm, name="subscription-confirm"),
    path("r/<str:token>", flow_views.click, name="flows-click"),
    path("storefront/<slug:slug>/embed.js", flow_storefront.embed_js, name="storefront-embed"),
    path("storefront/<slug:slug>/subscribe", flow_storefront.signup, name="storefront-signup"),
    path("storefront/<slug:slug>/back-in-stock", flow_storefront.back_in_stock, name="storefront-back-in-stock"),
    path("stores/<slug:store_slug>/gift-card-balance", giftcard_views.balance_page, name="giftcard-balance"),
]
