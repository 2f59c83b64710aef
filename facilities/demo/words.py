"""What the demo's faults and their timelines say: descriptions, notes and reasons."""

from __future__ import annotations

from .data import table


def _by_category(text: str) -> dict[str, list[str]]:
    lines: dict[str, list[str]] = {}
    for slug, line in table(text):
        lines.setdefault(slug, []).append(line)
    return lines


DESCRIPTIONS = _by_category("""
    personal-alarms      | Personal alarm receiver not sounding at reception when tested.
    personal-alarms      | Two personal attack alarms will not pair with the receiver.
    personal-alarms      | Fixed panic button in the interview room does not trigger.
    personal-alarms      | Alarm panel shows a fault light; staff told not to rely on alarms.
    intruder-fire-alarms | Fire alarm panel showing a zone fault.
    intruder-fire-alarms | Smoke detector chirping and reporting a fault.
    intruder-fire-alarms | Intruder alarm will not set at close of business.
    intruder-fire-alarms | Fire door magnetic hold-open releasing at random.
    locks-doors-access   | Main door maglock not engaging; door can be pushed open.
    locks-doors-access   | Fob reader on the staff door not reading any fobs.
    locks-doors-access   | Interview room door lock jammed; room out of use.
    locks-doors-access   | Key safe broken; keys secured in the manager's office.
    locks-doors-access   | Door closer broken; fire door will not close.
    cctv                 | CCTV camera at the entrance showing a black screen.
    cctv                 | CCTV recorder not recording since the power cut.
    cctv                 | Camera covering the car park knocked out of position.
    heating-hot-water    | No heating in the building; boiler showing a fault code.
    heating-hot-water    | Radiators cold on the first floor.
    heating-hot-water    | No hot water to the kitchen and toilets.
    heating-hot-water    | Boiler keeps losing pressure and cutting out.
    heating-hot-water    | Thermostat not responding; heating stuck on full.
    ap-beds              | Window restrictor broken; room cannot be used.
    ap-beds              | Water coming through the ceiling of the bedroom.
    ap-beds              | Bedroom door lock broken; room cannot be allocated.
    ap-beds              | Damp and mould in the bedroom; room taken out of use.
    ap-beds              | Electrical sockets sparking in the bedroom.
    plumbing-water       | Toilet blocked and overflowing.
    plumbing-water       | Leak under the sink in the kitchen.
    plumbing-water       | Water coming through the ceiling from the floor above.
    plumbing-water       | Drain outside the back door blocked and smelling.
    plumbing-water       | Shower drain blocked.
    electrical-lighting  | Lights out along the corridor.
    electrical-lighting  | Several sockets dead in the office.
    electrical-lighting  | Emergency lighting failed its monthly test.
    electrical-lighting  | Fuse keeps tripping when the kettle is used.
    pest-control         | Signs of mice in the kitchen.
    pest-control         | Rats seen by the bin store.
    pest-control         | Pigeons nesting above the entrance.
    pest-control         | Wasps' nest by the staff entrance.
    building-fabric-roof | Roof leaking into the stairwell when it rains.
    building-fabric-roof | Cracked window pane in the interview room.
    building-fabric-roof | Ceiling tiles stained and sagging.
    building-fabric-roof | Trip hazard: lifted carpet at the top of the stairs.
    building-fabric-roof | Gutter overflowing onto the entrance.
    lifts                | Passenger lift out of service.
    lifts                | Lift doors not closing properly.
    lifts                | Platform lift stuck between floors; no one inside.
    other                | Blind broken in the interview room.
    other                | Kitchen extractor fan not working.
    other                | Notice board fallen off the wall.
    other                | Car park barrier stuck open.
""")

FIX_NOTES = _by_category("""
    personal-alarms      | Receiver replaced and alarms re-paired.
    personal-alarms      | Batteries and aerial replaced; tested with reception.
    intruder-fire-alarms | Faulty detector replaced and panel reset.
    intruder-fire-alarms | Zone wiring repaired and tested.
    locks-doors-access   | Maglock replaced and tested.
    locks-doors-access   | New lock fitted; keys handed to the office manager.
    cctv                 | Camera replaced and recording checked.
    cctv                 | Recorder hard drive replaced.
    heating-hot-water    | Boiler PCB replaced; heating back on.
    heating-hot-water    | System bled and repressurised.
    ap-beds              | Repair completed; room back in use.
    ap-beds              | Ceiling repaired and redecorated.
    plumbing-water       | Pipe repaired; no further leak.
    plumbing-water       | Drain jetted and cleared.
    electrical-lighting  | Faulty fitting replaced.
    electrical-lighting  | Circuit repaired and tested.
    pest-control         | Treatment completed; entry points proofed.
    pest-control         | Nest removed.
    building-fabric-roof | Roof repaired.
    building-fabric-roof | Glazing replaced.
    lifts                | Door operator repaired; lift back in service.
    lifts                | Controller reset and tested.
    other                | Repaired.
    other                | Replaced like for like.
""")

