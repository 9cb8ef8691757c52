"""Page routes (placeholder until the page set lands)."""

from fastapi import FastAPI


def mount_frontend(app: FastAPI) -> None:
    return None
