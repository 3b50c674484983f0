"""API tokens stored in plain text before hashing are stored as their hash; the tokens
their holders have keep working (calls/api/tokens.py)."""

import hashlib

from django.db import migrations

HASHED_PREFIX = "h:"  # as calls/api/tokens.py; copied so this migration never changes


def hash_plain_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    for token in list(Token.objects.exclude(key__startswith=HASHED_PREFIX)):
        digest = hashlib.sha256(token.key.encode()).hexdigest()[: 40 - len(HASHED_PREFIX)]
        user_id, created = token.user_id, token.created
        token.delete()  # the key is the primary key: a new row, not an update
        Token.objects.create(user_id=user_id, key=HASHED_PREFIX + digest, created=created)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0016_working_day"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(hash_plain_tokens, migrations.RunPython.noop)]
