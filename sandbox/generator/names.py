"""Name pools: people (Spanish, Latin-American, US, British, German, French, Italian, Dutch,
Portuguese), nicknames, company names and legal suffixes, e-mail domains, job titles, tags.

Accents, particles ("de la", "van der", "D'") and compound names are kept as people write them.
"""

from __future__ import annotations

#: First names per naming culture.
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "es": (
        "José", "María José", "Francisco", "Francisco Javier", "Dolores", "Concepción",
        "Ignacio", "José María", "María Teresa", "Mercedes", "Rosario", "Enrique", "Manuel",
        "Rafael", "Jesús", "Antonio", "María", "Carmen", "Juan Carlos", "José Luis", "Ana Belén",
        "Miguel Ángel", "Lucía", "Sofía", "Martina", "Álvaro", "Íñigo", "Begoña", "Mónica",
        "Raúl", "Sergio", "Andrés", "Inés", "Pilar", "Nuria", "Ángela", "Jorge", "Pablo",
        "Elena", "Cristina", "Javier", "Marta", "David", "Laura", "Alejandro", "Isabel", "Rocío",
        "Óscar", "Ramón", "Joaquín", "Fátima", "Rubén", "Adrián", "Noelia", "Montserrat",
        "Jordi", "Núria", "Xavier", "Aitor", "Ainhoa", "Guillermo", "Eduardo", "Roberto",
    ),
    "latam": (
        "José", "Francisco", "Guadalupe", "María Guadalupe", "Juan Pablo", "Luis Fernando",
        "Ximena", "Citlali", "Cuauhtémoc", "Jesús", "Alejandro", "Guillermo", "Roberto",
        "Eduardo", "Ignacio", "Dolores", "Rosario", "María Fernanda", "Valentina", "Camila",
        "Santiago", "Mateo", "Sebastián", "Diego", "Andrés Felipe", "Juan Sebastián", "Daniela",
        "Gabriela", "Mariana", "Luis", "Carlos", "Miguel", "Ricardo", "Héctor", "Rodrigo",
        "Patricio", "Agustín", "Florencia", "Martín", "Nicolás", "Valeria", "Renata", "Jimena",
        "Araceli", "Yolanda", "Marisol", "Efraín", "Raúl", "César", "Ángel", "Verónica", "Sofía",
        "Lucía", "Concepción", "Manuel", "Antonio", "Alberto",
    ),
    "us": (
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
        "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
        "Sarah", "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Margaret", "Matthew",
        "Lisa", "Anthony", "Betty", "Mark", "Katherine", "Edward", "Ashley", "Steven", "Emily",
        "Andrew", "Michelle", "Kevin", "Amanda", "Brian", "Melissa", "Tyler", "Madison",
        "Brandon", "Hannah", "Zoe", "Chloe", "Ethan", "Noah", "Olivia", "Ava", "Mia", "Liam",
        "DeShawn", "Jamal", "Keisha", "Priya", "Raj", "Wei", "Mei", "Anh", "Minh", "Ji-woo",
    ),
    "gb": (
        "Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "James", "William", "Amelia",
        "Olivia", "Isla", "Emily", "Poppy", "Ava", "Jessica", "Sophie", "Elizabeth", "Margaret",
        "Robert", "Richard", "Siobhan", "Niamh", "Callum", "Rhys", "Gareth", "Fiona", "Alistair",
        "Hamish", "Priya", "Mohammed",
    ),
    "de": (
        "Jürgen", "Jörg", "Günter", "Lukas", "Leon", "Finn", "Paul", "Maximilian", "Alexander",
        "Johannes", "Josef", "Wolfgang", "Klaus", "Stefan", "Andreas", "Michael", "Sophie",
        "Marie", "Hannah", "Anna", "Lena", "Katharina", "Ursula", "Sabine", "Monika", "Petra",
        "Björn", "Sören", "Käthe", "Bärbel",
    ),
    "fr": (
        "François", "Hélène", "Léa", "Chloé", "Benoît", "Jérôme", "Gaëlle", "Noémie",
        "Jean-Pierre", "Marie-Claire", "Jean", "Pierre", "Louis", "Hugo", "Gabriel", "Jules",
        "Camille", "Manon", "Inès", "Zoé", "Céline", "Aurélie", "Stéphane", "Frédéric",
        "Thérèse", "Anaïs", "Loïc", "Cédric", "Nicolas", "Guillaume",
    ),
    "it": (
        "Giuseppe", "Giovanni", "Antonio", "Mario", "Luigi", "Francesco", "Alessandro",
        "Lorenzo", "Niccolò", "Matteo", "Leonardo", "Andrea", "Marco", "Luca", "Giulia",
        "Francesca", "Sofia", "Aurora", "Alice", "Ginevra", "Chiara", "Lucia", "Maria", "Anna",
        "Elena", "Federica", "Gianluca", "Pierpaolo", "Ilaria",
    ),
    "nl": (
        "Jan", "Sanne", "Daan", "Lieke", "Sem", "Lucas", "Levi", "Emma", "Julia", "Mila", "Tess",
        "Bram", "Thijs", "Joost", "Maarten", "Pieter", "Willem", "Anouk", "Femke", "Marieke",
        "Ruud", "Kees", "Hendrik", "Johannes", "Margriet",
    ),
    "pt": (
        "João", "Maria", "Conceição", "Gonçalo", "Inês", "Francisco", "Afonso", "Tomás",
        "Duarte", "Rodrigo", "Beatriz", "Leonor", "Matilde", "Carolina", "Ana", "José",
        "António", "Manuel", "Luís", "Sérgio", "Fátima", "Graça", "Rosário", "Filipa", "Joana",
    ),
}

