"""The demo round, step by step, through the same services the web app and CLI use."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from app.config import Settings
from app.db.engine import make_engine, read_session, write_session
from app.db.migrate import upgrade as upgrade_schema
from app.db.models.draw import SampledCase
from app.db.models.invitation import Invitation
from app.db.models.registry import ServiceCase
from app.db.models.tenancy import Enterprise
from app.db.models.user import Role
from app.demo import plan as demo
from app.demo.synthetic import (
    ENTERPRISES,
    FAILING,
    ROUND_DAYS,
    ROUND_START,
    DemoEnterprise,
    response_rate,
    simulate_answers,
    write_registry,
)
from app.domain.draws.service import draw_round
from app.domain.plans.service import freeze_plan, set_plan
from app.domain.questionnaires.service import as_questionnaire, publish, save_draft
from app.domain.registry.importer import import_registry
from app.domain.rounds.service import add_enterprise, create_round, get_or_create_body
from app.domain.scoring_runs.service import compute_scorecards
from app.domain.users.service import create_user
from app.errors import ConfigurationError
from app.secrets import load_key_material
from questionnaires.templates import load_template

MARKER = ".tianping-demo"
# The registries cover ROUND_DAYS from ROUND_START; December is left to the re-evaluation.
PERIOD_END = date(2026, 11, 30)
Tick = Callable[[int, int], None]  # (done, total)


@dataclass
class DemoResult:
    round_id: int = 0
    round_code: str = demo.ROUND_CODE
    plan_sha256: str = ""
    witness: str = ""
    cases: int = 0
    sampled: int = 0
    responses: int = 0
    scorecard_path: Path | None = None
    reports: list[Path] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


def prepare_data_dir(data_dir: Path) -> None:
    """A fresh demo directory; refuses to wipe a directory the demo did not create."""
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).exists():
            raise ConfigurationError(
                f"{data_dir} exists and was not created by `tianping demo`; choose another "
                "--data-dir (the demo replaces its directory's contents)"
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text("created by tianping demo\n", encoding="utf-8")


def demo_settings(data_dir: Path) -> Settings:
    return Settings(
        data_dir=data_dir, database_url=f"sqlite:///{(data_dir / 'tianping.sqlite3').resolve()}"
    )


@contextmanager
def open_engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.effective_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def create_schema(engine: Engine) -> None:
    upgrade_schema(engine)


def set_up_people_and_round(engine: Engine, result: DemoResult, password: str) -> None:
    with write_session(engine) as s:
        body = get_or_create_body(s, demo.BODY_CODE, demo.BODY_NAME, actor="demo")
        ents = [
            add_enterprise(s, body, e.code, e.name_zh, industry=demo.INDUSTRY, actor="demo")
            for e in ENTERPRISES
        ]
        for username, role in (
            (demo.ADMIN, Role.BODY_ADMIN),
            (demo.ASSESSOR, Role.ASSESSOR),
            (demo.REVIEWER, Role.ASSESSOR),
        ):
            create_user(
                s,
                username=username,
                password=password,
                role=role,
                body_code=body.code,
                actor="demo",
            )
            result.logins.append((username, role.value, password))
        # The failing enterprise's viewer answers its warning with a rectification plan.
        viewers = [*ENTERPRISES[:2], *(e for e in ENTERPRISES if e.code == FAILING)]
        for e in viewers:
            name = f"{e.code.lower()}.viewer"
            create_user(
                s,
                username=name,
                password=password,
                role=Role.ENTERPRISE_VIEWER,
                body_code=body.code,
                enterprise_code=e.code,
                actor="demo",
            )
            result.logins.append((name, f"enterprise_viewer ({e.code})", password))
        version = save_draft(
            s, body_id=body.id or 0, questionnaire=load_template("after-sales"), actor=demo.ASSESSOR
        )
        publish(s, version_id=version.id or 0, body_id=body.id, actor=demo.ASSESSOR)
        rnd = create_round(
            s,
            body,
            code=demo.ROUND_CODE,
            title=demo.ROUND_TITLE,
            industry=demo.INDUSTRY,
            period_start=date(2026, 10, 1),
            period_end=PERIOD_END,
            enterprises=ents,
            created_by=None,
            actor=demo.ASSESSOR,
        )
        result.round_id = rnd.id or 0
        set_plan(
            s,
            round_id=result.round_id,
            body_id=body.id,
            questionnaire_version_id=version.id or 0,
            plan=demo.PLAN,
            actor=demo.ASSESSOR,
        )
        frozen = freeze_plan(
            s, round_id=result.round_id, body_id=body.id, actor=demo.ASSESSOR, user_id=None
        )
        result.plan_sha256 = frozen.sha256 or ""


def import_registries(
    engine: Engine,
    settings: Settings,
    result: DemoResult,
    rng: np.random.Generator,
    scale: float,
    tick: Tick,
    *,
    enterprises: Sequence[DemoEnterprise] | None = None,
    start: datetime = ROUND_START,
    days: int = ROUND_DAYS,
    folder_name: str = "registries",
) -> None:
    # Looked up at call time (not as a default argument) so a caller may narrow the module's list.
    enterprises = ENTERPRISES if enterprises is None else enterprises
    keys = load_key_material(settings)
    folder = settings.data_dir / folder_name
    folder.mkdir(exist_ok=True)
    total = len(enterprises)
    for i, ent in enumerate(enterprises, start=1):
        scaled = type(ent)(
            ent.code, ent.name_zh, ent.name_en, max(20, int(ent.cases * scale)), ent.quality
        )
        path = folder / f"{ent.code}-registry.csv"
        write_registry(path, scaled, rng, start=start, days=days)
        outcome = import_registry(
            engine, round_id=result.round_id, source=path, keys=keys, actor=demo.ASSESSOR
        )
        result.cases += outcome.imported
        tick(i, total)


def draw(engine: Engine, result: DemoResult, rng: np.random.Generator) -> None:
    result.witness = f"{int(rng.integers(10**5, 10**6))}"
    outcome = draw_round(
        engine,
        round_id=result.round_id,
        witness=result.witness,
        witness_name="王审核 (second person)",
        actor=demo.ASSESSOR,
    )
    result.sampled = outcome.record.sampled


def fieldwork(
    engine: Engine,
    result: DemoResult,
    rng: np.random.Generator,
    tick: Tick,
    *,
    quality: Mapping[str, float] | None = None,
) -> None:
    """Invitations and simulated answers; ``quality`` overrides the enterprises' true quality
    (a follow-up round after rectification)."""
    from app.domain.fieldwork.invitations import start_fieldwork
    from app.domain.fieldwork.submission import submit_response

    issued = start_fieldwork(
        engine,
        round_id=result.round_id,
        actor=demo.ASSESSOR,
        channel="sms",
        expires_at=datetime.now(UTC) + timedelta(days=30),
    )
    with read_session(engine) as s:
        rows = s.exec(
            select(Invitation.id, ServiceCase.attributes, Enterprise.code)
            .join(SampledCase, col(SampledCase.id) == col(Invitation.sampled_case_id))
            .join(ServiceCase, col(ServiceCase.id) == col(SampledCase.case_pk))
            .join(Enterprise, col(Enterprise.id) == col(ServiceCase.enterprise_id))
            .where(Invitation.round_id == result.round_id)
        ).all()
        q = as_questionnaire_of_round(s, result.round_id)
    info = {inv_id: (attrs.get("channel", ""), ent) for inv_id, attrs, ent in rows}
    quality = {**{e.code: e.quality for e in ENTERPRISES}, **(quality or {})}
    dims = [
        (d.code, [(i.code, i.points or 5, i.reverse) for i in d.likert_items]) for d in q.dimensions
    ]
    nps_items = [i.code for i in q.general_items if i.type == "nps"]
    overall = [
        (
            "overall",
            [(i.code, i.points or 5, False) for i in q.general_items if i.code == "overall"],
        )
    ]
    for n, inv in enumerate(issued, start=1):
        channel, ent = info[inv.invitation_id]
        if rng.random() < response_rate(channel):
            answers: dict[str, int | str | None] = dict(simulate_answers(quality[ent], dims, rng))
            # The overall-satisfaction item is required: no "not applicable" there.
            answers.update(simulate_answers(quality[ent], overall, rng, na_rate=0.0))
            for code in nps_items:
                answers[code] = int(
                    np.clip(round(7 + 2.5 * quality[ent] + rng.normal(0, 2)), 0, 10)
                )
            submit_response(
                engine,
                token=inv.token,
                answers=answers,
                idempotency_key=uuid.uuid4().hex,
                duration_seconds=float(rng.lognormal(np.log(150), 0.5)),
                device_hash=uuid.uuid4().hex,
            )
            result.responses += 1
        if n % 200 == 0 or n == len(issued):
            tick(n, len(issued))


def as_questionnaire_of_round(session, round_id: int):  # type: ignore[no-untyped-def]
    from app.domain.plans.service import get_plan
    from app.domain.questionnaires.service import get_version

    plan = get_plan(session, round_id)
    assert plan is not None
    return as_questionnaire(get_version(session, plan.questionnaire_version_id, None))


def score(engine: Engine, result: DemoResult, out_dir: Path) -> None:
    card = compute_scorecards(
        engine,
        round_id=result.round_id,
        actor=demo.ASSESSOR,
        user_id=_user_id(engine, demo.ASSESSOR),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"scorecard-{result.round_code}.json"
    path.write_text(json.dumps(card, ensure_ascii=False, indent=1), encoding="utf-8")
    result.scorecard_path = path


def _user_id(engine: Engine, username: str) -> int | None:
    from app.db.models.user import User

    with read_session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        return user.id if user else None


def issue(engine: Engine, settings: Settings, result: DemoResult, out_dir: Path) -> None:
    """A second assessor reviews and issues: signing keys, certificates, signed PDF reports."""
    from app.domain.certificates.issuance import issue_certificates
    from app.keys_store import KeyStore

    keys = KeyStore.for_settings(settings)
    if not keys.exists():  # a follow-up round is signed with the keys of the first one
        keys.init(demo.BODY_NAME)
    reviewer = _user_id(engine, demo.REVIEWER)
    assert reviewer is not None
    issued = issue_certificates(
        engine,
        round_id=result.round_id,
        approver_id=reviewer,
        actor=demo.REVIEWER,
        settings=settings,
        out_dir=out_dir / "reports",
    )
    result.reports = [c.pdf_path for c in issued]
