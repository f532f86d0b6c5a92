"""The operator console's API under bad input: clear 4xx answers, never a 500, never a stack
trace or personal data in the answer."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.component.web.kit import login

ACTIONS = ("ready", "pause", "leave", "hangup", "identify", "result", "emergency")


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
