"""The phone rules' library job: worker processes give the same facts as the calling process."""

from __future__ import annotations

import pytest

from crmdata.quality.phones import PhoneJob, phone_facts

PAIRS = [("030 1234567", "DE"), ("+44 20 7946 0958", ""), ("0049301234567", "DE"), ("12", "DE"),
         ("(212) 555-0100", "US"), ("no number", "DE"), ("0171 2345678", "AT")] * 4


def test_in_process_below_the_threshold() -> None:
    job = PhoneJob(PAIRS, workers=2)  # far fewer pairs than the pool threshold
    assert job._pool is None
    assert job.result() == [phone_facts(k, r) for k, r in PAIRS]


@pytest.mark.slow
def test_worker_processes_give_the_same_facts_in_order() -> None:
    job = PhoneJob(PAIRS, workers=2, threshold=10, chunk=5)
    assert job._pool is not None  # started at once: the caller works meanwhile
    facts = job.result()
    assert facts == [phone_facts(k, r) for k, r in PAIRS]
    assert facts[0] == ("+49301234567", "+49 30 1234567") and facts[3] == (None, None)


def test_close_stops_a_job_nobody_collects() -> None:
    job = PhoneJob(PAIRS, workers=2, threshold=10, chunk=5)
    job.close()
    job.close()  # twice is harmless
