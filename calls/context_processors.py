from django.http import HttpRequest

from calls import roles as role_rules


def roles(request: HttpRequest) -> dict[str, bool]:
    """Lets templates show supervisor and admin links only to those who may follow them."""
    user = request.user
    return {
        "is_admin": role_rules.is_admin(user),
        "is_supervisor": role_rules.is_supervisor(user),
    }
