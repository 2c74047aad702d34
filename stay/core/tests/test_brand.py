"""The store's look on the shopper's pages (issue 25): one colour and a logo on the store,
used by every shopper's page; a colour white text cannot be read on is refused."""

import pytest
from django.core.exceptions import ValidationError

from stay.core.brand import white_contrast

pytestmark = pytest.mark.django_db


def test_a_colour_white_text_cannot_be_read_on_is_refused(store):
    store.brand_colour = "#ffcc00"
    with pytest.raises(ValidationError, match=r"contrast of 1\.5:1"):
        store.full_clean()
    store.brand_colour = "#1f3a2d"
    store.full_clean()
    store.logo_url = "http://cdn.summit.example/logo.png"  # an https page would refuse it
    with pytest.raises(ValidationError, match="must start with https"):
        store.full_clean()
    assert round(white_contrast("#0b6bcb"), 1) == 5.3


def test_every_shoppers_page_wears_the_stores_colour_and_logo(client, store):
    from stay.demo.articles import help_centre_create

    help_centre_create(store)
    store.brand_colour, store.logo_url = "#1f3a2d", "https://cdn.summit.example/logo.png"
    store.save()
    css = client.get(f"/brand/{store.slug}.css")
    assert css["Content-Type"] == "text/css" and css.content.decode().strip() == ":root{--brand:#1f3a2d;}"
    assert client.get("/brand/nowhere.css").status_code == 404
    for path in (f"/help/{store.slug}/", f"/returns/{store.slug}/", f"/stores/{store.slug}/gift-card-balance"):
        page = client.get(path).content.decode()
        assert f'href="/brand/{store.slug}.css"' in page, path
        assert '<img class="shop-logo" src="https://cdn.summit.example/logo.png" alt="Summit Outdoor">' in page, path
