"""Countries, cities, streets and postal codes, written the way people type them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    """A city with its state/province spellings, postal-code pattern and landline area code.

    In ``zip_pattern`` ``#`` is a random digit and ``@`` a random capital letter.
    """

    name: str
    states: tuple[str, ...]  # how people write the state/province; the first is the usual one
    zip_pattern: str
    area: str  # landline area code (national significant digits, no trunk prefix)


@dataclass(frozen=True, slots=True)
class Country:
    """Everything the generator needs to invent a person or company of one country."""

    iso: str
    weight: float  # share of the records
    culture: str  # key of names.FIRST_NAMES / LAST_NAMES
    company_style: str  # key of names.COMPANY_PATTERNS
    company_culture: str  # key of names.COMPANY_WORDS
    spellings: tuple[tuple[str, float], ...]  # how people type the country
    currency: str
    tlds: tuple[str, ...]
    cities: tuple[City, ...]
    street_types: tuple[str, ...]
    street_names: tuple[str, ...]
    street_templates: tuple[str, ...]  # fields: t, n, num, fl, door, apt


_ES_STREETS = ("Mayor", "Alcalá", "Gran Vía", "de la Constitución", "Real", "San Francisco",
               "Doctor Fleming", "Príncipe de Vergara", "de la Castellana", "Colón", "Cervantes",
               "Nuestra Señora del Pilar", "de España", "San Vicente", "Reyes Católicos",
               "Juan Carlos I", "de Andalucía", "del Carmen", "Sant Joan", "Diagonal")
_MX_STREETS = ("Insurgentes Sur", "Paseo de la Reforma", "Juárez", "Morelos", "Hidalgo",
               "Revolución", "Benito Juárez", "Independencia", "Vallarta", "Madero")
_AR_STREETS = ("Corrientes", "Santa Fe", "Rivadavia", "del Libertador", "San Martín", "Florida",
               "Callao", "Belgrano", "Colón")
_CL_STREETS = ("Providencia", "Apoquindo", "Las Condes", "Libertador Bernardo O'Higgins",
               "Vicuña Mackenna", "Irarrázaval", "Huérfanos")

COUNTRIES: tuple[Country, ...] = (
    Country(
        "ES", 27, "es", "latin", "es",
        (("Spain", 30), ("España", 35), ("ES", 12), ("Espana", 6), ("spain", 4), ("ESP", 3),
         ("españa", 3), ("Spain ", 2), ("Reino de España", 1)),
        "EUR", ("es", "com", "es"),
        (City("Madrid", ("Madrid", "Comunidad de Madrid", "MAD"), "280##", "91"),
         City("Barcelona", ("Barcelona", "Cataluña", "BCN"), "080##", "93"),
         City("Valencia", ("Valencia", "València", "Comunidad Valenciana"), "460##", "96"),
         City("Sevilla", ("Sevilla", "Andalucía"), "410##", "95"),
         City("Zaragoza", ("Zaragoza", "Aragón"), "500##", "976"),
         City("Málaga", ("Málaga", "Malaga", "Andalucía"), "290##", "95"),
         City("Bilbao", ("Bizkaia", "Vizcaya", "País Vasco"), "480##", "94"),
         City("A Coruña", ("A Coruña", "La Coruña", "Galicia"), "150##", "981"),
         City("Valladolid", ("Valladolid", "Castilla y León"), "470##", "983"),
         City("Palma", ("Illes Balears", "Baleares", "Mallorca"), "070##", "971"),
         City("Murcia", ("Murcia", "Región de Murcia"), "300##", "968"),
         City("Alicante", ("Alicante", "Alacant"), "030##", "965"),
         City("Córdoba", ("Córdoba", "Cordoba"), "140##", "957"),
         City("Granada", ("Granada",), "180##", "958"),
         City("San Sebastián", ("Gipuzkoa", "Guipúzcoa"), "200##", "943")),
        ("Calle", "C/", "Avda.", "Avenida", "Paseo", "Plaza", "Ronda", "c/"), _ES_STREETS,
        ("{t} {n}, {num}", "{t} {n} {num}, {fl}º {door}", "{t} {n} {num}",
         "{t} {n}, {num} {fl}{door}", "{t} {n} nº {num}"),
    ),
    Country(
        "MX", 14, "latam", "latin", "latam",
        (("México", 40), ("Mexico", 35), ("MX", 12), ("MEX", 5), ("mexico", 5), ("Méjico", 1)),
        "MXN", ("com.mx", "mx", "com"),
        (City("Ciudad de México", ("CDMX", "Ciudad de México", "D.F."), "0####", "55"),
         City("Guadalajara", ("Jalisco", "Jal."), "44###", "33"),
         City("Monterrey", ("Nuevo León", "N.L.", "Nuevo Leon"), "64###", "81"),
         City("Puebla", ("Puebla", "Pue."), "72###", "222"),
         City("Querétaro", ("Querétaro", "Qro."), "76###", "442"),
         City("Mérida", ("Yucatán", "Yuc."), "97###", "999"),
         City("Tijuana", ("Baja California", "B.C."), "22###", "664"),
         City("León", ("Guanajuato", "Gto."), "37###", "477")),
        ("Av.", "Calle", "Avenida", "Blvd.", "Calz."), _MX_STREETS,
        ("{t} {n} {num}", "{t} {n} {num}, Col. Centro", "{t} {n} {num} Int. {fl}",
         "{t} {n} #{num}", "{t} {n} {num}, Col. Del Valle"),
    ),
    Country(
        "US", 22, "us", "english", "us",
        (("USA", 30), ("United States", 30), ("US", 15), ("U.S.A.", 5),
         ("United States of America", 8), ("U.S.", 4), ("usa", 3), ("EE.UU.", 2),
         ("Estados Unidos", 3)),
        "USD", ("com", "com", "io", "net"),
        (City("New York", ("NY", "New York", "N.Y."), "100##", "212"),
         City("Los Angeles", ("CA", "California", "Calif."), "900##", "213"),
         City("San Francisco", ("CA", "California"), "941##", "415"),
         City("Chicago", ("IL", "Illinois"), "606##", "312"),
         City("Houston", ("TX", "Texas"), "770##", "713"),
         City("Miami", ("FL", "Florida", "Fla."), "331##", "305"),
         City("Austin", ("TX", "Texas"), "787##", "512"),
         City("Seattle", ("WA", "Washington"), "981##", "206"),
         City("Boston", ("MA", "Massachusetts", "Mass."), "021##", "617"),
         City("Denver", ("CO", "Colorado"), "802##", "303"),
         City("Atlanta", ("GA", "Georgia"), "303##", "404"),
         City("Phoenix", ("AZ", "Arizona"), "850##", "602"),
         City("San Antonio", ("TX", "Texas"), "782##", "210")),
        ("St", "St.", "Street", "Ave", "Avenue", "Blvd", "Rd", "Dr", "Lane", "Way"),
        ("Main", "Oak", "Maple", "Washington", "Lake", "Hill", "Park", "Sunset", "Mission",
         "Market", "Pine", "Cedar", "Elm", "Lincoln", "Jefferson", "Madison", "Franklin"),
        ("{num} {n} {t}", "{num} {n} {t} Apt {apt}", "{num} {n} {t}, Suite {apt}",
         "{num} {n} {t} #{apt}", "{num} N {n} {t}"),
    ),
    Country(
        "GB", 5, "gb", "english", "gb",
        (("United Kingdom", 35), ("UK", 30), ("GB", 10), ("England", 12), ("Great Britain", 4),
         ("U.K.", 4), ("Reino Unido", 2)),
        "GBP", ("co.uk", "com", "uk"),
        (City("London", ("Greater London", "London", "England"), "SW1A #@@", "20"),
         City("Manchester", ("Greater Manchester", "Lancashire"), "M# #@@", "161"),
         City("Birmingham", ("West Midlands",), "B# #@@", "121"),
         City("Edinburgh", ("Scotland", "Midlothian"), "EH# #@@", "131"),
         City("Glasgow", ("Scotland",), "G# #@@", "141")),
        ("Road", "Street", "Lane", "Avenue", "Close", "Crescent"),
        ("High", "Church", "Station", "Victoria", "Mill", "King's", "Queen's", "Park", "London",
         "Manor", "Albert", "Windsor"),
        ("{num} {n} {t}", "Flat {fl}, {num} {n} {t}", "{num} {n} {t}"),
    ),
    Country(
        "DE", 5, "de", "germanic", "de",
        (("Germany", 35), ("Deutschland", 40), ("DE", 15), ("Alemania", 4), ("GER", 3),
         ("germany", 3)),
        "EUR", ("de", "com", "de"),
        (City("Berlin", ("Berlin",), "10###", "30"),
         City("München", ("Bayern", "Bavaria"), "80###", "89"),
         City("Hamburg", ("Hamburg",), "20###", "40"),
         City("Köln", ("Nordrhein-Westfalen", "NRW"), "50###", "221"),
         City("Frankfurt am Main", ("Hessen",), "60###", "69")),
        ("straße", "str.", "weg", "allee", "platz"),
        ("Haupt", "Bahnhof", "Schiller", "Goethe", "Garten", "Berg", "Kirch", "Linden",
         "Friedrich", "Mozart", "Rosen"),
        ("{n}{t} {num}", "{n}{t} {num}{door}", "{n}{t} {num}"),
    ),
    Country(
        "FR", 4, "fr", "latin", "fr",
        (("France", 60), ("FR", 20), ("Francia", 8), ("france", 8), ("République française", 1)),
        "EUR", ("fr", "com", "fr"),
        (City("Paris", ("Île-de-France", "IDF", "Ile-de-France"), "750##", "1"),
         City("Lyon", ("Auvergne-Rhône-Alpes", "Rhône"), "690##", "4"),
         City("Marseille", ("Provence-Alpes-Côte d'Azur", "PACA"), "130##", "4"),
         City("Toulouse", ("Occitanie",), "310##", "5"),
         City("Bordeaux", ("Nouvelle-Aquitaine", "Gironde"), "330##", "5"),
         City("Lille", ("Hauts-de-France", "Nord"), "590##", "3")),
        ("rue", "avenue", "boulevard", "place", "bd", "av."),
        ("de la Paix", "Victor Hugo", "Jean Jaurès", "de la République", "Pasteur", "Voltaire",
         "du Général de Gaulle", "des Lilas", "Saint-Honoré", "Gambetta"),
        ("{num} {t} {n}", "{num}, {t} {n}", "{num} bis {t} {n}"),
    ),
    Country(
        "IT", 4, "it", "latin", "it",
        (("Italy", 35), ("Italia", 45), ("IT", 15), ("italia", 5)),
        "EUR", ("it", "com", "it"),
        (City("Roma", ("Lazio", "RM"), "001##", "06"),
         City("Milano", ("Lombardia", "MI"), "201##", "02"),
         City("Napoli", ("Campania", "NA"), "801##", "081"),
         City("Torino", ("Piemonte", "TO"), "101##", "011")),
        ("Via", "Viale", "Corso", "Piazza", "V.le"),
        ("Roma", "Garibaldi", "Mazzini", "Vittorio Emanuele II", "Cavour", "Dante",
         "XX Settembre", "della Repubblica", "dei Mille", "Manzoni"),
        ("{t} {n} {num}", "{t} {n}, {num}", "{t} {n} {num}/{door}"),
    ),
    Country(
        "NL", 2, "nl", "germanic", "nl",
        (("Netherlands", 35), ("The Netherlands", 15), ("Nederland", 20), ("NL", 15),
         ("Holland", 10), ("Países Bajos", 2)),
        "EUR", ("nl", "com", "nl"),
        (City("Amsterdam", ("Noord-Holland", "NH"), "10## @@", "20"),
         City("Rotterdam", ("Zuid-Holland", "ZH"), "30## @@", "10"),
         City("Utrecht", ("Utrecht",), "35## @@", "30"),
         City("Den Haag", ("Zuid-Holland",), "25## @@", "70")),
        ("straat", "gracht", "laan", "weg", "plein"),
        ("Keizers", "Heren", "Prinsen", "Dam", "Kerk", "Molen", "Stations", "Wilhelmina"),
        ("{n}{t} {num}", "{n}{t} {num}-{fl}", "{n}{t} {num}{door}"),
    ),
    Country(
        "PT", 2, "pt", "latin", "pt",
        (("Portugal", 80), ("PT", 15), ("portugal", 5)),
        "EUR", ("pt", "com", "pt"),
        (City("Lisboa", ("Lisboa", "Lisbon"), "1###-###", "21"),
         City("Porto", ("Porto",), "4###-###", "22")),
        ("Rua", "Avenida", "Av.", "Praça", "Travessa"),
        ("Augusta", "da Liberdade", "de Santa Catarina", "do Ouro", "dos Aliados", "da Prata",
         "Almirante Reis", "de Camões"),
        ("{t} {n}, {num}", "{t} {n} {num}, {fl}º {door}", "{t} {n} {num}"),
    ),
    Country(
        "AR", 5, "latam", "latin", "latam",
        (("Argentina", 80), ("AR", 12), ("argentina", 6), ("ARG", 2)),
        "USD", ("com.ar", "com", "ar"),
        (City("Buenos Aires", ("CABA", "Capital Federal", "Buenos Aires"), "C1###", "11"),
         City("Córdoba", ("Córdoba", "Cordoba"), "X5000", "351"),
         City("Rosario", ("Santa Fe",), "S2000", "341")),
        ("Av.", "Calle", "Avenida"), _AR_STREETS,
        ("{t} {n} {num}", "{t} {n} {num}, Piso {fl} {door}", "{t} {n} {num} {fl}º {door}"),
    ),
    Country(
        "CO", 6, "latam", "latin", "latam",
        (("Colombia", 85), ("CO", 10), ("colombia", 5)),
        "USD", ("com.co", "co", "com"),
        (City("Bogotá", ("Bogotá D.C.", "Cundinamarca", "Bogota"), "1101##", "601"),
         City("Medellín", ("Antioquia",), "0500##", "604"),
         City("Cali", ("Valle del Cauca", "Valle"), "7600##", "602")),
        ("Calle", "Carrera", "Cra.", "Cl.", "Av.", "Diagonal", "Transversal"),
        tuple(str(n) for n in range(1, 120, 7)),
        ("{t} {n} # {num}-{fl}", "{t} {n} #{num}-{fl}", "{t} {n} No. {num}-{fl}",
         "{t} {n} # {num}-{fl} Apto {apt}"),
    ),
    Country(
        "CL", 4, "latam", "latin", "latam",
        (("Chile", 85), ("CL", 10), ("chile", 5)),
        "USD", ("cl", "com"),
        (City("Santiago", ("Región Metropolitana", "RM", "Santiago"), "83#0000", "22"),
         City("Valparaíso", ("Valparaíso", "V Región"), "23#0000", "32")),
        ("Av.", "Calle", "Avenida", "Pasaje"), _CL_STREETS,
        ("{t} {n} {num}", "{t} {n} {num}, depto. {apt}", "{t} {n} {num}, of. {apt}"),
    ),
)

COUNTRY_BY_ISO: dict[str, Country] = {c.iso: c for c in COUNTRIES}

#: Every way a country is typed -> its ISO code (for normalisation checks and noise).
COUNTRY_SPELLINGS: dict[str, str] = {
    spelling: c.iso for c in COUNTRIES for spelling, _ in c.spellings
}

#: How many euros one unit of each deal currency is worth (the ground truth ranks revenue in
#: euros with these fixed rates).
FX_TO_EUR: dict[str, float] = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "MXN": 0.05}
