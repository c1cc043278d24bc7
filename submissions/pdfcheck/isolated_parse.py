"""Facts about one untrusted PDF, gathered inside a sandbox process (see sandbox_worker.py).

It only reports facts (page count, page sizes, JavaScript found, how far page contents expand, ...);
the web or Celery process turns them into messages for authors. This module imports only the
standard library, pikepdf and its sibling page_content.py: the sandbox runs with ``-I`` and without
the project on ``sys.path``, so nothing of Django is loaded there.

Why a separate process with limits: qpdf must inflate compressed object streams and cross-reference
streams to find a document's objects, and a crafted stream can inflate to gigabytes (a decompression
bomb) or a crafted file can make the parser work for a long time. Two layers stop that: qpdf's own
limit on how much one Flate stream may inflate to (a bomb fails after a few megabytes, in a fraction
of a second), and, for everything else, kernel limits on the process's address space and CPU time;
the sandbox adds a wall-clock timeout. Page content streams (the drawing instructions, where a bomb
would go off in every viewer) are inflated with a byte cap by page_content.py; images are never decoded.
"""

import io
import math
import resource

import pikepdf
import pikepdf.settings
from page_content import first_oversized_page
from pikepdf import Array, Dictionary, Name, Stream

# Substrings of an object's unparsed form that may mean an action; a cheap filter before the precise walk.
ACTION_TOKENS = (b"/JS", b"/JavaScript", b"/Launch")
MAX_NESTING = 64
MAX_TEXT = 300
# Enough for the pipes, /proc/self/status and whatever Python opens lazily; a parser needs no more.
MAX_OPEN_FILES = 32


def memory_status(field: str) -> int:
    """A size from /proc/self/status, in bytes: VmSize (address space) or VmHWM (peak resident memory).

    In a forked parse process VmHWM starts from the memory inherited at fork and counts from there;
    getrusage's ru_maxrss would report the largest of all earlier children too.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def limit_resources(memory_bytes: int, cpu_seconds: int, inflate_bytes: int) -> None:
    """Cap memory, CPU, files and stream inflation for the rest of this process; a crash leaves no core dump."""
    # A budget on top of what Python and pikepdf already map, so it means the same on every machine.
    lower_limit(resource.RLIMIT_AS, memory_status("VmSize") + memory_bytes)
    lower_limit(resource.RLIMIT_CPU, cpu_seconds)
    lower_limit(resource.RLIMIT_CORE, 0)
    lower_limit(resource.RLIMIT_FSIZE, 0)  # the parser writes nothing but its answer, to a pipe
    lower_limit(resource.RLIMIT_NOFILE, MAX_OPEN_FILES)
    # Object and cross-reference streams are the only streams qpdf decodes here (PNG predictors for the latter).
    pikepdf.settings.set_qpdf_limits(flate_max_memory=inflate_bytes, png_max_memory=inflate_bytes)


def lower_limit(kind: int, value: int) -> None:
    """Set soft and hard limit to value, unless the host (a container, systemd) already imposes a lower one."""
    _, hard = resource.getrlimit(kind)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(kind, (value, value))


def actions_in(obj, depth: int = 0) -> set[str]:
    """Kinds of dangerous action ("javascript", "launch") in obj and its direct (inline) children.

    Indirect children are skipped: every indirect object is visited on its own by the caller.
    """
    found = set()
    if isinstance(obj, Stream):
        obj = obj.stream_dict
    if isinstance(obj, Dictionary):
        keys = set(obj.keys())
        action_type = obj.get(Name.S)
        if "/JS" in keys or "/JavaScript" in keys or action_type == Name.JavaScript:
            found.add("javascript")
        if action_type == Name.Launch:
            found.add("launch")
        children = obj.values()
    elif isinstance(obj, Array):
        children = iter(obj)
    else:
        return found
    for child in children:
        if depth < MAX_NESTING and isinstance(child, Dictionary | Array) and not child.is_indirect:
            found |= actions_in(child, depth + 1)
    return found


def dangerous_actions(pdf: pikepdf.Pdf) -> set[str]:
    """JavaScript or Launch actions anywhere in the file, whatever triggers them.

    Looking at every object (not only /OpenAction, /AA, annotations, outlines and the names tree)
    also catches actions chained with /Next or hidden in form fields. unparse() runs in C++, so the
    Python walk only happens for the few objects whose text mentions an action name.
    """
    found = set()
    for obj in pdf.objects:
        if isinstance(obj, Name):  # an action type kept in its own object (/S 12 0 R) hides from the text filter
            found |= actions_in(Dictionary(S=obj))
            continue
        target = obj.stream_dict if isinstance(obj, Stream) else obj
        if not isinstance(target, Dictionary | Array):
            continue
        text = target.unparse(resolved=True)
        if any(token in text for token in ACTION_TOKENS):
            found |= actions_in(target)
    return found


def inherited(page: Dictionary, key: str):
    """A page attribute, looked up through /Parent as the PDF spec allows; a bounded walk, so parent cycles end."""
    node = page
    for _ in range(MAX_NESTING):
        if not isinstance(node, Dictionary):
            return None
        if key in node:
            return node[key]
        node = node.get(Name.Parent)
    return None


def rectangle(value) -> tuple[float, float, float, float] | None:
    """A box as (left, bottom, right, top), or None if it is not four numbers with a non-zero area."""
    try:
        x0, y0, x1, y1 = (as_number(number) for number in value)
    except (TypeError, ValueError):
        return None
    if None in (x0, y0, x1, y1):
        return None
    left, right, bottom, top = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    return (left, bottom, right, top) if right > left and top > bottom else None


def visible_size(page: Dictionary) -> list[float] | None:
    """Width and height in points as a viewer shows the page: crop box within media box, rotation, user unit."""
    media = rectangle(inherited(page, "/MediaBox"))
    if media is None:
        return None
    box = media
    crop = rectangle(inherited(page, "/CropBox"))
    if crop is not None:
        clipped = (max(crop[0], media[0]), max(crop[1], media[1]), min(crop[2], media[2]), min(crop[3], media[3]))
        box = clipped if clipped[2] > clipped[0] and clipped[3] > clipped[1] else media
    unit = as_number(page.get(Name.UserUnit)) or 1.0
    if unit <= 0:
        unit = 1.0
    width, height = (box[2] - box[0]) * unit, (box[3] - box[1]) * unit
    if int(as_number(inherited(page, "/Rotate")) or 0) % 180 == 90:
        width, height = height, width
    return [round(width, 2), round(height, 2)]


def as_number(value) -> float | None:
    """A finite number, or None: a crafted file may put names, arrays or 1e999 where numbers belong."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def text_or_none(value) -> str | None:
    """A document-information string, decoded, trimmed and shortened; None if absent or not text."""
    if not isinstance(value, pikepdf.String):
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT] or None