#: Surnames per naming culture, particles and hyphens included.
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "es": (
        "García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez",
        "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez",
        "Romero", "Alonso", "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos",
        "Gil", "Ramírez", "Serrano", "Blanco", "Molina", "Morales", "Suárez", "Ortega",
        "Delgado", "Castro", "Ortiz", "Rubio", "Marín", "Sanz", "Núñez", "Iglesias", "Medina",
        "Garrido", "Cortés", "Castillo", "Santos", "Lozano", "Guerrero", "Cano", "Prieto",
        "Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez", "Herrera", "Peña",
        "Flores", "Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Díez", "Caballero",
        "Reyes", "Nieto", "Aguilar", "Pascual", "Santana", "Herrero", "Lorenzo", "Montero",
        "Hidalgo", "Giménez", "Ibáñez", "Ferrer", "Durán", "Benítez", "Mora", "Vicente", "Arias",
        "Carmona", "Crespo", "Román", "Pastor", "Soto", "Sáez", "Velasco", "Moya", "Soler",
        "Parra", "Esteban", "Bravo", "Gallardo", "de la Fuente", "de la Torre", "del Río",
        "de la Cruz", "de las Heras", "Echevarría", "Goikoetxea", "Etxeberria", "Puig",
        "Castaño", "Muñiz", "Gómez-Acebo", "Pérez-Llorca", "Sánchez-Vicario",
        "Fernández de Córdoba",
    ),
    "latam": (
        "Hernández", "García", "Martínez", "López", "González", "Rodríguez", "Pérez", "Sánchez",
        "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez",
        "Torres", "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno",
        "Castillo", "Romero", "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos",
        "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz",
        "Rojas", "Contreras", "Salazar", "Núñez", "Peña", "Ibarra", "Espinoza", "Valenzuela",
        "Fuentes", "Cárdenas", "Villalobos", "de la Cruz", "de los Santos", "del Valle", "Ochoa",
        "Zúñiga", "Benítez", "Acosta", "Quintero", "Ospina", "Echeverría", "Sepúlveda",
        "Bustos", "Larraín", "Fernández", "Sosa", "Acuña", "Giménez",
    ),
    "us": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
        "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
        "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
        "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
        "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart",
        "Morris", "Murphy", "Cook", "Rogers", "O'Brien", "O'Connor", "McDonald", "McAllister",
        "MacKenzie", "Nguyen", "Kim", "Patel", "Chen", "Wang", "Singh", "Shah", "Cohen",
        "Goldberg", "Kowalski", "Schultz", "Johnson-Smith", "St. John", "Van Buren", "DeLuca",
        "LaFleur",
    ),
    "gb": (
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
        "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
        "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Lewis", "Patel", "Khan", "O'Neill",
        "MacDonald", "McLeod", "Fitzgerald", "Bowes-Lyon", "Ashworth", "Pemberton",
    ),
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
        "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
        "Hartmann", "Lange", "Weiß", "Groß", "Köhler", "Jäger", "Vogel", "Böhm", "Günther",
        "von der Heide", "von Weber", "zu Guttenberg", "Müller-Lüdenscheidt",
    ),
    "fr": (
        "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
        "Moreau", "Simon", "Laurent", "Lefèvre", "Lefebvre", "Michel", "Garcia", "David",
        "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
        "Dupont", "Lambert", "Bonnet", "François", "Faure", "de la Tour", "Le Gall", "Le Goff",
        "Benoît", "Chevalier", "Gauthier",
    ),
    "it": (
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano",
        "Rizzo", "Lombardi", "Moretti", "D'Angelo", "D'Amico", "Dell'Acqua", "Lo Russo",
        "La Rosa", "Di Stefano", "Fabbri", "Barbieri", "Fontana", "Santoro",
    ),
    "nl": (
        "de Jong", "Jansen", "de Vries", "van den Berg", "van der Berg", "van Dijk", "Bakker",
        "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos",
        "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits",
        "de Graaf", "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan",
        "van den Broek",
    ),
    "pt": (
        "Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins",
        "Jesus", "Sousa", "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves",
        "Almeida", "Ribeiro", "Pinto", "Carvalho", "Teixeira", "Moreira", "Correia", "Mendes",
        "Nunes", "Soares", "Vieira", "Monteiro", "Cardoso", "Rocha", "da Silva", "dos Santos",
        "da Costa", "de Sousa", "Magalhães", "Simões", "Guimarães",
    ),
}

