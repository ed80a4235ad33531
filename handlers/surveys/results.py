"""/feedback: what the surveys after meetings say, per team and per recent meeting (leads: their teams;
the project manager: all). Figures only from min_people answers on (models/surveys/results.py)."""

from __future__ import annotations

from babel.numbers import format_decimal

from core.texts import format_day
from handlers.common import Req, View, esc, short
from models.evaluation.common import half_up
from models.reports.suppression import MARKER, min_people, threshold
from models.surveys import results as results_domain
from models.surveys.figures import Figures


def _mean(req: Req, figures: Figures) -> str:
    mean = figures.mean
    return format_decimal(half_up(mean or 0, 1), "0.0", locale=req.lang)  # half up, as every released mean


def _codes(req: Req, figures: Figures, kind: str) -> str:
    named = [
        req.t(
            "survey.results_code",
            name=esc(c.name(req.lang) if (c := req.config.code(kind, key)) else key),
            n=n if n >= min_people() else MARKER,  # named by fewer: how many stays hidden
        )
        for key, n in figures.top(kind)
    ]
    return " · ".join(named) or req.t("survey.results_nothing_named")


def _overall(req: Req, figures: Figures, held: bool) -> list[str]:
    if held:
        return [req.t("survey.results_held", min=min_people())]
    if not figures.answers:
        return [req.t("survey.results_none")]
    if not figures.shown:
        return [req.t("survey.results_too_few", min=min_people())]
    if figures.rated:
        head = req.t("survey.results_overall", mean=_mean(req, figures), n=figures.rated, answers=figures.answers)
    else:
        head = req.t("survey.results_unrated", answers=figures.answers)
    response = []
    if figures.surveyed >= figures.answers > 0:  # answers of people asked: judge the result by who answered
        rate = format_decimal(half_up(100 * figures.answers / figures.surveyed, 0), "0", locale=req.lang)
        response = [req.t("survey.results_response", answers=figures.answers, surveyed=figures.surveyed, rate=rate)]
    return [
        head,
        *response,
        req.t("survey.results_factors", codes=_codes(req, figures, "factor")),
        req.t("survey.results_obstacles", codes=_codes(req, figures, "obstacle")),
    ]


def _meeting_figures(req: Req, shown: bool, figures: Figures, held: bool) -> str:
    if held:
        return req.t("survey.results_meeting_held")
    if not shown:
        return req.t("survey.results_meeting_too_few")
    if not figures.rated:
        text = req.t("survey.results_meeting_unrated", answers=figures.answers)
    else:
        text = req.t("survey.results_meeting_figures", mean=_mean(req, figures), n=figures.rated)
    if figures.surveyed >= figures.answers > 0:  # whom the figure stands for: answered of those asked
        text += req.t("survey.results_meeting_response", answers=figures.answers, surveyed=figures.surveyed)
    return text


async def show_feedback(req: Req) -> None:
    with threshold(req.config.evaluation.min_people):  # a released figure: the configured rule
        await _show_feedback(req)


async def _show_feedback(req: Req) -> None:
    teams = await results_domain.team_figures(req.session, req.me, req.now)
    lines = [req.t("survey.results_title"), req.t("survey.results_rule", min=min_people())]
    for tf in teams:
        lines += ["", req.t("survey.results_team", team=esc(tf.team.name(req.lang)))]
        lines += _overall(req, tf.overall, tf.held)
        if tf.overall.shown and tf.meetings and not tf.held:
            lines.append(req.t("survey.results_meetings"))
            for mf in tf.meetings:
                meeting = mf.meeting
                day = format_day(meeting.starts_at, req.lang, req.config.time_zone)
                lines.append(
                    req.t(
                        "survey.results_meeting",
                        title=esc(short(meeting.title, 60)),
                        day=day,
                        figures=_meeting_figures(req, mf.shown, mf.figures, mf.held),
                    )
                )
    req.show(View("\n".join(lines)))
