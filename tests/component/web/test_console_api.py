"""The operator console's API under bad input: clear 4xx answers, never a 500, never a stack
trace or personal data in the answer."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.component.web.kit import login

ACTIONS = ("ready", "pause", "leave", "hangup", "search", "identify", "result", "emergency")


async def post_raw(client: TestClient, csrf: str, path: str, data: bytes | str,
                   content_type: str = "application/json") -> tuple[int, str]:
    response = await client.post(path, data=data, headers={
        "X-CSRF-Token": csrf, "Content-Type": content_type, "Accept": "application/json"})
    return response.status, await response.text()


@pytest.mark.parametrize("body", ["", "{", "[]", "null", "42", '"text"', "\xff\xfe", "{'a': 1}"])
async def test_malformed_json_is_a_400(console_client: TestClient, body: str) -> None:
    csrf = await login(console_client, "op1")
    for action in ACTIONS:
        status, text = await post_raw(console_client, csrf, f"/api/console/{action}", body)
        assert status == 400, (action, body, status, text)
        assert "Traceback" not in text


async def test_wrong_types_are_named_in_a_400(console_client: TestClient) -> None:
    csrf = await login(console_client, "op1")
    for action, body, field in (
            ("ready", '{"seat": 1}', "seat"), ("identify", '{"target_id": "7"}', "target_id"),
            ("identify", '{"target_id": 7, "verified": "yes"}', "verified"),
            ("search", '{"by": "name", "query": 7}', "query"),
            ("search", '{"by": "name", "query": "' + "x" * 41 + '"}', "query"),
            ("result", '{"code": "101", "phone": 9}', "phone"),
            ("result", '{"code": ["101"]}', "code"),
            ("result", '{"code": "101", "appointment": "next tuesday"}', "appointment"),
            ("emergency", '{"reason": {"x": 1}}', "reason")):
        status, text = await post_raw(console_client, csrf, f"/api/console/{action}", body)
        assert status == 400 and field in text, (action, status, text)


async def test_a_huge_body_is_refused_before_it_is_read(console_client: TestClient) -> None:
    csrf = await login(console_client, "op1")
    status, _ = await post_raw(console_client, csrf, "/api/console/result",
                               '{"note": "' + "x" * (2 * 1024 * 1024) + '"}')
    assert status == 413


async def test_moves_that_make_no_sense_now_are_409_with_the_reason(
        console_client: TestClient) -> None:
    csrf = await login(console_client, "op1")
    headers = {"X-CSRF-Token": csrf}
    for action, body, reason in (("ready", {"seat": "seat99"}, "unknown seat"),
                                 ("pause", {}, "cannot pause"), ("leave", {}, "not on a seat"),
                                 ("hangup", {}, "cannot hang up"),
                                 ("identify", {"target_id": 1, "verified": True}, "no callback"),
                                 ("search", {"by": "ref", "query": "T001"},
                                  "caller to identify"),
                                 ("result", {"code": "101"}, "no call"),
                                 ("emergency", {"reason": "threat", "consent": "granted"},
                                  "during a call")):
        response = await console_client.post(f"/api/console/{action}", json=body,
                                              headers=headers)
        assert response.status == 409, action
        assert reason in (await response.json())["error"]


async def test_the_console_page_shows_the_result_codes_with_their_marks(
        console_client: TestClient) -> None:
    await login(console_client, "op1")
    page = await (await console_client.get("/console")).text()
    assert "101 納付約束" in page and 'data-key="1"' in page
    assert "★" in page and "☆" in page
    assert "S01" not in page  # system codes are never offered


async def test_a_manager_takes_calls_on_the_console_and_keeps_the_board(
        console_client: TestClient) -> None:
    """SPEC §9(4), §12(1)キ: a manager calls and records with their own account."""
    csrf = await login(console_client, "kanri")
    page = await (await console_client.get("/console")).text()
    assert 'href="/console"' in page and 'href="/board"' in page
    response = await console_client.post("/api/console/ready", json={"seat": "seat01"},
                                         headers={"X-CSRF-Token": csrf})
    # the console service itself answers, not the role guard (no seats, no Asterisk here;
    # tests/asterisk/test_unknown_caller.py has a manager take a real call)
    assert response.status == 409 and "seat" in (await response.json())["error"]
    assert (await console_client.get("/api/console")).status == 200
    assert (await console_client.get("/board")).status == 200


async def test_operators_keep_off_the_board_and_admins_off_the_console(
        console_client: TestClient) -> None:
    await login(console_client, "op1")
    page = await (await console_client.get("/console")).text()
    assert 'href="/board"' not in page
    board = await console_client.get("/board", headers={"Accept": "application/json"})
    assert board.status == 403
    await console_client.post("/logout", data={"csrf": ""})
    console_client.session.cookie_jar.clear()
    await login(console_client, "sysadm")
    answer = await console_client.get("/api/console", headers={"Accept": "application/json"})
    assert answer.status == 403
