"""Word tables the sample generator draws from: names, nicknames, places, companies, texts.

Three locales: German (``de``), British (``uk``) and American (``us``). The tables are plain
tuples so that the generator can index them with numpy arrays. Names carry umlauts and ß on
purpose: they are what accent-insensitive search and transliterated duplicates are about.
"""

from __future__ import annotations

LOCALES: tuple[str, ...] = ("de", "uk", "us")
#: Share of entities per locale, in LOCALES order.
LOCALE_WEIGHTS: tuple[float, ...] = (0.6, 0.2, 0.2)

#: Formal first name -> nicknames (both directions are used for duplicates).
NICKNAMES: dict[str, tuple[str, ...]] = {
    # German
    "Johannes": ("Hans", "Jo"),
    "Wolfgang": ("Wolf",),
    "Friedrich": ("Fritz",),
    "Katharina": ("Kathi", "Katja"),
    "Elisabeth": ("Lisa", "Elli"),
    "Christian": ("Chris",),
    "Christoph": ("Chris",),
    "Michael": ("Micha", "Mike"),
    "Stephanie": ("Steffi",),
    "Franziska": ("Franzi",),
    "Susanne": ("Susi",),
    "Andreas": ("Andi",),
    "Maximilian": ("Max",),
    "Wilhelm": ("Willi",),
    "Heinrich": ("Heinz",),
    "Joachim": ("Jochen",),
    "Josef": ("Sepp",),
    "Gabriele": ("Gabi",),
    "Margarete": ("Grete",),
    "Barbara": ("Bärbel",),
    "Ulrich": ("Uli",),
    "Jürgen": ("Jürgi",),
    "Matthias": ("Matze",),
    "Alexander": ("Alex",),
    "Thomas": ("Tom",),
    # English
    "Robert": ("Bob", "Rob", "Bobby"),
    "William": ("Bill", "Will", "Billy"),
    "Richard": ("Rick", "Dick"),
    "James": ("Jim", "Jimmy"),
    "Elizabeth": ("Liz", "Beth"),
    "Katherine": ("Kate", "Kathy"),
    "Margaret": ("Maggie", "Peggy"),
    "Jennifer": ("Jen", "Jenny"),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "Matthew": ("Matt",),
    "Anthony": ("Tony",),
    "Joseph": ("Joe",),
    "Edward": ("Ed", "Ted"),
    "Benjamin": ("Ben",),
    "Samuel": ("Sam",),
    "Patricia": ("Pat", "Trish"),
    "Rebecca": ("Becky",),
    "Susan": ("Sue",),
    "Deborah": ("Debbie",),
    "Nicholas": ("Nick",),
    "Jonathan": ("Jon",),
    "Andrew": ("Andy", "Drew"),
    "Steven": ("Steve",),
    "Charles": ("Charlie", "Chuck"),
    "David": ("Dave",),
    "Timothy": ("Tim",),
    "Victoria": ("Vicky", "Tori"),
}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "de": (
        "Johannes", "Wolfgang", "Friedrich", "Katharina", "Elisabeth", "Christian", "Christoph",
        "Michael", "Stephanie", "Franziska", "Susanne", "Andreas", "Maximilian", "Wilhelm",
        "Heinrich", "Joachim", "Josef", "Gabriele", "Margarete", "Barbara", "Ulrich", "Jürgen",
        "Matthias", "Alexander", "Thomas", "Jörg", "Björn", "Sören", "Günter", "Uwe", "Dieter",
        "Klaus", "Ralf", "Sven", "Jan", "Lukas", "Leon", "Finn", "Jonas", "Paul", "Felix",
        "Tobias", "Sebastian", "Florian", "Anna", "Lena", "Laura", "Julia", "Sarah", "Lea",
        "Hannah", "Jana", "Sabine", "Petra", "Monika", "Ute", "Ursula", "Renate", "Heike",
        "Birgit", "Käthe", "Mareike", "Anja", "Nicole", "Sandra", "Claudia", "Martina",
        "Gisela", "Helga", "Dörte", "Özlem", "Gülsen", "Lore", "Jürgen", "Hans-Peter",
        "Karl-Heinz", "Anne-Kathrin", "Günther", "Bernd", "Frauke",
    ),
    "uk": (
        "Robert", "William", "Richard", "James", "Elizabeth", "Katherine", "Margaret",
        "Christopher", "Daniel", "Matthew", "Anthony", "Joseph", "Edward", "Benjamin",
        "Samuel", "Rebecca", "Susan", "Nicholas", "Jonathan", "Andrew", "Charles", "David",
        "Timothy", "Victoria", "Oliver", "Harry", "George", "Jack", "Amelia", "Olivia",
        "Emily", "Sophie", "Charlotte", "Lucy", "Chloe", "Grace", "Hannah", "Siobhan",
        "Niamh", "Rhys", "Gareth", "Fiona", "Alistair", "Priya", "Aisha", "Mohammed",
    ),
    "us": (
        "Robert", "William", "Richard", "James", "Elizabeth", "Katherine", "Margaret",
        "Jennifer", "Christopher", "Daniel", "Matthew", "Anthony", "Joseph", "Edward",
        "Samuel", "Patricia", "Rebecca", "Susan", "Deborah", "Nicholas", "Jonathan", "Andrew",
        "Steven", "Charles", "David", "Timothy", "Victoria", "Michael", "Ashley", "Brittany",
        "Tyler", "Brandon", "Kevin", "Jessica", "Amanda", "Megan", "Carlos", "Maria", "José",
        "Sofía", "Wei", "Mei", "Jamal", "Latoya", "Zoë", "Renée", "Chloé",
    ),
}

