"""Who may see the floor-wide pages (statistics, live board): supervisors and admins."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from calls import roles


def supervisors_only(view):
    """Agents get a 403: these pages show every agent's work."""

    @login_required
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not roles.is_supervisor(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded
