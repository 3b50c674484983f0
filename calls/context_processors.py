from collections.abc import Callable
from functools import partial

from django.http import HttpRequest

from calls import roles as role_rules


def roles(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """Lets templates show agent, supervisor and admin links only to those who may follow them.

    Callables, which templates call when they use them: a fragment without the menu
    (the call card a click returns) then costs no query for the user's groups."""
    user = request.user
    return {
        "is_admin": partial(role_rules.is_admin, user),
        "is_supervisor": partial(role_rules.is_supervisor, user),
        "is_agent": partial(role_rules.is_agent, user),
    }
