"""Standardised instruments: validation, scoring, change over time and screening triage.

Pure (no framework, no file): an ``Instruments`` object holds the clinical rules it was given (config/clinical.yaml, read
by ``shared.clinical``) and every threshold comes from them; totals are on each instrument's
reported scale (WHO-5: raw x 4, 0-100).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Mapping

from shared.errors import InvalidFields

INSTRUMENTS = ("phq9", "gad7", "pcl5", "who5")

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

    def _item_errors(self, instrument: str, responses: Any, field: str) -> dict[str, list[str]]:
        spec = self._spec(instrument)
        expected = spec["items"]
        if isinstance(responses, (str, bytes)) or not isinstance(responses, Sequence):
            return {field: [f"expected a list of {expected} items, got {type(responses).__name__}"]}
        errors: dict[str, list[str]] = {}
        if len(responses) != expected:
            errors[field] = [f"expected {expected} items, got {len(responses)}"]
        low, high = spec["item_min"], spec["item_max"]
        for index, value in enumerate(responses):
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

    def severity(self, instrument: str, total: int) -> str:
        """Band label of a total on the reported scale."""
        spec = self._check_total(instrument, total)
        label = None
        for band in spec["bands"]:  # ascending by min: the last band reached wins
            if total >= band["min"]:
                label = band["label"]
        if label is None:
            raise ValueError(f"{instrument} bands do not cover a total of {total}")
        return label

    def score(self, instrument: str, responses: Any) -> Score:
        answers = self.validate_responses(instrument, responses)
        spec = self._spec(instrument)
        raw_total = sum(answers)
        total = raw_total * spec["reported_multiplier"]
        item9 = answers[spec["self_harm_item"] - 1] if "self_harm_item" in spec else None
        return Score(instrument=instrument, total=total, raw_total=raw_total,
                     severity=self.severity(instrument, total), item9=item9)

    def reliable_change(self, instrument: str, baseline: int, latest: int) -> str:
        self._check_total(instrument, baseline, "baseline")
        spec = self._check_total(instrument, latest, "latest")
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
