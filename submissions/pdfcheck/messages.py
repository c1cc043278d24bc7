"""Every sentence the PDF check shows to authors, in one place so they can be reviewed (and translated) together.

Authors read these right after an upload fails: say what is wrong in their terms and what to do next.
"""

import math

KB = 1024
MB = 1024 * 1024

EMPTY = "This file is empty (0 bytes). Please upload your paper as a PDF."
NOT_PDF = "This file is not a PDF (it does not start with %PDF-). Please export your paper as PDF."
INCOMPLETE = (
    "This PDF is incomplete: it stops before its end, so the upload or an earlier download was probably cut short. "
    "Please upload the complete file."
)
DAMAGED = (
    "We could not read this PDF; it seems to be damaged. Please export your paper as PDF again and upload the new file."
)
PAGE_TREE_DAMAGED = (
    "We could not read the pages of this PDF: its list of pages is damaged. "
    "Please export your paper as PDF again and upload the new file."
)
REPAIRED = (
    "Your PDF is slightly damaged: we could read it, but some PDF readers may show it differently or not at all. "
    "Please check that every page looks right, or export your paper as PDF again."
)
PASSWORD = "Your PDF is protected by a password; please upload a version without one."
NO_PAGES = "Your PDF has no pages."
JAVASCRIPT = (
    "Your PDF contains JavaScript; please remove it (for example by exporting or printing the paper to PDF again "
    "without interactive features) and upload the new file."
)
LAUNCH = (
    "Your PDF contains an action that starts another program (a “Launch” action); please remove it and upload "
    "the new file."
)
OUR_PROBLEM = "We could not check your PDF because of a problem on our side; please try again in a few minutes."
UNREADABLE_UPLOAD = "We could not read the uploaded file; please try uploading it again."


def file_too_large(size: int, limit: int) -> str:
    # Round the size up and the limit down, so a file one byte over never reads "10.0 MB; the limit is 10 MB".
    return f"Your file is {_size(size, math.ceil)}; the limit is {_size(limit, math.floor)}."


def junk_before_header(offset: int) -> str:
    return (
        f"This file is not a PDF as it stands: {offset} bytes of something else (for example a web page) come "
        "before the PDF's first line (%PDF-). Please export your paper as PDF again and upload that file."
    )


def too_many_pages(count: int, limit: int) -> str:
    return f"Your PDF has {count} {_pages(count)}; the limit is {limit}."


def too_much_memory(limit: int) -> str:
    return (
        f"Opening this PDF needs more than {_size(limit, math.floor)} of memory, far more than a paper "
        "should; it may be damaged or built to crash PDF viewers. Please export your paper as PDF again."
    )


def too_slow(seconds: float) -> str:
    return (
        f"Opening this PDF takes more than {seconds:g} seconds, far longer than a paper should; it may be damaged. "
        "Please export your paper as PDF again."
    )


def page_content_too_large(page: int, limit: int) -> str:
    return (
        f"The contents of page {page} of this PDF expand to more than {_size(limit, math.floor)} when opened, far more "
        "than a paper needs; it may be damaged or built to crash PDF viewers. Please export your paper as PDF again "
        "(a figure with millions of points is better included as an image)."
    )


def unexpected_page_size(pages: list[int], width: float, height: float) -> str:
    which = f"Page {pages[0]} is" if len(pages) == 1 else f"Pages {_page_ranges(pages)} are"
    return f"{which} {_points(width)} × {_points(height)} pt; the call expects A4 or US Letter."


def unknown_page_size(pages: list[int]) -> str:
    which = f"Page {pages[0]} has" if len(pages) == 1 else f"Pages {_page_ranges(pages)} have"
    return f"{which} no readable paper size; the call expects A4 or US Letter."


def _size(size: int, rounding) -> str:
    """'10 MB', '12.3 MB', '500 KB' or '900 bytes': megabytes to one decimal, smaller sizes whole."""
    if size < KB:
        return f"{size} bytes"
    if size < MB:
        return f"{rounding(size / KB)} KB"
    tenths = rounding(size * 10 / MB)
    return f"{tenths // 10} MB" if tenths % 10 == 0 else f"{tenths / 10:.1f} MB"


def _pages(count: int) -> str:
    return "page" if count == 1 else "pages"


def _points(value: float) -> str:
    return f"{value:.0f}" if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def _page_ranges(pages: list[int]) -> str:
    """'2, 5–7 and 9': authors find their pages faster in ranges than in a list of forty numbers."""
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][-1] + 1:
            runs[-1].append(page)
        else:
            runs.append([page])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
