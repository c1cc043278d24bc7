"""Machine-readable exports of an edition's program: iCalendar, JSON and frab schedule XML.

Each module turns already-loaded rows (see ``selectors``) into bytes; the views in
``program/views/exports.py`` only pick the edition and wrap the bytes in a response. Keeping the
formats free of requests and queries lets them be tested and reused (for example by a command that
writes static files) without the web layer.
"""
