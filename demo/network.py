"""A seeded clinic network: sites, staff, group series and patients with their whole story.

Everything here is plain data drawn from one ``random.Random(seed)`` (and one per patient, so a
patient's attendance and scores do not depend on the order the demo records them in). The dates
are fixed in the past: scheduling books on a clock set before the first program starts, and the
sessions can be recorded once it runs on the real clock.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

SITES = {"riverside": "America/New_York", "lakeside": "America/Chicago", "harbor": "America/Los_Angeles"}
TRACKS = ("depression", "anxiety", "trauma")
CORE_GROUP = {"depression": "cbt_group", "anxiety": "mbsr_group", "trauma": "trauma_group"}
# The measure each track's chart follows.
PRIMARY = {"depression": "phq9", "anxiety": "gad7", "trauma": "pcl5"}
ITEMS = {"phq9": (9, 3), "gad7": (7, 3), "pcl5": (20, 4), "who5": (5, 5)}

FIRST_START = date(2026, 6, 1)  # a Monday; programs start on this and the next three Mondays
BOOKING_CLOCK = datetime(2026, 5, 31, 12, 0, tzinfo=timezone.utc)  # before any session
SERIES_END = date(2026, 8, 28)
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]

GIVEN = ["Ada", "Bruno", "Chen", "Dalia", "Emeka", "Farah", "Goran", "Hana", "Ines", "Jonas", "Keiko",
         "Luis", "Maya", "Nikhil", "Olga", "Pavel", "Quinn", "Rosa", "Samir", "Tova", "Uma", "Viktor",
         "Wen", "Ximena", "Yusuf", "Zara"]
FAMILY = ["Okafor", "Lindqvist", "Moreno", "Tanaka", "Haddad", "Kowalski", "Nguyen", "Adeyemi",
          "Fischer", "Ramos", "Petrov", "Sato", "Brennan", "Costa", "Mensah", "Varga"]
STAFF_NAMES = ["Dana Reyes", "Sam Ortiz", "Priya Natarajan", "Tom Becker", "Lucia Ferraro",
               "Kwame Asante", "Mei Lin", "Oskar Berg", "Amara Diallo", "Jon Eriksen", "Sofia Duarte",
               "Ravi Menon", "Elena Popescu", "Marcus Hale", "Noor Rahman", "Ilse Vogel", "Diego Ibarra",
               "Hiro Nakamura"]


@dataclass
class Patient:
    index: int
    site_id: str
    given_name: str
    family_name: str
    birth_date: date
    language: str
    referred_on: date
    screening: dict                  # item answers by instrument
    expected: str                    # what the demo expects triage to say: iop, standard, acute
    track: str | None = None
    enrolls: bool = True             # an IOP referral may decline the program
    start_date: date | None = None
    planned_weeks: int = 6
    plan: dict = field(default_factory=dict)
    trajectory: str = "improving"    # improving, slow, worsening
    attendance: float = 0.92         # chance of attending a session
    leaves_after_week: int | None = None   # withdraws (or is stepped up) after this week
    leave_reason: str | None = None
    item9_week: int | None = None    # the week a PHQ-9 item 9 is answered above 0
    item9_answer: int = 0
    seed: int = 0

    @property
    def end_date(self) -> date:
        """The last day of the planned program (a Sunday)."""
        return self.start_date + timedelta(weeks=self.planned_weeks, days=-1)

    def rng(self, purpose: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.index}:{purpose}")


def answers(rng: random.Random, instrument: str, total: int, item9: int | None = None) -> list[int]:
    """Item answers summing to ``total`` (clamped to the scale), spread at random over the items."""
    count, top = ITEMS[instrument]
    fixed_last = instrument == "phq9" and item9 is not None
    free = count - 1 if fixed_last else count
    total = max(0, min(total - (item9 or 0), free * top))
    items = [0] * free
    for _ in range(total):
        room = [i for i in range(free) if items[i] < top]
        items[rng.choice(room)] += 1
    return items + [item9] if fixed_last else items


def staff_for(site_id: str, offset: int) -> list[dict]:
    """Three therapists (the first on call, one speaking Spanish) and a facilitator per track."""
    names = STAFF_NAMES[offset:offset + 6]
    weekday_afternoons = [{"weekday": d, "start_time": "13:00", "end_time": "17:00"} for d in WEEKDAYS]
    people = []
    for i, name in enumerate(names):
        therapist = i < 3
        people.append({
            "site_id": site_id, "name": name,
            "roles": (["therapist", "on_call"] if i == 0 else ["therapist"]) if therapist else ["facilitator"],
            "languages": ["en", "es"] if i == 1 else ["en"],
            "email": f"{name.split()[0].lower()}@{site_id}.clinic.test",
            "phone": f"+1555555{offset + i:04d}", "max_caseload": 14 if therapist else 0,
            "availability": weekday_afternoons if therapist else []})
    return people


def series_for(site_id: str, track: str, facilitator_id: str) -> list[dict]:
    """The track's core group (Mon/Wed/Fri mornings) and its psychoeducation (Tuesday)."""
    common = {"site_id": site_id, "track": track, "facilitator_id": facilitator_id,
              "starts_on": FIRST_START.isoformat(), "ends_on": SERIES_END.isoformat()}
    return [{**common, "modality": CORE_GROUP[track], "kind": "group", "weekdays": ["mon", "wed", "fri"],
             "start_time": "09:00", "duration_minutes": 180, "capacity": 12},
            {**common, "modality": "psychoeducation", "kind": "education", "weekdays": ["tue"],
             "start_time": "10:00", "duration_minutes": 60, "capacity": 16}]


