"""Request and response bodies of the submissions API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.core.text import MultiLine
from app.submissions.models import SubmissionStatus


class SubmissionOut(BaseModel):
    id: int
    team_id: int
    competition: str
    challenge: str
    status: SubmissionStatus = Field(
        description="draft, finalized or withdrawn; a finalized entry changed since is still "
        "finalized, at the version its receipt names (see changed_since_finalized)"
    )
    version: int = Field(description="The current version; also the ETag")
    answers: dict[str, Any]
    author_id: int | None
    saved_at: datetime
    created_at: datetime
    deadline: datetime = Field(description="The team's deadline, UTC")
    deadline_local: str = Field(description="The same deadline in the competition's zone")
    finalized_version: int | None = Field(description="The version the current receipt names")
    changed_since_finalized: bool = Field(
        description="The entry has a newer version or other files than its receipt holds: the "
        "receipt's version counts until the team finalizes again"
    )
    receipt_id: int | None
    impact_assessment: dict[str, Any] | None = Field(
        description="The impact level (I to IV, null until every question is answered) and "
        "scores the answers give; null when the competition has no impact questionnaire"
    )


class SubmissionsOut(BaseModel):
    team_id: int
    submissions: list[SubmissionOut]


class ImpactAnswerOut(BaseModel):
    id: str
    kind: str
    area: str
    text: str
    answer: str | None
    answer_label: str | None
    points: int | None
    max_points: int


class ImpactReportOut(BaseModel):
    """The entry's impact questionnaire answered, in the caller's language, with its level."""

    submission_id: int
    version: int
    name: str
    level: int | None
    level_name: str | None
    level_text: str | None
    raw_score: int
    max_raw_score: int
    mitigation_score: int
    max_mitigation_score: int
    mitigation_applied: bool
    current_score: str = Field(description="A decimal: the raw score less any mitigation")
    unanswered: list[str]
    questions: list[ImpactAnswerOut]


class VersionOut(BaseModel):
    number: int
    answers: dict[str, Any]
    author_id: int | None
    created_at: datetime


class VersionsOut(BaseModel):
    submission_id: int
    versions: list[VersionOut]


class ReceiptOut(BaseModel):
    id: int
    submission_id: int
    version: int
    finalized_at: datetime
    finalized_by: str
    superseded_at: datetime | None
    algorithm: str
    digest: str
    recipe: str = Field(description="How to recompute the digest from the snapshot")
    canonical: str = Field(description="The snapshot's canonical JSON, which was hashed")
    snapshot: dict[str, Any]


class ExtensionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime = Field(description="The team's new deadline, after the competition's")
    reason: Annotated[MultiLine, Field(min_length=1, max_length=2000)]


class ExtensionOut(BaseModel):
    team_id: int
    until: datetime
    reason: str
    granted_by: str
    granted_at: datetime


class AttachmentOut(BaseModel):
    id: int
    submission_id: int
    filename: str = Field(description="The uploaded file's name, cleaned for display")
    kind: str = Field(description="pdf, png, jpeg or zip: decided by the content")
    media_type: str
    size: int = Field(description="In bytes")
    sha256: str
    uploaded_by: int | None
    uploaded_at: datetime


class AttachmentsOut(BaseModel):
    submission_id: int
    max_bytes: int = Field(description="The competition's limit per file, in bytes")
    max_files: int = Field(description="The most files one entry may hold")
    max_total_bytes: int = Field(description="The most bytes all of one entry's files may hold")
    allowed_kinds: list[str]
    attachments: list[AttachmentOut]
