"""Why a PDF was refused, as a code, an English msgid (translated at the edge) and
its parameters. The exceptions cross process boundaries, so they pickle."""

from __future__ import annotations

from typing import Any

from meetroom.errors import N_

MESSAGES: dict[str, str] = {
    "not_pdf": N_("The file is not a PDF."),
    "encrypted": N_(
        "The PDF is protected with a password; upload it without the password protection."
    ),
    "malformed": N_("The PDF is damaged and cannot be read."),
    "no_pages": N_("The PDF has no pages."),
    "too_many_pages": N_("The PDF has {pages} pages; at most {max} are accepted."),
    "page_too_large": N_("Page {page} is too large to display."),
    "too_much_memory": N_("The PDF needs too much memory to render."),
    "too_slow": N_("The PDF took too long to process (more than {seconds} s)."),
    "renderer_crashed": N_("The PDF made the renderer crash."),
    "too_large": N_("The file is too large; at most {max_mb} MB are accepted."),
}


class PdfRejected(Exception):
    """A PDF that breaks a limit or cannot be read; `code` is one of `MESSAGES`."""

    def __init__(self, code: str, **params: Any) -> None:
        message = MESSAGES[code]
        super().__init__(message.format(**params))
        self.code = code
        self.message = message
        self.params = params

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception pickles its `args` only, which would lose the code and params.
        return (_restore, (type(self), self.code, self.params))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, **{self.params!r})"


class WorkerTimeout(PdfRejected):
    """A worker took longer than its call's timeout and was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__("too_slow", seconds=_round(seconds))


class WorkerCrashed(PdfRejected):
    """A worker process died (killed, crashed, out of memory) during a call.

    PDFium aborts the process when an allocation fails (it cannot raise), as under
    the worker's RLIMIT_AS with a decompression bomb: such a death is reported as
    too_much_memory, any other as renderer_crashed."""

    def __init__(self, out_of_memory: bool = False) -> None:
        super().__init__("too_much_memory" if out_of_memory else "renderer_crashed")


def _restore(cls: type[PdfRejected], code: str, params: dict[str, Any]) -> PdfRejected:
    error = Exception.__new__(cls)
    PdfRejected.__init__(error, code, **params)
    return error


def _round(seconds: float) -> int | float:
    return int(seconds) if seconds == int(seconds) else round(seconds, 2)
