from django import template

from calls.outbound.hangup import ended_by_sentence

register = template.Library()


@register.filter
def ended_by(value: str) -> str:
    """``{{ call.ended_by|ended_by }}``: "Ended in pbxportal by the agent", or nothing."""
    return ended_by_sentence(value)
