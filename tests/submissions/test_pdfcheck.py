"""The PDF check against the corpus in pdf_corpus.py: one test per kind of file an author may send.

Messages are compared whole: they are what authors read.
"""

import hashlib
import io
import resource
import time
import tracemalloc

import pytest

from submissions.pdfcheck import PageSize, check_pdf, messages
from tests.submissions import pdf_corpus

MB = 1024 * 1024
DAMAGED_MESSAGE = (
    "We could not read this PDF; it seems to be damaged. Please export your paper as PDF again and upload the new file."
)


def assert_refused(result, error: str) -> None:
    assert result.ok is False
    assert result.errors == [error]
    assert result.warnings == []


def assert_accepted(result, *, pages: int) -> None:
    assert result.ok is True
    assert result.errors == []
    assert result.warnings == []
    assert result.page_count == pages


# --- refused before any parser sees the file -------------------------------------------------------------------------


def test_empty_file():
    result = check_pdf(pdf_corpus.empty(), page_limit=2)

    assert_refused(result, "This file is empty (0 bytes). Please upload your paper as a PDF.")
    assert result.size == 0
    assert result.sha256 == hashlib.sha256(b"").hexdigest()
    assert result.page_count is None


@pytest.mark.parametrize("make", [pdf_corpus.word_document_named_pdf, pdf_corpus.html_named_pdf])
def test_other_files_named_pdf_are_not_pdfs(make):
    result = check_pdf(make(), page_limit=2)

    assert_refused(result, "This file is not a PDF (it does not start with %PDF-). Please export your paper as PDF.")
    assert result.parse_seconds is None  # never reached the parser


def test_pdf_with_a_web_page_before_its_header():
    data = pdf_corpus.html_before_header()

    result = check_pdf(data, page_limit=2)

    assert len(pdf_corpus.HTML_PAGE) == 148
    assert_refused(
        result,
        "This file is not a PDF as it stands: 148 bytes of something else (for example a web page) come before the "
        "PDF's first line (%PDF-). Please export your paper as PDF again and upload that file.",
    )


def test_truncated_pdf():
    result = check_pdf(pdf_corpus.truncated(), page_limit=2)

    assert_refused(
        result,
        "This PDF is incomplete: it stops before its end, so the upload or an earlier download was probably cut short. "
        "Please upload the complete file.",
    )


def test_oversize_file_is_refused_before_parsing():
    data = pdf_corpus.oversize(10 * MB)

    result = check_pdf(data, page_limit=2)

    assert len(data) == 10 * MB + 1
    assert_refused(result, "Your file is 10.1 MB; the limit is 10 MB.")
    assert result.size == 10 * MB + 1
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.parse_seconds is None


def test_the_same_pdf_under_the_cap_is_accepted():
    result = check_pdf(pdf_corpus.oversize(10 * MB), page_limit=2, max_bytes=11 * MB)

    assert_accepted(result, pages=1)


def test_size_message_rounds_the_size_up():
    data = b"%PDF-1.7\n" + bytes(int(12.25 * MB))

    result = check_pdf(data, page_limit=2)

    assert_refused(result, "Your file is 12.3 MB; the limit is 10 MB.")


def test_size_limit_comes_from_settings(settings):
    settings.PDF_MAX_BYTES = 500

    result = check_pdf(pdf_corpus.one_page(), page_limit=2)

    assert_refused(result, "Your file is 695 bytes; the limit is 500 bytes.")


# --- refused by the parser -------------------------------------------------------------------------------------------


def test_garbage_between_header_and_end():
    result = check_pdf(pdf_corpus.garbage_after_header(), page_limit=2)

    assert_refused(
        result,
        DAMAGED_MESSAGE,
    )


def test_pdf_that_needed_repair_is_accepted_with_a_warning():
    result = check_pdf(pdf_corpus.stale_cross_reference_table(), page_limit=2)

    assert result.ok is True
    assert result.page_count == 1
    assert result.warnings == [
        "Your PDF is slightly damaged: we could read it, but some PDF readers may show it differently or not at all. "
        "Please check that every page looks right, or export your paper as PDF again."
    ]


def test_password_protected_pdf():
    result = check_pdf(pdf_corpus.password_protected(), page_limit=2)

    assert_refused(result, "Your PDF is protected by a password; please upload a version without one.")
    assert result.page_count is None  # an encrypted file's own page count is not trusted


def test_owner_locked_pdf_without_a_user_password_is_accepted():
    result = check_pdf(pdf_corpus.owner_locked_only(), page_limit=2)

    assert_accepted(result, pages=1)


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports kilobytes


