import pytest

from calls import roles
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_three_roles_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"agent", "supervisor", "admin"}


def test_who_is_what():
    agent, supervisor, admin = (make_user(r) for r in ("agent", "supervisor", "admin"))
    superuser = make_user(is_superuser=True)
    assert not roles.is_supervisor(agent) and not roles.is_admin(agent)
    assert roles.is_supervisor(supervisor) and not roles.is_admin(supervisor)
    assert roles.is_admin(admin) and roles.is_supervisor(admin)
    assert roles.is_admin(superuser)


def test_supervisors_may_only_view_and_admins_may_change_in_admin():
    from django.contrib.auth.models import Group

    supervisor = Group.objects.get(name="supervisor").permissions.values_list("codename", flat=True)
    admin = Group.objects.get(name="admin").permissions.values_list("codename", flat=True)
    assert "view_call" in supervisor and "change_pbxaccount" not in supervisor
    assert "change_pbxaccount" in admin and "add_contact" in admin
