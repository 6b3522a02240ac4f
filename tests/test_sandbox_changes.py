"""The sandbox's `Changes`: deletions, edits and hidings that hold from a moment on, in the
YouTube and Instagram worlds alike (earlier moments still show the item as it was)."""

from __future__ import annotations

from datetime import timedelta

from aggregator.sandbox import Sandbox


def test_a_youtube_edit_deletion_and_hiding_hold_from_their_moment_on(sandbox: Sandbox) -> None:
    world, before = sandbox.youtube.world, sandbox.now()
    video = next(v for v in world.videos(before) if len(world.comments(v, before)) > 3)
    first, second, third = [c for c in world.comments(video, before) if not c.is_reply][:3]
    at = sandbox.advance(10)
    world.changes.edit(first.id, "수정한 의견입니다", at)
    world.changes.delete(second.id, at)
    world.changes.hide(third.id, True, at)
    now = {c.id: c for c in world.comments(video, at)}
    assert (now[first.id].text, now[first.id].updated_at) == ("수정한 의견입니다", at)
    assert second.id not in now
    assert not [c for c in now.values() if c.thread_id == second.id], "its replies go too"
    assert now[third.id].status == "heldForReview"
    then = {c.id: c for c in world.comments(video, before)}
    assert then[first.id].text == first.text
    assert second.id in then
    assert then[third.id].status == third.status


def test_an_instagram_hiding_and_deletion_hold_from_their_moment_on(sandbox: Sandbox) -> None:
    world, before = sandbox.instagram.ig, sandbox.now()
    media = max(world.media(before), key=lambda m: len(world.comments(m, before)))
    shown = [c for c in world.comments(media, before) if c.parent_id is None and not c.hidden]
    at = before + timedelta(minutes=5)
    world.changes.hide(shown[0].id, True, at)
    world.changes.delete(shown[1].id, at)
    later = {c.id: c for c in world.comments(media, at)}
    assert later[shown[0].id].hidden
    assert shown[1].id not in later
    earlier = {c.id: c for c in world.comments(media, before)}
    assert not earlier[shown[0].id].hidden
    assert shown[1].id in earlier
