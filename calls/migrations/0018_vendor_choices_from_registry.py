"""The vendor fields take their choices from the registry (calls/pbx/registry.py): a new
vendor is a registry line and needs no migration. Stored values are unchanged."""

import calls.pbx.registry
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('calls', '0017_hash_api_tokens'),
    ]

    operations = [
        migrations.AlterField(
            model_name='callevent',
            name='vendor',
            field=models.CharField(choices=calls.pbx.registry.vendor_choices, max_length=20, verbose_name='vendor'),
        ),
        migrations.AlterField(
            model_name='pbxaccount',
            name='vendor',
            field=models.CharField(choices=calls.pbx.registry.vendor_choices, max_length=20, verbose_name='vendor'),
        ),
        migrations.AlterField(
            model_name='webhookrequest',
            name='vendor',
            field=models.CharField(choices=calls.pbx.registry.vendor_choices, max_length=20, verbose_name='vendor'),
        ),
    ]
