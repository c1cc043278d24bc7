"""The sandbox pool behind check_pdf: workers that die, hang, run out of limits or are recycled are
replaced, and the next check still gives the right answer. Every test goes through check_pdf."""

import contextlib
import os
import signal
import threading
import time

import pytest

from submissions.pdfcheck import check_pdf, messages, sandbox
from tests.submissions import pdf_corpus

MB = 1024 * 1024
DAMAGED_MESSAGE = messages.DAMAGED


@pytest.fixture(autouse=True)
def fresh_pool():
    """Each test starts and ends without workers, so one test's broken worker never answers for another."""
    sandbox.shutdown_pool()
    yield
    sandbox.shutdown_pool()


def worker_pids() -> set[int]:
    """This process's workers (read from the pool as it is: asking for current_pool() could resize it)."""
    pool = sandbox._pool
    return {worker.process.pid for worker in pool._all} if pool and pool.pid == os.getpid() else set()


def assert_two_page_paper_accepted() -> None:
    result = check_pdf(pdf_corpus.two_pages(), page_limit=2)
    assert (result.ok, result.errors, result.page_count) == (True, [], 2)


def parse_processes(worker_pid: int) -> list[int]:
    with open(f"/proc/{worker_pid}/task/{worker_pid}/children", encoding="ascii") as children:
        return [int(pid) for pid in children.read().split()]


def check_in_background(data: bytes, **options) -> tuple[threading.Thread, list]:
    results = []
    thread = threading.Thread(target=lambda: results.append(check_pdf(data, **options)))
    thread.start()
    return thread, results


def wait_for_parse_process(worker_pid: int) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if found := parse_processes(worker_pid):
            return found[0]
        time.sleep(0.005)
    raise AssertionError("no parse process appeared")


def test_a_killed_worker_is_replaced_and_the_next_check_answers():
    assert_two_page_paper_accepted()
    (first,) = worker_pids()

    os.kill(first, signal.SIGKILL)
    time.sleep(0.05)

    assert_two_page_paper_accepted()
    assert first not in worker_pids()


def test_a_worker_killed_during_a_check_is_replaced_and_the_check_still_answers():
    assert_two_page_paper_accepted()
    (first,) = worker_pids()
    thread, results = check_in_background(pdf_corpus.object_flood(), page_limit=2)
    wait_for_parse_process(first)

    os.kill(first, signal.SIGKILL)
    thread.join(30)

    assert results[0].ok is True and results[0].page_count == 1  # tried again on a fresh worker
    assert first not in worker_pids()
    assert_two_page_paper_accepted()


def test_a_parse_process_that_crashes_reads_as_a_damaged_file_and_the_worker_carries_on():
    assert_two_page_paper_accepted()
    (worker,) = worker_pids()
    thread, results = check_in_background(pdf_corpus.object_flood(), page_limit=2)

    os.kill(wait_for_parse_process(worker), signal.SIGSEGV)  # as a parser bug on crafted input would
    thread.join(30)

    assert (results[0].ok, results[0].errors) == (False, [DAMAGED_MESSAGE])
    assert_two_page_paper_accepted()
    assert worker_pids() == {worker}


def test_a_check_over_the_memory_limit_is_refused_and_the_next_one_has_the_whole_budget_again():
    result = check_pdf(pdf_corpus.object_flood(), page_limit=2, memory_bytes=16 * MB)

    assert result.errors == [messages.too_much_memory(16 * MB)]
    assert check_pdf(pdf_corpus.object_flood(), page_limit=2).ok is True
    assert_two_page_paper_accepted()


def test_a_check_over_the_time_limit_gets_the_timeout_message_and_the_next_check_answers():
    started = time.monotonic()
    result = check_pdf(pdf_corpus.object_flood(), page_limit=2, timeout_seconds=0.05)  # the parse takes ~0.4 s

    assert result.errors == [
        "Opening this PDF takes more than 0.05 seconds, far longer than a paper should; it may be damaged. "
        "Please export your paper as PDF again."
    ]
    assert time.monotonic() - started < 5  # killed, not waited for (5 s: a slow start of the worker under load)
    assert_two_page_paper_accepted()


def test_a_worker_that_stops_answering_is_replaced_after_the_time_limit():
    assert_two_page_paper_accepted()
    (stuck,) = worker_pids()
    os.kill(stuck, signal.SIGSTOP)
    try:
        result = check_pdf(pdf_corpus.two_pages(), page_limit=2, timeout_seconds=0.2)
    finally:
        with contextlib.suppress(ProcessLookupError):  # the pool killed it, as it should
            os.kill(stuck, signal.SIGCONT)

    assert result.errors == [messages.too_slow(0.2)]
    assert stuck not in worker_pids()
    assert_two_page_paper_accepted()


def test_workers_are_recycled_after_the_configured_number_of_checks(settings):
    settings.PDF_CHECK_WORKER_MAX_CHECKS = 3
    seen = []
    for _ in range(7):
        assert_two_page_paper_accepted()
        seen.append(next(iter(worker_pids())))

    assert len(set(seen)) == 3  # the fourth and seventh checks found a fresh worker, already started


def test_threads_share_the_pool_and_each_gets_its_own_answer(settings):
    settings.PDF_CHECK_WORKERS = 2
    papers = {pages: pdf_corpus.paper(pages) for pages in (1, 2, 3, 4)}
    answers = {}

    def check(pages):
        answers[pages] = check_pdf(papers[pages], page_limit=9).page_count

    threads = [threading.Thread(target=check, args=(pages,)) for pages in papers for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert answers == {1: 1, 2: 2, 3: 3, 4: 4}
    assert len(worker_pids()) <= 2


def test_a_forked_process_starts_a_pool_of_its_own():
    """As in a gunicorn worker forked from a preloaded master, or a Celery prefork pool process."""
    assert_two_page_paper_accepted()
    parent_workers = worker_pids()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            result = check_pdf(pdf_corpus.three_pages(), page_limit=2)
            own = worker_pids()
            os.write(write_end, b"%d %d" % (result.page_count, not (own & parent_workers)))
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 100)
    os.waitpid(child, 0)

    assert answer == b"3 1"  # the right answer, from workers that are not the parent's
    assert worker_pids() == parent_workers
    assert_two_page_paper_accepted()


def test_a_worker_that_cannot_start_is_our_problem_and_says_why(monkeypatch, tmp_path, caplog):
    script = tmp_path / "worker.py"
    script.write_text("import not_installed_module\n")
    monkeypatch.setattr(sandbox, "PARSER_WORKER", script)

    result = check_pdf(pdf_corpus.one_page(), page_limit=2)

    assert result.errors == [
        "We could not check your PDF because of a problem on our side; please try again in a few minutes."
    ]
    assert "ModuleNotFoundError" in caplog.text


def page_count_in_pool_process(pages: int) -> tuple[int, bool, bool]:
    result = check_pdf(pdf_corpus.paper(pages), page_limit=9)
    import billiard

    return result.page_count, billiard.current_process().daemon, bool(worker_pids())


def test_celery_prefork_pool_processes_check_with_workers_of_their_own():
    """Celery's prefork pool processes are daemonic billiard processes (email intake checks PDFs there)."""
    import billiard

    assert_two_page_paper_accepted()  # the parent's pool exists before the fork, as in a worker that checked before
    with billiard.Pool(2) as pool:
        answers = pool.map(page_count_in_pool_process, [1, 2, 3, 4])

    assert answers == [(1, True, True), (2, True, True), (3, True, True), (4, True, True)]
    assert_two_page_paper_accepted()
