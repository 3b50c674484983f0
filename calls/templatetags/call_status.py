from django import template

from calls.history.display import status_label as label_of
from calls.models import Call

register = template.Library()


@register.filter
def status_label(call: Call) -> str:
    """``{{ call|status_label }}``: the call's badge, "Declined" for a refused call."""
    return label_of(call)