def document_info(pdf: pikepdf.Pdf) -> dict:
    """Title and author from the document information dictionary (authors' names matter for double-blind)."""
    try:
        info = pdf.trailer.get(Name.Info)
        if not isinstance(info, Dictionary):
            return {"title": None, "author": None}
        return {"title": text_or_none(info.get(Name.Title)), "author": text_or_none(info.get(Name.Author))}
    except pikepdf.PdfError:
        return {"title": None, "author": None}


def repairs(pdf: pikepdf.Pdf) -> tuple[bool, bool]:
    """Whether qpdf had to rebuild the file's index of objects, and whether it dropped entries of the page tree.

    qpdf repairs quietly; a repaired file may still show in readers, but with dropped page-tree entries
    the page count is not the one a reader may show, so it cannot be trusted.
    """
    warnings = pdf.get_warnings()
    rebuilt = any("file is damaged" in warning or "reconstruct" in warning for warning in warnings)
    dropped = any("Pages tree includes non-dictionary object" in warning for warning in warnings)
    return rebuilt, dropped


def failure_status(error: str) -> str:
    """Name the failure: "page_tree" when qpdf gave up on the list of pages (a loop, no /Kids), else "damaged"."""
    lowered = error.lower()
    return "page_tree" if "/pages" in lowered or "page tree" in lowered or "pages tree" in lowered else "damaged"


def facts_about(data: bytes, page_limit: int, content_bytes: int) -> dict:
    """Everything the check needs to judge the PDF, or the reason it could not be read.

    Page sizes and contents are only looked at for papers within the page limit: a longer one is
    refused for its length, and a 10,000-page file must not cost 10,000 pages of work.
    """
    try:
        pdf = pikepdf.open(io.BytesIO(data))
        pages = list(pdf.pages)
        within_limit = len(pages) <= page_limit
        sizes = [visible_size(page.obj) for page in pages] if within_limit else None
        actions = dangerous_actions(pdf)
        # Before reading page contents: qpdf's warnings about those streams are not repairs of the file.
        rebuilt, dropped_pages = repairs(pdf)
        if dropped_pages:
            return {"status": "page_tree", "detail": "qpdf dropped entries of the page tree"}
        oversized = (
            first_oversized_page([page.obj for page in pages], lambda page: inherited(page, "/Resources"),
                                 content_bytes)
            if within_limit else None
        )
    except pikepdf.PasswordError:
        return {"status": "password"}
    except pikepdf.PdfError as error:
        return {"status": failure_status(str(error)), "detail": str(error)[:500]}
    return {
        "status": "ok",
        "repaired": rebuilt,
        "page_count": len(pages),
        "page_sizes": sizes,
        "javascript": "javascript" in actions,
        "launch": "launch" in actions,
        "oversized_content_page": oversized,
        **document_info(pdf),
    }
