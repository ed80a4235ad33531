"""A labelled set of idea pairs written like the project's ideas, for measuring how well `likeness` tells alike from
unlike: (text, text, alike?). Alike: the same wish in other words (as a second workshop table or a second member
writes it). Unlike: different wishes, many of them naming the same towns, the same field of action and the words
every idea uses ("Angebot", "schaffen", "für Jung und Alt"), which must not make them alike.

THREE_TOWNS: seven different ideas, each naming all three towns; none of their 21 pairs is alike.
"""

from __future__ import annotations

from itertools import combinations

ALIKE: list[tuple[str, str]] = [
    ("Mehr Sitzbänke im Stadtpark aufstellen", "Im Stadtpark sollten mehr Bänke zum Sitzen aufgestellt werden!"),
    ("Ein Bürgerbus zwischen Saalfeld und Rudolstadt", "Bürgerbus Saalfeld – Rudolstadt einrichten"),
    ("Kita-Öffnungszeiten an Schichtarbeit anpassen", "Die Öffnungszeiten der Kitas an die Schichtarbeit anpassen"),
    ("Ein Repair-Café im Jugendclub eröffnen", "Repaircafe im Jugendclub"),
    ("Azubi-Börse für die Region mit allen Betrieben", "Eine gemeinsame Ausbildungsbörse der Betriebe in der Region"),
    (
        "Wir brauchen einen Treffpunkt für ältere Menschen in der Innenstadt, wo man Kaffee trinken und sich "
        "austauschen kann. Am besten mit barrierefreiem Zugang.",
        "Ein Treffpunkt für Senioren in der Innenstadt zum Kaffeetrinken und Austauschen, barrierefrei erreichbar.",
    ),
    (
        "Die Stadt sollte leerstehende Läden in der Innenstadt günstig an junge Gründerinnen und Gründer vermieten.",
        "Leerstehende Geschäfte in der Innenstadt günstig an Start-ups und junge Gründer vermieten",
    ),
    ("Bürgerbus zwischen Saalfeld, Rudolstadt und Bad Blankenburg", "Ein Bürgerbus für alle drei Städte am Saalebogen"),
    ("Ehrenamtsbörse für Saalfeld, Rudolstadt und Bad Blankenburg", "Eine gemeinsame Ehrenamtsbörse der drei Städte"),
    ("Abends mehr Busse von Rudolstadt nach Saalfeld", "Mehr Busse am Abend zwischen Rudolstadt und Saalfeld"),
    ("Ein Ärztehaus in Bad Blankenburg", "Bad Blankenburg braucht ein Ärztehaus mit mehreren Praxen"),
    ("Radweg an der Saale zwischen Rudolstadt und Saalfeld ausbauen", "Den Saaleradweg Rudolstadt–Saalfeld ausbauen"),
    ("Kostenloses WLAN in der Saalfelder Innenstadt", "Freies WLAN für die Innenstadt von Saalfeld"),
    ("Willkommenspaket für neu zugezogene Fachkräfte", "Ein Willkommenspaket für Fachkräfte, die neu zuziehen"),
    ("Jugendparlament für Rudolstadt gründen", "Ein Jugendparlament in Rudolstadt, damit Jugendliche mitreden"),
    (
        "Mitfahrbank in den Ortsteilen aufstellen",
        "Mitfahrbänke für die Ortsteile, damit man ohne Auto in die Stadt kommt",
    ),
    ("Längere Öffnungszeiten der Bibliothek am Samstag", "Die Bibliothek sollte samstags länger geöffnet haben"),
    (
        "Ein Dorfladen mit regionalen Produkten in Unterwellenborn",
        "Dorfladen für Unterwellenborn mit Produkten aus der Region",
    ),
    (
        "Praktikumsbörse der Betriebe für Schülerinnen und Schüler",
        "Eine Börse für Schülerpraktika bei Betrieben aus der Region",
    ),
    ("Wohnungen für Auszubildende in Saalfeld schaffen", "Azubi-Wohnungen in Saalfeld bauen"),
    ("Nachbarschaftshilfe per Telefonkette für Ältere", "Eine Telefonkette für ältere Nachbarn, die Hilfe brauchen"),
    ("Ein Hebammen-Netzwerk für den Landkreis", "Netzwerk der Hebammen im Landkreis aufbauen"),
    ("Stadtfest gemeinsam von allen drei Städten", "Ein gemeinsames Stadtfest der drei Städte"),
    ("Mehr Spielplätze in Rudolstadt-West", "In Rudolstadt-West fehlen Spielplätze"),
    ("Schwimmkurse für Grundschulkinder im Sommer", "Im Sommer Schwimmkurse für Kinder der Grundschulen anbieten"),
    ("Ein Coworking-Space im alten Bahnhof Bad Blankenburg", "Coworking im Bahnhof von Bad Blankenburg einrichten"),
    ("Senioren-Computerkurs in der Volkshochschule", "Computerkurse für Senioren an der Volkshochschule"),
    ("Ein Anrufsammeltaxi für die Dörfer am Wochenende", "Am Wochenende ein Sammeltaxi auf Anruf für die Dörfer"),
    ("Tag der offenen Betriebe für Jugendliche", "Ein Tag der offenen Tür in den Betrieben für Jugendliche"),
    ("Öffentliche Toiletten am Saaleufer", "Am Saaleufer fehlen öffentliche Toiletten"),
    ("Patenschaften für ausländische Fachkräfte", "Paten für Fachkräfte aus dem Ausland"),
    (
        "Kinderbetreuung während der Stadtratssitzungen",
        "Während Sitzungen des Stadtrats Kinder betreuen, damit Eltern kommen",
    ),
    ("Sprachcafé für Geflüchtete und Einheimische", "Ein Sprach-Café, wo Geflüchtete und Einheimische Deutsch üben"),
    ("Carsharing am Bahnhof Rudolstadt", "Ein Carsharing-Angebot am Rudolstädter Bahnhof"),
    (
        "Leerstehende Häuser für junge Familien günstig abgeben",
        "Junge Familien sollen leerstehende Häuser günstig bekommen",
    ),
    (
        "Gemeinsame Stellenbörse aller Unternehmen im Saalebogen",
        "Stellenbörse der Unternehmen am Saalebogen, gemeinsam",
    ),
]

