"""Rejections: codes, English messages with their parameters, pickling."""

from __future__ import annotations

import pickle
import re

import pytest

from meetroom.pdf.rejection import MESSAGES, PdfRejected, WorkerCrashed, WorkerTimeout

PARAMS = {
    "too_many_pages": {"pages": 1200, "max": 1000},
    "page_too_large": {"page": 7},
    "too_slow": {"seconds": 30},
    "too_large": {"max_mb": 100},
}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_a_message_with_its_parameters(code: str) -> None:
    params = PARAMS.get(code, {})
    assert set(re.findall(r"{(\w+)}", MESSAGES[code])) == set(params)
    error = PdfRejected(code, **params)
    assert (error.code, error.message, error.params) == (code, MESSAGES[code], params)
    assert str(error) == MESSAGES[code].format(**params)
    assert str(error).endswith(".") and "{" not in str(error)


def test_messages_read_well() -> None:
    assert str(PdfRejected("not_pdf")) == "The file is not a PDF."
    assert str(PdfRejected("too_many_pages", pages=1200, max=1000)) == (
        "The PDF has 1200 pages; at most 1000 are accepted."
    )
    assert str(WorkerTimeout(30.0)) == "The PDF took too long to process (more than 30 s)."
    assert str(WorkerTimeout(0.25)) == "The PDF took too long to process (more than 0.25 s)."
    assert str(WorkerCrashed()) == "The PDF made the renderer crash."
    assert WorkerCrashed(out_of_memory=True).code == "too_much_memory"


@pytest.mark.parametrize(
    "error",
    [
        PdfRejected("page_too_large", page=3),
        WorkerTimeout(2.5),
        WorkerCrashed(),
        WorkerCrashed(out_of_memory=True),
    ],
)
def test_rejections_pickle(error: PdfRejected) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.code, copy.message, copy.params, str(copy)) == (
        error.code,
        error.message,
        error.params,
        str(error),
    )


def test_unknown_codes_are_a_programming_error() -> None:
    with pytest.raises(KeyError):
        PdfRejected("because")
