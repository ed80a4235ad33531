"""scheduler/jobs.py: a planning job that fails is logged and the bot goes on; rows planned wake the dispatcher."""

import logging
from types import SimpleNamespace

from scheduler.jobs import guarded, planned


class Dispatcher:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


async def test_a_failing_plan_is_logged_and_does_not_escape_the_job(caplog):
    async def plan(svc):
        raise RuntimeError("database went away")

    context = SimpleNamespace(application=SimpleNamespace(bot_data={"services": object()}))
    with caplog.at_level(logging.ERROR, logger="actionbot.jobs"):
        await guarded(plan, "survey sweep")(context)
    assert [r.getMessage() for r in caplog.records] == ["survey sweep failed"]


async def test_the_plan_gets_the_bots_services(caplog):
    seen = []

    async def plan(svc):
        seen.append(svc)
        return 0

    services = object()
    await guarded(plan, "x")(SimpleNamespace(application=SimpleNamespace(bot_data={"services": services})))
    assert seen == [services]


def test_rows_planned_wake_the_dispatcher_and_none_do_not():
    svc = SimpleNamespace(dispatcher=Dispatcher())
    assert planned(svc, 0) == 0 and svc.dispatcher.woken == 0
    assert planned(svc, 3) == 3 and svc.dispatcher.woken == 1
    assert planned(SimpleNamespace(dispatcher=None), 2) == 2  # before the dispatcher runs