def timed_check(data: bytes, *, within: float, **options):
    """check_pdf's result and wall time, retried up to three times while slower than `within` seconds.

    Other processes on a shared machine only ever add time (at a load of 10 on 2 cores a 0.2 s check
    has taken 1.5 s), so the best of three is the check's own speed.
    """
    timings = []
    while len(timings) < 3 and (not timings or timings[-1] >= within):
        started = time.monotonic()
        result = check_pdf(data, **options)
        timings.append(time.monotonic() - started)
    return result, min(timings)


def test_decompression_bomb_is_refused_within_a_second_and_100_mb():
    """The object stream inflates to 4 GiB. qpdf's inflate limit stops it in the child after 8 MB.

    Measured: wall time of the call; Python allocations in this process (tracemalloc); this
    process's peak RSS (a high-water mark, so it can only show growth above an earlier peak, which
    tracemalloc covers); and the child's own peak RSS, which stays far below its 256 MB
    address-space budget: the inflate limit held, the kernel limit was not needed.
    """
    bomb = pdf_corpus.decompression_bomb()
    rss_before = peak_rss_bytes()
    tracemalloc.start()

    result, elapsed = timed_check(bomb, within=1.0, page_limit=2)

    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert_refused(result, DAMAGED_MESSAGE)
    assert elapsed < 1.0
    assert traced_peak < 100 * MB
    assert peak_rss_bytes() - rss_before < 100 * MB
    assert result.parser_peak_rss_bytes < 100 * MB


def test_decompression_bomb_without_the_inflate_limit_still_stops_at_the_memory_limit():
    """The second layer: with qpdf's inflate limit out of the way, the child's address-space limit ends the parse."""
    result, elapsed = timed_check(
        pdf_corpus.decompression_bomb(), within=5.0, page_limit=2, inflate_bytes=2**32 - 1, memory_bytes=128 * MB
    )

    # qpdf catches the failed allocation and reports the object stream as unreadable.
    assert result.ok is False
    assert result.errors in ([DAMAGED_MESSAGE], [messages.too_much_memory(128 * MB)])
    assert elapsed < 5.0
    assert result.parser_peak_rss_bytes < 128 * MB + 64 * MB  # budget on top of Python and pikepdf (~40 MB)


CONTENT_BOMB_MESSAGE = (
    "The contents of page 1 of this PDF expand to more than 32 MB when opened, far more than a paper needs; it may be "
    "damaged or built to crash PDF viewers. Please export your paper as PDF again (a figure with millions of points "
    "is better included as an image)."
)


@pytest.mark.parametrize(
    "make",
    [
        pdf_corpus.two_page_content_bomb,  # 256 MiB in page 1's one content stream
        pdf_corpus.content_stream_bomb,  # 4 GiB
        pdf_corpus.content_bomb_spread_over_streams,  # 48 streams of 1 MiB
        pdf_corpus.content_bomb_repeating_one_stream,  # one 1 MiB stream listed 100 times
        pdf_corpus.content_bomb_in_nested_forms,  # 256 MiB in a form drawn by a form drawn by the page
        pdf_corpus.content_bomb_behind_ascii85,  # 256 MiB, Flate data written as ASCII85 text
    ],
)
def test_page_content_bomb_is_refused_within_a_second_and_100_mb(make):
    """Page contents are inflated in pieces and counted, never held: the parse process stays small."""
    bomb = make()
    rss_before = peak_rss_bytes()
    tracemalloc.start()

    result, elapsed = timed_check(bomb, within=1.0, page_limit=2)

    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert_refused(result, CONTENT_BOMB_MESSAGE)
    assert elapsed < 1.0
    assert traced_peak < 100 * MB
    assert peak_rss_bytes() - rss_before < 100 * MB
    assert result.parser_peak_rss_bytes < 100 * MB


def test_forms_count_towards_the_page_they_are_drawn_on():
    """Both pages draw one 2 MiB figure kept as a form: accepted, but not under a 1 MB limit for each page."""
    data = pdf_corpus.forms_within_the_content_limit()

    assert_accepted(check_pdf(data, page_limit=2), pages=2)
    assert_refused(check_pdf(data, page_limit=2, page_content_bytes=1 * MB), messages.page_content_too_large(1, MB))


