"""manage.py hash_api_tokens: store every API token still kept in plain text as its hash."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from calls.api.tokens import hash_stored_tokens


class Command(BaseCommand):
    help = "Hash API tokens stored in plain text (from before hashing); they keep working."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"Hashed {hash_stored_tokens()} API token(s).")
