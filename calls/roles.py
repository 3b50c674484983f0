"""Roles are Django groups: agent, supervisor, admin. Superusers count as admins."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

AGENT = "agent"
SUPERVISOR = "supervisor"
ADMIN = "admin"
ALL_ROLES = (AGENT, SUPERVISOR, ADMIN)


def _groups(user: AbstractBaseUser | AnonymousUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_role_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_groups = cached
    return cached


def is_admin(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or ADMIN in _groups(user)))


def is_supervisor(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Supervisors see every call of the floor; admins can do all a supervisor can."""
    return is_admin(user) or SUPERVISOR in _groups(user)


def is_agent(user: AbstractBaseUser | AnonymousUser) -> bool:
    return AGENT in _groups(user) and hasattr(user, "agent")


def ensure_role_groups(**_: object) -> None:
    """Create the three groups with their admin permissions; safe to run after every migrate."""
    from django.contrib.auth.models import Group, Permission

    app_labels = ("calls", "contacts")
    perms = Permission.objects.filter(content_type__app_label__in=app_labels)
    admin_group, _created = Group.objects.get_or_create(name=ADMIN)
    admin_group.permissions.set(perms)
    supervisor, _created = Group.objects.get_or_create(name=SUPERVISOR)
    supervisor.permissions.set(perms.filter(codename__startswith="view_"))
    Group.objects.get_or_create(name=AGENT)
