"""How far a page's drawing instructions expand when a viewer opens it, measured with a byte cap.

Runs inside the sandbox's parse process (stdlib and pikepdf only). A page is drawn from its
/Contents streams and from every content stream those call: Form XObjects (nested to any depth),
tiling patterns, Type 3 glyph procedures and annotation appearances. A decompression bomb hides
gigabytes of zeros in a few kilobytes of Flate data there, in one stream or spread over many; every
viewer (and every reviewer's laptop) would inflate it. So each such stream is inflated here, in
pieces of at most INFLATE_PIECE bytes through zlib.decompressobj(max_length=...), counted and thrown
away, and the count stops a little past the cap: memory stays at a few megabytes and time at a few
tens of milliseconds whatever the stream claims.

Flate (also chained, and after ASCIIHex/ASCII85, which only shrink data) is the filter bombs use and
the one inflated here. Other filters (LZW, RunLength) are left to qpdf's decoder, under the parse
process's memory limit. A stream that cannot be decoded counts what came out before the error: a
viewer shows what it can, and damage is judged elsewhere. Images and embedded fonts are never read.
What a viewer does with the instructions (drawing one form a million times) is not measured here.
"""

import base64
import binascii
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

INFLATE_PIECE = 1024 * 1024
# Compressed input is fed in slices, so zlib's unconsumed tail is never a copy of a 10 MB stream.
INPUT_SLICE = 64 * 1024
MAX_NESTING = 32
FLATE = {"/FlateDecode", "/Fl"}


def first_oversized_page(pages: list[Dictionary], resources_of, cap: int) -> int | None:
    """The number (from 1) of the first page whose contents expand to more than cap bytes, or None.

    resources_of(page) gives the page's /Resources, inherited through the page tree if need be.
    Each distinct stream is inflated at most once per document (a form shared by all pages is not
    inflated again for each), but counted on every page that uses it.
    """
    sizes: dict[tuple[int, int], int] = {}
    for number, page in enumerate(pages, start=1):
        if _page_bytes(page, resources_of(page), sizes, cap) > cap:
            return number
    return None


def _page_bytes(page: Dictionary, resources, sizes: dict, cap: int) -> int:
    total = 0
    contents = page.get(Name.Contents)
    # Every entry of a /Contents array is drawn, even the same stream listed twice.
    for stream in (contents if isinstance(contents, Array) else [contents]):
        if isinstance(stream, Stream):
            total += _stream_bytes(stream, sizes, cap)
            if total > cap:
                return total
    called = list(_called_streams(page, resources))
    for stream in called:
        total += _stream_bytes(stream, sizes, cap)
        if total > cap:
            break
    return total


def _called_streams(page: Dictionary, resources):
    """Each content stream the page may call, once: forms, patterns, glyph procedures, appearances."""
    seen: set[tuple[int, int]] = set()
    pending = [(resources, 0)]
    for annotation in _items(page.get(Name.Annots)):
        appearance = annotation.get(Name.AP) if isinstance(annotation, Dictionary) else None
        for state in _items(appearance):  # /N, /R, /D: a stream, or a dictionary of streams by state
            for stream in ([state] if isinstance(state, Stream) else _items(state)):
                pending.append((stream, 0))
    while pending:
        node, depth = pending.pop()
        if depth > MAX_NESTING or not isinstance(node, Dictionary | Stream):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if isinstance(node, Stream):
            yield node
            pending.append((node.stream_dict.get(Name.Resources), depth + 1))
            continue
        for kind in (Name.XObject, Name.Pattern, Name.Font):
            for resource in _items(node.get(kind)):
                pending.extend((stream, depth + 1) for stream in _content_streams_of(resource))


def _content_streams_of(resource):
    """The content streams inside one resource; images, shadings and font programs are not content."""
    if isinstance(resource, Stream):
        info = resource.stream_dict
        if info.get(Name.Subtype) == Name.Form or info.get(Name.PatternType) == 1:
            yield resource
    elif isinstance(resource, Dictionary) and resource.get(Name.Subtype) == Name.Type3:
        yield from (proc for proc in _items(resource.get(Name.CharProcs)) if isinstance(proc, Stream))
        yield resource.get(Name.Resources)


def _items(container) -> list:
    if isinstance(container, Dictionary):
        return list(container.values())
    if isinstance(container, Array):
        return list(container)
    return []


def _stream_bytes(stream: Stream, sizes: dict, cap: int) -> int:
    key = stream.objgen
    if key not in sizes:
        sizes[key] = decoded_size(stream, cap)
    return sizes[key]


def decoded_size(stream: Stream, cap: int) -> int:
    """The stream's decoded length, or some number above cap once it is clear the stream exceeds cap."""
    try:
        filters = stream.stream_dict.get(Name.Filter)
        names = [str(f) for f in (filters if isinstance(filters, Array) else [filters] if filters else [])]
        raw = stream.read_raw_bytes()  # decrypted by qpdf, not decoded
    except pikepdf.PdfError:
        return 0
    while names and names[0] in SHRINKING:
        try:
            raw = SHRINKING[names.pop(0)](raw)
        except (ValueError, binascii.Error):
            return len(raw)
    if not names:
        return len(raw)
    flate_stages = 0
    while flate_stages < len(names) and names[flate_stages] in FLATE:
        flate_stages += 1
    if flate_stages == 0:
        return _size_by_qpdf(stream, len(raw))
    # Shrinking filters after the last Flate stage do not matter: the count is already an upper bound.
    pieces = _slices(raw)
    for _ in range(flate_stages):
        pieces = _inflate(pieces, cap)
    total = 0
    for piece in pieces:
        total += len(piece)
        if total > cap:
            break
    return total


def _size_by_qpdf(stream: Stream, fallback: int) -> int:
    try:
        return len(stream.read_bytes())
    except pikepdf.PdfError:
        return fallback


def _slices(data: bytes):
    view = memoryview(data)
    for start in range(0, len(data), INPUT_SLICE):
        yield view[start:start + INPUT_SLICE]


def _inflate(pieces, cap: int):
    """Inflate a sequence of compressed pieces lazily, never more than INFLATE_PIECE bytes at a time."""
    inflater = zlib.decompressobj()
    produced = 0
    for piece in pieces:
        data = piece
        while data and not inflater.eof:
            try:
                out = inflater.decompress(data, INFLATE_PIECE)
            except zlib.error:
                return  # damaged from here on: a viewer stops drawing here too
            data = inflater.unconsumed_tail
            if out:
                produced += len(out)
                yield out
                if produced > cap:
                    return
        if inflater.eof:
            return
    try:
        rest = inflater.flush()
    except zlib.error:
        return
    if rest:
        yield rest


def _ascii_hex(data: bytes) -> bytes:
    """ASCIIHex data up to '>', whitespace ignored, an odd last digit padded with 0, as the PDF spec reads it."""
    digits = bytes(data).split(b">", 1)[0].translate(None, b" \t\r\n\f\0")
    return base64.b16decode(digits + b"0" if len(digits) % 2 else digits, casefold=True)


def _ascii_85(data: bytes) -> bytes:
    """ASCII85 data up to its '~>' end marker (an optional '<~' start is skipped)."""
    text = bytes(data).strip()
    text = text[2:] if text.startswith(b"<~") else text
    return base64.a85decode(text.split(b"~>", 1)[0], ignorechars=b" \t\n\r\v\f\0")


# Filters that only shrink data; decoded whole when they come before the first Flate stage.
SHRINKING = {"/ASCIIHexDecode": _ascii_hex, "/AHx": _ascii_hex, "/ASCII85Decode": _ascii_85, "/A85": _ascii_85}
