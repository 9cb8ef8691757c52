"""The catalogue: competitions as data, validated, loaded idempotently."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, func, text
from sqlmodel import select

from app.audit.models import AuditRecord
from app.competitions.catalogue import CatalogueError, load_definition
from app.competitions.models import Challenge, Competition, Event, ScheduledPhase
from app.competitions.sync import load_catalogue
from app.core.db import new_session
from app.core.errors import CatalogueRefused
from tests.conftest import CATALOGUE, DURING_SPRINT, SMALL_COMPETITION, load

G7 = CATALOGUE / "g7-govai-2025"


@pytest.fixture
def g7_copy(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue" / "g7-govai-2025"
    shutil.copytree(G7, target)
    return target


def _edit_yaml(path: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def _snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    tables = ["competition", "scheduled_phase", "challenge", "event", "audit_record"]
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in tables
        }


def test_the_g7_definition_holds_the_published_facts() -> None:
    definition = load_definition(G7)
    spec = definition.competition
    assert spec.envelope == 10_000_000 and spec.award_cap == 1_000_000 and spec.currency == "CAD"
    assert spec.deadline_utc().isoformat() == "2025-12-01T20:00:00+00:00"
    assert spec.team_size_max == 4 and spec.timezone == "America/Toronto"
    assert [s.position for s in definition.statements] == [1, 2, 3, 4]
    assert all(s.title["fr"] and s.title["fr"] != s.title["en"] for s in definition.statements)
    assert [e.slug for e in definition.events.events] == [
        "launch",
        "expert-panel",
        "ask-me-anything",
    ]
    limits = {f.id: f.max_words for f in definition.form.fields}
    assert (limits["title"], limits["description"], limits["solution"]) == (10, 50, 100)
    assert limits["data_used"] == limits["bias"] == limits["data_protection"] == 75
    assert sum(c.weight for c in definition.rubric.criteria) == 100
    eu = definition.eligibility.country_sets["eu"]
    assert len(eu) == 27 and len(definition.eligibility.country_sets["g7"]) == 7


@pytest.mark.parametrize(
    ("file", "change", "field", "reason"),
    [
        ("rubric.yaml", lambda d: d["criteria"][0].update(weight=31), "criteria", "add up to 100"),
        (
            "rubric.yaml",
            lambda d: d["judging"].update(reviews_per_entry=0),
            "judging.reviews_per_entry",
            "greater than or equal to 1",
        ),
        (
            "rubric.yaml",
            lambda d: d["judging"]["pitch"].update(mode="vote"),
            "judging.pitch.mode",
            "pairwise",
        ),
        (
            "competition.yaml",
            lambda d: d.update(timezone="Mars/Olympus"),
            "timezone",
            "unknown time zone",
        ),
        (
            "competition.yaml",
            lambda d: d.update(award_cap=20_000_000),
            "award_cap",
            "award_cap cannot exceed",
        ),
        ("competition.yaml", lambda d: d.update(envelope="lots"), "envelope", "integer"),
        ("competition.yaml", lambda d: d.update(colour="red"), "colour", "Extra inputs"),
        (
            "form.yaml",
            lambda d: d["fields"][0].update(max_words=0),
            "fields.0.max_words",
            "greater than",
        ),
        (
            "events.yaml",
            lambda d: d["events"][0]["title"].pop("fr"),
            "events.0.title.fr",
            "Field required",
        ),
        (
            "eligibility.yaml",
            lambda d: d["country_sets"]["g7"].append("XX"),
            "country_sets.g7",
            "not ISO 3166-1",
        ),
        (
            "impact.yaml",
            lambda d: d.update(level_ceilings=[25, 75, 50]),
            "level_ceilings",
            "rise strictly",
        ),
        (
            "impact.yaml",
            lambda d: d["questions"][1].update(id=d["questions"][0]["id"]),
            "questions.1.id",
            "duplicate question id",
        ),
        (
            "impact.yaml",
            lambda d: d["questions"][0]["choices"][0].update(points=-1),
            "questions.0.choices.0.points",
            "greater than or equal",
        ),
        (
            "impact.yaml",
            lambda d: d["questions"][0].update(kind="benefit"),
            "questions.0.kind",
            "'risk' or 'mitigation'",
        ),
        (
            "competition.yaml",
            lambda d: d.update(submission_deadline=datetime(2025, 11, 1, 12, 0)),
            "submission_deadline",
            "must be after schedule.open",
        ),
        (
            "eligibility.yaml",
            lambda d: d["sectors"].append("farming"),
            "sectors.6",
            "no profile can choose 'farming'; choose among student, researcher,",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][2].update(
                condition={"attribute": "sector", "one_of": ["student", "farming"]}
            ),
            "rules.2.condition.one_of.1",
            "'farming' is not in sectors; choose among student,",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][3]["condition"].update(at_most=25),
            "rules.3.condition.at_most",
            "no age bracket (under-18, 18-29, 30-plus) ends at 25; choose among 17, 29",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][1]["condition"]["any"][0].update(at_least=21),
            "rules.1.condition.any.0.at_least",
            "starts at 21; choose among 0, 18, 30",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][1]["condition"]["any"][0].update(equals=21),
            "rules.1.condition.any.0",
            "an age is known only by its bracket",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][2].update(
                condition={"attribute": "team_size", "at_least": 1, "at_most": 4}
            ),
            "rules.2.condition",
            "the largest team is competition.yaml's team_size_max (4); state it there only",
        ),
        (
            "eligibility.yaml",
            lambda d: d["rules"][2].update(id="team-size"),
            "rules.2.id",
            "'team-size' is made from competition.yaml",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_file_field_and_reason(
    g7_copy: Path,
    file: str,
    change,
    field: str,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    _edit_yaml(g7_copy / file, change)
    with pytest.raises(CatalogueError) as caught:
        load_definition(g7_copy)
    fault = caught.value.faults[0]
    assert fault.file.endswith(file)
    assert fault.field == field
    assert reason in fault.reason


def test_a_bare_no_that_yaml_read_as_false_is_named(g7_copy: Path) -> None:
    path = g7_copy / "eligibility.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[CA,", "[NO, CA,"), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_definition(g7_copy)
    (fault,) = caught.value.faults
    assert fault.field == "country_sets.g7.0"
    assert "YAML read an unquoted NO, no, off or false as false" in fault.reason
    assert "put the text in quotes, e.g. 'NO'" in fault.reason


def test_the_team_size_rule_is_made_from_competition_yaml(g7_copy: Path) -> None:
    rules = load_definition(g7_copy).eligibility.rules
    assert [r.id for r in rules] == [
        "residence-g7-eu",
        "primary-contact-adult",
        "team-size",
        "funding-agreement",
        "pool-18-29",
    ]
    _edit_yaml(g7_copy / "competition.yaml", lambda d: d.update(team_size_max=6))
    (rule,) = [r for r in load_definition(g7_copy).eligibility.rules if r.id == "team-size"]
    assert (rule.level, rule.applies_to) == ("participation", "team")
    assert (rule.condition.attribute, rule.condition.at_least, rule.condition.at_most) == (
        "team_size",
        1,
        6,
    )
    assert rule.explanation.en == "A team has 1 to 6 members; an individual is a team of one."
    assert rule.explanation.fr.startswith("Une équipe compte de 1 à 6 personnes")


def test_the_impact_questionnaire_is_optional_and_its_answers_key_reserved(g7_copy: Path) -> None:
    assert load_definition(g7_copy).impact is not None
    _edit_yaml(
        g7_copy / "form.yaml",
        lambda d: d["fields"].append(
            {"id": "impact_assessment", "type": "text", "label": {"en": "x", "fr": "x"}}
        ),
    )
    with pytest.raises(CatalogueError, match=r"'impact_assessment' holds impact\.yaml's answers"):
        load_definition(g7_copy)
    (g7_copy / "impact.yaml").unlink()
    assert load_definition(g7_copy).impact is None


def test_a_missing_translation_is_refused(g7_copy: Path) -> None:
    (g7_copy / "fr" / "03-anticipating-needs.md").unlink()
    with pytest.raises(CatalogueError, match="anticipating-needs: no translation"):
        load_definition(g7_copy)


def test_broken_yaml_is_refused(g7_copy: Path) -> None:
    (g7_copy / "events.yaml").write_text("events: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"events\.yaml: -: not valid YAML"):
        load_definition(g7_copy)


def test_a_refused_catalogue_leaves_the_database_untouched(engine: Engine, g7_copy: Path) -> None:
    load(engine, g7_copy.parent)
    before = _snapshot(engine)
    _edit_yaml(g7_copy / "competition.yaml", lambda d: d.update(team_size_max=5, currency="cad"))
    with pytest.raises(CatalogueError):
        load(engine, g7_copy.parent)
    assert _snapshot(engine) == before


def test_loading_twice_changes_nothing(engine: Engine) -> None:
    load(engine)
    before = _snapshot(engine)
    load(engine, at=DURING_SPRINT + timedelta(hours=1))
    assert _snapshot(engine) == before


def test_changed_text_updates_in_place(engine: Engine, g7_copy: Path) -> None:
    load(engine, g7_copy.parent)
    before = _snapshot(engine)
    statement = g7_copy / "fr" / "02-navigating-rules.md"
    statement.write_text(
        statement.read_text(encoding="utf-8").replace("## Le problème", "## Le défi"),
        encoding="utf-8",
    )
    _edit_yaml(
        g7_copy / "events.yaml",
        lambda d: d["events"][2].update(recording_url="https://example.org/ama"),
    )
    load(engine, g7_copy.parent, at=DURING_SPRINT + timedelta(hours=1))
    with new_session(engine) as session:
        challenge = session.exec(
            select(Challenge).where(Challenge.slug == "navigating-rules")
        ).one()
        event = session.exec(select(Event).where(Event.slug == "ask-me-anything")).one()
        audits = session.exec(select(AuditRecord.action)).all()
    assert "## Le défi" in challenge.body_fr
    assert event.recording_url == "https://example.org/ama"
    assert audits == ["catalogue.created", "catalogue.updated"]
    after = _snapshot(engine)
    assert [r[0] for r in after["challenge"]] == [r[0] for r in before["challenge"]]  # same rows


def test_removing_an_unreferenced_challenge_deletes_it(engine: Engine, g7_copy: Path) -> None:
    load(engine, g7_copy.parent)
    for lang in ("en", "fr"):
        (g7_copy / lang / "04-accessible-communication.md").unlink()
    load(engine, g7_copy.parent)
    with new_session(engine) as session:
        assert len(session.exec(select(Challenge)).all()) == 3


def test_removing_a_challenge_that_has_entries_is_refused(engine: Engine, g7_copy: Path) -> None:
    load(engine, g7_copy.parent)
    with engine.begin() as conn:  # stands in for the entries table of a later issue
        conn.execute(
            text(
                "CREATE TABLE entry_probe (id INTEGER PRIMARY KEY, "
                "challenge_id INTEGER NOT NULL REFERENCES challenge (id))"
            )
        )
        conn.execute(
            text(
                "INSERT INTO entry_probe (id, challenge_id) "
                "SELECT 1, id FROM challenge WHERE slug = 'information-volume'"
            )
        )
    before = _snapshot(engine)
    for lang in ("en", "fr"):
        (g7_copy / lang / "01-information-volume.md").unlink()
    with pytest.raises(CatalogueRefused) as caught:
        load(engine, g7_copy.parent)
    assert caught.value.params["slug"] == "information-volume"
    assert _snapshot(engine) == before


def test_a_second_competition_is_only_data(engine: Engine) -> None:
    load(engine)
    with new_session(engine, write=True) as session, session.begin():
        report = load_catalogue(session, path=SMALL_COMPETITION, now=DURING_SPRINT, actor="test")
    assert report.created == ["hackqc-coeur-ia"]
    with new_session(engine) as session:
        slugs = session.exec(select(Competition.slug).order_by(Competition.slug)).all()
        small = session.exec(select(Competition).where(Competition.slug == "hackqc-coeur-ia")).one()
        phases = session.exec(
            select(func.count())
            .select_from(ScheduledPhase)
            .where(ScheduledPhase.competition_id == small.id)
        ).one()
    assert slugs == ["g7-govai-2025", "hackqc-coeur-ia"]
    assert small.team_size_max == 6 and small.timezone == "America/Montreal"
    assert phases == 5  # announced, open, closed (the deadline), judging, announced_results
