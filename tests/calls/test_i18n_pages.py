"""The agent's and supervisor's pages and the PBX account page in Romanian, Dutch and
Russian hold no sentence of the catalogue left in English."""

from __future__ import annotations

import gettext
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from calls.models import Agent, Call, EventStream, StreamState, Vendor
from tests.factories import make_account, make_agent, make_project, make_user

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale"
HIDDEN = re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->", re.S | re.I)
SHOWN_ATTRIBUTE = re.compile(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"')


@pytest.fixture(autouse=True)
def _back_to_english():
    yield
    translation.deactivate()


def english_left(language: str) -> set[str]:
    """Catalogue sentences (two words or more, no placeholder) the language says otherwise."""
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    return {
        msgid
        for msgid, msgstr in catalog._catalog.items()
        if isinstance(msgid, str)
        and " " in msgid.strip()
        and "%" not in msgid
        and "\x04" not in msgid
        and msgstr != msgid
    }


def shown_text(page: str) -> str:
    page = HIDDEN.sub(" ", page)
    attributes = " ".join(SHOWN_ATTRIBUTE.findall(page))
    text = re.sub(r"<[^>]+>", " ", page) + " " + attributes
    return re.sub(r"\s+", " ", html.unescape(text))


def untranslated(page: str, language: str) -> list[str]:
    text = shown_text(page)
    return sorted(
        m for m in english_left(language) if re.search(rf"(?<!\w){re.escape(m)}(?!\w)", text)
    )


@pytest.fixture
def floor():
    """A While1 project (phones on the board) with an agent, a failed call and a supervisor."""
    project = make_project(project_id=1)
    agent = make_agent(project, extension="101")
    Agent.objects.filter(pk=agent.pk).update(
        pbx_presence="registered", pbx_presence_at=timezone.now()
    )
    Call.objects.create(
        project=project,
        agent=agent,
        remote_number="+40722000486",
        status="busy",
        failure_reason="User busy (17)",  # the PBX's words: no catalogue has them
        ended_at=timezone.now(),
    )
    stream_account = make_account(Vendor.VOIPCENTER, api_id="pi1", ws_user="ws1")
    stream_account.name = "Floor 2"
    stream_account.save()
    now = timezone.now()
    EventStream.objects.create(
        account=stream_account,
        state=StreamState.FAILED,
        state_since=now,
        last_error="VoipCenter closed the stream.",
        last_error_at=now,
        messages=3,
        last_message_at=now,
    )
    return {
        "agent": agent.user,
        "supervisor": make_user("supervisor"),
        "admin": make_user("admin", is_staff=True),
        "stream_account": stream_account,
    }


PAGES = [
    ("agent", "/"),
    ("agent", "/history/"),
    ("supervisor", "/board/"),
    ("supervisor", "/stats/"),
    ("supervisor", "/history/"),
    ("admin", "pbx-account"),
    ("admin", "pbx-account-add"),
]


@pytest.mark.parametrize("language", ["ro", "nl", "ru"])
@pytest.mark.parametrize(("who", "url"), PAGES)
def test_the_page_speaks_the_language_through(client, floor, language, who, url):
    if url == "pbx-account":
        url = reverse("admin:calls_pbxaccount_change", args=[floor["stream_account"].pk])
    elif url == "pbx-account-add":
        url = reverse("admin:calls_pbxaccount_add")
    client.force_login(floor[who])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    reply = client.get(url)
    assert reply.status_code == 200
    page = reply.content.decode()
    assert f'lang="{language}"' in page
    assert untranslated(page, language) == []


SAYS = {
    "ro": ("Eșuat, se reîncearcă", "Telefon înregistrat", "parola de client"),
    "nl": ("Mislukt, nieuwe poging", "Telefoon aangemeld", "klantwachtwoord"),
    "ru": ("Ошибка, повторная попытка", "Телефон зарегистрирован", "пароль клиента"),
}


@pytest.mark.parametrize("language", ["ro", "nl", "ru"])
def test_todays_strings_read_in_the_language(client, floor, language):
    """The stream's state, the agent's phone and the credential labels, new today."""
    stream, phone, password = SAYS[language]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(floor["admin"])
    account_page = reverse("admin:calls_pbxaccount_change", args=[floor["stream_account"].pk])
    assert stream in client.get(account_page).content.decode()
    assert password in client.get(reverse("admin:calls_pbxaccount_add")).content.decode()
    client.force_login(floor["supervisor"])
    assert phone in client.get("/board/").content.decode()
