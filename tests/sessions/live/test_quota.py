"""How much one person, and a meeting, may store in a live session (live/quota.py)."""

from __future__ import annotations

import pytest

from meetroom.errors import TooLarge
from meetroom.sessions.live.quota import MB, Quotas, Usage, cost_of

A, B = "p:a", "p:b"


def test_the_weight_of_an_operation() -> None:
    assert cost_of("undo", {}) == 400
    assert cost_of("stroke", {"points": [[0.1, 0.2]] * 10, "width": 0.004}) == 400 + 160
    assert cost_of("note", {"text": "ghi chú", "x": 0.5}) == 400 + len("ghi chú".encode())
    assert cost_of("stroke", {"points": "not a list", "text": 3}) == 400


def refused(quotas: Quotas, usage: Usage, author: str, kind: str, cost: int = 400,
            page: int = 1) -> TooLarge:  # fmt: skip
    with pytest.raises(TooLarge) as caught:
        quotas.check(usage, author, kind, "d1", page, cost)
    return caught.value


def test_annotations_per_person_per_page() -> None:
    quotas, usage = Quotas(per_page=3), Usage()
    for _ in range(3):
        quotas.check(usage, A, "stroke", "d1", 1, 400)
        usage.add(A, "stroke", "d1", 1, 400)
    error = refused(quotas, usage, A, "note")
    assert error.code == "annotation_quota" and error.params == {"n": 3}
    # Another page, another document, another person, or what adds nothing: still fine.
    quotas.check(usage, A, "stroke", "d1", 2, 400)
    quotas.check(usage, A, "stroke", "d2", 1, 400)
    quotas.check(usage, B, "stroke", "d1", 1, 400)
    for kind in ("erase", "undo", "redo", "chat"):
        quotas.check(usage, A, kind, None, None, 400)


def test_operations_per_person_chat_included() -> None:
    quotas, usage = Quotas(per_person=4), Usage()
    for kind in ("stroke", "undo", "redo", "chat"):
        usage.add(A, kind, "d1" if kind == "stroke" else None, 1, 400)
    assert refused(quotas, usage, A, "chat").code == "chat_quota"
    error = refused(quotas, usage, A, "erase")
    assert error.code == "annotation_quota" and error.params == {"n": 4}
    quotas.check(usage, B, "chat", None, None, 400)


def test_weight_per_person_and_per_meeting() -> None:
    quotas = Quotas(person_mb=1.0, meeting_mb=1.5)
    usage = Usage()
    usage.add(A, "stroke", "d1", 1, MB - 1000)
    quotas.check(usage, A, "stroke", "d1", 2, 1000)  # exactly the limit
    error = refused(quotas, usage, A, "stroke", cost=1001, page=2)
    assert error.code == "annotation_quota" and error.params == {"mb": "1"}
    assert "one person" in error.message
    assert refused(quotas, usage, A, "chat", cost=1001).code == "chat_quota"

    usage.add(B, "stroke", "d1", 1, MB // 2 - 1000)
    quotas.check(usage, B, "stroke", "d1", 1, 2000)  # 1.5 MB in all, to the byte
    error = refused(quotas, usage, B, "note", cost=2001)
    assert error.params == {"mb": "1.5"} and "a meeting" in error.message


def test_usage_adds_up_by_author_page_and_meeting() -> None:
    usage = Usage()
    usage.add(A, "stroke", "d1", 1, 500)
    usage.add(A, "note", "d1", 1, 450)
    usage.add(A, "erase", None, None, 400)
    usage.add(B, "chat", None, None, 410)
    assert usage.on_page == {(A, "d1", 1): 2}
    assert usage.operations == {A: 3, B: 1}
    assert usage.weight == {A: 1350, B: 410}
    assert usage.total == 1760
