"""Papers for the author flows (the open practice edition and verified accounts are in tests/conftest.py)."""
import io

import pikepdf


def pdf_with_pages(count: int, size=(612, 792)) -> bytes:
    pdf = pikepdf.new()
    for _ in range(count):
        pdf.add_blank_page(page_size=size)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
