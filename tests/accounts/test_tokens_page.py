"""Personal access tokens from the page: created (shown once), usable, listed, revoked."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web import Mailbox, csrf_of, signed_up


def test_create_use_and_revoke_a_token_from_the_page(web: TestClient, mailbox: Mailbox) -> None:
    signed_up(web, mailbox, "ada@example.org")
    token = csrf_of(web, "/en/account/tokens")
    created = web.post(
        "/en/account/tokens",
        data={
            "csrf_token": token,
            "name": "my script",
            "scopes": ["profile", "read"],
            "expires_in_days": "30",
        },
    )
    assert created.status_code == 200 and "it will not be shown again" in created.text
    secret = re.search(r'id="new-token">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    assert secret not in web.get("/en/account/tokens").text  # shown once
    me = web.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["authenticated_via"] == "personal_token"

    no_scope = web.post(
        "/fr/account/tokens", data={"csrf_token": token, "name": "nothing", "expires_in_days": "30"}
    )
    assert no_scope.status_code == 400 and 'role="alert"' in no_scope.text
    forged = web.post(
        "/en/account/tokens",
        data={"csrf_token": "forged", "name": "x", "scopes": ["read"], "expires_in_days": "30"},
    )
    assert forged.status_code == 403 and "my script" in forged.text
    assert forged.text.count("<tr>") == 2  # header and the one token: nothing was created

    token_id = re.search(r"/en/account/tokens/(\d+)/revoke", web.get("/en/account/tokens").text)
    revoked = web.post(
        f"/en/account/tokens/{token_id.group(1)}/revoke",  # type: ignore[union-attr]
        data={"csrf_token": token},
    )
    assert revoked.status_code == 303
    web.cookies.clear()
    assert web.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
