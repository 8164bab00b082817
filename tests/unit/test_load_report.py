"""make load's pieces that need no platform: locust's CSV read, the backlog summarised, the rate
split into users, the queue depths grouped by service, the printed report."""
from load.report import as_text, backlog_summary, build, read_failures, read_stats
from load.run import queue_depths, split_rate, users_for

# locust 2.47's <prefix>_stats.csv and <prefix>_failures.csv, as --csv writes them.
STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
POST,POST /assessments,40,0,57,61.2,40,130,310.0,2.2,0.0,57,63,66,70,80,95,110,110,130,130,130
GET,GET /patients/{id}/schedule,120,1,100,104.9,60,240,5120.0,6.5,0.05,100,110,120,120,140,160,190,210,240,240,240
POST,POST /sessions/{id}/attendance,40,0,230,240.3,150,460,2210.0,2.2,0.0,230,250,260,270,300,330,460,460,460,460,460
,Aggregated,200,1,100,130.0,40,460,3410.0,10.9,0.05,100,120,150,170,230,260,330,460,460,460,460
"""
FAILURES = """Method,Name,Error,Occurrences,First Seen,Last Seen
GET,GET /patients/{id}/schedule,HTTPError('503 Server Error'),1,1764874000.1,1764874000.1
"""
SAMPLES = [{"t": 0.0, "outbox": {"intake": 0, "scheduling": 3}, "queues": {"intake": 20}},
           {"t": 2.0, "outbox": {"intake": 5, "scheduling": None}, "queues": None},
           {"t": 4.0, "outbox": {"intake": 1, "scheduling": 0}, "queues": {"intake": 2}}]


def test_locust_statistics_are_read_per_kind_with_the_rate_over_the_run(tmp_path):
    (tmp_path / "s.csv").write_text(STATS)
    stats = read_stats(tmp_path / "s.csv", duration_s=20)
    assert set(stats) == {"attendance", "schedule", "assessment"}  # the Aggregated row left out
    assert stats["schedule"] == {"requests": 120, "failures": 1, "rate": 6.0, "locust_rate": 6.5,
                                 "p50_ms": 100.0, "p99_ms": 210.0}
    assert stats["attendance"]["p99_ms"] == 460.0


def test_a_kind_without_requests_has_no_percentiles(tmp_path):
    (tmp_path / "s.csv").write_text(STATS.splitlines()[0] + "\n"
                                    "POST,POST /assessments,0,0,0,0,0,0,0,0.0,0.0," + ",".join(["N/A"] * 11) + "\n")
    assert read_stats(tmp_path / "s.csv", 10)["assessment"]["p50_ms"] is None


def test_failures_are_read_and_a_missing_file_is_none(tmp_path):
    (tmp_path / "f.csv").write_text(FAILURES)
    assert read_failures(tmp_path / "f.csv") == [
        {"kind": "schedule", "error": "HTTPError('503 Server Error')", "occurrences": 1}]
    assert read_failures(tmp_path / "missing.csv") == []


def test_the_backlog_peaks_and_last_values_skip_missed_samples():
    summary = backlog_summary(SAMPLES)
    assert summary["outbox"] == {"intake": {"peak": 5, "last": 1}, "scheduling": {"peak": 3, "last": 0}}
    assert summary["queues"] == {"intake": {"peak": 20, "last": 2}}


def test_handler_and_retry_queues_count_for_their_consumer_and_others_do_not():
    queues = [{"name": "evt-scheduling-SessionAttended--intake.count_attendance", "messages": 4},
              {"name": "evt-scheduling-SessionAttended--intake.count_attendance.retry", "messages": 1},
              {"name": "evt-scheduling-SessionAttended--outcomes.count_attendance", "messages": 0},
              {"name": "outcomes.dead-letters", "messages": 9}, {"name": "iop.unroutable"}]
    assert queue_depths(queues) == {"intake": 5, "outcomes": 0}


def test_the_rate_is_split_by_the_mix_into_enough_users_to_hold_it():
    rates = split_rate(20, (1, 3, 1))
    assert rates == {"attendance": 4.0, "schedule": 12.0, "assessment": 4.0}
    assert users_for(rates) == {"attendance": 8, "schedule": 24, "assessment": 8}
    assert users_for(split_rate(5, (0, 1, 0)))["attendance"] == 0


def test_the_printed_report_has_every_kind_the_errors_and_the_backlog(tmp_path):
    (tmp_path / "s.csv").write_text(STATS)
    (tmp_path / "f.csv").write_text(FAILURES)
    settings = {"rate": 10, "duration_s": 20, "rates": split_rate(10, (1, 3, 1)), "database": "postgresql",
                "cpu_share": {"intake": 0.12, "scheduling": 0.855}}
    report = build(settings, read_stats(tmp_path / "s.csv", 20), read_failures(tmp_path / "f.csv"),
                   SAMPLES, {"before": [1.0, 2.0, 3.0], "after": [1.5, 2.0, 3.0]})
    text = as_text(report)
    lines = text.splitlines()
    assert lines[0].startswith("IOP load: 10 requests/s offered for 20 s") and "1.00 / 2.00 / 3.00" in lines[0]
    assert any(line.startswith("GET /patients/{id}/schedule") and line.split()[-3:] == ["1", "100", "210"]
               for line in lines)
    assert "error ×1 schedule: HTTPError('503 Server Error')" in text
    assert "share of a core while it ran: intake 12%, scheduling 86%" in text
    assert lines[-1].split() == ["peak", "5", "3", "20"]
