"""Products an agent can add to a reply (issue 22): the customer's own recommendations beside
the conversation, each with its reason and a link to the store's page."""

import pytest
from django.urls import reverse

from stay.conftest import payload
from stay.flows.services import outreach_prepare
from stay.recommendations.training import train

pytestmark = pytest.mark.django_db


def test_the_panel_suggests_the_customers_products(agent, store, post_webhook, conversation):
    post_webhook("products/create", payload("products_create"))
    outreach = outreach_prepare(store=store)
    outreach.shop_url = "https://shop.summit.test"
    outreach.save()
    train(store)
    shown = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Products for this customer" in shown
    assert 'data-append="Ridgeline 2P Tent: https://shop.summit.test/products/ridgeline-2p-tent"' in shown
    assert "bought before" in shown


def test_no_suggestions_without_products(agent, conversation):
    shown = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Products for this customer" not in shown
