"""The aiortc internals the SFU relies on are still there (aiortc is pinned for this).

If this fails after an upgrade, read meetroom/sfu/aiortc_internals.py: the message
names what moved."""

from __future__ import annotations

import aioice.ice
import pytest
from aiortc import RTCRtpReceiver, RTCRtpSender

from meetroom.sfu import aiortc_internals as internals


def test_the_pinned_aiortc_has_every_internal_the_sfu_uses() -> None:
    internals.check()


def test_a_moved_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(RTCRtpSender, "_send_keyframe")
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_pli")
    with pytest.raises(internals.AiortcInternalsChanged) as raised:
        internals.check()
    assert "RTCRtpSender._send_keyframe" in str(raised.value)
    assert "RTCRtpReceiver._send_rtcp_pli" in str(raised.value)


def test_another_aiortc_version_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(internals, "version", lambda name: "1.17.0")
    with pytest.raises(internals.AiortcInternalsChanged, match="aiortc 1.17.0 is installed"):
        internals.check()


def test_host_addresses_are_chosen_only_inside_the_block() -> None:
    with internals.host_addresses(("127.0.0.1",)):
        assert aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=True) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(use_ipv4=False, use_ipv6=True) == []
    # Outside: aioice's own choice, which leaves loopback out.
    assert "127.0.0.1" not in aioice.ice.get_host_addresses(use_ipv4=True, use_ipv6=False)
