from django.core.management.base import BaseCommand

from calls.demo import load_demo


class Command(BaseCommand):
    help = "Create a demo project per vendor on the sandbox PBX, users, contacts (idempotent)."

    def handle(self, *args, **options) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at the address below with:"))
        for login in logins:
            self.stdout.write(
                f"  {login.role:<10} {login.username:<11} {login.where:<44} "
                f"password: {login.password}"
            )
