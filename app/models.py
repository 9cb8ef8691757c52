"""Every table of the application, imported in one place for Alembic and the tests."""

from sqlmodel import SQLModel

from app.accounts import models as account_models
from app.audit import models as audit_models
from app.competitions import models as competition_models
from app.core import idempotency as idempotency_models
from app.identity import models as identity_models
from app.mail import models as mail_models
from app.oauth import models as oauth_models
from app.submissions import models as submission_models
from app.teams import models as team_models

metadata = SQLModel.metadata

__all__ = [
    "account_models",
    "audit_models",
    "competition_models",
    "idempotency_models",
    "identity_models",
    "mail_models",
    "metadata",
    "oauth_models",
    "submission_models",
    "team_models",
]
