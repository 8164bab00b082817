"""A small chaos round (`make chaos` runs 40 programs): every kind of fault, nothing lost or
done twice, the kills in the commit-to-ack window redelivered and skipped.

It runs on a RabbitMQ node and a PostgreSQL cluster of its own (chaos.nodes), never the
machine's shared servers, so it may restart them.
"""
import pytest

from chaos.run import KINDS, run


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_small_chaos_round_loses_nothing_and_duplicates_nothing(capsys):
    result = run(programs=5, faults=len(KINDS) + 1, seed=11)

    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == (
        f"faults {result['faults']} lost {result['lost']} duplicated {result['duplicated']}")
    assert result["faults"] == len(KINDS) + 1
    assert set(result["recovery"]) == set(KINDS)  # each kind of fault happened
    assert result["programs"] >= 5
    assert (result["lost"], result["duplicated"]) == (0, 0), out
    assert result["duplicates_skipped"] >= 1  # a kill landed between a commit and its ack
    checks = {row["check"]: row for row in result["rows"]}
    assert checks["poison in outcomes' dead letters"]["found"] == 2
    assert checks["other dead letters"]["found"] == 0
    assert checks["events at the slow ledger"]["found"] > 0
