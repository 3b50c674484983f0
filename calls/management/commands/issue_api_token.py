"""manage.py issue_api_token <username>: a new API token, printed once and stored hashed."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from calls.api.tokens import issue_token


class Command(BaseCommand):
    help = "Issue a new API token for a user (any earlier one stops working); shown only now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        raw = issue_token(user)
        self.stdout.write(f"API token for {username} (shown once, keep it safe): {raw}")
