"""Telphin's paged extension list and Hang up through current_calls, against recorded replies."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from calls.pbx.base import PbxError
from tests.pbx.telphin_support import BASE, EXT_URL, add_token, calls_to, fixture

CURRENT = f"{BASE}/api/ver1.0/extension/175/current_calls/"
OUR_CALL = "4b1c0f5e8a6d11ef9d3a0242ac120007"  # callback_201.json's call_id
LISTED_AS = "3584709739-4b1c0f5e-8a6d-11ef-9d3a-0242ac120007"


def paged(total: int):
    """Telphin's extension list of ``total`` phones, served page by page."""

    def reply(request):
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        size, page = int(query["per_page"]), int(query["page"])
        ids = range(1000 + (page - 1) * size, min(1000 + page * size, 1000 + total))
        rows = [{"id": i, "name": f"000*{i}", "type": "phone", "status": "active"} for i in ids]
        return 200, {}, json.dumps(rows)

    return reply


@responses.activate
def test_every_page_of_extensions_is_read_until_a_short_one(adapter):
    add_token(responses)
    responses.add_callback(responses.GET, EXT_URL, callback=paged(250))
    extensions = adapter.telphin_extensions()
    assert len(extensions) == 250 and len({e.id for e in extensions}) == 250
    asked = [parse_qs(urlsplit(c.request.url).query) for c in calls_to(responses, EXT_URL)]
    assert [q["page"] for q in asked] == [["1"], ["2"], ["3"]]
    assert all(q["type"] == ["phone"] and q["status"] == ["active"] for q in asked)
    assert all(q["per_page"] == ["100"] for q in asked)


@responses.activate
def test_a_full_last_page_costs_one_empty_request(adapter):
    add_token(responses)
    responses.add_callback(responses.GET, EXT_URL, callback=paged(200))
    assert len(adapter.telphin_extensions()) == 200
    assert len(calls_to(responses, EXT_URL)) == 3


@responses.activate
def test_a_server_that_ignores_paging_does_not_loop(adapter):
    add_token(responses)
    rows = [{"id": i, "name": f"000*{i}", "type": "phone"} for i in range(100)]
    responses.add(responses.GET, EXT_URL, json=rows)
    assert len(adapter.telphin_extensions()) == 100
    assert len(calls_to(responses, EXT_URL)) == 2


@responses.activate
def test_hang_up_ends_the_call_as_telphin_lists_it(adapter):
    add_token(responses)
    responses.add(responses.GET, CURRENT, json=fixture("current_calls.json"))
    responses.add(responses.DELETE, CURRENT + LISTED_AS, status=204)
    adapter.hangup(OUR_CALL, extension_id="175")
    [deleted] = calls_to(responses, CURRENT + LISTED_AS, "DELETE")
    assert deleted.request.headers["Authorization"].startswith("Bearer ")


@responses.activate
def test_hang_up_of_a_call_telphin_no_longer_lists_says_so_and_deletes_nothing(adapter):
    add_token(responses)
    responses.add(responses.GET, CURRENT, json={"call_list": []})
    with pytest.raises(PbxError, match="probably ended"):
        adapter.hangup(OUR_CALL, extension_id="175")
    assert not [c for c in responses.calls if c.request.method == "DELETE"]


@responses.activate
def test_hang_up_is_never_sent_twice_when_the_pbx_may_have_got_it(adapter):
    add_token(responses)
    responses.add(responses.GET, CURRENT, json=fixture("current_calls.json"))
    responses.add(responses.DELETE, CURRENT + LISTED_AS, body=requests.ReadTimeout("slow"))
    with pytest.raises(PbxError):
        adapter.hangup(OUR_CALL, extension_id="175")
    assert len(calls_to(responses, CURRENT + LISTED_AS, "DELETE")) == 1


@responses.activate
def test_hang_up_refused_is_a_sentence_with_telphins_words(adapter):
    add_token(responses)
    responses.add(responses.GET, CURRENT, json=[{"call_api_id": LISTED_AS}])
    responses.add(
        responses.DELETE, CURRENT + LISTED_AS, json={"message": "Permission denied"}, status=403
    )
    with pytest.raises(PbxError, match="Permission denied"):
        adapter.hangup(OUR_CALL, extension_id="175")
