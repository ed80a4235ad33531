"""Free sentences in released outputs carry no names, phone numbers or e-mail addresses (models/reports/redact.py)."""

from __future__ import annotations

import pytest

from models.reports.redact import Redactor

PEOPLE = ["Carl Meier", "Anneliese Quast", "Jo", "Hans-Peter Groß", "Dr. Eva Lind"]


@pytest.mark.parametrize(
    ("said", "cleaned"),
    [
        ("Danke an Carl für die Idee.", "Danke an [Name] für die Idee."),
        ("Carls Idee war gut, Carl's auch, Carl’s sowieso.", "[Name] Idee war gut, [Name] auch, [Name] sowieso."),
        ("CARL und carl und Meiers Auto", "[Name] und [Name] und [Name] Auto"),
        ("Mit Anneliese Quast ging es schneller.", "Mit [Name] ging es schneller."),
        ("Hans-Peter fuhr, Hans' Rad auch, Peters Rad nicht.", "[Name] fuhr, [Name] Rad auch, [Name] Rad nicht."),
        ("Eva Lind kam zu spät.", "[Name] [Name] kam zu spät."),
        ("Ruft mich an: 0151 234 56 78 oder +49 (3671) 12345.", "Ruft mich an: [Telefon] oder [Telefon]."),
        ("Schreibt an carl.meier@example.org!", "Schreibt an [E-Mail]!"),
        ("Frag @carl_m im Chat.", "Frag [Name] im Chat."),
        ("Jo war da, Karlsruhe ist weit, 2026 gut, 12 Leute.", "Jo war da, Karlsruhe ist weit, 2026 gut, 12 Leute."),
    ],
)
def test_names_phone_numbers_and_addresses_become_neutral_tokens(said, cleaned):
    assert Redactor(PEOPLE)(said) == cleaned


def test_without_people_only_numbers_and_addresses_go():
    assert Redactor([])("Carl: 0151 2345678") == "Carl: [Telefon]"


def test_a_lower_case_word_of_a_name_is_no_name_on_its_own():
    """An office registered as a person ("Amt für Stadtentwicklung") must not take "für" out of every sentence;
    "von" in "Ulla von Brück" neither. The whole name and its capitalised words still go."""
    clean = Redactor(["Amt für Stadtentwicklung", "Ulla von Brück"])
    said = "Hin und zurück für ein Treffen, von Ulla von Brück und dem Amt für Stadtentwicklung."
    assert clean(said) == "Hin und zurück für ein Treffen, von [Name] und dem [Name]."
    assert clean("Brücks Idee für alle") == "[Name] Idee für alle"
