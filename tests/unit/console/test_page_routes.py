"""The Refer, Enroll, Patient and Outcomes page functions over a stand-in for the services: what each
sends, post/redirect/get on success, the service's 422 back beside the fields, a section the role
may not read left out."""
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from services.console import i18n
from services.console.pages import outcomes, patient, refer
from shared.upstream import UpstreamError
from tests.unit.console import test_page_views as examples

INSTRUMENTS = examples.INSTRUMENTS
PATIENT, ENROLLMENT, REFERRAL = examples.PATIENT, examples.ENROLLMENT, examples.REFERRAL
SITES = [{"site_id": "riverside", "name": "Riverside Clinic", "timezone": "America/New_York"}]


class Services:
    """Answers by (method, service, path); an exception answer is raised. Every call is kept."""

    def __init__(self, answers):
        self.answers, self.calls = answers, []

    def _answer(self, method, service, path, body=None, params=None):
        self.calls.append((method, service, path, body if body is not None else params))
        answer = self.answers.get((method, service, path))
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            raise UpstreamError(404, f"no {path}")
        return answer

    def get(self, service, path, params=None, *, missing_ok=False):
        try:
            return self._answer("GET", service, path, params=params)
        except UpstreamError as exc:
            if exc.status == 404 and missing_ok:
                return None
            raise

    def post(self, service, path, body=None):
        return self._answer("POST", service, path, body)

    def put(self, service, path, body=None):
        return self._answer("PUT", service, path, body)


class Request:
    def __init__(self, args=None, form=None):
        self.args = MultiDict(args or {})
        self.form = ImmutableMultiDict(form or {})


class FakePage:
    def __init__(self, answers, args=None, form=None):
        self.up = Services(answers)
        self.request = Request(args, form)
        self.t = i18n.Translator("en")

    @property
    def form(self):
        return self.request.form

    def render(self, template, status=200, **data):
        return {"template": template, "status": status, **data}

    def redirect(self, location):
        return {"redirect": location}

    def sites(self):
        return SITES

    def patient(self, patient_id):
        return self.up.get("intake", f"/patients/{patient_id}", missing_ok=True)


def test_refer_posts_the_form_and_redirects_to_the_triage():
    page = FakePage({("POST", "intake", "/referrals"): {"referral_id": REFERRAL}},
                    form=examples.referral_form())
    assert refer.submit(page, INSTRUMENTS) == {"redirect": f"/referrals/{REFERRAL}"}
    (method, service, path, body), = page.up.calls
    assert body["screening"]["phq9"] == [1] * 9 and body["patient"]["given_name"] == "Ana"


def test_refer_refused_shows_the_form_again_with_422_and_the_errors_beside_the_fields():
    refusal = UpstreamError(422, "invalid", {"patient.birth_date": ["Not a valid date."]})
    page = FakePage({("POST", "intake", "/referrals"): refusal}, form=examples.referral_form())
    answer = refer.submit(page, INSTRUMENTS)
    assert (answer["template"], answer["status"]) == ("refer.html", 422)
    assert answer["form"]["errors"]["patient.birth_date"] == ["Not a valid date."]
    assert answer["form"]["values"]["patient.given_name"] == "Ana"


REFERRAL_JSON = {"referral_id": REFERRAL, "patient_id": PATIENT, "site_id": "riverside",
                 "referred_on": "2026-06-01", "recommendation": "iop", "recommended_track": "depression",
                 "risk_flag": None, "enrollment_id": None, "screening": {"phq9": 14, "gad7": 8}}
PATIENT_JSON = {"patient_id": PATIENT, "site_id": "riverside", "given_name": "Ana", "family_name": "Ruiz",
                "enrollment_ids": [ENROLLMENT], "referral_ids": [REFERRAL]}


def test_enroll_redirects_to_the_patients_chart():
    page = FakePage({("POST", "intake", "/enrollments"): {"patient_id": PATIENT}},
                    form={"track": "depression", "start_date": "2026-05-01", "goals": "Sleep"})
    assert refer.enroll(page, REFERRAL) == {"redirect": f"/patients/{PATIENT}"}
    assert page.up.calls[0][3]["start_date"] == "2026-05-01"


def test_enroll_refused_shows_the_triage_with_the_enroll_errors():
    refusal = UpstreamError(422, "invalid", {"start_date": ["Must not be before the referral date."]})
    page = FakePage({("POST", "intake", "/enrollments"): refusal,
                     ("GET", "intake", f"/referrals/{REFERRAL}"): REFERRAL_JSON,
                     ("GET", "intake", f"/patients/{PATIENT}"): PATIENT_JSON},
                    form={"track": "depression", "start_date": "2026-05-01"})
    answer = refer.enroll(page, REFERRAL)
    assert (answer["template"], answer["status"]) == ("referral.html", 422)
    enroll = answer["referral"]["enroll"]
    assert enroll["errors"]["start_date"] == ["Must not be before the referral date."]
    assert enroll["values"]["start_date"] == "2026-05-01"


