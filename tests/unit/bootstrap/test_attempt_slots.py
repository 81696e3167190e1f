"""The slots of a process's webhook attempts: when an endpoint is said to have room for another claim."""

from referrals.application.use_cases.deliver_webhooks import CLAIMED_PER_SLOT
from referrals.bootstrap.attempt_slots import WAVES_LEFT_WHEN_ROOM, AttemptSlots
from referrals.domain.ids import new_id

PER_ENDPOINT = 2


async def test_room_is_announced_once_two_waves_are_left_and_at_each_attempt_after() -> None:
    endpoint = new_id()
    held_when_announced: list[int] = []
    slots = AttemptSlots(PER_ENDPOINT, 8, lambda: held_when_announced.append(slots.held.get(endpoint, 0)))
    for _ in range(PER_ENDPOINT * CLAIMED_PER_SLOT):
        slots.hold(endpoint)

    for _ in range(PER_ENDPOINT * CLAIMED_PER_SLOT):
        async with slots.attempt(endpoint):
            pass

    # Not at the first attempts, while more than two waves are held: a claim would find room for too few.
    assert held_when_announced == list(range(WAVES_LEFT_WHEN_ROOM * PER_ENDPOINT, -1, -1))
    assert slots.room() == 8 * CLAIMED_PER_SLOT
