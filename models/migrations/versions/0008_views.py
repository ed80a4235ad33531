"""the evaluation's analyst views: v_attendance, v_meeting_attendance, v_absences, v_memberships, v_idea_towns,
v_idea_stays, v_town_answers, v_idea_codes, v_survey, v_survey_codes (documented in docs/evaluation.md)

Revision ID: 0008_views
Revises: 0008_routing
Create Date: 2026-11-30 07:00:00
"""

# ruff: noqa: S608 (the views are built from the constants below only, no value from outside)
from collections.abc import Sequence

from alembic import op

revision: str = "0008_views"
down_revision: str | None = "0008_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Two things SQLite and PostgreSQL spell differently; every view answers the same on both: a UTC calendar month
# ('2026-11', SQLite stores UTC text) and the days between two instants (a fraction).
MONTH = {"sqlite": "substr({0}, 1, 7)", "postgresql": "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM')"}
DAYS = {
    "sqlite": "(julianday({1}) - julianday({0}))",
    "postgresql": "(EXTRACT(EPOCH FROM ({1} - {0})) / 86400.0)",
}
# the elements of a JSON list of code keys, as rows of one column `code`
CODES = {  # (a JSON null instead of a list counts as no code, as in Python)
    "sqlite": "JOIN json_each(CASE WHEN json_type(sa.{0}) = 'array' THEN sa.{0} ELSE '[]' END) j",
    "postgresql": "CROSS JOIN LATERAL json_array_elements_text("
    "CASE WHEN json_typeof(sa.{0}) = 'array' THEN sa.{0} ELSE '[]'::json END) AS j(value)",
}

# a member counts as present at a meeting that took place and whose attendance the lead recorded
PRESENT = "r.attended = TRUE AND m.status <> 'cancelled' AND m.attendance_recorded_at IS NOT NULL"
# each person's first and last presence (one pass, joined: a subquery per row would scan rsvps per row)
PRESENCES = (
    "SELECT r2.person_id, MIN(m2.starts_at) AS first_at, MAX(m2.starts_at) AS last_at"
    " FROM rsvps r2 JOIN meetings m2 ON m2.id = r2.meeting_id"
    " WHERE r2.attended = TRUE AND m2.status <> 'cancelled' AND m2.attendance_recorded_at IS NOT NULL"
    " GROUP BY r2.person_id"
)


def status_step(e: str) -> str:
    """An idea event that sets a status (models/ideas/events.py SETS_STATUS)."""
    return f"{e}.kind IN ('submitted', 'imported', 'status') AND {e}.status IS NOT NULL AND {e}.status <> ''"


