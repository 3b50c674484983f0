"""Reading the call history: who sees which calls, the filters, and keyset pages.

Pages are keyset pages, never OFFSET: the next page starts after the last row shown
(its sort key and id), so it costs the same at page 1 and page 10,000 and a call that
arrives while someone reads does not shift rows between pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import F, Q, QuerySet, TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls import roles
from calls.models import Agent, Call, Project, WebhookRequest
from calls.pbx.redact import MASK, SECRET_NAMES, redact
from contacts.phones import try_normalize

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Sort(TextChoices):
    NEWEST = "newest", _("Newest first")
    OLDEST = "oldest", _("Oldest first")
    LONGEST = "longest", _("Longest first")
    SHORTEST = "shortest", _("Shortest first")


@dataclass(frozen=True)
class HistoryFilters:
    """What a person asked for; empty values mean "any"."""

    date_from: date | None = None
    date_to: date | None = None
    agent: Agent | None = None
    project: Project | None = None
    direction: str = ""
    status: str = ""
    number: str = ""
    contact: str = ""
    sort: str = Sort.NEWEST


@dataclass
class HistoryPage:
    calls: list[Call] = field(default_factory=list)
    next_cursor: str = ""


def own_agent(user: AbstractBaseUser | AnonymousUser) -> Agent | None:
    if not user.is_authenticated:
        return None
    return Agent.objects.select_related("project").filter(user=user).first()


def visible_calls(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Call]:
    """Supervisors and admins see the whole floor; an agent only their own calls."""
    if roles.is_supervisor(user):
        return Call.objects.all()
    agent = own_agent(user)
    if agent is None:
        return Call.objects.none()
    return Call.objects.filter(agent=agent)


def filter_calls(calls: QuerySet[Call], filters: HistoryFilters, region: str) -> QuerySet[Call]:
    """Apply every filter that is set; ``region`` reads numbers typed without a prefix."""
    if filters.date_from:
        calls = calls.filter(requested_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        calls = calls.filter(requested_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.agent:
        calls = calls.filter(agent=filters.agent)
    if filters.project:
        calls = calls.filter(project=filters.project)
    if filters.direction:
        calls = calls.filter(direction=filters.direction)
    if filters.status:
        calls = calls.filter(status=filters.status)
    if filters.number.strip():
        calls = calls.filter(number_query(filters.number, region))
    if filters.contact.strip():
        calls = calls.filter(contact_query(filters.contact))
    return calls


def number_query(text: str, region: str) -> Q:
    """A whole number in any format matches exactly; a fragment matches inside numbers."""
    e164 = try_normalize(text, region)
    if e164:
        return Q(remote_number=e164)
    digits = re.sub(r"\D", "", text)
    if not digits:
        return Q(pk__in=[])
    if not text.strip().startswith("+"):
        # "0040 722…" is international; "0722 12…" carries the national trunk 0, which
        # E.164 drops: search without it (a superset of the literal digits).
        digits = (digits[2:] if digits.startswith("00") else digits.removeprefix("0")) or digits
    return Q(remote_number__contains=digits)


def contact_query(text: str) -> Q:
    text = text.strip()
    # An id fits 64 bits; longer digits are searched as a name (they find nothing).
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return Q(contact_id=int(text))
    return Q(contact__name__icontains=text)


def region_for(filters: HistoryFilters, user: AbstractBaseUser | AnonymousUser) -> str:
    if filters.project:
        return filters.project.region
    if filters.agent:
        return filters.agent.project.region
    agent = own_agent(user)
    return agent.project.region if agent else settings.DEFAULT_PHONE_REGION


def ordered(calls: QuerySet[Call], sort: str) -> QuerySet[Call]:
    if sort == Sort.OLDEST:
        return calls.order_by("requested_at", "id")
    if sort == Sort.LONGEST:
        return calls.order_by(F("duration").desc(nulls_last=True), "-id")
    if sort == Sort.SHORTEST:
        return calls.order_by(F("duration").asc(nulls_last=True), "id")
    return calls.order_by("-requested_at", "-id")


def history_page(
    calls: QuerySet[Call], sort: str, cursor: str = "", size: int = PAGE_SIZE
) -> HistoryPage:
    """One page after ``cursor`` (empty: the first page) and the cursor of the next one."""
    after = _after(sort, cursor)
    if after is not None:
        calls = calls.filter(after)
    rows = list(
        ordered(calls, sort).select_related("agent__user", "contact", "project", "disposition")[
            : size + 1
        ]
    )
    page = HistoryPage(calls=rows[:size])
    if len(rows) > size:
        page.next_cursor = cursor_for(rows[size - 1], sort)
    return page


def cursor_for(call: Call, sort: str) -> str:
    if sort in (Sort.LONGEST, Sort.SHORTEST):
        return f"d{'n' if call.duration is None else call.duration}_{call.pk}"
    delta = call.requested_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"t{micros}_{call.pk}"


def _after(sort: str, cursor: str) -> Q | None:
    """The rows strictly after the cursor in ``sort`` order; None for a bad or no cursor."""
    match = re.fullmatch(r"([td])(n|\d+)_(\d+)", cursor or "")
    if not match:
        return None
    kind, value, pk = match.group(1), match.group(2), int(match.group(3))
    if kind == "t" and value != "n" and sort in (Sort.NEWEST, Sort.OLDEST):
        at = _EPOCH + timedelta(microseconds=int(value))
        if sort == Sort.OLDEST:
            # The redundant bound on requested_at alone lets the index range-scan.
            return Q(requested_at__gte=at) & (
                Q(requested_at__gt=at) | Q(requested_at=at, id__gt=pk)
            )
        return Q(requested_at__lte=at) & (Q(requested_at__lt=at) | Q(requested_at=at, id__lt=pk))
    if kind == "d" and sort in (Sort.LONGEST, Sort.SHORTEST):
        return _after_duration(sort, None if value == "n" else int(value), pk)
    return None


def _after_duration(sort: str, duration: int | None, pk: int) -> Q:
    # Calls without talk time come last in both duration orders.
    if duration is None:
        return Q(duration__isnull=True) & (Q(id__lt=pk) if sort == Sort.LONGEST else Q(id__gt=pk))
    if sort == Sort.LONGEST:
        tie = Q(duration=duration, id__lt=pk)
        return Q(duration__lt=duration) | tie | Q(duration__isnull=True)
    tie = Q(duration=duration, id__gt=pk)
    return Q(duration__gt=duration) | tie | Q(duration__isnull=True)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def call_for(user: AbstractBaseUser | AnonymousUser, pk: int) -> Call | None:
    """The call if ``user`` may see it (an agent: only their own)."""
    return (
        visible_calls(user)
        .select_related("agent__user", "contact", "project", "disposition")
        .filter(pk=pk)
        .first()
    )


def can_edit_outcome(user: AbstractBaseUser | AnonymousUser, call: Call) -> bool:
    if roles.is_supervisor(user):
        return True
    return call.agent is not None and call.agent.user_id == user.pk


def webhook_entries(call: Call, limit: int = 50) -> list[WebhookRequest]:
    """The webhook requests that mention this call, around its lifetime (admins' log)."""
    marker = call.vendor_call_id or str(call.external_id)
    until = (call.ended_at or timezone.now()) + timedelta(minutes=10)
    entries = WebhookRequest.objects.filter(
        project_id=call.project_id,
        received_at__gte=call.requested_at - timedelta(minutes=1),
        received_at__lte=until,
    ).filter(Q(body__contains=marker) | Q(query__contains=marker))
    return list(entries.order_by("received_at", "id")[:limit])


@dataclass
class TimelineEntry:
    at: datetime | None
    kind: str
    details: list[tuple[str, str]]


_URL_SECRETS = re.compile(r"(?i)^([a-z][a-z0-9+.-]*://)[^/?#]*@")


def timeline(call: Call) -> list[TimelineEntry]:
    """The PBX's events for this call, oldest first, with secrets and addresses masked."""
    events = call.events.order_by("received_at", "id").only(
        "kind", "payload", "occurred_at", "received_at"
    )
    return [
        TimelineEntry(
            at=event.occurred_at or event.received_at,
            kind=event.kind,
            details=_sanitized(event.payload if isinstance(event.payload, dict) else {}),
        )
        for event in events
    ]


def _sanitized(payload: dict, prefix: str = "") -> list[tuple[str, str]]:
    # Vendors put tokens, signatures and recording links with credentials in payloads;
    # people need the keys and the plain values, never those.
    details: list[tuple[str, str]] = []
    for key, value in sorted(payload.items(), key=lambda item: str(item[0])):
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            details.extend(_sanitized(value, f"{name}."))
        elif _is_secret_name(str(key)):
            details.append((name, MASK))
        else:
            details.append((name, _sanitized_value(value)))
    return details


def _is_secret_name(key: str) -> bool:
    lowered = key.lower()
    return lowered in SECRET_NAMES or any(
        word in lowered for word in ("sign", "hash", "secret", "token", "password", "auth")
    )


def _sanitized_value(value: object) -> str:
    text = redact(str(value))
    if "://" in text:
        # Show where a link points, not its path, query or user info.
        text = _URL_SECRETS.sub(r"\1", text)
        scheme, _sep, rest = text.partition("://")
        text = f"{scheme}://{rest.split('/', 1)[0].split('?', 1)[0]}/…"
    return text if len(text) <= 120 else text[:119] + "…"
