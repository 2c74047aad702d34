"""A shopper's sign-in to their account page, and their requests to be forgotten."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from stay.core.models import Store
from stay.customers.models import Customer


class SignIn(models.Model):
    """A one-time way in, sent to a known identity: a link by e-mail, a code by text. Used
    once, within minutes; only the hashes are kept."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10)
    token_hash = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class DeletionState(models.TextChoices):
    WAITING = "waiting", _("Waiting for an agent")
    DONE = "done", _("Erased")


class DeletionRequest(models.Model):
    """ "Delete my account", from the account page: an agent confirms it (orders the store must
    keep by law are kept, and the person in them anonymised)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=DeletionState.choices, default=DeletionState.WAITING)
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    done_by = models.CharField(_("confirmed by"), max_length=120, blank=True)
    done_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        verbose_name = _("request to delete an account")
        verbose_name_plural = _("requests to delete an account")
        ordering = ["-requested_at"]
