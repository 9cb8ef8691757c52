"""Receipts: the frozen snapshot, its canonical JSON and SHA-256 (the e-mail: ``mailing``).

Anyone can recompute a receipt's digest from its snapshot with :data:`RECIPE`.
"""

from __future__ import annotations

from typing import Any

from app.core import canonical as canonical_json
from app.core.i18n import N_

ALGORITHM = "sha256"
RECIPE_TEXT = N_(
    "SHA-256 (hex) of the UTF-8 bytes of the snapshot serialized as JSON with keys sorted, no "
    "whitespace and non-ASCII characters kept as they are; in Python:"
)
RECIPE_CODE = (
    "hashlib.sha256(json.dumps(snapshot, sort_keys=True, separators=(',', ':'), "
    "ensure_ascii=False).encode('utf-8')).hexdigest()"
)
RECIPE = f"{RECIPE_TEXT} {RECIPE_CODE}"  # in the API's receipts, English like its field names


def snapshot(
    *,
    competition: str,
    submission: int,
    team: int,
    members: list[int],
    challenge: str,
    version: int,
    answers: dict[str, Any],
    attachments: list[dict[str, Any]] | None = None,
    impact_assessment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What a receipt proves: the answers of one version, the entry, the team and its members,
    each attachment's name, SHA-256 and size (sorted by SHA-256), and the impact level the
    answers gave when the competition has an impact questionnaire."""
    frozen = {"impact_assessment": impact_assessment} if impact_assessment is not None else {}
    return {
        **frozen,
        "competition": competition,
        "submission": submission,
        "team": team,
        "members": sorted(members),
        "challenge": challenge,
        "version": version,
        "answers": answers,
        "attachments": list(attachments or []),
    }


canonical = canonical_json.canonical  # the snapshot's text that the digest covers
digest = canonical_json.sha256  # the receipt's SHA-256, as :data:`RECIPE` recomputes it
