"""Every table of the application, imported in one place for Alembic and the tests."""

from sqlmodel import SQLModel

from app.audit import models as audit_models
from app.competitions import models as competition_models
from app.identity import models as identity_models

metadata = SQLModel.metadata

__all__ = ["audit_models", "competition_models", "identity_models", "metadata"]