def views(dialect: str) -> dict[str, str]:
    def month(x: str) -> str:
        return MONTH[dialect].format(x)

    def days(a: str, b: str) -> str:
        return DAYS[dialect].format(a, b)

    def codes(kind: str, column: str) -> str:
        return f"""SELECT sa.id AS answer_id, sa.meeting_id, t.slug AS team, t.field, {month("m.starts_at")} AS month,
       m.starts_at, p.pseudonym AS person, '{kind}' AS kind, j.value AS code
FROM survey_answers sa {CODES[dialect].format(column)}
JOIN meetings m ON m.id = sa.meeting_id JOIN teams t ON t.id = m.team_id
LEFT JOIN people p ON p.id = sa.person_id
WHERE sa.person_id IS NULL OR p.evaluation_consent = TRUE"""

    return {
        "v_attendance": f"""CREATE VIEW v_attendance AS
SELECT m.id AS meeting_id, t.slug AS team, t.field, {month("m.starts_at")} AS month, m.starts_at,
       COALESCE(m.town, 'online') AS meeting_town, m.duration_min, m.duration_min / 60.0 AS hours,
       p.pseudonym AS person, COALESCE(p.town, 'unknown') AS town,
       COALESCE(p.stakeholder_group, 'unknown') AS stakeholder_group,
       {month("f.first_at")} AS first_month, {month("f.last_at")} AS last_month
FROM rsvps r JOIN meetings m ON m.id = r.meeting_id JOIN teams t ON t.id = m.team_id
JOIN people p ON p.id = r.person_id JOIN ({PRESENCES}) f ON f.person_id = r.person_id
WHERE {PRESENT}""",
        "v_meeting_attendance": f"""CREATE VIEW v_meeting_attendance AS
SELECT m.id AS meeting_id, t.slug AS team, t.field, {month("m.starts_at")} AS month, m.starts_at,
       COALESCE(m.town, 'online') AS meeting_town, m.duration_min, m.guests,
       m.guests * m.duration_min / 60.0 AS guest_hours,
       (SELECT COUNT(*) FROM rsvps r WHERE r.meeting_id = m.id AND r.attended = TRUE) AS present,
       (SELECT COUNT(DISTINCT p.town) FROM rsvps r JOIN people p ON p.id = r.person_id
        WHERE r.meeting_id = m.id AND r.attended = TRUE) AS home_towns
FROM meetings m JOIN teams t ON t.id = m.team_id
WHERE m.status <> 'cancelled' AND m.attendance_recorded_at IS NOT NULL""",
        "v_absences": f"""CREATE VIEW v_absences AS
SELECT m.id AS meeting_id, t.slug AS team, {month("m.starts_at")} AS month, m.starts_at, p.pseudonym AS person,
       COALESCE(p.town, 'unknown') AS town, COALESCE(p.stakeholder_group, 'unknown') AS stakeholder_group,
       CASE WHEN r.answer = 'no' THEN COALESCE(r.reason, 'none') ELSE 'no_show' END AS reason,
       CASE WHEN f.first_at < m.starts_at THEN 1 ELSE 0 END AS attended_before,
       CASE WHEN f.last_at > m.starts_at THEN 1 ELSE 0 END AS attended_after
FROM rsvps r JOIN meetings m ON m.id = r.meeting_id JOIN teams t ON t.id = m.team_id
JOIN people p ON p.id = r.person_id LEFT JOIN ({PRESENCES}) f ON f.person_id = r.person_id
WHERE m.status <> 'cancelled' AND (r.attended IS NULL OR r.attended = FALSE)
  AND (r.answer = 'no' OR m.attendance_recorded_at IS NOT NULL)""",
        "v_memberships": f"""CREATE VIEW v_memberships AS
SELECT t.slug AS team, t.field, p.pseudonym AS person, COALESCE(p.town, 'unknown') AS town,
       COALESCE(p.stakeholder_group, 'unknown') AS stakeholder_group, ms.role, ms.joined_at,
       {month("ms.joined_at")} AS month
FROM memberships ms JOIN teams t ON t.id = ms.team_id JOIN people p ON p.id = ms.person_id""",
        "v_idea_towns": f"""CREATE VIEW v_idea_towns AS
SELECT i.id AS idea_id, COALESCE(it.town, 'unknown') AS town,
       (SELECT COUNT(*) FROM idea_towns x WHERE x.idea_id = i.id) AS towns,
       i.field, t.slug AS team, i.status, i.created_at, {month("i.created_at")} AS month, p.pseudonym AS author
FROM ideas i LEFT JOIN idea_towns it ON it.idea_id = i.id LEFT JOIN teams t ON t.id = i.team_id
LEFT JOIN people p ON p.id = i.author_id
WHERE i.status <> 'merged'""",
        "v_idea_stays": f"""CREATE VIEW v_idea_stays AS
SELECT x.idea_id, x.status, x.stage, x.since, x.until, {days("x.since", "x.until")} AS days
FROM (SELECT e.idea_id, e.status, e.at AS since,
             CASE e.status WHEN 'submitted' THEN 1 WHEN 'in_review' THEN 2 WHEN 'accepted' THEN 3
                           WHEN 'implemented' THEN 4 END AS stage,
             (SELECT MIN(e2.at) FROM idea_events e2
              WHERE e2.idea_id = e.idea_id AND {status_step("e2")}
                AND (e2.at > e.at OR (e2.at = e.at AND e2.id > e.id))) AS until
      FROM idea_events e WHERE {status_step("e")}) x""",
        "v_town_answers": f"""CREATE VIEW v_town_answers AS
SELECT x.idea_id, x.town, x.forwarded_at, x.answered_at, {days("x.forwarded_at", "x.answered_at")} AS days
FROM (SELECT e.idea_id, e.town, e.at AS forwarded_at,
             (SELECT MIN(a.at) FROM idea_events a
              WHERE a.idea_id = e.idea_id AND a.kind = 'town_answer' AND a.town = e.town AND a.at >= e.at)
             AS answered_at
      FROM idea_events e WHERE e.kind = 'forwarded' AND e.town IS NOT NULL) x""",
        "v_idea_codes": f"""CREATE VIEW v_idea_codes AS
SELECT c.idea_id, c.kind, c.code, c.created_at, {month("c.created_at")} AS month, t.slug AS team, i.field,
       p.pseudonym AS author
FROM idea_codes c JOIN ideas i ON i.id = c.idea_id LEFT JOIN teams t ON t.id = i.team_id
LEFT JOIN people p ON p.id = i.author_id
WHERE i.status <> 'merged'""",
        "v_survey": f"""CREATE VIEW v_survey AS
SELECT sa.id AS answer_id, sa.meeting_id, t.slug AS team, t.field, {month("m.starts_at")} AS month, m.starts_at,
       p.pseudonym AS person, COALESCE(sa.person_town, 'unknown') AS town,
       COALESCE(sa.person_group, 'unknown') AS stakeholder_group, sa.usefulness
FROM survey_answers sa JOIN meetings m ON m.id = sa.meeting_id JOIN teams t ON t.id = m.team_id
LEFT JOIN people p ON p.id = sa.person_id
WHERE sa.person_id IS NULL OR p.evaluation_consent = TRUE""",
        "v_survey_codes": f"CREATE VIEW v_survey_codes AS\n{codes('factor', 'factors')}\nUNION ALL\n"
        f"{codes('obstacle', 'obstacles')}",
    }


def upgrade() -> None:
    for statement in views(op.get_bind().dialect.name).values():
        op.execute(statement)


def downgrade() -> None:
    for name in reversed(list(views(op.get_bind().dialect.name))):
        op.execute(f"DROP VIEW IF EXISTS {name}")