def test_page_content_limit_comes_from_settings(settings):
    settings.PDF_CHECK_PAGE_CONTENT_BYTES = 1 * MB

    result = check_pdf(pdf_corpus.forms_within_the_content_limit(), page_limit=2)

    assert result.errors == [
        "The contents of page 1 of this PDF expand to more than 1 MB when opened, far more than a paper needs; it may "
        "be damaged or built to crash PDF viewers. Please export your paper as PDF again (a figure with millions of "
        "points is better included as an image)."
    ]


def test_page_contents_of_papers_over_the_page_limit_are_not_inflated():
    """A paper refused for its length is refused for that alone: its pages are not worth the work."""
    result = check_pdf(pdf_corpus.two_page_content_bomb(), page_limit=1)

    assert_refused(result, "Your PDF has 2 pages; the limit is 1.")


def test_parse_needing_more_memory_than_allowed_is_refused():
    result = check_pdf(pdf_corpus.object_flood(), page_limit=2, memory_bytes=16 * MB)

    assert_refused(
        result,
        "Opening this PDF needs more than 16 MB of memory, far more than a paper should; it may be damaged or built to "
        "crash PDF viewers. Please export your paper as PDF again.",
    )


def test_object_flood_within_the_default_memory_budget_is_accepted():
    assert_accepted(check_pdf(pdf_corpus.object_flood(), page_limit=2), pages=1)


def test_parse_taking_longer_than_allowed_is_refused():
    result = check_pdf(pdf_corpus.two_pages(), page_limit=2, timeout_seconds=0.001)

    assert_refused(
        result,
        "Opening this PDF takes more than 0.001 seconds, far longer than a paper should; it may be damaged. "
        "Please export your paper as PDF again.",
    )


# --- page trees ------------------------------------------------------------------------------------------------------


def test_page_tree_with_a_cycle_is_refused_quickly():
    result, elapsed = timed_check(pdf_corpus.page_tree_cycle(), within=1.0, page_limit=2)

    assert_refused(
        result,
        "We could not read the pages of this PDF: its list of pages is damaged. "
        "Please export your paper as PDF again and upload the new file.",
    )
    assert elapsed < 1.0


@pytest.mark.parametrize("make", [pdf_corpus.page_tree_without_count, pdf_corpus.page_tree_huge_count])
def test_page_count_comes_from_the_pages_not_from_count(make):
    assert_accepted(check_pdf(make(), page_limit=2), pages=1)


# --- page limit ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "pages"), [(pdf_corpus.one_page, 1), (pdf_corpus.two_pages, 2)])
def test_papers_within_the_page_limit(make, pages):
    data = make()

    result = check_pdf(data, page_limit=2)

    assert_accepted(result, pages=pages)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)
    assert result.page_sizes == [PageSize(612.0, 792.0, "US Letter", tuple(range(1, pages + 1)))]


def test_three_pages_over_a_limit_of_two():
    result = check_pdf(pdf_corpus.three_pages(), page_limit=2)

    assert_refused(result, "Your PDF has 3 pages; the limit is 2.")
    assert result.page_count == 3


def test_forty_pages():
    data = pdf_corpus.forty_pages()

    assert_accepted(check_pdf(data, page_limit=40), pages=40)
    assert_refused(check_pdf(data, page_limit=2), "Your PDF has 40 pages; the limit is 2.")


# --- active content --------------------------------------------------------------------------------------------------

JAVASCRIPT_MESSAGE = (
    "Your PDF contains JavaScript; please remove it (for example by exporting or printing the paper to PDF again "
    "without interactive features) and upload the new file."
)


@pytest.mark.parametrize(
    "make",
    [pdf_corpus.javascript_on_open, pdf_corpus.javascript_on_page_open, pdf_corpus.javascript_hidden_in_names_tree],
)
def test_javascript(make):
    result = check_pdf(make(), page_limit=2)

    assert_refused(result, JAVASCRIPT_MESSAGE)
    assert result.page_count == 1  # still parsed: the author learns every problem at once


def test_web_link_mentioning_javascript_is_not_javascript():
    assert_accepted(check_pdf(pdf_corpus.link_about_javascript(), page_limit=2), pages=1)


@pytest.mark.parametrize("make", [pdf_corpus.launch_action, pdf_corpus.launch_behind_an_indirect_name])
def test_launch_action(make):
    result = check_pdf(make(), page_limit=2)

    assert_refused(
        result,
        "Your PDF contains an action that starts another program (a “Launch” action); please remove it and upload "
        "the new file.",
    )


