from django import template

from calls.outbound.reasons import reason_for_agents

register = template.Library()


@register.filter
def for_agents(reason: str) -> str:
    """``{{ call.failure_reason|for_agents }}``: the reason without the PBX's address."""
    return reason_for_agents(reason)