def chart_answers(changes=None):
    answers = {("GET", "intake", f"/patients/{PATIENT}"): PATIENT_JSON,
               ("GET", "intake", f"/enrollments/{ENROLLMENT}"): {
                   "enrollment_id": ENROLLMENT, "status": "active", "track": "depression",
                   "attendance": {"attended": 3, "missed": 0, "excused": 0, "rate": 1.0,
                                  "required_rate": 0.75, "meets_completion_rate": True}},
               ("GET", "intake", f"/enrollments/{ENROLLMENT}/plans"): {"versions": []},
               ("GET", "intake", f"/referrals/{REFERRAL}"): REFERRAL_JSON,
               ("GET", "outcomes", f"/patients/{PATIENT}/assessments"): examples.trajectories(),
               ("GET", "outcomes", "/flags"): {"flags": []},
               ("GET", "notifications", "/alerts"): {"alerts": []},
               ("GET", "notifications", "/notifications"): {"notifications": []},
               ("GET", "scheduling", f"/patients/{PATIENT}/schedule"): {"sessions": []},
               ("GET", "scheduling", f"/patients/{PATIENT}/notes"): UpstreamError(403, "not for this role")}
    answers.update(changes or {})
    return answers


def test_the_chart_leaves_out_a_section_the_role_may_not_read():
    answer = patient.show(FakePage(chart_answers()), PATIENT, INSTRUMENTS)
    assert (answer["template"], answer["status"]) == ("patient.html", 200)
    view = answer["patient"]
    assert view["notes"] == [] and view["attendance"]["rate"] == "100 %"
    assert view["site_name"] == "Riverside Clinic" and len(view["episodes"][0]["charts"]) == 2


def test_the_chart_reads_the_recorded_assessment_named_by_its_id_only():
    recorded = "5f2b7c3a-8d4e-4b6a-a1c2-3d4e5f6a7b8c"
    page = FakePage(chart_answers({("GET", "outcomes", f"/assessments/{recorded}"): {
        "assessment_id": recorded, "patient_id": PATIENT, "instrument": "phq9", "total_score": 12,
        "severity": "moderate"}}), args={"recorded": recorded})
    assert patient.show(page, PATIENT, INSTRUMENTS)["notice"]["total"] == 12
    odd = FakePage(chart_answers(), args={"recorded": "../flags"})
    assert patient.show(odd, PATIENT, INSTRUMENTS)["notice"] is None
    assert not [c for c in odd.up.calls if "flags" in c[2] and c[2] != "/flags"]


def test_recording_an_assessment_redirects_to_the_chart_with_its_id():
    page = FakePage(chart_answers({("POST", "outcomes", "/assessments"): {"assessment_id": "a9"}}),
                    form={"instrument": "phq9", **{f"item.{n}": "0" for n in range(1, 10)}})
    answer = patient.record_assessment(page, PATIENT, INSTRUMENTS)
    assert answer == {"redirect": f"/patients/{PATIENT}?recorded=a9#assessment-result"}
    assert page.up.calls[-1][3]["responses"] == [0] * 9


def test_an_assessment_refused_shows_the_chart_with_422_and_the_item_error():
    refusal = UpstreamError(422, "invalid", {"responses.8": ["item 9 must be an integer from 0 to 3, got 5"]})
    page = FakePage(chart_answers({("POST", "outcomes", "/assessments"): refusal}),
                    form={"instrument": "phq9", "item.9": "5"})
    answer = patient.record_assessment(page, PATIENT, INSTRUMENTS)
    assert (answer["template"], answer["status"]) == ("patient.html", 422)
    form = answer["patient"]["assessment_form"]
    assert form["items"][8]["errors"] and form["items"][8]["value"] == "5"


def test_outcomes_passes_the_filter_and_shows_a_refused_period_as_422():
    page = FakePage({("GET", "outcomes", "/reports/outcomes"): examples.REPORT}, args={"site": "riverside"})
    answer = outcomes.show(page)
    assert answer["status"] == 200 and page.up.calls[0][3] == {"site_id": "riverside"}
    refused = FakePage({("GET", "outcomes", "/reports/outcomes"): UpstreamError(
        422, "invalid", {"to": ["Must not be before 'from'."]})}, args={"from": "2026-02-01", "to": "2026-01-01"})
    answer = outcomes.show(refused)
    assert answer["status"] == 422 and answer["errors"] == {"to": ["Must not be before 'from'."]}