UNLIKE: list[tuple[str, str]] = [
    ("Mehr Sitzbänke im Stadtpark aufstellen", "Mehr Fahrradständer am Bahnhof aufstellen"),
    ("Ein Bürgerbus zwischen Saalfeld und Rudolstadt", "Ein Rufbus zwischen Bad Blankenburg und Rudolstadt"),
    ("Kita-Öffnungszeiten an Schichtarbeit anpassen", "Die Öffnungszeiten des Bürgerbüros verlängern"),
    (
        "Die Stadt sollte leerstehende Läden in der Innenstadt günstig an junge Gründerinnen und Gründer vermieten.",
        "Die Stadt sollte die Innenstadt für Radfahrer sicherer machen und mehr Radwege in der Innenstadt bauen.",
    ),
    ("Ein Bürgerbus zwischen den drei Städten, auch am Wochenende.", "Mehr Ärztinnen und Ärzte aufs Land holen"),
    ("Mehr Bänke", "Mehr Bänke am Saaleufer und im Stadtpark, damit ältere Menschen Pausen machen können"),
    ("Treffpunkt für Jugendliche in Rudolstadt", "Ausbildungsmesse für Jugendliche in Rudolstadt"),
    ("Ein Ärztehaus in Bad Blankenburg", "Ein Jugendhaus in Bad Blankenburg"),
    ("Kostenloses WLAN in der Saalfelder Innenstadt", "Kostenlose Parkplätze in der Saalfelder Innenstadt"),
    ("Mehr Busse am Abend zwischen Rudolstadt und Saalfeld", "Mehr Kulturangebote am Abend in Rudolstadt und Saalfeld"),
    ("Daseinsvorsorge: Apotheke im Ortsteil erhalten", "Daseinsvorsorge: Briefkasten im Ortsteil erhalten"),
    ("Fachkräfte: Willkommenspaket für Zugezogene", "Fachkräfte: Weiterbildung für Beschäftigte im Handwerk"),
    (
        "Bürgerschaftliches Engagement: Ehrenamtspreis der Städte",
        "Bürgerschaftliches Engagement: Vereinsräume der Städte",
    ),
    (
        "Ein gemeinsames Angebot für Familien in allen drei Städten schaffen",
        "Ein gemeinsames Angebot für Senioren in allen drei Städten schaffen",
    ),
    ("Radweg an der Saale ausbauen", "Hochwasserschutz an der Saale ausbauen"),
    ("Längere Öffnungszeiten der Bibliothek am Samstag", "Längere Öffnungszeiten des Freibads im Sommer"),
    ("Wohnungen für Auszubildende in Saalfeld schaffen", "Kita-Plätze für Kinder in Saalfeld schaffen"),
    ("Schwimmkurse für Grundschulkinder im Sommer", "Ferienbetreuung für Grundschulkinder im Sommer"),
    ("Senioren-Computerkurs in der Volkshochschule", "Englischkurs für Fachkräfte in der Volkshochschule"),
    ("Öffentliche Toiletten am Saaleufer", "Öffentlicher Grillplatz am Saaleufer"),
    ("Carsharing am Bahnhof Rudolstadt", "Fahrradgarage am Bahnhof Rudolstadt"),
    ("Mehr Spielplätze in Rudolstadt-West", "Mehr Straßenlaternen in Rudolstadt-West"),
    ("Tag der offenen Betriebe für Jugendliche", "Tag der offenen Rathäuser für Bürgerinnen und Bürger"),
    (
        "Ein Dorfladen mit regionalen Produkten in Unterwellenborn",
        "Ein Wochenmarkt mit regionalen Produkten in Saalfeld",
    ),
    ("Sprachcafé für Geflüchtete und Einheimische", "Fußballturnier für Geflüchtete und Einheimische"),
    ("Stadtfest gemeinsam von allen drei Städten", "Tourismuswerbung gemeinsam von allen drei Städten"),
    ("Patenschaften für ausländische Fachkräfte", "Kinderbetreuung für ausländische Fachkräfte"),
]

THREE_TOWNS = [
    "Bürgerbus zwischen Saalfeld, Rudolstadt und Bad Blankenburg",
    "Ehrenamtsbörse für Saalfeld, Rudolstadt und Bad Blankenburg",
    "Gemeinsamer Veranstaltungskalender von Saalfeld, Rudolstadt und Bad Blankenburg",
    "Ausbildungsmesse der Betriebe aus Saalfeld, Rudolstadt und Bad Blankenburg",
    "Radwegenetz zwischen Saalfeld, Rudolstadt und Bad Blankenburg schließen",
    "Ein Ärztenetz für Saalfeld, Rudolstadt und Bad Blankenburg aufbauen",
    "Willkommensbüro für Zuzügler in Saalfeld, Rudolstadt und Bad Blankenburg",
]

LABELLED: list[tuple[str, str, bool]] = (
    [(a, b, True) for a, b in ALIKE]
    + [(a, b, False) for a, b in UNLIKE]
    + [(a, b, False) for a, b in combinations(THREE_TOWNS, 2)]
)
