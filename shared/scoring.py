"""Standardised instruments: validation, scoring, change over time and screening triage.

Pure (no framework, no file): an ``Instruments`` object holds the clinical rules it was given (config/clinical.yaml, read
by ``shared.clinical``) and every threshold comes from them; totals are on each instrument's
reported scale (WHO-5: raw x 4, 0-100).

Screens with a positive cut point (AUDIT-C, sex-specific; DAST-10) carry ``Score.positive``; the
C-SSRS screener is scored into its published risk levels (its band). ``evaluate`` takes answers with
unanswered items (``None``): the answered items, completeness, and the score only when complete.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Mapping

from shared.errors import InvalidFields

INSTRUMENTS = ("phq9", "gad7", "pcl5", "who5", "audit_c", "dast10", "cssrs")
# Sex as recorded for the AUDIT-C cut point; None: not recorded.
SEXES = ("male", "female")
NOT_RECORDED = "not_recorded"
CSSRS = "cssrs"
# C-SSRS question 6 (behavior) timing, as clinical.yaml's risk levels name it.
WITHIN_3_MONTHS = "within_3_months"
OVER_3_MONTHS_AGO = "over_3_months_ago"
NO_RISK = "none"

IMPROVED = "improved"
DETERIORATED = "deteriorated"
NO_CHANGE = "no_change"

IOP = "iop"
STANDARD_OUTPATIENT = "standard_outpatient"
HIGHER_LEVEL_OF_CARE = "higher_level_of_care"


class InvalidResponses(InvalidFields, ValueError):
    """Answers that cannot be scored; `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors, "; ".join(f"{field}: {message}"
                                           for field, messages in errors.items() for message in messages))


@dataclass(frozen=True)
class Score:
    instrument: str
    total: int
    raw_total: int
    severity: str
    item9: int | None = None
    # Screen result by the instrument's positive cut point; None: the instrument has none.
    positive: bool | None = None


@dataclass(frozen=True)
class Evaluation:
    """Answers that may leave items unanswered (None): what can be said of them.

    ``answered`` maps each answered item's 1-based number to its answer; ``score`` is None unless
    every item is answered; ``item9`` is the PHQ-9 self-harm answer when given; ``risk_level`` is
    the risk the answered items show on their own (PHQ-9 item 9, C-SSRS risk level).
    """
    instrument: str
    responses: list[int | None]
    answered: dict[int, int]
    complete: bool
    score: Score | None
    item9: int | None
    risk_level: str | None


@dataclass(frozen=True)
class Band:
    """A severity band of reported totals, both ends included."""
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class InstrumentScale:
    instrument: str
    low: int
    high: int
    bands: tuple[Band, ...]  # ascending; empty for a screen without bands
    lower_is_better: bool
    reliable_change: int | None  # points; None: no reliable-change rule


@dataclass(frozen=True)
class Triage:
    recommendation: str
    recommended_track: str | None
    scores: dict[str, int | None]
    severities: dict[str, str | None]


def _is_int(value: Any) -> bool:
    # bool is a subclass of int, but True is not an answer.
    return isinstance(value, int) and not isinstance(value, bool)


def _reported_max(spec: dict[str, Any]) -> int:
    return spec["items"] * spec["item_max"] * spec["reported_multiplier"]


def change_from_baseline(baseline: int, latest: int) -> int:
    return latest - baseline


def _improvement(spec: dict[str, Any], baseline: int, later: int) -> int:
    """Points of improvement from baseline, positive whichever way the instrument runs."""
    change = change_from_baseline(baseline, later)
    return -change if spec["direction"] == "lower_is_better" else change


def _at_caseness(spec: dict[str, Any], baseline: int) -> bool:
    return spec["caseness"] is not None and baseline >= spec["caseness"]["at_least"]


class Instruments:
    """The instruments as the given clinical rules define them (``shared.clinical``)."""

    def __init__(self, rules: Mapping[str, Any]):
        self._rules = rules

    def _spec(self, instrument: str) -> dict[str, Any]:
        if instrument not in INSTRUMENTS:
            raise InvalidResponses({"instrument": [
                f"unknown instrument {instrument!r}; expected one of {', '.join(INSTRUMENTS)}"]})
        return self._rules["instruments"][instrument]

    def _item_errors(self, instrument: str, responses: Any, field: str, *,
                     allow_missing: bool = False) -> dict[str, list[str]]:
        spec = self._spec(instrument)
        expected = spec["items"]
        if isinstance(responses, (str, bytes)) or not isinstance(responses, Sequence):
            return {field: [f"expected a list of {expected} items, got {type(responses).__name__}"]}
        errors: dict[str, list[str]] = {}
        if len(responses) != expected:
            errors[field] = [f"expected {expected} items, got {len(responses)}"]
        low, high = spec["item_min"], spec["item_max"]
        for index, value in enumerate(responses):
            if allow_missing and value is None:
                continue
            if not _is_int(value) or not low <= value <= high:
                errors[f"{field}.{index}"] = [
                    f"item {index + 1} must be an integer from {low} to {high}, got {value!r}"]
        return errors

    def validate_responses(self, instrument: str, responses: Any, *,
                           field: str = "responses") -> list[int]:
        """The answers as a list of ints, or InvalidResponses naming every bad field."""
        errors = self._item_errors(instrument, responses, field)
        if errors:
            raise InvalidResponses(errors)
        return list(responses)

    def _check_total(self, instrument: str, total: Any, name: str = "total") -> dict[str, Any]:
        spec = self._spec(instrument)
        low = spec["items"] * spec["item_min"] * spec["reported_multiplier"]
        high = _reported_max(spec)
        if not _is_int(total) or not low <= total <= high:
            raise ValueError(f"{instrument} {name} must be an integer from {low} to {high}, got {total!r}")
        return spec

    def positive(self, instrument: str, total: int, *, sex: str | None = None) -> bool | None:
        """Screen result at the instrument's positive cut point; None when it has none."""
        spec = self._check_total(instrument, total)
        cut = spec.get("positive")
        if cut is None:
            return None
        at_least = cut["at_least"]
        if isinstance(at_least, Mapping):
            if sex is not None and sex not in SEXES:
                raise InvalidResponses({"sex": [f"expected one of {', '.join(SEXES)} or null, got {sex!r}"]})
            at_least = at_least[sex or NOT_RECORDED]
        return total >= at_least

    def severity(self, instrument: str, total: int, *, sex: str | None = None) -> str:
        """Band label of a total on the reported scale (a screen without bands: positive/negative)."""
        spec = self._check_total(instrument, total)
        if spec["bands"] is None:
            if spec.get("positive") is None:
                raise ValueError(f"{instrument} has no bands on its total")
            return "positive" if self.positive(instrument, total, sex=sex) else "negative"
        label = None
        for band in spec["bands"]:  # ascending by min: the last band reached wins
            if total >= band["min"]:
                label = band["label"]
        if label is None:
            raise ValueError(f"{instrument} bands do not cover a total of {total}")
        return label

    def _item_points(self, spec: dict[str, Any], number: int, answer: int) -> int:
        """Points of one answer: reverse-scored items count from the other end of the scale."""
        if number in spec.get("reverse_scored_items", ()):
            return spec["item_max"] + spec["item_min"] - answer
        return answer

    def _check_behavior_timing(self, instrument: str, answers: Sequence[int | None],
                               q6_within_3_months: Any) -> dict[str, list[str]]:
        if instrument != CSSRS:
            if q6_within_3_months is not None:
                return {"q6_within_3_months": ["only for the cssrs instrument"]}
            return {}
        behavior = self._spec(CSSRS)["behavior_item"]
        answer = answers[behavior - 1] if len(answers) >= behavior else None
        if q6_within_3_months is not None and not isinstance(q6_within_3_months, bool):
            return {"q6_within_3_months": [f"must be true or false, got {q6_within_3_months!r}"]}
        if answer == 1 and q6_within_3_months is None:
            return {"q6_within_3_months": [
                f"required when question {behavior} (suicidal behavior) is answered yes"]}
        if answer == 0 and q6_within_3_months:
            return {"q6_within_3_months": [
                f"question {behavior} (suicidal behavior) is answered no: nothing happened to date"]}
        return {}

    def cssrs_risk_level(self, answers: Sequence[int | None], q6_within_3_months: bool | None) -> str:
        """C-SSRS screener risk level of the answered questions (clinical.yaml risk_levels).

        Unanswered questions (None) count as not endorsed: the level is what the answers show.
        """
        spec = self._spec(CSSRS)
        behavior_item = spec["behavior_item"]
        timing = None
        if answers[behavior_item - 1] == 1:
            timing = WITHIN_3_MONTHS if q6_within_3_months else OVER_3_MONTHS_AGO
        level = NO_RISK
        for rule in spec["risk_levels"]:  # ascending: the highest level reached wins
            endorsed = any(answers[item - 1] == 1 for item in rule.get("items", ()))
            if endorsed or (timing is not None and rule.get("behavior") == timing):
                level = rule["level"]
        return level

    def score(self, instrument: str, responses: Any, *, sex: str | None = None,
              q6_within_3_months: bool | None = None) -> Score:
        """Score complete answers. ``sex`` ("male", "female", None: not recorded) sets the AUDIT-C cut
        point; ``q6_within_3_months`` is the C-SSRS follow-up to a YES on question 6."""
        errors = self._item_errors(instrument, responses, "responses")
        if not errors:
            errors = self._check_behavior_timing(instrument, responses, q6_within_3_months)
        if errors:
            raise InvalidResponses(errors)
        answers = list(responses)
        spec = self._spec(instrument)
        raw_total = sum(self._item_points(spec, number, answer) for number, answer in enumerate(answers, 1))
        total = raw_total * spec["reported_multiplier"]
        item9 = answers[spec["self_harm_item"] - 1] if "self_harm_item" in spec else None
        if instrument == CSSRS:
            severity = self.cssrs_risk_level(answers, q6_within_3_months)
        else:
            severity = self.severity(instrument, total, sex=sex)
        return Score(instrument=instrument, total=total, raw_total=raw_total, severity=severity,
                     item9=item9, positive=self.positive(instrument, total, sex=sex))

    def evaluate(self, instrument: str, responses: Any, *, sex: str | None = None,
                 q6_within_3_months: bool | None = None, field: str = "responses") -> Evaluation:
        """Answers in which an item may be unanswered (None).

        Refused (InvalidResponses) as in ``score`` for a wrong count or an answer out of range, and
        when no item is answered at all. The score is given only when every item is answered.
        """
        errors = self._item_errors(instrument, responses, field, allow_missing=True)
        if not errors and all(value is None for value in responses):
            errors = {field: ["at least one item must be answered"]}
        if not errors:
            errors = self._check_behavior_timing(instrument, responses, q6_within_3_months)
        if errors:
            raise InvalidResponses(errors)
        answers = list(responses)
        spec = self._spec(instrument)
        answered = {number: answer for number, answer in enumerate(answers, 1) if answer is not None}
        complete = len(answered) == len(answers)
        score = (self.score(instrument, answers, sex=sex, q6_within_3_months=q6_within_3_months)
                 if complete else None)
        item9 = answered.get(spec["self_harm_item"]) if "self_harm_item" in spec else None
        risk_level = None
        if item9 is not None:
            risk_level = self.item9_risk_level(item9)
        elif instrument == CSSRS:
            risk_level = self.cssrs_risk_level(answers, q6_within_3_months)
        return Evaluation(instrument=instrument, responses=answers, answered=answered, complete=complete,
                          score=score, item9=item9, risk_level=risk_level)

    def reliable_change(self, instrument: str, baseline: int, latest: int) -> str | None:
        """Improved, deteriorated or no change; None for an instrument without a reliable-change rule."""
        self._check_total(instrument, baseline, "baseline")
        spec = self._check_total(instrument, latest, "latest")
        if spec["reliable_change"] is None:
            return None
        improvement = _improvement(spec, baseline, latest)
        if abs(improvement) < spec["reliable_change"]:
            return NO_CHANGE
        return IMPROVED if improvement > 0 else DETERIORATED

    def response(self, instrument: str, baseline: int, final: int) -> bool | None:
        """Reduction of at least the configured share of baseline; None where not applicable."""
        self._check_total(instrument, baseline, "baseline")
        spec = self._check_total(instrument, final, "final")
        if spec["response_reduction"] is None or not _at_caseness(spec, baseline):
            return None
        return _improvement(spec, baseline, final) >= spec["response_reduction"] * baseline

    def remission(self, instrument: str, baseline: int, final: int) -> bool | None:
        """Final total below the remission threshold; None where not applicable."""
        self._check_total(instrument, baseline, "baseline")
        spec = self._check_total(instrument, final, "final")
        if spec["remission"] is None or not _at_caseness(spec, baseline):
            return None
        return final < spec["remission"]["below"]

    def item9_risk_level(self, responses_or_item9: Any) -> str | None:
        """Risk level of the PHQ-9 self-harm item, from the full answers or the item alone."""
        spec = self._spec("phq9")
        if _is_int(responses_or_item9):
            item9 = responses_or_item9
            if not spec["item_min"] <= item9 <= spec["item_max"]:
                raise InvalidResponses({"item9": [
                    f"item 9 must be an integer from {spec['item_min']} to {spec['item_max']}, got {item9!r}"]})
        else:
            item9 = self.validate_responses("phq9", responses_or_item9)[spec["self_harm_item"] - 1]
        level = None
        for rule in self._rules["risk"]["item9"]:  # ascending by min: the highest reached wins
            if item9 >= rule["min"]:
                level = rule["level"]
        return level

    def item9_levels(self) -> list[Mapping[str, Any]]:
        """The PHQ-9 item-9 risk rules, ascending: {min, level}."""
        return list(self._rules["risk"]["item9"])

    def self_harm_item(self, instrument: str) -> int | None:
        """1-based position of the instrument's self-harm item; None when it has none."""
        return self._spec(instrument).get("self_harm_item")

    def item_range(self, instrument: str) -> tuple[int, int]:
        spec = self._spec(instrument)
        return spec["item_min"], spec["item_max"]

    def item_count(self, instrument: str) -> int:
        return self._spec(instrument)["items"]

    def scale(self, instrument: str) -> InstrumentScale:
        """The reported total's range, bands, direction and reliable-change points, for display
        (charts): the same rules the scoring above applies."""
        spec = self._spec(instrument)
        low = spec["items"] * spec["item_min"] * spec["reported_multiplier"]
        high = _reported_max(spec)
        lows = [band["min"] for band in spec["bands"] or ()]
        bands = tuple(Band(band["label"], band["min"], (lows[i + 1] - 1) if i + 1 < len(lows) else high)
                      for i, band in enumerate(spec["bands"] or ()))
        return InstrumentScale(instrument=instrument, low=low, high=high, bands=bands,
                               lower_is_better=spec["direction"] == "lower_is_better",
                               reliable_change=spec["reliable_change"])

    def cssrs_flag_level(self, risk_level: str | None) -> str | None:
        """Level of the flag a C-SSRS screener risk level raises (clinical.yaml risk.cssrs); None: none."""
        return self._rules["risk"]["cssrs"].get(risk_level) if risk_level else None

    def safety_follow_up(self, item9: int | None) -> Mapping[str, Any] | None:
        """The follow-up a PHQ-9 item-9 answer puts due (clinical.yaml risk.follow_up: the C-SSRS for
        the care team, at once); None when the answer is not positive."""
        rule = self._rules["risk"]["follow_up"]
        if item9 is None or item9 < rule["after_item9_at_least"]:
            return None
        return rule

    def triage(self, phq9: Any, gad7: Any, pcl5: Any = None) -> Triage:
        """Recommendation at referral from the screening answers (handbook: screening triage)."""
        screening = {"phq9": phq9, "gad7": gad7}
        if pcl5 is not None:
            screening["pcl5"] = pcl5
        errors: dict[str, list[str]] = {}
        for instrument, answers in screening.items():
            errors.update(self._item_errors(instrument, answers, f"screening.{instrument}"))
        if errors:
            raise InvalidResponses(errors)

        scores = {instrument: self.score(instrument, answers) for instrument, answers in screening.items()}
        rules = self._rules["triage"]
        phq9_total, gad7_total = scores["phq9"].total, scores["gad7"].total
        probable_ptsd = "pcl5" in scores and scores["pcl5"].total >= rules["pcl5_cutoff"]

        if scores["phq9"].item9 >= rules["item9_higher_level_of_care"]:
            recommendation, track = HIGHER_LEVEL_OF_CARE, None
        elif phq9_total < rules["phq9_cutoff"] and gad7_total < rules["gad7_cutoff"] and not probable_ptsd:
            recommendation, track = STANDARD_OUTPATIENT, None
        elif probable_ptsd:
            recommendation, track = IOP, "trauma"
        else:
            recommendation, track = IOP, "depression" if phq9_total >= gad7_total else "anxiety"

        return Triage(
            recommendation=recommendation,
            recommended_track=track,
            scores={name: scores[name].total if name in scores else None for name in ("phq9", "gad7", "pcl5")},
            severities={name: scores[name].severity if name in scores else None
                        for name in ("phq9", "gad7", "pcl5")},
        )