MAKE_SAFE_NOTES = dict(
    table("""
    personal-alarms      | Spare personal alarms issued and tested with reception.
    intruder-fire-alarms | Zone isolated and fire marshal patrols arranged.
    locks-doors-access   | Door secured with a temporary padlock and hasp.
    cctv                 | Temporary camera installed at the entrance.
    heating-hot-water    | Temporary electric heaters supplied.
    ap-beds              | Room isolated and made safe.
    plumbing-water       | Water isolated and the area made safe.
""")
)

ATTEND_NOTES = ["Engineer on site; diagnosed the fault.", "Engineer attended and inspected.", ""]
PARTS_NOTES = [
    "Replacement part ordered from the manufacturer.",
    "Awaiting delivery of a specialist part.",
    "Part on back order; supplier gives five working days.",
]
HOLD_REASONS = [
    "Awaiting access: resident in the room.",
    "Awaiting access: building closed for a staff training day.",
    "Awaiting access: room in use for interviews all week.",
    "Awaiting access: landlord's consent needed for roof access.",
]
REOPEN_REASONS = [
    "Failed again the next day.",
    "Same fault again within days of the repair.",
    "Not working when tested by staff.",
    "Only partly repaired; the same problem remains.",
]
CANCEL_REASONS = [
    "Duplicate of an earlier report.",
    "Logged at the wrong premises.",
    "Resolved by staff: reset at the panel.",
    "Not a fault: the equipment was switched off.",
]
CHASES = [
    "Chased the helpdesk by phone; no engineer date yet.",
    "Any update please? Staff are still affected.",
    "Second chase: still waiting for a visit.",
]
REPLIES = [
    "Engineer booked for the next visit.",
    "Apologies for the delay; escalated internally.",
    "Parts expected this week; will confirm a date.",
]
ESCALATION_REASONS = [
    "Staff safety at risk and no date for the repair.",
    "Repeated chases with no response from the helpdesk.",
    "Out of use for too long; staff and residents affected.",
    "Well past the fix target with no plan.",
]
CONFIRM_NOTES = ["", "", "Checked with staff: working.", "Confirmed fixed."]
WINTER_MONTHS = {11, 12, 1, 2, 3}
RESUME_NOTES = ["Access arranged.", "Room free again.", "Resident moved; room available."]
# A contractor's engineer arrives and cannot get in: (reason, note).
NO_ACCESS = [
    ("No access", "Engineer arrived at 09:10; nobody on site to let us in."),
    ("No access", "Room locked and the key holder was off site."),
    ("No access", "Resident refused entry to the room."),
    ("No access", "Site closed on arrival; no answer on the office phone."),
]
HOLD_APPROVALS = [
    "Agreed: the room was locked all day.",
    "Agreed: our mistake, the office was closed.",
    "",
]
HOLD_REFUSALS = [
    "Staff were on site all day; nobody rang the bell.",
    "Reception has no record of a visit.",
    "Access was offered for the afternoon and not taken up.",
]
PRIORITY_UP = [
    ("P2", "Affects the whole building, not one room."),
    ("P2", "Staff safety: raised after a second report."),
    ("P1", "Now a safety risk: water near electrics."),
]
PRIORITY_DOWN = [
    ("P3", "Partial fault only; a workaround is in place."),
    ("P4", "Cosmetic now the hazard is removed."),
]
DISPUTE_REASONS = [
    "Access was refused on the first visit; the office did not record our hold request.",
    "The part was on national back order; we kept the office informed throughout.",
    "The fault was logged against the wrong category and priority.",
    "Our engineer was on site within the time; the visit was recorded late.",
]
DISPUTE_ACCEPTANCES = [
    "Accepted: the visit log shows the engineer was turned away.",
    "Accepted: the priority was wrong when logged.",
]
DISPUTE_REJECTIONS = [
    "Rejected: no evidence of an attempted visit.",
    "Rejected: parts delays are the contractor's risk under the contract.",
]
