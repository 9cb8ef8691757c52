from fastapi.testclient import TestClient
from sqlalchemy import Engine, text


def test_not_ready_when_the_schema_is_behind(client: TestClient, loaded: Engine) -> None:
    with loaded.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"].startswith("at older, expected ")
    assert client.get("/healthz").status_code == 200
