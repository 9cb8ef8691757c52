"""Competition definitions as data: the files under ``challenges/<slug>/`` and their validation.

A definition folder holds ``competition.yaml``, ``events.yaml``, ``eligibility.yaml``,
``form.yaml``, ``rubric.yaml`` and the problem statements as ``en/NN-slug.md`` and
``fr/NN-slug.md`` (YAML front matter with ``title`` and ``summary``, then a Markdown body).
Everything is parsed through the Pydantic schemas of ``catalogue_schemas``; any fault is
reported with the file, the field and the reason, and nothing is loaded.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from app.competitions.catalogue_schemas import (
    Attribute,
    ChallengeText,
    CompetitionFile,
    Condition,
    EligibilityFile,
    EventsFile,
    FieldFault,
    FormFile,
    ImpactFile,
    RubricFile,
    Rule,
    Text,
)
from app.core.i18n import ngettext
from app.identity.schemas import Sector
from app.teams.eligibility import AGE_BRACKETS, brackets_decide

DEFINITION_FILES: dict[str, type[BaseModel]] = {
    "competition.yaml": CompetitionFile,
    "events.yaml": EventsFile,
    "eligibility.yaml": EligibilityFile,
    "form.yaml": FormFile,
    "rubric.yaml": RubricFile,
}
TEAM_SIZE_RULE = "team-size"  # made from competition.yaml's team_size_max
IMPACT_FILE = "impact.yaml"
IMPACT_ANSWERS = "impact_assessment"  # the entry's answers to impact.yaml, one key of its form
STATEMENT_NAME = re.compile(r"^(?P<position>\d{1,3})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
FRONT_MATTER = re.compile(r"\A---\s*\n(?P<meta>.*?)\n---\s*\n(?P<body>.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class Fault:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class CatalogueError(Exception):
    """A definition that cannot be loaded; ``faults`` names every file, field and reason."""

    def __init__(self, faults: list[Fault]) -> None:
        self.faults = faults
        super().__init__("\n".join(str(f) for f in faults))


@dataclass(frozen=True)
class Statement:
    slug: str
    position: int
    title: dict[str, str]
    summary: dict[str, str]
    body: dict[str, str]


@dataclass(frozen=True)
class Definition:
    folder: Path
    competition: CompetitionFile
    events: EventsFile
    eligibility: EligibilityFile
    form: FormFile
    rubric: RubricFile
    statements: tuple[Statement, ...]
    digest: str
    impact: ImpactFile | None = None


def definition_folders(path: Path) -> list[Path]:
    """A single definition folder, or every definition folder directly under ``path``."""
    if (path / "competition.yaml").is_file():
        return [path]
    if not path.is_dir():
        raise CatalogueError([Fault(str(path), "-", "no such folder")])
    folders = sorted(p for p in path.iterdir() if (p / "competition.yaml").is_file())
    if not folders:
        raise CatalogueError([Fault(str(path), "-", "no competition.yaml found in its folders")])
    return folders


def load_definition(folder: Path) -> Definition:
    faults: list[Fault] = []
    parsed: dict[str, Any] = {}
    digest = hashlib.sha256()
    for name, schema in DEFINITION_FILES.items():
        path = folder / name
        raw = _read_yaml(path, faults)
        digest.update(name.encode() + b"\0" + repr(raw).encode())
        if raw is not None:
            parsed[name] = _validate(schema, raw, str(path), faults)
    impact = None
    if (folder / IMPACT_FILE).is_file():  # optional: a competition without a questionnaire
        raw = _read_yaml(folder / IMPACT_FILE, faults)
        digest.update(IMPACT_FILE.encode() + b"\0" + repr(raw).encode())
        if raw is not None:
            impact = _validate(ImpactFile, raw, str(folder / IMPACT_FILE), faults)
    statements = _load_statements(folder, faults, digest)
    if not faults:
        _cross_check(folder, parsed, statements, faults)
        if impact is not None and IMPACT_ANSWERS in {f.id for f in parsed["form.yaml"].fields}:
            faults.append(
                Fault(
                    str(folder / "form.yaml"),
                    "fields",
                    f"{IMPACT_ANSWERS!r} holds {IMPACT_FILE}'s answers",
                )
            )
    if faults:
        raise CatalogueError(faults)
    return Definition(
        folder=folder,
        competition=parsed["competition.yaml"],
        events=parsed["events.yaml"],
        eligibility=with_team_size_rule(parsed["eligibility.yaml"], parsed["competition.yaml"]),
        form=parsed["form.yaml"],
        rubric=parsed["rubric.yaml"],
        statements=tuple(statements),
        digest=digest.hexdigest(),
        impact=impact,
    )


def _read_yaml(path: Path, faults: list[Fault]) -> Any:
    if not path.is_file():
        faults.append(Fault(str(path), "-", "the file is missing"))
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        faults.append(Fault(str(path), "-", f"not valid YAML: {exc}"))
        return None
    if not isinstance(data, dict):
        faults.append(Fault(str(path), "-", "the file must hold a mapping of fields"))
        return None
    return data


def _validate(schema: type[BaseModel], raw: Any, file: str, faults: list[Fault]) -> Any:
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            faults.append(Fault(file, _field(err), _reason(err)))
        return None


def _field(err: Any) -> str:
    """The field a Pydantic error is about; a whole-model check names its own (FieldFault)."""
    parts = [str(part) for part in err["loc"]]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, FieldFault):
        parts.append(cause.field)
    return ".".join(parts) or "-"


def _reason(err: Any) -> str:
    """Pydantic's message, and where YAML turned an unquoted word into a boolean, says so:
    ``NO`` (Norway), ``no``, ``off`` read as false, ``yes``, ``on`` as true."""
    cause = (err.get("ctx") or {}).get("error")
    reason = str(cause) if isinstance(cause, FieldFault) else str(err["msg"])
    value = err.get("input")
    if isinstance(value, bool) and err["type"] != "bool_type":
        words, quoted = ("yes, on or true", "'yes'") if value else ("NO, no, off or false", "'NO'")
        reason += (
            f"; YAML read an unquoted {words} as {str(value).lower()}:"
            f" put the text in quotes, e.g. {quoted}"
        )
    return reason


def _load_statements(folder: Path, faults: list[Fault], digest: Any) -> list[Statement]:
    per_lang: dict[str, dict[str, tuple[int, ChallengeText]]] = {}
    for lang in ("en", "fr"):
        per_lang[lang] = {}
        lang_dir = folder / lang
        if not lang_dir.is_dir():
            faults.append(Fault(str(lang_dir), "-", "the folder of problem statements is missing"))
            continue
        for path in sorted(lang_dir.glob("*.md")):
            text = _read_statement(path, faults)
            if text is None:
                continue
            digest.update(f"{lang}/{path.name}".encode() + b"\0" + repr(text).encode())
            match = STATEMENT_NAME.match(path.name)
            if not match:
                faults.append(Fault(str(path), "-", "name it NN-slug.md, e.g. 01-information.md"))
                continue
            per_lang[lang][match["slug"]] = (int(match["position"]), text)
    return _pair_statements(folder, per_lang, faults)


def _read_statement(path: Path, faults: list[Fault]) -> ChallengeText | None:
    match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
    if not match:
        faults.append(Fault(str(path), "-", "front matter between --- lines is missing"))
        return None
    try:
        meta = yaml.safe_load(match["meta"]) or {}
    except yaml.YAMLError as exc:
        faults.append(Fault(str(path), "front matter", f"not valid YAML: {exc}"))
        return None
    if not isinstance(meta, dict):
        faults.append(Fault(str(path), "front matter", "must be a mapping"))
        return None
    result: ChallengeText | None = _validate(
        ChallengeText, {**meta, "body": match["body"].strip()}, str(path), faults
    )
    return result


def _pair_statements(
    folder: Path, per_lang: dict[str, dict[str, tuple[int, ChallengeText]]], faults: list[Fault]
) -> list[Statement]:
    en, fr = per_lang.get("en", {}), per_lang.get("fr", {})
    for slug in sorted(set(en) ^ set(fr)):
        missing = "fr" if slug in en else "en"
        faults.append(
            Fault(str(folder / missing), slug, "no translation of this problem statement")
        )
    statements = []
    for slug in sorted(set(en) & set(fr), key=lambda s: en[s][0]):
        (position, text_en), (position_fr, text_fr) = en[slug], fr[slug]
        if position != position_fr:
            faults.append(
                Fault(str(folder / "fr"), slug, "numbered differently from the English file")
            )
        statements.append(
            Statement(
                slug=slug,
                position=position,
                title={"en": text_en.title, "fr": text_fr.title},
                summary={"en": text_en.summary, "fr": text_fr.summary},
                body={"en": text_en.body, "fr": text_fr.body},
            )
        )
    if not statements and not faults:
        faults.append(
            Fault(str(folder), "en/, fr/", "a competition needs at least one problem statement")
        )
    return statements


def _cross_check(
    folder: Path, parsed: dict[str, Any], statements: list[Statement], faults: list[Fault]
) -> None:
    competition: CompetitionFile = parsed["competition.yaml"]
    if folder.name != competition.slug:
        faults.append(
            Fault(
                str(folder / "competition.yaml"),
                "slug",
                f"must equal the folder's name, {folder.name!r}",
            )
        )
    positions = [s.position for s in statements]
    if len(set(positions)) != len(positions):
        faults.append(Fault(str(folder / "en"), "-", "two problem statements share a number"))
    for index, event in enumerate(parsed["events.yaml"].events):
        if event.ends_at <= event.starts_at:
            faults.append(
                Fault(
                    str(folder / "events.yaml"),
                    f"events.{index}.ends_at",
                    "must be after starts_at",
                )
            )
    file = str(folder / "eligibility.yaml")
    faults.extend(Fault(file, field, reason) for field, reason in _rule_faults(parsed))


def _rule_faults(parsed: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """What the profile and the team service cannot give an eligibility rule: a sector no
    profile can choose, age bounds no bracket decides, a team size competition.yaml states."""
    eligibility: EligibilityFile = parsed["eligibility.yaml"]
    choosable = [sector.value for sector in Sector]
    for index, sector in enumerate(eligibility.sectors):
        if sector not in choosable:
            yield f"sectors.{index}", f"no profile can choose {sector!r}; {_among(choosable)}"
    for index, rule in enumerate(eligibility.rules):
        if rule.id == TEAM_SIZE_RULE:
            yield f"rules.{index}.id", f"{TEAM_SIZE_RULE!r} is made from competition.yaml"
        for path, test in _tests(rule.condition, f"rules.{index}.condition"):
            yield from _test_faults(test, path, eligibility.sectors, parsed["competition.yaml"])


def _tests(condition: Condition, path: str) -> Iterator[tuple[str, Condition]]:
    """Every attribute test inside ``condition``, with its place in the file."""
    for name, children in (("all", condition.all), ("any", condition.any)):
        for index, child in enumerate(children or []):
            yield from _tests(child, f"{path}.{name}.{index}")
    if condition.not_ is not None:
        yield from _tests(condition.not_, f"{path}.not")
    if condition.attribute is not None:
        yield path, condition


def _test_faults(
    test: Condition, path: str, sectors: list[str], competition: CompetitionFile
) -> Iterator[tuple[str, str]]:
    if test.attribute is Attribute.SECTOR:
        named: list[tuple[str, object]] = [
            (f"one_of.{i}", value) for i, value in enumerate(test.one_of or [])
        ]
        named += [("equals", test.equals)] if test.equals is not None else []
        for where, value in named:
            if value not in sectors:
                yield f"{path}.{where}", f"{value!r} is not in sectors; {_among(sectors)}"
    elif test.attribute is Attribute.AGE:
        yield from _age_faults(test, path)
    elif test.attribute is Attribute.TEAM_SIZE and (test.at_most, test.equals) != (None, None):
        yield (
            path,
            (
                "the largest team is competition.yaml's team_size_max"
                f" ({competition.team_size_max}); state it there only"
            ),
        )


def _age_faults(test: Condition, path: str) -> Iterator[tuple[str, str]]:
    """A profile gives an age bracket, not an age: only bounds every bracket decides."""
    if (test.in_sets, test.one_of, test.equals) != (None, None, None):
        yield path, "an age is known only by its bracket: test it with at_least and at_most"
    starts = sorted({low for low, _high in AGE_BRACKETS.values()})
    ends = sorted({high for _low, high in AGE_BRACKETS.values() if high is not None})
    brackets = ", ".join(AGE_BRACKETS)
    if test.at_least is not None and not brackets_decide(at_least=test.at_least):
        yield (
            f"{path}.at_least",
            f"no age bracket ({brackets}) starts at {test.at_least}; {_among(starts)}",
        )
    if test.at_most is not None and not brackets_decide(at_most=test.at_most):
        yield (
            f"{path}.at_most",
            f"no age bracket ({brackets}) ends at {test.at_most}; {_among(ends)}",
        )


def _among(values: list[Any]) -> str:
    return "choose among " + ", ".join(str(v) for v in values)


def with_team_size_rule(
    eligibility: EligibilityFile, competition: CompetitionFile
) -> EligibilityFile:
    """The eligibility rules with the team size rule made from competition.yaml's
    team_size_max, the one limit the team service enforces, after the last participation rule
    written (so a report reads participation, then funding, then flags)."""
    largest = competition.team_size_max
    explanation = Text(
        **{
            lang: ngettext(
                lang,
                "A team has at most %(num)d member: everyone enters alone.",
                "A team has 1 to %(num)d members; an individual is a team of one.",
                largest,
            )
            for lang in ("en", "fr")
        }
    )
    rule = Rule(
        id=TEAM_SIZE_RULE,
        level="participation",
        applies_to="team",
        condition=Condition(attribute=Attribute.TEAM_SIZE, at_least=1, at_most=largest),
        explanation=explanation,
    )
    rules = list(eligibility.rules)
    place = max((i + 1 for i, r in enumerate(rules) if r.level == "participation"), default=0)
    return eligibility.model_copy(update={"rules": [*rules[:place], rule, *rules[place:]]})
