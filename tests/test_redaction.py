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
