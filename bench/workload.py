"""The mixed workload: what every simulated user does, one step after the other (closed loop).

Each user waits until the bot has finished its previous update before sending the next one, like a
person reading the answer before tapping. Register (5 updates), join a team (2), submit an idea through
the /idea flow (6), list the team's ideas and support one (2), list their own ideas (1): 16 updates.
The echo bot gets exactly the same updates; its replies carry no buttons, so presses fall back to a
fixed callback data on its last message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from tests.fakegram import FakeTelegram, SimUser


@dataclass(frozen=True)
class Step:
    kind: str  # "send" or "press"
    text: str = ""  # the message text (send)
    prefix: str = ""  # callback prefix of the button to press
    arg: str | None = None  # its first argument, None: the first button with that prefix
    optional: bool = False  # the button may rightly be missing (then the fallback press is sent, not counted)


SCRIPT: tuple[Step, ...] = (
    Step("send", "/start"),
    Step("press", prefix="consent", arg="yes"),
    Step("press", prefix="eval", arg="y"),
    Step("press", prefix="grp"),
    Step("press", prefix="town"),
    Step("send", "/teams"),
    Step("press", prefix="team", arg="join"),
    Step("send", "/idea"),
    Step("send", "Mehr Sitzbänke und Schatten am Marktplatz, damit Ältere gern in die Stadt kommen."),
    Step("press", prefix="idf"),
    Step("press", prefix="idt", arg="all"),
    Step("press", prefix="idm"),
    Step("press", prefix="idc", arg="ok"),
    Step("send", "/ideas"),
    Step("press", prefix="sup", optional=True),  # no 👍 on one's own idea: the first user may see only theirs
    Step("send", "/myideas"),
)


@dataclass
class Tally:
    updates: int = 0
    missing_buttons: int = 0  # a step whose button was not on the bot's last keyboard
    failures: list[str] = field(default_factory=list)


def _button(user: SimUser, step: Step) -> tuple[str, object] | None:
    for message in reversed(user.messages):
        if message.deleted or not message.buttons:
            continue
        for button in message.flat_buttons():
            data = button.callback_data
            if data is None:
                continue
            parts = data.split(":")
            if parts[0] == step.prefix and (step.arg is None or step.arg in parts[2:]):
                return data, message
        return None  # only the newest keyboard counts, like a person looking at the screen
    return None


async def run_user(user: SimUser, script: Sequence[Step], tally: Tally, expect_buttons: bool) -> None:
    for step in script:
        try:
            if step.kind == "send":
                await user.send(step.text, timeout=60)
            else:
                found = _button(user, step)
                if found is None:
                    if expect_buttons and not step.optional:
                        tally.missing_buttons += 1
                    await user.press_data(f"{step.prefix}:1:x", message=user.last_message(), timeout=60)
                else:
                    data, message = found
                    await user.press_data(data, message=message, timeout=60)  # type: ignore[arg-type]
            tally.updates += 1
        except Exception as exc:  # keep the other users going; report it
            tally.failures.append(f"{user!r} {step}: {exc!r}")
            return


async def run_users(fake: FakeTelegram, n: int, tally: Tally, expect_buttons: bool, prefix: str) -> None:
    users = [fake.user(first_name=f"{prefix}{i}", language_code="de") for i in range(n)]
    await asyncio.gather(*(run_user(u, SCRIPT, tally, expect_buttons) for u in users))
