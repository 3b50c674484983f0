"""Languages: complete catalogues, the user's language wins, numbers in the region's format."""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from calls.models import UserPreference
from tests.factories import make_agent, make_contact, make_project, make_user

LANGUAGES = ("en", "ro", "nl", "ru")
ROOT = Path(settings.BASE_DIR)
ENTRY_LINE = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


@pytest.fixture(autouse=True)
def _back_to_english():
    """The test client leaves the last request's language active in this thread."""
    yield
    translation.deactivate()


def _read_po(path: Path) -> list[dict]:
    """Each entry of a .po file: its fields (strings joined) and its flags."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry = field = None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := ENTRY_LINE.match(line):
            field = match.group(1)
            entry[field] = ast.literal_eval(match.group(2))
        else:  # a continuation line of the field above
            entry[field] += ast.literal_eval(line)
    return entries


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def _plural_count(entries: list[dict]) -> int:
    header = next(e for e in entries if e.get("msgid") == "")
    return int(re.search(r"nplurals=(\d+)", header["msgstr"]).group(1))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_translates_every_string(language):
    entries = _read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    messages = [e for e in entries if e.get("msgid")]
    assert len(messages) > 300
    plurals = _plural_count(entries)
    for entry in messages:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        translations = _translations(entry)
        assert translations and all(t.strip() for t in translations), entry["msgid"]
        if "msgid_plural" in entry:
            assert len(translations) == plurals, entry["msgid"]
    assert "fuzzy" not in entries[0]["flags"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_compiled_catalogues_match_their_sources(language):
    """The product runs without gettext installed, from the committed .mo files."""
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)
    for entry in _read_po(folder / "django.po"):
        if entry.get("msgid") and "msgid_plural" not in entry and "msgctxt" not in entry:
            assert catalog.gettext(entry["msgid"]) == entry["msgstr"], "run compilemessages"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs gettext's xgettext")
def test_the_catalogues_hold_every_string_the_code_marks(tmp_path):
    """makemessages on a copy of the code finds no string the committed catalogue lacks."""
    copy = tmp_path / "tree"
    skip = shutil.ignore_patterns(".*", "__pycache__", "var", "bench", "sandbox", "tests", "vendor")
    for name in ("calls", "contacts", "pbxportal", "templates", "static"):
        shutil.copytree(ROOT / name, copy / name, ignore=skip)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ro", "--verbosity", "0"],
        cwd=copy,
        check=True,
        timeout=60,
    )
    found = _msgids(copy / "locale" / "ro" / "LC_MESSAGES" / "django.po")
    committed = _msgids(ROOT / "locale" / "ro" / "LC_MESSAGES" / "django.po")
    assert found - committed == set(), "run makemessages and translate the new strings"
    assert committed - found == set(), "run makemessages to drop strings no longer used"


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(e.get("msgctxt"), e["msgid"]) for e in _read_po(path) if e.get("msgid")}


@pytest.mark.django_db
def test_the_login_page_speaks_the_browsers_language(client):
    page = client.get("/login/", headers={"accept-language": "ro,en;q=0.5"}).content.decode()
    assert 'lang="ro"' in page
    assert ">Autentificare</button>" in page
    assert "Nume de utilizator" in page


@pytest.mark.django_db
def test_the_saved_language_wins_over_the_browsers(client):
    agent = make_agent(make_project())
    UserPreference.objects.create(user=agent.user, language="ru")
    client.force_login(agent.user)
    page = client.get("/", headers={"accept-language": "ro"}).content.decode()
    assert 'lang="ru"' in page
    assert "Набор номера" in page  # noqa: RUF001 (the dialer's nav link, in Russian)
    assert "Apelare" not in page


@pytest.mark.django_db
def test_a_user_picks_a_language_from_the_menu_and_keeps_it(client):
    user = make_agent(make_project()).user
    client.force_login(user)
    response = client.post("/preferences/language/", {"language": "nl", "next": "/history/"})
    assert response.status_code == 302 and response["Location"] == "/history/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert UserPreference.objects.get(user=user).language == "nl"
    client.cookies.clear()  # another browser: only the profile remembers
    client.force_login(user)
    page = client.get("/history/", headers={"accept-language": "en"}).content.decode()
    assert "Gespreksgeschiedenis" in page


@pytest.mark.django_db
def test_choosing_the_browsers_language_again_forgets_the_saved_one(client):
    user = make_user()
    UserPreference.objects.create(user=user, language="ru")
    client.force_login(user)
    response = client.post("/preferences/language/", {"language": "", "next": "https://evil.test/"})
    assert response["Location"] == "/"  # never sent off-site
    assert UserPreference.objects.get(user=user).language == ""
    page = client.get("/login/", headers={"accept-language": "nl"}, follow=True)
    assert 'lang="nl"' in page.content.decode()


@pytest.mark.django_db
def test_a_dutch_project_shows_dutch_numbers_nationally_and_others_internationally(client):
    project = make_project(region="NL")
    agent = make_agent(project)
    make_contact(project, "Jan de Vries", "+31201234567", "+40722123456")
    client.force_login(agent.user)
    page = client.get("/", headers={"accept-language": "nl"}).content.decode()
    assert "020 123 4567" in page
    assert "+40 722 123 456" in page
    assert "+31201234567" not in page.replace('"number": "+31201234567"', "")
