"""The outcomes service's domain exceptions → problems; the kit's table maps the rest."""
from shared.scoring import InvalidResponses
from shared.problems import validation_problem

ERRORS = {
    # Answers that do not fit the instrument: the same 422 a body field error gets, each bad
    # item named (`responses.4`).
    InvalidResponses: lambda exc: validation_problem(exc.errors),
}
