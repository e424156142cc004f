"""The chooser's safety rule: each health answer's tier, and the guidance behind it.

Fixed in code so that no edit of the words in content/widgets.yaml can make
an answer milder; ``flask --app webapp chooser-table`` publishes the tiers
and their sources in docs/chooser.md.
"""

# The safety tiers, from the most cautious to the least. A reader who checks
# answers of several tiers gets the most cautious one.
CARE_TODAY = "care-today"  # no booking button: contact a healthcare provider today
ANOTHER_DAY = "another-day"  # book, for a day after the reader is well
PROVIDER_FIRST = "provider-first"  # book once a healthcare provider agrees
TELL_THERAPIST = "tell-therapist"  # the suggestion, and what to mention at booking
TIERS = (CARE_TODAY, ANOTHER_DAY, PROVIDER_FIRST, TELL_THERAPIST)
# The tiers that replace the suggestion with their own (the last one adds to it).
SAFETY_OUTCOMES = TIERS[:-1]

# The safety rule: each answer of the check-all questions and its tier, fixed
# here so that no edit of the words can switch it off. The owner may reword
# every answer and give one a more cautious ``tier``, never a milder one;
# start-up refuses a file that drops one of these answers. docs/chooser.md
# lists the public guidance each tier follows (GUIDANCE below).
SAFETY_TIERS = {
    "today": {
        "limb": CARE_TODAY,
        "chest": CARE_TODAY,
        "one-side": CARE_TODAY,
        "fever": ANOTHER_DAY,
        "skin-infection": ANOTHER_DAY,
        "injury": ANOTHER_DAY,
        "alcohol": ANOTHER_DAY,
        "severe-pain": PROVIDER_FIRST,
        "pain-medicine": TELL_THERAPIST,
    },
    "health": {
        "surgery": PROVIDER_FIRST,
        "blood-clot": PROVIDER_FIRST,
        "blood-thinners": PROVIDER_FIRST,
        "cancer": PROVIDER_FIRST,
        "lymphedema": PROVIDER_FIRST,
        "kidney-liver": PROVIDER_FIRST,
        "heart": PROVIDER_FIRST,
        "pregnant": PROVIDER_FIRST,
        "fragile-bones": PROVIDER_FIRST,
        "diabetes": PROVIDER_FIRST,
    },
    "mention": {
        "older-injury": TELL_THERAPIST,
        "skin": TELL_THERAPIST,
        "varicose-veins": TELL_THERAPIST,
        "allergies": TELL_THERAPIST,
        "injections": TELL_THERAPIST,
    },
}


def most_cautious(tiers):
    """The most cautious of ``tiers`` (None when there is none)."""
    return min(tiers, key=TIERS.index, default=None)


# The public pages the tiers follow, as found (title, address). Two are
# copies of a health body's text on a practice's site, and say so.
SOURCES = {
    "werner-dvt": (
        "A Massage Therapist's Guide to Pathology (Werner and Benjamin), "
        "quick reference chart: Thrombophlebitis and deep vein thrombosis",
        "http://www.somatics.de/PathologyBook/Thrombophlebitis.htm",
    ),
    "werner-fever": (
        "A Massage Therapist's Guide to Pathology, quick reference chart: Fever",
        "http://www.somatics.de/PathologyBook/Fever.htm",
    ),
    "werner-sprains": (
        "A Massage Therapist's Guide to Pathology, quick reference chart: Sprains",
        "http://www.somatics.de/PathologyBook/Sprains.htm",
    ),
    "werner-varicose": (
        "A Massage Therapist's Guide to Pathology, quick reference chart: "
        "Varicose veins",
        "http://www.somatics.de/PathologyBook/Varicose.htm",
    ),
    "werner-osteoporosis": (
        "A Massage Therapist's Guide to Pathology, quick reference chart: Osteoporosis",
        "http://www.somatics.de/PathologyBook/Osteoporosis.htm",
    ),
    "abmp-contraindications": (
        "Contraindications (an ABMP member therapist's page on abmp.com)",
        "https://cynthialombardi.abmp.com/contraindications",
    ),
    "abmp-diabetes": (
        "Deconstructing Diabetes, Ruth Werner (ABMP, Massage & Bodywork)",
        "https://abmp.com/textonlymags/article.php?article=2676",
    ),
    "nccih": (
        "What Is Massage Therapy? (NCCIH's safety text, as copied by MegaTopx)",
        "https://massage.megatopx.com/article002_pg2.html",
    ),
    "mayo": (
        "Is Massage for You? (Mayo Clinic's risks of massage, as copied by a "
        "licensed therapist's site)",
        "http://ambersherbet.com/all-about-massage/is-massage-for-you.html",
    ),
    "say-no": (
        "Know When to Say No to Massage (ascensionselfcare.com)",
        "https://ascensionselfcare.com/know-when-to-say-no-to-massage/",
    ),
    "cirrhosis": (
        "Cirrhosis and Stages of Liver Disease (integrativehealthcare.org)",
        "https://www.integrativehealthcare.org/mt/cirrhosis-and-stages-of-liver-disease/",
    ),
}

