from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from calls import roles
from calls.auth_backend import agent_of


class IsAdminRole(BasePermission):
    message = _("Only administrators may do this.")

    def has_permission(self, request, view) -> bool:
        return roles.is_admin(request.user)


class IsAgentOrSupervisor(BasePermission):
    message = _("Only agents and supervisors may use calls.")

    def has_permission(self, request, view) -> bool:
        # The agent first: placing a call is the hot path, and the view reuses the row.
        return requesting_agent(request) is not None or roles.is_supervisor(request.user)


def requesting_agent(request):
    """The request user's Agent (with its project), read with the user: by the API
    token's query, or by the session's backend (calls.auth_backend)."""
    user = request.user
    return agent_of(user) if user.is_authenticated else None