#: Cultures whose people usually carry two surnames ("García Núñez"): share that do.
TWO_SURNAMES: dict[str, float] = {"es": 0.7, "latam": 0.55, "pt": 0.45}

#: Full first name -> the nicknames people use for it in a second record.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "José": ("Pepe", "Chepe"), "Francisco": ("Paco", "Pancho", "Curro"),
    "Francisco Javier": ("Javi", "Fran"), "Dolores": ("Lola",), "Concepción": ("Concha", "Conchi"),
    "Ignacio": ("Nacho",), "José María": ("Chema",), "María José": ("Majo",),
    "María Teresa": ("Maite",), "Guadalupe": ("Lupe", "Lupita"), "María Guadalupe": ("Lupita",),
    "Rosario": ("Charo",), "Mercedes": ("Merche",), "Enrique": ("Quique",),
    "Manuel": ("Manolo", "Manu"), "Rafael": ("Rafa",), "Jesús": ("Chus", "Chucho"),
    "Antonio": ("Toño", "Toni"), "Alejandro": ("Álex",), "Guillermo": ("Memo",),
    "Roberto": ("Beto",), "Alberto": ("Beto",), "Eduardo": ("Lalo",), "Montserrat": ("Montse",),
    "Cristina": ("Cris",), "María Fernanda": ("Mafer",), "Santiago": ("Santi",),
    "Sebastián": ("Sebas",), "William": ("Bill", "Will"), "Robert": ("Bob", "Rob"),
    "Elizabeth": ("Liz", "Beth"), "Margaret": ("Peggy", "Maggie"), "James": ("Jim", "Jimmy"),
    "Michael": ("Mike",), "Richard": ("Dick", "Rick"), "Katherine": ("Kate", "Kathy"),
    "Thomas": ("Tom",), "Jennifer": ("Jen", "Jenny"), "Charles": ("Chuck", "Charlie"),
    "Joseph": ("Joe",), "Christopher": ("Chris",), "Daniel": ("Dan",),
    "Patricia": ("Patty", "Trish"), "Edward": ("Ted", "Ed"), "Anthony": ("Tony",),
    "Matthew": ("Matt",), "Andrew": ("Andy",), "Steven": ("Steve",),
    "Giuseppe": ("Beppe", "Peppe"), "Giovanni": ("Gianni",), "Alessandro": ("Sandro",),
    "Johannes": ("Hans",), "Josef": ("Sepp",), "Alexander": ("Alex",), "Maximilian": ("Max",),
    "Katharina": ("Kathi",), "Wolfgang": ("Wolfi",), "Hendrik": ("Henk",), "Pieter": ("Piet",),
    "Willem": ("Wim",), "Nicolas": ("Nico",),
}

