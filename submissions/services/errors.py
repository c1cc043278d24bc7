"""Errors a service raises with a message meant for the author."""


class SubmissionError(Exception):
    """A change that cannot be made; ``str(error)`` is shown to the author as it is."""


class DeadlinePassed(SubmissionError):
    pass


class PdfRejected(SubmissionError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ".join(errors))


class NotAllowed(SubmissionError):
    pass