LAST_NAMES: dict[str, tuple[str, ...]] = {
    "de": (
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
        "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf",
        "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann",
        "Hartmann", "Lange", "Schmitt", "Werner", "Krause", "Meier", "Lehmann", "Schmid",
        "Schulze", "Maier", "Köhler", "Herrmann", "König", "Walter", "Mayer", "Huber",
        "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß", "Jung", "Hahn",
        "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
        "Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon",
        "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt",
        "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt", "Haas",
        "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
        "Engel", "Horn", "Busch", "Bergmann", "Voigt", "Sauer", "Arnold", "Wolff", "Pfeiffer",
        "Hübner", "Fuß", "Strauß", "Voß", "Süß", "Lübke", "Schütz", "Görtz", "Hamann",
        "Yılmaz", "Öztürk", "Nowak", "Kowalski", "von Bülow", "Meyer-Lüdenscheid",
    ),
    "uk": (
        "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
        "Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White",
        "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson",
        "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark",
        "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips",
        "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell",
        "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw",
        "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson",
        "Ellis", "Adams", "Singh", "Begum", "O'Brien", "O'Connor", "McDonald", "MacLeod",
        "Fitzgerald", "Smyth", "Smithers", "Ní Bhriain",
    ),
    "us": (
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
        "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
        "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
        "Roberts", "Kim", "Chen", "Wang", "Patel", "Murphy", "Cook", "Rogers", "Morgan",
        "Peterson", "Cooper", "Reed", "Bailey", "Kelly", "Howard", "Cox", "Ward", "Brooks",
        "Muller", "Schaefer", "Peña", "Núñez", "O'Neil", "DuBois", "Van der Berg",
    ),
}