#: Words that build company names, per naming culture: ``P`` trades/prefixes, ``A`` adjectives
#: or places, ``J`` the "and" word, ``H`` the "brothers/sons" pattern.
COMPANY_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "es": {
        "P": ("Talleres", "Construcciones", "Distribuciones", "Transportes", "Soluciones", "Grupo",
              "Clínica Dental", "Inmobiliaria", "Asesoría", "Consultoría", "Ferretería",
              "Gestoría", "Bodegas", "Estudio", "Academia", "Laboratorios", "Óptica",
              "Panadería", "Reformas", "Instalaciones"),
        "A": ("Ibérica", "Mediterránea", "del Norte", "Andaluza", "Cantábrica", "Levantina",
              "Atlántica", "Castellana", "Balear", "Gallega", "del Sur", "Pirenaica"),
        "J": ("y",), "H": ("{S} Hermanos", "Hijos de {S}"),
    },
    "latam": {
        "P": ("Comercializadora", "Distribuidora", "Grupo", "Servicios", "Constructora",
              "Corporativo", "Inmobiliaria", "Consultores", "Laboratorios", "Transportes",
              "Importadora", "Agroindustrial", "Farmacéutica", "Tecnologías", "Ferretera"),
        "A": ("del Pacífico", "del Bajío", "Andina", "Austral", "del Norte", "Azteca", "Maya",
              "Pampeana", "Caribe", "Latinoamericana", "del Golfo", "Cordillerana"),
        "J": ("y",), "H": ("{S} Hermanos", "Hermanos {S}"),
    },
    "us": {
        "P": ("Logistics", "Software", "Analytics", "Consulting", "Dental", "Partners",
              "Holdings", "Foods", "Health", "Labs", "Systems", "Solutions", "Supply", "Capital",
              "Media", "Design", "Manufacturing", "Realty", "Outfitters", "Robotics"),
        "A": ("Pacific", "Atlantic", "Blue Ridge", "Golden Gate", "Lone Star", "Summit",
              "Evergreen", "Granite", "Redwood", "Liberty", "Northwind", "Bright", "Silver Lake",
              "Pioneer", "Keystone", "Cascade", "Harbor", "Prairie", "Iron Oak", "Sterling"),
        "J": ("&", "and"), "H": ("{S} & Sons", "{S} Brothers"),
    },
    "gb": {
        "P": ("Logistics", "Consulting", "Engineering", "Estates", "Foods", "Partners",
              "Joinery", "Solicitors", "Motors", "Systems", "Textiles", "Brewery"),
        "A": ("Thames", "Pennine", "Highland", "Albion", "Crown", "Cotswold", "Mersey",
              "Clyde", "Severn", "Windsor"),
        "J": ("&", "and"), "H": ("{S} & Sons", "{S} Brothers"),
    },
    "de": {
        "P": ("Maschinenbau", "Logistik", "Elektrotechnik", "Bau", "Softwarehaus", "Immobilien",
              "Handel", "Zahnarztpraxis", "Beratung", "Automobile", "Feinmechanik",
              "Metallbau"),
        "A": ("Nord", "Süd", "Rhein", "Alpen", "Bayerische", "Hanseatische", "Schwäbische",
              "Elbe", "Main", "Ostsee"),
        "J": ("&", "und"), "H": ("{S} & Söhne", "Gebrüder {S}"),
    },
    "fr": {
        "P": ("Transports", "Boulangerie", "Cabinet", "Conseil", "Immobilier", "Bâtiment",
              "Logistique", "Pharmacie", "Atelier", "Informatique", "Menuiserie"),
        "A": ("du Sud", "de l'Ouest", "Provençale", "Normande", "Bretonne", "Alpine",
              "Parisienne", "Lyonnaise", "Atlantique"),
        "J": ("et", "&"), "H": ("{S} Frères", "{S} & Fils"),
    },
    "it": {
        "P": ("Costruzioni", "Trasporti", "Studio", "Farmacia", "Officine", "Impianti",
              "Consulenze", "Alimentari", "Arredamenti", "Informatica", "Meccanica"),
        "A": ("del Nord", "Lombarda", "Toscana", "Adriatica", "Mediterranea", "Sabauda",
              "Partenopea", "Veneta", "Emiliana"),
        "J": ("e", "&"), "H": ("Fratelli {S}", "{S} & Figli"),
    },
    "nl": {
        "P": ("Bouw", "Logistiek", "Techniek", "Installatie", "Advies", "Software", "Handel",
              "Transport", "Vastgoed"),
        "A": ("Holland", "Noord", "Zuid", "Delta", "Oranje", "Polder", "Amstel", "Maas"),
        "J": ("&", "en"), "H": ("{S} & Zonen", "Gebroeders {S}"),
    },
    "pt": {
        "P": ("Construções", "Transportes", "Farmácia", "Consultoria", "Distribuição",
              "Imobiliária", "Têxteis", "Vinhos", "Serralharia"),
        "A": ("Lusitana", "do Norte", "Atlântica", "Ibérica", "do Douro", "Algarvia",
              "do Minho", "Alentejana"),
        "J": ("e", "&"), "H": ("{S} & Irmãos", "{S} & Filhos"),
    },
}

