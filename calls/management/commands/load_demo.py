from django.core.management.base import BaseCommand

from calls.demo import load_demo


class Command(BaseCommand):
    help = "Create the demo project on the sandbox PBX, its users and 50 contacts (idempotent)."

    def handle(self, *args, **options) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at the address below with:"))
        for login in logins:
            self.stdout.write(f"  {login.role:<10} {login.username:<11} password: {login.password}")
