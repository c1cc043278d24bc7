"""The PDF check shared by every way a paper comes in: ``check_pdf(data, page_limit=...)``."""

from .check import PdfCheckResult, check_pdf
from .paper import PageSize

__all__ = ["PageSize", "PdfCheckResult", "check_pdf"]
