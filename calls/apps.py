from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = _("Calls")

    def ready(self) -> None:
        from calls.roles import ensure_role_groups
        from calls.workday.availability import ready_from_first_login

        # Every app's migrate: contacts' permissions exist only after its own post_migrate.
        post_migrate.connect(ensure_role_groups, dispatch_uid="calls.ensure_role_groups")
        user_logged_in.connect(ready_from_first_login, dispatch_uid="calls.ready_from_first_login")