#: Company name patterns; ``{S}``/``{S2}`` surnames, ``{P}`` trade, ``{A}`` adjective.
COMPANY_PATTERNS: dict[str, tuple[str, ...]] = {
    "latin": ("{P} {S}", "{P} {A}", "{S} {J} {S2}", "{H}", "{P} {S} {S2}", "{P} {S} {A}"),
    "english": ("{A} {P}", "{S} {P}", "{S} {J} {S2}", "{H}", "{A} {S} {P}", "{S} {S2} {P}"),
    "germanic": ("{S} {P}", "{A} {P}", "{S} {J} {S2}", "{H}", "{S} {A} {P}", "{S} {S2} {P}"),
}

#: Legal-form suffixes per country (the first ones are the most common spellings).
LEGAL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "ES": ("S.L.", "SL", "S.A.", "S.L.U.", "SA", "Sociedad Limitada"),
    "MX": ("S.A. de C.V.", "SA de CV", "S. de R.L. de C.V.", "S.A.P.I. de C.V."),
    "US": ("Inc.", "LLC", "Inc", "Corp.", "L.L.C.", "Corporation", "Co."),
    "GB": ("Ltd", "Ltd.", "Limited", "PLC", "LLP"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."),
    "FR": ("SAS", "SARL", "S.A.", "SA", "EURL"),
    "IT": ("S.r.l.", "Srl", "S.p.A.", "SpA", "S.n.c."),
    "NL": ("B.V.", "BV", "N.V."),
    "PT": ("Lda.", "Lda", "S.A.", "Unipessoal Lda."),
    "AR": ("S.A.", "S.R.L.", "SRL", "S.A.S."),
    "CO": ("S.A.S.", "SAS", "Ltda.", "S.A."),
    "CL": ("SpA", "Ltda.", "S.A.", "Limitada"),
}

#: Every legal suffix, longest first (so "S.A. de C.V." is stripped before "S.A.").
ALL_LEGAL_SUFFIXES: tuple[str, ...] = tuple(sorted(
    {suffix for suffixes in LEGAL_SUFFIXES.values() for suffix in suffixes},
    key=lambda s: (-len(s), s),
))

#: Words dropped when a company name becomes a domain.
DOMAIN_STOPWORDS = frozenset({"y", "e", "et", "en", "und", "and", "&", "de", "del", "la", "las",
                              "los", "do", "da", "du", "l'ouest"})

