"""The code reaches Django, DRF, Celery, kombu, asgiref, requests, urllib3 and python-socketio
only through their public APIs (issue 15): an upgrade of any of them must not break us
through an attribute it never promised to keep."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("calls", "pbxportal", "sandbox", "contacts", "bench", "tests")

# Underscored names that are public all the same.
DOCUMENTED = {
    "_meta": "Django: Model._meta, the documented Options API",
    "_state": "Django: Model._state (adding, db), documented under Model attributes",
    "_default_manager": "Django: Model._default_manager, documented under Managers",
    "_base_manager": "Django: Model._base_manager, documented under Managers",
    "_replace": "namedtuple's documented method",
    "_asdict": "namedtuple's documented method",
    "_fields": "namedtuple's documented attribute",
    "_make": "namedtuple's documented method",
}
# Our own underscored names, reached from outside their object or module.
OURS = {
    "_inbound_adapter": "calls: the adapter kept on a Project for the request",
    "_role_groups": "calls.roles: the user's groups kept on the user for the request",
    "_contact_page": "calls.events.caller_lookup's cached page reader, cleared by its tests",
    "_catalog": "Python's gettext: no public way to list a compiled catalogue",
}
# Internals this project once used or overrode, as attributes or as methods of a subclass.
INTERNALS = {
    "_get_conn",  # urllib3's pools: calls/pbx/http.py keeps one-connection adapters instead
    "_put_conn",
    "pool_classes_by_scheme",
    "_emit_internal",  # python-socketio
    "_create_index_name",  # Django's schema editor: migrations write index names out
    "_value2member_map_",  # enum: call the Enum and catch ValueError
    "_registry",  # Django's admin site: is_registered(), get_model_admin()
    "load_backend",  # django.db.utils: the connection's own class, connections[alias]
    "is_cached",  # Django's field cache: prefetch_related_objects()
    "get_cached_value",
    "set_cached_value",
    "thread_sensitive_context",  # asgiref
    "context_to_thread_executor",
}
# Underscored methods of a library class we override because it asks us to.
OVERRIDES_ASKED_FOR = {
    "pbxportal.broker.Channel._put": "kombu: the method a virtual transport's Channel implements",
}
OUR_PACKAGES = ("calls", "pbxportal", "sandbox", "contacts")


def _python_files() -> list[Path]:
    return sorted(path for folder in SOURCES for path in (ROOT / folder).rglob("*.py"))


def private_uses(source: str) -> list[tuple[int, str]]:
    """(line, name) for each internal named above, defined or used, and each
    ``something._name`` other than ``self._name`` / ``cls._name`` not listed as fine."""
    tokens = [
        token
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)
    ]
    found = []
    for before, dot, name in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if name.type != tokenize.NAME:
            continue
        private = (
            dot.string == "."
            and name.string.startswith("_")
            and not name.string.startswith("__")
            and before.string not in ("self", "cls")
            and name.string not in DOCUMENTED
            and name.string not in OURS
        )
        if private or name.string in INTERNALS:
            found.append((name.start[0], name.string))
    return found


def test_the_check_finds_what_it_forbids():
    source = (
        "pool._get_conn()\n"
        "self._mine = 1\n"
        "Model._meta.label\n"
        "from django.db.utils import load_backend\n"
        "x = '._in_a_string'  # ._in_a_comment\n"
        "class Pool(HTTPConnectionPool):\n"
        "    def _put_conn(self, conn): ...\n"
    )
    assert private_uses(source) == [(1, "_get_conn"), (4, "load_backend"), (7, "_put_conn")]


def test_no_private_attribute_of_a_library():
    found = {
        str(path.relative_to(ROOT)): uses
        for path in _python_files()
        if path != Path(__file__).resolve()  # this file names what it forbids
        and (uses := private_uses(path.read_text(encoding="utf-8")))
    }
    assert not found, (
        f"{found}: use the library's public API; if a name is documented public or our "
        "own, add it with its reason to tests/test_public_apis.py"
    )


def overridden_internals() -> list[str]:
    """``module.Class._method`` for each underscored method of ours that replaces one a
    library class defines (what overriding ``_get_conn`` or ``_emit_internal`` was)."""
    found = []
    for package in OUR_PACKAGES:
        for module_info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if ".migrations." in module_info.name:
                continue
            module = importlib.import_module(module_info.name)
            for cls in vars(module).values():
                if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                    continue
                for name, value in vars(cls).items():
                    if not name.startswith("_") or name.endswith("_"):
                        continue  # public, a dunder, or enum's documented _sunder_ names
                    if not inspect.isfunction(value):
                        continue
                    libraries = [
                        base
                        for base in cls.__mro__[1:]
                        if base.__module__.partition(".")[0] not in OUR_PACKAGES
                    ]
                    if any(name in vars(base) for base in libraries):
                        found.append(f"{module.__name__}.{cls.__name__}.{name}")
    return [name for name in found if name not in OVERRIDES_ASKED_FOR]


def test_no_method_of_ours_overrides_a_librarys_internal():
    assert overridden_internals() == []
