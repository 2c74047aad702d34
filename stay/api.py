"""The HTTP API: one NinjaAPI composing each app's router under /api/v1."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from stay.assistant.api import router as assistant_router
from stay.catalog.api import router as products_router
from stay.channels.whatsapp.api import router as whatsapp_router
from stay.conversations.api import customer_care_router
from stay.conversations.api import router as conversations_router
from stay.core.api import install_error_handlers
from stay.core.auth import ApiTokenAuth
from stay.flows.api import campaigns_router, flows_router
from stay.flows.api import router as subscriptions_router
from stay.giftcards.api import router as giftcards_router
from stay.insights.api import router as insights_router
from stay.loyalty.api import router as loyalty_router
from stay.orders.api import customers_router, orders_router
from stay.recommendations.api import router as recommendations_router
from stay.recommendations.api import search_router
from stay.returns.api import router as returns_router

api = NinjaAPI(
    title="Stay API",
    version="1",
    description=str(
        _(
            "Customers, orders, products, conversations, gift cards, store credit, returns and the assistant "
            "of the connected store. "
            "Authenticate with `Authorization: Bearer <token>` (create one with `stay token`)."
        )
    ),
    auth=ApiTokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("/v1/customers", customers_router)
api.add_router("/v1/orders", orders_router)
api.add_router("/v1/products", products_router)
api.add_router("/v1/conversations", conversations_router)
api.add_router("/v1/conversations", whatsapp_router)
api.add_router("/v1/giftcards", giftcards_router)
api.add_router("/v1/loyalty", loyalty_router)
api.add_router("/v1/recommendations", recommendations_router)
api.add_router("/v1/search", search_router)
api.add_router("/v1/customers", customer_care_router)
api.add_router("/v1/returns", returns_router)
api.add_router("/v1/assistant", assistant_router)
api.add_router("/v1/flows", flows_router)
api.add_router("/v1/campaigns", campaigns_router)
api.add_router("/v1/subscriptions", subscriptions_router)
api.add_router("/v1/insights", insights_router)
