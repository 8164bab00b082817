"""Series use cases against a real SQLite file: occurrences stored, refusals store nothing."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from shared.auth import Caller
from shared.clinical import load_clinical_rules
from shared.db import UnitOfWork
from shared.enums import WEEKDAYS
from shared.errors import ActionForbidden, InvalidFields
from services.scheduling.commands import CreateSeries, CreateStaff
from services.scheduling.models import Base, Session
from services.scheduling.repositories import REPOSITORIES
from services.scheduling.usecases.series import create_series
from services.scheduling.usecases.staff import create_staff

ZONES = {"riverside": ZoneInfo("America/New_York"), "lakeside": ZoneInfo("America/Chicago")}
ADMIN = Caller("admin", frozenset({"admin"}), None)
PROGRAM = load_clinical_rules()["program"]


@pytest.fixture
def unit_of_work(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'scheduling.db'}")
    Base.metadata.create_all(engine)
    make = sessionmaker(engine, expire_on_commit=False, info={"metadata": Base.metadata})

    def open_uow():
        return UnitOfWork(make(), "scheduling", None, REPOSITORIES)
    yield open_uow
    engine.dispose()


def facilitator(uow) -> str:
    staff, _ = create_staff(CreateStaff(ADMIN, ZONES, "riverside", "Sam Ortiz", ["facilitator"], ["en"],
                                        "sam@example.org", "+15555550101", 0, []), uow)
    return staff.id


def series_command(facilitator_id, caller=ADMIN, **changes) -> CreateSeries:
    fields = {"site_id": "riverside", "track": "depression", "modality": "cbt_group", "kind": "group",
              "weekdays": ["mon", "wed"], "start_time": "09:00", "duration_minutes": 180, "capacity": 12,
              "facilitator_id": facilitator_id, "starts_on": date(2026, 3, 2), "ends_on": date(2026, 3, 13),
              "horizon_weeks": 52}
    return CreateSeries(caller, ZONES, PROGRAM, **{**fields, **changes})


def sessions_stored(uow) -> int:
    return uow.session.scalar(select(func.count()).select_from(Session))


def test_a_series_stores_each_occurrence_in_utc(unit_of_work):
    uow = unit_of_work()
    series, count = create_series(series_command(facilitator(uow)), uow)
    uow.session.commit()

    stored = uow.sessions.of_series(series.id, datetime(2026, 3, 1, tzinfo=timezone.utc),
                                    datetime(2026, 3, 14, tzinfo=timezone.utc))
    starts = [s.starts_at for s in stored]
    assert count == 4 and sessions_stored(uow) == 4
    assert [s.astimezone(ZONES["riverside"]).strftime("%a %H:%M") for s in starts] == ["Mon 09:00", "Wed 09:00"] * 2


def test_a_group_over_the_maximum_is_refused_and_nothing_is_stored(unit_of_work):
    uow = unit_of_work()
    command = series_command(facilitator(uow), capacity=13)

    with pytest.raises(InvalidFields) as refused:
        create_series(command, uow)

    assert refused.value.errors == {"capacity": ["Group psychotherapy holds at most 12 participants."]}
    assert sessions_stored(uow) == 0


def test_a_key_of_another_site_may_not_create_a_series(unit_of_work):
    uow = unit_of_work()
    lakeside = Caller("dev-lakeside", frozenset({"coordinator"}), frozenset({"lakeside"}))

    with pytest.raises(ActionForbidden):
        create_series(series_command(facilitator(uow), caller=lakeside), uow)
    assert sessions_stored(uow) == 0


def test_a_series_longer_than_the_horizon_is_refused_and_stores_nothing(unit_of_work):
    uow = unit_of_work()
    command = series_command(facilitator(uow), weekdays=list(WEEKDAYS),
                             starts_on=date(2026, 1, 5), ends_on=date(2099, 12, 31))

    with pytest.raises(InvalidFields) as refused:
        create_series(command, uow)

    assert list(refused.value.errors) == ["ends_on"]
    assert sessions_stored(uow) == 0
