from huey import crontab

from stay.core.models import Store
from stay.core.tasks import periodic_task

from .training import train


@periodic_task(crontab(hour="3", minute="17"))
def train_nightly() -> int:
    """Every store's model, from its orders up to now (the new file is swapped in whole)."""
    return sum(train(store) is not None for store in Store.objects.all())
