"""A card's first check or use recognises its holder in the background: the checkout does not
wait for a customer record and a welcome message. Cards used before this are recognised already."""

from django.db import migrations, models
from django.db.models import F


def mark_recognised(apps, schema_editor):
    GiftCard = apps.get_model("giftcards", "GiftCard")
    GiftCard.objects.filter(first_used_at__isnull=False).update(recognised_at=F("first_used_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('giftcards', '0002_ledger_append_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='giftcard',
            name='first_contact',
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name='giftcard',
            name='recognised_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='holder recognised'),
        ),
        migrations.AddIndex(
            model_name='giftcard',
            index=models.Index(condition=models.Q(('first_used_at__isnull', False), ('recognised_at__isnull', True)), fields=['first_used_at'], name='gift_card_to_recognise'),
        ),
        migrations.RunPython(mark_recognised, migrations.RunPython.noop),
    ]
