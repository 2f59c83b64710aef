"""The demo estate and what its faults look like, as tables: fictional people and companies in
the real probation regions and towns of England and Wales. Plain data, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from facilities.models import PremisesKind

#: One password for every demo login: long enough, not common, not like any username.
DEMO_PASSWORD = "Demo-repairs-2026"


def table(text: str) -> list[list[str]]:
    """Rows of a ' | '-separated table, one per non-blank line."""
    return [[cell.strip() for cell in line.split("|")] for line in text.strip().splitlines()]


# Region code | name | regional contract manager | their name
REGIONS = [
    (code, name, username, tuple(person.split()))
    for code, name, username, person in table("""
        north-east         | North East               | manager.northeast    | Helen Robson
        north-west         | North West               | manager.northwest    | Gareth Moss
        yorkshire          | Yorkshire and the Humber | manager.yorkshire    | Amina Hussain
        greater-manchester | Greater Manchester       | manager.manchester   | Liam Doherty
        east-midlands      | East Midlands            | manager.eastmidlands | Ravi Patel
        west-midlands      | West Midlands            | manager.westmidlands | Claire Bennett
        east-of-england    | East of England          | manager.east         | Tom Ashworth
        london             | London                   | manager.london       | Funmi Adeyemi
        kss                | Kent, Surrey and Sussex  | manager.kss          | Sarah Holt
        south-west         | South West               | manager.southwest    | Jack Penrose
        south-central      | South Central            | manager.southcentral | Emma Fairbairn
        wales              | Wales                    | manager.wales        | Owain Pritchard
    """)
]
WELSH_REGIONS = {"wales"}

AP = PremisesKind.APPROVED_PREMISES.value
OFFICE = PremisesKind.OFFICE.value

# Premises by region: code | name | address | postcode | beds (approved premises only).
# Offices are "<name> probation office"; approved premises "<name> approved premises".
PREMISES_TABLE = """
[north-east]
newcastle         | Newcastle          | 12 Pilgrim Street, Newcastle upon Tyne | NE1 6QF  |
sunderland        | Sunderland         | 3 John Street, Sunderland              | SR1 1JH  |
middlesbrough     | Middlesbrough      | 40 Albert Road, Middlesbrough          | TS1 1QD  |
durham            | Durham             | 7 Old Elvet, Durham                    | DH1 3HL  |
ap-tyne-view      | Tyne View House    | 18 Saltwell Road, Gateshead            | NE8 4XJ  | 22
[north-west]
liverpool         | Liverpool          | 60 Dale Street, Liverpool              | L2 5SD   |
preston           | Preston            | 25 Lancaster Road, Preston             | PR1 2RH  |
blackpool         | Blackpool          | 14 Talbot Road, Blackpool              | FY1 1LF  |
carlisle          | Carlisle           | 9 Lowther Street, Carlisle             | CA3 8DP  |
ap-mersey-bank    | Mersey Bank        | 101 Prescot Road, Liverpool            | L7 0LB   | 26
[yorkshire]
leeds             | Leeds              | 2 Park Square East, Leeds              | LS1 2NE  |
bradford          | Bradford           | 30 Manor Row, Bradford                 | BD1 4QE  |
sheffield         | Sheffield          | 45 Division Street, Sheffield          | S1 4GE   |
hull              | Hull               | 16 George Street, Hull                 | HU1 3BA  |
ap-airedale       | Airedale House     | 88 Kirkstall Road, Leeds               | LS3 1HS  | 24
ap-don-valley     | Don Valley House   | 5 Attercliffe Road, Sheffield          | S4 7WZ   | 20
[greater-manchester]
manchester        | Manchester city    | 1 Quay Street, Manchester              | M3 3JE   |
salford           | Salford            | 50 Chapel Street, Salford              | M3 5DW   |
bolton            | Bolton             | 22 Mawdsley Street, Bolton             | BL1 1LF  |
stockport         | Stockport          | 11 Wellington Road South, Stockport    | SK1 3TA  |
ap-irwell         | Irwell House       | 140 Bury New Road, Manchester          | M8 8QJ   | 28
[east-midlands]
nottingham        | Nottingham         | 20 Castle Boulevard, Nottingham        | NG7 1FT  |
derby             | Derby              | 6 Siddals Road, Derby                  | DE1 2PB  |
leicester         | Leicester          | 38 Friar Lane, Leicester               | LE1 5RA  |
lincoln           | Lincoln            | 15 Beaumont Fee, Lincoln               | LN1 1UP  |
ap-trentside      | Trentside House    | 72 Radford Road, Nottingham            | NG7 5GS  | 21
[west-midlands]
birmingham        | Birmingham central | 100 Broad Street, Birmingham           | B15 1AU  |
coventry          | Coventry           | 27 Warwick Row, Coventry               | CV1 1EY  |
wolverhampton     | Wolverhampton      | 8 Lichfield Street, Wolverhampton      | WV1 1DG  |
stoke             | Stoke-on-Trent     | 33 Bethesda Street, Stoke-on-Trent     | ST1 3DP  |
ap-calthorpe      | Calthorpe House    | 54 Hagley Road, Birmingham             | B16 8PE  | 30
ap-foleshill      | Foleshill House    | 210 Foleshill Road, Coventry           | CV6 5AH  | 23
[east-of-england]
norwich           | Norwich            | 19 Prince of Wales Road, Norwich       | NR1 1BD  |
ipswich           | Ipswich            | 36 Princes Street, Ipswich             | IP1 1RJ  |
cambridge         | Cambridge          | 4 Castle Street, Cambridge             | CB3 0AQ  |
chelmsford        | Chelmsford         | 12 Victoria Road South, Chelmsford     | CM1 1LN  |
ap-wensum         | Wensum House       | 61 Dereham Road, Norwich               | NR2 4HY  | 20
[london]
stratford         | Stratford          | 9 Great Eastern Road, London           | E15 1BB  |
camden            | Camden             | 115 Camden High Street, London         | NW1 7JR  |
croydon           | Croydon            | 70 Wellesley Road, Croydon             | CR0 2AR  |
lewisham          | Lewisham           | 21 Rushey Green, London                | SE6 4AS  |
ealing            | Ealing             | 47 Uxbridge Road, London               | W5 5SA   |
ap-highbury-grove | Highbury Grove     | 320 Holloway Road, London              | N7 6NJ   | 25
ap-brixton-hill   | Brixton Hill       | 150 Brixton Hill, London               | SW2 1RS  | 27
[kss]
maidstone         | Maidstone          | 58 College Road, Maidstone             | ME15 6SL |
canterbury        | Canterbury         | 23 St George's Place, Canterbury       | CT1 1UT  |
guildford         | Guildford          | 10 Bridge Street, Guildford            | GU1 4RY  |
brighton          | Brighton           | 35 Edward Street, Brighton             | BN2 0JS  |
ap-medway         | Medway House       | 95 New Road, Chatham                   | ME4 4QJ  | 22
[south-west]
bristol           | Bristol            | 5 Marlborough Street, Bristol          | BS1 3NP  |
plymouth          | Plymouth           | 44 North Hill, Plymouth                | PL4 8EZ  |
exeter            | Exeter             | 3 Barnfield Road, Exeter               | EX1 1RD  |
ap-avonside       | Avonside House     | 130 Stapleton Road, Bristol            | BS5 0PR  | 24
[south-central]
oxford            | Oxford             | 28 St Aldates, Oxford                  | OX1 1BN  |
reading           | Reading            | 17 Forbury Road, Reading               | RG1 1SB  |
southampton       | Southampton        | 61 London Road, Southampton            | SO15 2AD |
ap-itchen         | Itchen House       | 76 Portswood Road, Southampton         | SO17 2FW | 20
[wales]
cardiff           | Cardiff            | 33 Westgate Street, Cardiff            | CF10 1DD |
newport           | Newport            | 8 Clarence Place, Newport              | NP19 7AA |
swansea           | Swansea            | 12 Kingsway, Swansea                   | SA1 5JQ  |
wrexham           | Wrexham            | 19 Grosvenor Road, Wrexham             | LL11 1BS |
ap-ty-taf         | Tŷ Taf             | 41 Cathedral Road, Cardiff             | CF11 9HE | 25
"""


def _premises(text: str) -> list[tuple[str, str, str, str, str, int | None]]:
    """(code, name, region code, address, postcode, beds) from the table above."""
    rows, region = [], ""
    for line in text.strip().splitlines():
        if line.startswith("["):
            region = line.strip("[]")
            continue
        code, name, address, postcode, beds = (cell.strip() for cell in line.split("|"))
        kind = "approved premises" if beds else "probation office"
        rows.append((code, f"{name} {kind}", region, address, postcode, int(beds or 0) or None))
    return rows


PREMISES = _premises(PREMISES_TABLE)

# Office manager | their name | the premises they manage (1-3, some with an approved premises)
OFFICE_MANAGERS = [
    (username, tuple(person.split()), codes.split())
    for username, person, codes in table("""
        office.newcastle    | Olivia Charlton    | newcastle sunderland ap-tyne-view
        office.teesside     | Mark Hebburn       | middlesbrough durham
        office.liverpool    | Bernadette Quinn   | liverpool ap-mersey-bank
        office.lancashire   | Stuart Whittle     | preston blackpool carlisle
        office.leeds        | Nadia Akhtar       | leeds bradford ap-airedale
        office.sheffield    | Paul Hinchliffe    | sheffield hull ap-don-valley
        office.manchester   | Grace Okoro        | manchester salford ap-irwell
        office.bolton       | Dean Haworth       | bolton stockport
        office.nottingham   | Jas Sandhu         | nottingham derby ap-trentside
        office.leicester    | Karen Mistry       | leicester lincoln
        office.birmingham   | Imran Chaudhry     | birmingham ap-calthorpe
        office.coventry     | Lucy Brennan       | coventry ap-foleshill
        office.blackcountry | Wayne Cartwright   | wolverhampton stoke
        office.norwich      | Fiona Bacon        | norwich ipswich ap-wensum
        office.cambridge    | Hugh Ellery        | cambridge chelmsford
        office.stratford    | Kemi Balogun       | stratford camden
        office.croydon      | Daniel Osei        | croydon lewisham ealing
        office.highbury     | Rosa Fernandes     | ap-highbury-grove
        office.brixton      | Marcus Campbell    | ap-brixton-hill
        office.maidstone    | Janet Pike         | maidstone canterbury ap-medway
        office.guildford    | Oliver Stanhope    | guildford brighton
        office.bristol      | Megan Tovey        | bristol ap-avonside
        office.plymouth     | Tamsin Trelawny    | plymouth exeter
        office.oxford       | Rupert Lane        | oxford reading
        office.southampton  | Chloe Marsh        | southampton ap-itchen
        office.cardiff      | Siân Llewellyn     | cardiff newport ap-ty-taf
        office.swansea      | Dafydd Morgan      | swansea
        office.wrexham      | Carys Hughes       | wrexham
    """)
]


@dataclass(frozen=True)
class DemoContractor:
    key: str  # the helpdesk login is helpdesk.<key>
    name: str
    helpdesk_email: str
    account_manager: str
    # Chances that attendance and the fix are on time: the demo's contractors differ.
    attend_on_time: float
    fix_on_time: float

    @property
    def domain(self) -> str:
        return self.helpdesk_email.split("@")[1]


CONTRACTORS = [
    DemoContractor(key, name, f"helpdesk@{domain}", manager, float(attend), float(fix))
    for key, name, domain, manager, attend, fix in table("""
    acme       | Acme Facilities Services Ltd     | acme-fm.example    | Priya Shah   | .91 | .86
    brightwell | Brightwell Property Services Ltd | brightwell.example | Tom Hughes   | .79 | .68
    capitol    | Capitol Estates Management Ltd   | capitol.example    | Grace Okafor | .87 | .77
    dragon     | Dragon Building Maintenance Cyf  | dragon-bm.example  | Rhys Evans   | .93 | .88
    """)
]

SECURITY = ("personal-alarms", "intruder-fire-alarms", "locks-doors-access", "cctv")
ALL_BUT_LIFTS = (
    *SECURITY,
    "heating-hot-water",
    "ap-beds",
    "plumbing-water",
    "electrical-lighting",
    "pest-control",
    "building-fabric-roof",
    "other",
)


@dataclass(frozen=True)
class DemoContract:
    reference: str
    contractor: str
    name: str
    valid_from: date
    valid_to: date | None = None
    regions: tuple[str, ...] = ()
    premises: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # empty: every category
    pounds_per_point: str = "0.00"
    # priority, attend, make safe, fix (minutes), clock
    service_levels: tuple[tuple[str, int, int | None, int, str], ...] = ()


AP_CODES = tuple(code for code, *_, beds in PREMISES if beds)
NORTH = ("north-east", "north-west", "yorkshire", "greater-manchester")
SOUTH = ("kss", "south-west", "south-central")

# London's lift contract has lapsed and is being re-let: lift faults there are unrouted (the
# one gap in cover), and the London contract manager has most attended as spot orders.
CONTRACTS = [
    DemoContract("MOJ-FM-N-2021", "acme", "Hard FM – North", date(2021, 4, 1), regions=NORTH),
    DemoContract(
        "MOJ-FM-M-2021",
        "brightwell",
        "Hard FM – Midlands and East of England",
        date(2021, 4, 1),
        regions=("east-midlands", "west-midlands", "east-of-england"),
        pounds_per_point="20.00",
    ),
    DemoContract(
        "MOJ-FM-S-2022",
        "capitol",
        "Hard FM – London and the South (excluding lifts)",
        date(2022, 4, 1),
        regions=("london", *SOUTH),
        categories=ALL_BUT_LIFTS,
    ),
    DemoContract(
        "MOJ-LIFT-S-2022",
        "brightwell",
        "Lift maintenance – South (excluding London)",
        date(2022, 4, 1),
        regions=SOUTH,
        categories=("lifts",),
    ),
    DemoContract(
        "MOJ-LIFT-LDN-2019",
        "capitol",
        "Lift maintenance – London (expired; being re-let)",
        date(2019, 4, 1),
        valid_to=date(2025, 3, 31),
        regions=("london",),
        categories=("lifts",),
    ),
    DemoContract(
        "MOJ-FM-W-2023",
        "dragon",
        "Cynnal a chadw – Hard FM Wales",
        date(2023, 4, 1),
        regions=("wales",),
        pounds_per_point="40.00",
        service_levels=(
            ("P1", 60, 180, 720, "calendar"),
            ("P2", 180, None, 2880, "calendar"),
            ("P3", 1200, None, 4800, "working"),
        ),
    ),
    DemoContract(
        "MOJ-SEC-AP-2024",
        "capitol",
        "Security systems at approved premises",
        date(2024, 1, 1),
        premises=AP_CODES,
        categories=SECURITY,
    ),
    DemoContract(
        "MOJ-FM-BHM-2024",
        "acme",
        "Birmingham central office – hard FM (new building pilot)",
        date(2024, 10, 1),
        premises=("birmingham",),
    ),
]


OFFICE_ROOMS = [
    *("Reception", "Main entrance", "Stairwell", "Staff kitchen", "Ground-floor toilets"),
    *("Interview room 1", "Interview room 2", "Interview room 3", "Interview room 4"),
    *("First-floor open-plan office", "Second-floor open-plan office", "Group work room"),
]
AP_ROOMS = [
    *("Room 3", "Room 7", "Room 12", "Room 15", "Room 21", "First-floor corridor"),
    *("Night office", "Staff office", "Main entrance", "Laundry"),
    *("Residents' kitchen", "Residents' lounge"),
]

# Category | weight at offices | at approved premises | its own locations (else rooms)
CATEGORY_MIX = {
    slug: (float(office), float(ap), locations.split("; ") if locations else None)
    for slug, office, ap, locations in table("""
    personal-alarms      | 6  | 5  |
    intruder-fire-alarms | 5  | 6  |
    locks-doors-access   | 9  | 11 |
    cctv                 | 4  | 6  |
    heating-hot-water    | 12 | 12 | Plant room; Whole building; First floor; Staff kitchen
    ap-beds              | 0  | 14 | Room 2; Room 5; Room 9; Room 11; Room 14; Room 18; Room 20
    plumbing-water       | 12 | 14 |
    electrical-lighting  | 14 | 10 |
    pest-control         | 5  | 5  | Staff kitchen; Bin store; Main entrance; Loft
    building-fabric-roof | 12 | 9  |
    lifts                | 5  | 3  | Passenger lift; Platform lift
    other                | 8  | 6  |
    """)
}
