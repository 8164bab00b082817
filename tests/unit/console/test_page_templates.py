"""The Refer, referral, Patient and Outcomes templates rendered from their view models: the
accessible names the browser tests select by, one <h1> and <main>, every text key translated."""
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from werkzeug.datastructures import MultiDict

from services.console import i18n
from services.console.views import outcomes, patient, refer
from services.console.web import environment
from tests.unit.console import test_page_views as examples

INSTRUMENTS = examples.INSTRUMENTS


class Recording(i18n.Translator):
    """The translator, noting every key its language lacks."""

    def __init__(self, lang):
        super().__init__(lang)
        self.missing = set()

    def __call__(self, key, **fields):
        if key not in i18n.catalog(self.lang):
            self.missing.add(key)
        return super().__call__(key, **fields)


class Labels(HTMLParser):
    """Each <label>'s text by its for= (or the control it wraps), and the counts of some tags."""

    def __init__(self):
        super().__init__()
        self.labels, self.ids, self.tags, self._open = {}, set(), {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if "id" in attrs:
            assert attrs["id"] not in self.ids, f"duplicate id {attrs['id']}"
            self.ids.add(attrs["id"])
        if tag == "label":
            self._open = [attrs.get("for"), ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "label" and self._open:
            self.labels[" ".join(self._open[1].split())] = self._open[0]
            self._open = None


def render(template, lang="en", **data):
    t = Recording(lang)
    html = environment().get_template(template).render(t=t, lang=lang, user={"name": "Casey"},
                                                       csrf="token", here="/", nav="", **data)
    parsed = Labels()
    parsed.feed(html)
    assert not t.missing, t.missing
    assert parsed.tags.get("h1") == 1 and parsed.tags.get("main") == 1
    assert f'<html lang="{lang}">' in html
    return html, parsed


@pytest.mark.parametrize("lang", ["en", "es"])
def test_refer_form_with_intake_errors_beside_the_fields(lang):
    form = refer.referral_form([{"site_id": "riverside", "name": "Riverside"}], INSTRUMENTS,
                               examples.referral_form(), {"screening.phq9.2": ["item 3 is missing"],
                                                          "patient.email": ["Not a valid email address."]})
    html, parsed = render("refer.html", lang, title="Refer", form=form)
    assert 'id="f-screening-phq9-3-error"' in html and "item 3 is missing" in html
    assert 'aria-describedby="f-screening-phq9-3-error"' in html
    assert 'name="csrf_token" value="token"' in html
    if lang == "en":
        assert parsed.labels["PHQ-9 item 9"] == "f-screening-phq9-9"
        assert "PCL-5 item 20" in parsed.labels
        assert re.search(r'<button type="submit">Refer</button>', html)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_referral_result_shows_the_risk_flag_and_the_enroll_form(lang):
    referral = {"referral_id": examples.REFERRAL, "patient_id": examples.PATIENT, "site_id": "riverside",
                "referred_on": "2026-06-01", "recommendation": "iop", "recommended_track": "depression",
                "risk_flag": {"level": "high", "reason": "phq9_item9"}, "enrollment_id": None,
                "screening": {"phq9": 21, "gad7": 9, "severities": {"phq9": "severe", "gad7": "mild"}}}
    view = refer.referral_result(referral, {"given_name": "Ana", "family_name": "Ruiz"}, date(2026, 6, 2), "Goal")
    html, parsed = render("referral.html", lang, title="Triage", referral=view)
    assert 'role="alert"' in html and "level-high" in html
    if lang == "en":
        assert "Risk flag raised: High" in html and "Intensive outpatient program" in html
        assert parsed.labels["Track"] == "f-track" and parsed.labels["Start date"] == "f-start_date"
        assert '<button type="submit">Enroll</button>' in html


@pytest.mark.parametrize("lang", ["en", "es"])
def test_patient_chart_with_charts_notes_and_the_assessment_form(lang):
    view_text = Recording(lang)
    view = examples.page(t=view_text)
    assert not view_text.missing, view_text.missing
    notice = patient.recorded_notice({"assessment_id": "a1", "instrument": "phq9", "total_score": 18,
                                      "severity": "moderately_severe", "complete": True},
                                     [{"assessment_id": "a1", "level": "high", "reason": "phq9_item9"}])
    html, parsed = render("patient.html", lang, title=view["name"], patient=view, notice=notice)
    assert html.count('role="img"') == 2  # PHQ-9 and GAD-7
    assert "Ana engaged well." in html and "Worked on thought records." in html
    assert 'href="/sessions/s2"' in html
    if lang == "en":
        assert parsed.labels["Instrument"] == "f-instrument"
        for n in range(1, 10):
            assert parsed.labels[f"Item {n}"] == f"f-item-{n}"
        assert "Item 10" not in parsed.labels
        assert '<button type="submit">Record assessment</button>' in html
        assert "To mark" in html and "below the required 75 % for completion" in html
        assert "Risk flag raised: High" in html


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_discharged_patients_chart_says_when_and_why(lang):
    enrollment = {**examples.page()["plan"], "enrollment_id": examples.ENROLLMENT,
                  "discharge": {"reason": "completed", "on": "2026-07-27"}}
    view = examples.page(enrollment=enrollment, t=Recording(lang))
    html, _ = render("patient.html", lang, title=view["name"], patient=view, notice=None)
    assert "2026-07-27" in html


@pytest.mark.parametrize("lang", ["en", "es"])
def test_outcomes_report_with_its_charts(lang):
    view = outcomes.outcomes_page(examples.REPORT, examples.SITES, Recording(lang), MultiDict())
    html, parsed = render("outcomes.html", lang, title="Outcomes", report=view, errors={})
    assert html.count('role="img"') == 3 and "81 %" in html