#: (city, state, zip prefix, area code, postcode pattern key) per locale.
CITIES: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "de": (
        ("Berlin", "Berlin", "10", "30"),
        ("Hamburg", "Hamburg", "20", "40"),
        ("München", "Bayern", "80", "89"),
        ("Köln", "Nordrhein-Westfalen", "50", "221"),
        ("Frankfurt am Main", "Hessen", "60", "69"),
        ("Stuttgart", "Baden-Württemberg", "70", "711"),
        ("Düsseldorf", "Nordrhein-Westfalen", "40", "211"),
        ("Leipzig", "Sachsen", "04", "341"),
        ("Dortmund", "Nordrhein-Westfalen", "44", "231"),
        ("Essen", "Nordrhein-Westfalen", "45", "201"),
        ("Bremen", "Bremen", "28", "421"),
        ("Dresden", "Sachsen", "01", "351"),
        ("Hannover", "Niedersachsen", "30", "511"),
        ("Nürnberg", "Bayern", "90", "911"),
        ("Bonn", "Nordrhein-Westfalen", "53", "228"),
        ("Münster", "Nordrhein-Westfalen", "48", "251"),
        ("Mannheim", "Baden-Württemberg", "68", "621"),
        ("Karlsruhe", "Baden-Württemberg", "76", "721"),
        ("Augsburg", "Bayern", "86", "821"),
        ("Wiesbaden", "Hessen", "65", "611"),
        ("Mönchengladbach", "Nordrhein-Westfalen", "41", "2161"),
        ("Aachen", "Nordrhein-Westfalen", "52", "241"),
        ("Braunschweig", "Niedersachsen", "38", "531"),
        ("Kiel", "Schleswig-Holstein", "24", "431"),
        ("Chemnitz", "Sachsen", "09", "371"),
        ("Magdeburg", "Sachsen-Anhalt", "39", "391"),
        ("Freiburg im Breisgau", "Baden-Württemberg", "79", "761"),
        ("Lübeck", "Schleswig-Holstein", "23", "451"),
        ("Erfurt", "Thüringen", "99", "361"),
        ("Rostock", "Mecklenburg-Vorpommern", "18", "381"),
        ("Mainz", "Rheinland-Pfalz", "55", "6131"),
        ("Kassel", "Hessen", "34", "561"),
        ("Saarbrücken", "Saarland", "66", "681"),
        ("Potsdam", "Brandenburg", "14", "331"),
        ("Würzburg", "Bayern", "97", "931"),
        ("Göttingen", "Niedersachsen", "37", "551"),
        ("Osnabrück", "Niedersachsen", "49", "541"),
        ("Fürth", "Bayern", "90", "911"),
        ("Lüneburg", "Niedersachsen", "21", "4131"),
        ("Jena", "Thüringen", "07", "3641"),
    ),
    "uk": (
        ("London", "Greater London", "SW1A", "20"),
        ("London", "Greater London", "EC2A", "20"),
        ("London", "Greater London", "N1", "20"),
        ("Manchester", "Greater Manchester", "M1", "161"),
        ("Birmingham", "West Midlands", "B1", "121"),
        ("Leeds", "West Yorkshire", "LS1", "113"),
        ("Glasgow", "Glasgow City", "G1", "141"),
        ("Edinburgh", "City of Edinburgh", "EH1", "131"),
        ("Bristol", "Bristol", "BS1", "117"),
        ("Liverpool", "Merseyside", "L1", "151"),
        ("Sheffield", "South Yorkshire", "S1", "114"),
        ("Cambridge", "Cambridgeshire", "CB2", "1223"),
        ("Oxford", "Oxfordshire", "OX1", "1865"),
        ("Cardiff", "Cardiff", "CF10", "29"),
        ("Newcastle upon Tyne", "Tyne and Wear", "NE1", "191"),
        ("Nottingham", "Nottinghamshire", "NG1", "115"),
        ("Brighton", "East Sussex", "BN1", "1273"),
        ("Belfast", "County Antrim", "BT1", "28"),
    ),
    "us": (
        ("New York", "NY", "100", "212"),
        ("Brooklyn", "NY", "112", "718"),
        ("Los Angeles", "CA", "900", "213"),
        ("San Francisco", "CA", "941", "415"),
        ("San Diego", "CA", "921", "619"),
        ("Chicago", "IL", "606", "312"),
        ("Houston", "TX", "770", "713"),
        ("Dallas", "TX", "752", "214"),
        ("Austin", "TX", "787", "512"),
        ("Phoenix", "AZ", "850", "602"),
        ("Philadelphia", "PA", "191", "215"),
        ("Seattle", "WA", "981", "206"),
        ("Boston", "MA", "021", "617"),
        ("Denver", "CO", "802", "303"),
        ("Atlanta", "GA", "303", "404"),
        ("Portland", "OR", "972", "503"),
        ("Miami", "FL", "331", "305"),
        ("Minneapolis", "MN", "554", "612"),
        ("Detroit", "MI", "482", "313"),
        ("Nashville", "TN", "372", "615"),
    ),
}