# Why each answer has its tier: what the guidance says, and its sources.
# Where a source is more cautious than issue 26 first set, the tier follows
# the source, and the text says so.
GUIDANCE = {
    ("today", "limb"): (
        "A swollen, warm, red or painful limb can be a deep vein thrombosis: "
        "massage is strictly ruled out, and the reader needs care today.",
        ("werner-dvt", "mayo"),
    ),
    ("today", "chest"): (
        "Conditions that need first aid or medical attention rule massage out; "
        "chest pain or trouble breathing can be an emergency.",
        ("say-no",),
    ),
    ("today", "one-side"): (
        "Conditions that need first aid or medical attention rule massage out; "
        "sudden weakness on one side can be a stroke.",
        ("say-no",),
    ),
    ("today", "fever"): (
        "Massage is ruled out with a fever or an infectious illness, even a "
        "cold, until it has passed.",
        ("werner-fever", "abmp-contraindications", "say-no"),
    ),
    ("today", "skin-infection"): (
        "Contagious skin conditions are avoided; the tier waits until the "
        "reader is well, more cautious than avoiding the area.",
        ("say-no",),
    ),
    ("today", "injury"): (
        "In an injury's acute stage (pain, heat, swelling) massage waits; it "
        "suits the later, subacute stage.",
        ("werner-sprains",),
    ),
    ("today", "alcohol"): (
        "No massage for a client who is intoxicated.",
        ("abmp-contraindications",),
    ),
    ("today", "severe-pain"): (
        "Discuss massage with a healthcare provider when pain has no clear "
        "cause; severe or worsening pain needs a check first.",
        ("mayo",),
    ),
    ("today", "pain-medicine"): (
        "No public source found in our search. Pain medication can dull the "
        "feedback on pressure, so the therapist needs to know.",
        (),
    ),
    ("health", "surgery"): (
        "A provider's approval after recent surgery; the area is avoided.",
        ("abmp-contraindications", "say-no"),
    ),
    ("health", "blood-clot"): (
        "Deep vein thrombosis rules massage out; a past clot needs the "
        "provider's word first.",
        ("werner-dvt", "mayo"),
    ),
    ("health", "blood-thinners"): (
        "Bleeding disorders and blood thinners rule out forceful, deep massage.",
        ("nccih", "mayo", "say-no"),
    ),
    ("health", "cancer"): (
        "With cancer, a provider's approval first; no deep pressure over a "
        "tumor unless the provider agrees.",
        ("nccih", "abmp-contraindications", "mayo"),
    ),
    ("health", "lymphedema"): (
        "Swelling (edema) needs a provider's approval first.",
        ("abmp-contraindications",),
    ),
    ("health", "kidney-liver"): (
        "Liver disease (cirrhosis) is taught as a main contraindication of "
        "massage. No source found for kidney disease: the issue's tier.",
        ("cirrhosis",),
    ),
    ("health", "heart"): (
        "No massage with severe uncontrolled high blood pressure; heart "
        "disease needs a provider's approval. A recent stroke or heart attack: "
        "no source found, the issue's tier.",
        ("abmp-contraindications",),
    ),
    ("health", "pregnant"): (
        "More cautious than the issue (tell your therapist after 12 weeks): "
        "NCCIH and Mayo Clinic say to talk with a provider first when pregnant.",
        ("nccih", "mayo"),
    ),
    ("health", "fragile-bones"): (
        "More cautious than the issue (tell your therapist): Mayo Clinic says "
        "massage may not suit severe osteoporosis, and the ABMP page asks for a "
        "provider's approval; Werner finds very gentle massage suitable.",
        ("mayo", "abmp-contraindications", "werner-osteoporosis"),
    ),
    ("health", "diabetes"): (
        "More cautious than the issue (tell your therapist): the ABMP page asks "
        "for a provider's approval with diabetes; Werner's ABMP article finds "
        "massage safe with the right care.",
        ("abmp-contraindications", "abmp-diabetes"),
    ),
    ("mention", "older-injury"): (
        "Massage suits an injury in its subacute stage, with care over the "
        "injured area.",
        ("werner-sprains",),
    ),
    ("mention", "skin"): (
        "No massage on open or healing wounds or burns: the area is avoided.",
        ("nccih", "mayo"),
    ),
    ("mention", "varicose-veins"): (
        "Mild varicose veins rule out only deep, specific work there; severe "
        "ones are avoided.",
        ("werner-varicose",),
    ),
    ("mention", "allergies"): (
        "Allergic reactions to massage oils or lotions are a known risk.",
        ("mayo",),
    ),
    ("mention", "injections"): (
        "No public source found in our search. The area of a recent injection "
        "is left alone, so the therapist needs to know.",
        (),
    ),
}
