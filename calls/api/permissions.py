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
        # The agent first: placing a call is the hot path, and the view reuses the row.
        return requesting_agent(request) is not None or roles.is_supervisor(request.user)


def requesting_agent(request):
    """The request user's Agent (with its project), looked up once per request."""
    from calls.models import Agent

    if not hasattr(request, "_agent"):
        user = request.user
        by_user = Agent._meta.get_field("user").remote_field
        if not user.is_authenticated:
            request._agent = None
        elif by_user.is_cached(user):  # fetched with the API token (calls.api.auth)
            request._agent = by_user.get_cached_value(user)
        else:
            request._agent = (
                Agent.objects.select_related("project", "user").filter(user=user).first()
            )
    return request._agent