def patients(seed: int, count: int) -> list[Patient]:
    rng = random.Random(seed)
    site_ids = list(SITES)
    people = []
    for index in range(count):
        site_id = site_ids[index % 3] if index < 3 else rng.choices(site_ids, weights=[4, 3, 3])[0]
        adolescent = rng.random() < 0.1
        birth = (date(2009, 1, 1) if adolescent else date(1962, 1, 1)) + timedelta(
            days=rng.randrange(365 * (1 if adolescent else 42)))
        start = FIRST_START + timedelta(weeks=rng.randrange(4))
        kind = rng.choices(["iop", "standard", "acute"], weights=[85, 10, 5])[0]
        # The first three are sure to enroll, so even a small demo has one per site.
        if index < 3:
            kind = "iop"
        patient = Patient(
            index=index, site_id=site_id, given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY),
            birth_date=birth, language=rng.choices(["en", "es"], weights=[4, 1])[0],
            referred_on=start - timedelta(days=rng.randrange(4, 12)), screening={}, expected=kind,
            seed=seed)
        screen(rng, patient, kind, TRACKS[index % 3] if index < 3 else None)
        if kind == "iop":
            plan_program(rng, patient, start, adolescent)
        people.append(patient)
    return people


def screen(rng: random.Random, patient: Patient, kind: str, track: str | None) -> None:
    """Screening answers that triage to the kind drawn (and, for IOP, to a track)."""
    if kind == "standard":
        patient.screening = {"phq9": answers(rng, "phq9", rng.randint(3, 8), 0),
                             "gad7": answers(rng, "gad7", rng.randint(2, 8))}
        return
    if kind == "acute":
        patient.screening = {"phq9": answers(rng, "phq9", rng.randint(18, 25), rng.choice([2, 3])),
                             "gad7": answers(rng, "gad7", rng.randint(10, 18))}
        return
    track = track or rng.choices(TRACKS, weights=[45, 30, 25])[0]
    item9 = 1 if rng.random() < 0.12 else 0
    if track == "depression":
        phq9 = rng.randint(13, 23)
        screening = {"phq9": answers(rng, "phq9", phq9, item9),
                     "gad7": answers(rng, "gad7", rng.randint(5, min(phq9 - 1, 15)))}
    elif track == "anxiety":
        gad7 = rng.randint(12, 20)
        screening = {"phq9": answers(rng, "phq9", rng.randint(8, gad7 - 1), item9),
                     "gad7": answers(rng, "gad7", gad7)}
    else:
        screening = {"phq9": answers(rng, "phq9", rng.randint(10, 20), item9),
                     "gad7": answers(rng, "gad7", rng.randint(8, 16)),
                     "pcl5": answers(rng, "pcl5", rng.randint(36, 62))}
    if track != "trauma" and rng.random() < 0.3:  # screened for PTSD, below the cut-off
        screening["pcl5"] = answers(rng, "pcl5", rng.randint(5, 28))
    patient.screening, patient.track = screening, track


def plan_program(rng: random.Random, patient: Patient, start: date, adolescent: bool) -> None:
    patient.enrolls = rng.random() > 0.05
    patient.start_date = start
    patient.planned_weeks = rng.choices([6, 8], weights=[7, 3])[0]
    patient.plan = {"group_sessions_per_week": 3, "individual_sessions_per_week": 1,
                    "family_sessions_per_month": 2 if adolescent else 0, "education_sessions_per_week": 1}
    patient.trajectory = rng.choices(["improving", "slow", "worsening"], weights=[65, 22, 13])[0]
    patient.attendance = rng.choice([0.97, 0.93, 0.9, 0.85]) if rng.random() > 0.15 else rng.uniform(0.5, 0.7)
    if rng.random() < 0.08:
        patient.leaves_after_week, patient.leave_reason = rng.randint(2, 4), "withdrew"
    if patient.trajectory == "worsening" and rng.random() < 0.6:
        patient.item9_week, patient.item9_answer = rng.randint(2, 4), rng.choice([1, 2, 2])
        if patient.item9_answer == 2:  # a high risk flag: stepped up to a higher level of care
            patient.leaves_after_week, patient.leave_reason = patient.item9_week, "higher_level_of_care"
    elif rng.random() < 0.04:
        patient.item9_week, patient.item9_answer = 1, 1


def score_at(patient: Patient, instrument: str, baseline: int, week: int) -> int:
    """The total on ``week`` (0 = start) along the patient's trajectory, with a little noise."""
    count, top = ITEMS[instrument]
    rng = patient.rng(f"{instrument}:{week}")
    share = week / patient.planned_weeks
    if instrument == "who5":  # wellbeing: higher is better, on the raw 0-25 scale
        target = {"improving": baseline + 9 * share, "slow": baseline + 2 * share,
                  "worsening": baseline - 4 * share}[patient.trajectory]
    else:
        target = {"improving": baseline * (1 - 0.65 * share), "slow": baseline * (1 - 0.15 * share),
                  "worsening": baseline * (1 + 0.3 * share) + 2 * share}[patient.trajectory]
    return max(0, min(count * top, round(target + rng.uniform(-1.5, 1.5))))


def who5_baseline(patient: Patient) -> int:
    return patient.rng("who5:baseline").randint(5, 12)
