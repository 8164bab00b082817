"""marshmallow fields that mean the same in every service's schemas."""
from __future__ import annotations

import unicodedata

from marshmallow import ValidationError, fields
from marshmallow.validate import Length, Range, Regexp

from shared.events.catalog import EARLIEST_DAY, EARLIEST_INSTANT, LATEST_DAY, LATEST_INSTANT

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# BCP 47 language tag, e.g. `en`, `es`, `pt-BR`.
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
# E.164: the form SMS gateways take.
PHONE_PATTERN = r"^\+[1-9]\d{6,14}$"


def uuid_string(**kwargs) -> fields.String:
    """A UUID kept as its string form (ids are strings in events, URLs and the database)."""
    return fields.String(validate=Regexp(UUID_PATTERN, error="Not a valid UUID."), **kwargs)


def language_tag(**kwargs) -> fields.String:
    return fields.String(validate=Regexp(
        LANGUAGE_PATTERN, error="Must be a BCP 47 language tag, e.g. 'es'."), **kwargs)


def phone_number(**kwargs) -> fields.String:
    return fields.String(validate=Regexp(
        PHONE_PATTERN, error="Must be an E.164 number, e.g. +15555550123."), **kwargs)


def visible(value: str) -> None:
    """At least one character a person can see: not only spaces, zero-width or other format
    characters (Unicode categories Z*, Cc, Cf)."""
    if not any(not unicodedata.category(char).startswith(("Z", "C")) for char in value):
        raise ValidationError("Must not be blank.")


def text(max_length: int, **kwargs) -> fields.String:
    """A string with something visible in it, of at most max_length characters."""
    return fields.String(validate=[Length(1, max_length), visible], **kwargs)


def whole(low: int, high: int, **kwargs) -> fields.Integer:
    """An integer in [low, high]; "3" or 3.0 are not integers here."""
    return fields.Integer(strict=True, validate=Range(low, high), **kwargs)


def day(**kwargs) -> fields.Date:
    """A calendar date an event may carry (1900-2199): a date no arithmetic downstream overflows.
    A use case narrows it further where the domain knows better (a window around today)."""
    return fields.Date(validate=[Range(EARLIEST_DAY, LATEST_DAY), *_validators(kwargs)], **kwargs)


def instant(**kwargs) -> fields.AwareDateTime:
    """A moment with its offset, within the same years as ``day``."""
    return fields.AwareDateTime(validate=[Range(EARLIEST_INSTANT, LATEST_INSTANT),
                                          *_validators(kwargs)], **kwargs)


def _validators(kwargs: dict) -> list:
    extra = kwargs.pop("validate", None)
    return [] if extra is None else list(extra) if isinstance(extra, (list, tuple)) else [extra]
