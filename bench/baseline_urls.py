"""The product's URLs plus two baselines: the least a Django view can do per request.

* ``POST /bench/insert/``: baseline A, one INSERT of the request body into a
  bench-only table (created by bench/webhooks.py with raw SQL);
* ``GET /bench/select/?telephone=+40...``: baseline B, one indexed SELECT on
  contacts_contactphone (project, number), the number taken as given.
"""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from pbxportal.urls import urlpatterns as product_urls

BASELINE_TABLE = "bench_baseline_insert"
_COLUMNS = {
    "postgresql": "id bigserial PRIMARY KEY, body text NOT NULL, "
    "received_at timestamptz NOT NULL DEFAULT now()",
    # `--smoke` runs on the embedded default
    "sqlite": "id integer PRIMARY KEY AUTOINCREMENT, body text NOT NULL, "
    "received_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP",
}


def create_table_sql(vendor: str) -> str:
    return f"CREATE TABLE IF NOT EXISTS {BASELINE_TABLE} ({_COLUMNS[vendor]})"


@csrf_exempt
def insert_one(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {BASELINE_TABLE} (body) VALUES (%s)",  # noqa: S608 - constant name
            [request.body.decode("utf-8", errors="replace")],
        )
    return JsonResponse({"ok": True})


def select_one(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_id FROM contacts_contactphone"
            " WHERE project_id = %s AND number = %s ORDER BY id LIMIT 1",
            [int(request.GET.get("project", "1")), request.GET.get("telephone", "")],
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0] if row else None})


urlpatterns = [
    path("bench/insert/", insert_one),
    path("bench/select/", select_one),
    *product_urls,
]
