import logging

from huey import crontab

from stay.core.models import Store
from stay.core.tasks import periodic_task

from . import kept
from .services import buyers_rebuild

log = logging.getLogger(__name__)


@periodic_task(crontab(hour="4", minute="41"))
def rebuild_nightly() -> int:
    """Recount every store's buyers: what only a later fact decides (a gift card whose holder
    was recognised after their first order) is set right, and a summary the events failed to
    keep is logged and corrected. Returns how many rows were corrected."""
    corrected = 0
    for store in Store.objects.all():
        done = buyers_rebuild(store_id=store.pk)
        if done.corrected:
            log.warning("insights: %s buyers of %s corrected by the nightly recount", done.corrected, store.slug)
        corrected += done.corrected
    return corrected


@periodic_task(crontab(minute=f"*/{kept.WARM_MINUTES}"))
def warm_pages() -> int:
    """Work out each store's default insights pages ahead of the agents who open them."""
    stores = list(Store.objects.all())
    for store in stores:
        kept.warm(store)
    return len(stores)