#: Free e-mail domains: everywhere, and the extra local ones per country.
FREE_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 45), ("hotmail.com", 14), ("yahoo.com", 8), ("outlook.com", 8),
    ("icloud.com", 5), ("live.com", 2), ("protonmail.com", 1), ("aol.com", 1),
)
LOCAL_FREE_DOMAINS: dict[str, tuple[str, ...]] = {
    "ES": ("hotmail.es", "yahoo.es", "telefonica.net"), "MX": ("prodigy.net.mx", "yahoo.com.mx"),
    "US": ("comcast.net", "att.net"), "GB": ("btinternet.com", "hotmail.co.uk", "sky.com"),
    "DE": ("gmx.de", "web.de", "t-online.de"), "FR": ("orange.fr", "free.fr", "laposte.net"),
    "IT": ("libero.it", "virgilio.it", "tiscali.it"), "NL": ("ziggo.nl", "kpnmail.nl"),
    "PT": ("sapo.pt",), "AR": ("fibertel.com.ar", "yahoo.com.ar"), "CO": ("une.net.co",),
    "CL": ("vtr.net",),
}

#: Domain typos people make, used to damage e-mails on purpose.
DOMAIN_TYPOS: dict[str, tuple[str, ...]] = {
    "gmail.com": ("gmial.com", "gmai.com", "gmail.con", "gamil.com", "gmail.co"),
    "hotmail.com": ("hotmial.com", "hotmai.com", "hotmail.con", "homail.com"),
    "yahoo.com": ("yaho.com", "yahooo.com", "yahoo.con"),
    "outlook.com": ("outlok.com", "outllook.com"),
    "icloud.com": ("iclod.com", "icloud.co"),
}

_ENGLISH_TITLES = (
    "CEO", "Head of Marketing", "Marketing Manager", "Purchasing Manager", "CTO",
    "Office Manager", "Sales Director", "Operations Manager", "Owner", "Founder", "Accountant",
    "IT Manager", "VP Sales", "Procurement",
)
_SPANISH_TITLES = (
    "Director General", "Gerente", "Director Comercial", "Responsable de Compras",
    "Administración", "Jefe de Ventas", "Fundador", "Contable", "Coordinadora de Marketing",
    "Socio", "Dueño", "Gerente General", "CEO",
)
#: Job titles per naming culture, as people write them (English creeps in everywhere).
JOB_TITLES: dict[str, tuple[str, ...]] = {
    "es": _SPANISH_TITLES, "latam": _SPANISH_TITLES, "us": _ENGLISH_TITLES,
    "gb": _ENGLISH_TITLES,
    "de": ("Geschäftsführer", "Einkaufsleiter", "Vertriebsleiter", "Inhaber", "CEO",
           "Head of Marketing"),
    "fr": ("Directeur commercial", "Gérant", "Responsable achats", "PDG", "CEO",
           "Directrice marketing"),
    "it": ("Responsabile acquisti", "Amministratore delegato", "Titolare", "Direttore vendite",
           "CEO"),
    "nl": ("Directeur", "Eigenaar", "Inkoper", "Sales Manager", "CEO", "Office Manager"),
    "pt": ("Diretor Comercial", "Gerente", "Sócio-gerente", "Responsável de Compras", "CEO"),
}

INDUSTRIES: tuple[str, ...] = (
    "Retail", "Software", "Manufacturing", "Healthcare", "Hospitality", "Logistics",
    "Education", "Construction", "Food & Beverage", "Professional Services", "Real Estate",
    "Automotive", "Dental", "Financial Services", "Media", "Agriculture", "Construcción",
    "Hostelería", "Alimentación", "Consultoría",
)

#: Tags people set by hand (crmsync's own tags never appear in generated data).
CONTACT_TAGS: tuple[str, ...] = (
    "VIP", "trade-show-2025", "newsletter", "webinar-2024", "feria-madrid-2025",
    "black-friday-2024", "partner", "beta-tester", "do-not-call", "expo-cdmx-2025",
    "Cliente VIP", "influencer",
)
COMPANY_TAGS: tuple[str, ...] = (
    "key-account", "partner", "reseller", "trade-show-2025", "strategic", "VIP",
)

DISQUALIFIED_REASONS: tuple[str, ...] = (
    "competitor", "conflict of interest", "incompatible", "spam", "not a fit",
    "competencia", "sin presupuesto",
)
RETIRED_REASONS: tuple[str, ...] = (
    "moved away", "treatment finished", "project completed", "business sold", "retired",
    "se mudó", "tratamiento terminado",
)
