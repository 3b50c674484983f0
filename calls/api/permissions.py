from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from calls import roles


class IsAdminRole(BasePermission):
    message = _("Only administrators may do this.")

    def has_permission(self, request, view) -> bool:
        return roles.is_admin(request.user)


class IsAgentOrSupervisor(BasePermission):
    message = _("Only agents and supervisors may use calls.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return roles.is_supervisor(user) or hasattr(user, "agent")