#: US state codes -> names (a duplicate may spell the state out).
US_STATES: dict[str, str] = {
    "NY": "New York", "CA": "California", "IL": "Illinois", "TX": "Texas", "AZ": "Arizona",
    "PA": "Pennsylvania", "WA": "Washington", "MA": "Massachusetts", "CO": "Colorado",
    "GA": "Georgia", "OR": "Oregon", "FL": "Florida", "MN": "Minnesota", "MI": "Michigan",
    "TN": "Tennessee",
}

#: The country as written, and how a duplicate may write it instead.
COUNTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "de": ("Germany", ("Deutschland", "DE", "")),
    "uk": ("United Kingdom", ("UK", "Great Britain", "England")),
    "us": ("United States", ("USA", "US", "United States of America")),
}

STREETS: dict[str, tuple[str, ...]] = {
    "de": (
        "Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Dorfstraße",
        "Bergstraße", "Lindenstraße", "Kirchstraße", "Goethestraße", "Schillerstraße",
        "Friedrichstraße", "Königsallee", "Mühlenweg", "Birkenweg", "Rosenstraße",
        "Marktplatz", "Waldstraße", "Schloßstraße", "Große Straße", "Jägerstraße",
        "Müllerstraße", "Gießener Straße", "Poststraße", "Am Mühlbach", "Lerchenfeld",
        "Hafenstraße", "Industriestraße", "Kaiser-Wilhelm-Ring", "Am Sandtorkai",
        "Ludwigstraße", "Theodor-Heuss-Allee", "Bürgermeister-Smidt-Straße",
    ),
    "uk": (
        "High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane",
        "Manor Road", "Park Avenue", "Queen Street", "King's Road", "Mill Lane",
        "The Crescent", "Albert Road", "London Road", "Castle Street", "Bridge Street",
        "St John's Wood Road", "Princes Street", "Deansgate",
    ),
    "us": (
        "Main Street", "Oak Avenue", "Maple Drive", "2nd Street", "Park Avenue",
        "Elm Street", "Washington Boulevard", "Lake Shore Drive", "Cedar Lane",
        "Sunset Boulevard", "Broadway", "Market Street", "Pine Street", "5th Avenue",
        "Peachtree Road", "Michigan Avenue", "Congress Avenue",
    ),
}

#: Street-type abbreviations a duplicate may use (whole word -> abbreviation).
STREET_ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("straße", "str."),
    ("Straße", "Str."),
    (" Street", " St."),
    (" Road", " Rd"),
    (" Avenue", " Ave."),
    (" Boulevard", " Blvd."),
    (" Drive", " Dr."),
    (" Lane", " Ln"),
)

FREEMAIL: dict[str, tuple[str, ...]] = {
    "de": ("gmail.com", "web.de", "gmx.de", "t-online.de", "outlook.de", "posteo.de"),
    "uk": ("gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com", "hotmail.co.uk"),
    "us": ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.com", "aol.com"),
}

TLD: dict[str, str] = {"de": "de", "uk": "co.uk", "us": "com"}

#: Legal forms with how often they occur, per locale.
LEGAL_FORMS: dict[str, tuple[tuple[str, float], ...]] = {
    "de": (
        ("GmbH", 0.5), ("AG", 0.1), ("KG", 0.08), ("GmbH & Co. KG", 0.14), ("e.K.", 0.06),
        ("UG (haftungsbeschränkt)", 0.06), ("OHG", 0.03), ("e.V.", 0.03),
    ),
    "uk": (("Ltd", 0.6), ("Limited", 0.15), ("PLC", 0.1), ("LLP", 0.15)),
    "us": (("Inc.", 0.45), ("LLC", 0.4), ("Corp.", 0.1), ("Co.", 0.05)),
}

