from django import template

from contacts.phones import format_for_people

register = template.Library()


@register.filter
def for_people(e164: str, region: str) -> str:
    return format_for_people(e164, region)


@register.filter
def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