# --- paper size ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "size"),
    [
        (pdf_corpus.a4, PageSize(595.0, 842.0, "A4", (1,))),
        (pdf_corpus.letter, PageSize(612.0, 792.0, "US Letter", (1,))),
        (pdf_corpus.rotated_letter, PageSize(612.0, 792.0, "US Letter", (1,))),  # media box is 792 × 612
        (pdf_corpus.a4_cropped_from_larger_media, PageSize(595.0, 842.0, "A4", (1,))),  # media box is 1000 × 1000
    ],
)
def test_expected_paper_sizes(make, size):
    result = check_pdf(make(), page_limit=2)

    assert_accepted(result, pages=1)
    assert result.page_sizes == [size]


def test_nonstandard_page_size_is_a_warning_naming_the_page():
    result = check_pdf(pdf_corpus.nonstandard_page_size(), page_limit=2)

    assert result.ok is True
    assert result.errors == []
    assert result.warnings == ["Page 2 is 500 × 500 pt; the call expects A4 or US Letter."]
    assert result.page_sizes == [PageSize(612.0, 792.0, "US Letter", (1,)), PageSize(500.0, 500.0, None, (2,))]


def test_media_box_inherited_from_the_page_tree():
    result = check_pdf(pdf_corpus.inherited_square_media_box(), page_limit=2)

    assert result.ok is True
    assert result.warnings == ["Pages 1–2 are 500 × 500 pt; the call expects A4 or US Letter."]


def test_page_ranges_in_size_warnings():
    warning = messages.unexpected_page_size([1, 2, 3, 5, 7, 8], 500, 500)

    assert warning == "Pages 1–3, 5 and 7–8 are 500 × 500 pt; the call expects A4 or US Letter."


# --- metadata and input forms ----------------------------------------------------------------------------------------


def test_title_and_author_metadata():
    result = check_pdf(pdf_corpus.with_title_and_author(), page_limit=2)

    assert result.title == "Privacy-Preserving Personal Assistants"
    assert result.author == "Ada Lovelace; Charles Babbage"


def test_no_metadata():
    result = check_pdf(pdf_corpus.one_page(), page_limit=2)

    assert (result.title, result.author) == (None, None)


def test_file_object_gives_the_same_result_and_keeps_its_position():
    data = pdf_corpus.two_pages()
    upload = io.BytesIO(data)

    result = check_pdf(upload, page_limit=2)

    assert_accepted(result, pages=2)
    assert (result.sha256, result.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert upload.tell() == 0


class UnseekableStream(io.RawIOBase):
    """A pipe-like source (an email part being streamed): readable once, no seek, no tell."""

    def __init__(self, data: bytes):
        self._source = io.BytesIO(data)

    def readable(self):
        return True

    def read(self, size=-1):
        return self._source.read(size)


def test_oversize_stream_is_measured_and_hashed_without_seeking():
    data = b"%PDF-1.7\n" + bytes(2 * MB)

    result = check_pdf(UnseekableStream(data), page_limit=2, max_bytes=1 * MB)

    assert_refused(result, "Your file is 2.1 MB; the limit is 1 MB.")
    assert (result.sha256, result.size) == (hashlib.sha256(data).hexdigest(), len(data))


def test_corpus_is_generated_quickly():
    started = time.monotonic()

    items = {name: make() for name, make in pdf_corpus.CORPUS.items()}

    assert time.monotonic() - started < 3
    assert all(isinstance(data, bytes) for data in items.values())


def test_page_limit_must_be_positive():
    with pytest.raises(ValueError):
        check_pdf(pdf_corpus.one_page(), page_limit=0)


@pytest.mark.parametrize("seed", range(8))
def test_damaged_bytes_never_raise(seed):
    """Bytes overwritten in the middle of a real paper (header and %%EOF intact) give a result, never an exception."""
    data = bytearray(pdf_corpus.two_pages())
    for step in range(1, 6):
        position = 20 + (seed * 97 + step * 131) % (len(data) - 60)
        data[position:position + 8] = b"\x00)>]<<[("

    result = check_pdf(bytes(data), page_limit=2)

    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.ok is (result.errors == [])
    assert messages.OUR_PROBLEM not in result.errors  # the parser process itself did not fail


class BrokenUpload(io.RawIOBase):
    """An upload whose connection dropped: reading fails."""

    def readable(self):
        return True

    def read(self, size=-1):
        raise OSError("connection reset by peer")


def test_unreadable_upload():
    result = check_pdf(BrokenUpload(), page_limit=2)

    assert_refused(result, "We could not read the uploaded file; please try uploading it again.")