#: How a duplicate may write a legal form instead ("" drops it).
LEGAL_VARIANTS: dict[str, tuple[str, ...]] = {
    "GmbH": ("G.m.b.H.", "Gmbh", "GmbH.", ""),
    "AG": ("Aktiengesellschaft", "A.G.", ""),
    "KG": ("Kommanditgesellschaft", "K.G.", ""),
    "GmbH & Co. KG": ("GmbH & Co KG", "GmbH u. Co. KG", "GmbH + Co. KG", ""),
    "e.K.": ("eK", "e. K.", ""),
    "UG (haftungsbeschränkt)": ("UG", "UG (haftungsbeschraenkt)", "UG (hb)"),
    "OHG": ("oHG", "O.H.G.", ""),
    "e.V.": ("eV", "e. V."),
    "Ltd": ("Ltd.", "Limited", "LTD", ""),
    "Limited": ("Ltd", "Ltd.", ""),
    "PLC": ("plc", "P.L.C.", "Public Limited Company"),
    "LLP": ("L.L.P.", "llp", ""),
    "Inc.": ("Inc", "Incorporated", "INC.", ""),
    "LLC": ("L.L.C.", "Llc", ""),
    "Corp.": ("Corporation", "Corp", ""),
    "Co.": ("Company", "Co", ""),
}

BRANCHES: dict[str, tuple[str, ...]] = {
    "de": (
        "Logistik", "Bau", "Maschinenbau", "Elektrotechnik", "Software", "Consulting",
        "Immobilien", "Druckerei", "Versicherungsmakler", "Metallbau", "Medizintechnik",
        "Brauerei", "Getränkehandel", "Möbelwerkstätten", "Steuerberatung", "Gärtnerei",
        "Spedition", "Sanitärtechnik", "Werkzeugbau", "Systemhaus", "Kunststofftechnik",
        "Lebensmittel", "Reisebüro", "Autohaus",
    ),
    "uk": (
        "Logistics", "Builders", "Engineering", "Electrical", "Software", "Consulting",
        "Properties", "Printing", "Insurance Brokers", "Recruitment", "Catering",
        "Solicitors", "Accountants", "Design", "Marine", "Holdings", "Analytics",
    ),
    "us": (
        "Logistics", "Construction", "Engineering", "Electric", "Software", "Consulting",
        "Realty", "Printing", "Insurance", "Staffing", "Foods", "Biotech", "Media",
        "Solutions", "Systems", "Capital", "Outfitters", "Dental",
    ),
}

#: Invented word stems for brand-like names ("Nordwind", "Bluepeak").
BRAND_HEADS: dict[str, tuple[str, ...]] = {
    "de": ("Nord", "Süd", "West", "Ost", "Alpen", "Rhein", "Elb", "Hansa", "Grün", "Blau",
           "Stern", "Sonnen", "Berg", "Fluss", "Wald", "Licht", "Kraft", "Stahl", "Löwen",
           "Adler", "Eichen", "Brücken", "Mühlen", "Küsten"),
    "uk": ("North", "South", "Thames", "Pennine", "Blue", "Green", "Red", "Silver", "Iron",
           "Oak", "Stone", "Bright", "Clear", "Cross", "King", "Albion", "Highland", "Harbour"),
    "us": ("Blue", "Red", "Golden", "Summit", "Eagle", "Liberty", "Pioneer", "Pacific",
           "Atlantic", "Lone Star", "Great Lakes", "Silver", "Iron", "Pine", "River", "Bay"),
}
BRAND_TAILS: dict[str, tuple[str, ...]] = {
    "de": ("wind", "licht", "werk", "tal", "feld", "blick", "hof", "quelle", "stein", "bau",
           "tec", "data", "form", "haus", "brück", "kraft"),
    "uk": ("gate", "field", "bridge", "stone", "wood", "well", "view", "point", "ford",
           "worth", "tech", "line", "works", "shire"),
    "us": ("peak", "point", "ridge", "view", "stone", "wave", "works", "field", "line",
           "path", "forge", "bridge", "craft", "core"),
}

INDUSTRY_SEGMENTS: tuple[str, ...] = ("SMB", "Mid-market", "Enterprise", "Public sector")

