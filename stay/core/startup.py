"""What a server process does once, after Django is set up and before it serves."""

import gc

from django.urls import get_resolver


def settle() -> None:
    """Import every view now (not on the first request), then move every object made so far
    out of the cyclic garbage collector's sight (``gc.freeze``): modules, URL patterns, models
    and the libraries they load live as long as the process and are never garbage. A full
    collection would otherwise walk them all each time (~200,000 objects, ~70 ms here), and
    in the chat server that pause holds up every socket at once."""
    get_resolver().url_patterns  # noqa: B018  (loading the URLconf imports the views)
    gc.freeze()