POSITIONS: dict[str, tuple[str, ...]] = {
    "de": (
        "Geschäftsführer", "Geschäftsführerin", "Vertriebsleiter", "Einkäuferin",
        "Projektleiter", "Buchhaltung", "Assistenz der Geschäftsführung", "Leiter IT",
        "Marketing Manager", "Prokurist", "Teamleiterin Kundenservice", "Außendienst",
        "Key Account Managerin", "Leiterin Personal", "Werkstattmeister", "Inhaber",
    ),
    "uk": (
        "Managing Director", "Finance Director", "Head of Sales", "Procurement Manager",
        "Project Manager", "Office Manager", "IT Director", "Account Executive",
        "Operations Manager", "Marketing Lead", "Company Secretary", "Partner",
    ),
    "us": (
        "CEO", "CFO", "VP Sales", "Purchasing Manager", "Project Manager", "Office Manager",
        "IT Director", "Account Executive", "Operations Manager", "Marketing Lead",
        "Founder", "General Counsel",
    ),
}

#: Tag pool: ONLYOFFICE's default tags plus typical user tags.
TAGS: tuple[str, ...] = (
    "Lead", "Customer", "Supplier", "Staff", "VIP", "Newsletter", "Trade fair 2024",
    "Trade fair 2025", "Referral", "Partner program", "Do not call", "Key account",
    "Webinar", "Inbound", "Reseller", "Churn risk",
)

TEMPERATURES: tuple[str, ...] = ("Cold", "Warm", "Hot")
CONTACT_TYPES: tuple[str, ...] = ("Client", "Supplier", "Partner", "Competitor")

NOTES: dict[str, tuple[str, ...]] = {
    "de": (
        "Kennengelernt auf der Messe in Hannover.",
        "Bevorzugt Kontakt per E-Mail.",
        "Rückruf nur vormittags.",
        'Sagt: "Bitte keine Werbung per Post."',
        "Ansprechpartner für Rahmenverträge; Budget wird im Q4 geplant.",
        "Hat die Firma gewechselt, neue Adresse prüfen.",
        "Zahlungsziel 30 Tage, Skonto 2 %.",
        "Empfohlen von einem Bestandskunden.",
    ),
    "en": (
        "Met at the trade fair in Birmingham.",
        "Prefers email over phone.",
        "Call back only in the morning.",
        'Says "please send the quote as PDF".',
        "Decision maker for framework contracts; budget planned in Q4.",
        "Changed jobs recently, check the address.",
        "Net 30 payment terms, 2% early payment discount.",
        "Referred by an existing customer.",
    ),
}

DEAL_TOPICS: dict[str, tuple[str, ...]] = {
    "de": ("Rahmenvertrag", "Wartungsvertrag", "Softwarelizenzen", "Schulung",
           "Ersatzteile", "Beratungsprojekt", "Hardware-Erneuerung", "Jahresabo"),
    "en": ("Framework agreement", "Maintenance contract", "Software licences", "Training",
           "Spare parts", "Consulting project", "Hardware refresh", "Annual subscription"),
}

#: Deal stages in pipeline order (final stages last).
DEAL_STAGES: tuple[str, ...] = (
    "Initial contact", "Qualification", "Proposal", "Negotiation", "Won", "Lost",
)

HISTORY_CATEGORIES: tuple[str, ...] = ("Note", "Call", "Email", "Meeting")

HISTORY_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "de": {
        "Note": ("Interesse an {topic} notiert.", "Budgetfreigabe steht noch aus.",
                 "Ansprechpartner ist im Urlaub bis Monatsende."),
        "Call": ("Telefonat zu {topic}, Rückruf vereinbart.", "Nicht erreicht, Nachricht hinterlassen.",
                 "Kurzes Gespräch über Liefertermine."),
        "Email": ("Angebot für {topic} verschickt.", "Unterlagen zu {topic} angefordert.",
                  "Rechnungskopie gesendet."),
        "Meeting": ("Vor-Ort-Termin wegen {topic}.", "Jahresgespräch geführt.",
                    "Präsentation {topic} beim Kunden."),
    },
    "en": {
        "Note": ("Noted interest in {topic}.", "Budget approval still pending.",
                 "Contact is on leave until the end of the month."),
        "Call": ("Call about {topic}, call back agreed.", "No answer, left a voicemail.",
                 "Short call about delivery dates."),
        "Email": ("Sent the quote for {topic}.", "Asked for documents on {topic}.",
                  "Sent a copy of the invoice."),
        "Meeting": ("On-site meeting about {topic}.", "Annual review meeting.",
                    "Presented {topic} at the customer's office."),
    },
}
