"""The closed lists of UU KIP and Perki 1/2021, with their labels (translated when called)."""
from __future__ import annotations

from ckan.plugins.toolkit import _

REQUESTER_TYPES = ("individual", "legal_entity")
OBTAIN_METHODS = ("view", "read", "listen", "note", "softcopy", "hardcopy")
DELIVERY_METHODS = ("pickup", "courier", "post", "fax", "email")
NATIONAL_CHANNELS = ("web", "email", "in_person", "letter", "phone", "whatsapp")
OUTCOMES = ("granted", "partly", "rejected", "not_held", "not_documented")
EXEMPT_OUTCOMES = ("partly", "rejected")
EXEMPTION_GROUNDS = tuple("abcdefghij")
# Ps 20: exemptions under Ps 17 a-f are not permanent, so the consequence test sets a limit
TEMPORARY_GROUNDS = tuple("abcdef")
OBJECTION_GROUNDS = tuple("abcdefg")
OBJECTION_RESULTS = ("accepted", "rejected", "musyawarah")
DIP_CATEGORIES = ("berkala", "serta_merta", "setiap_saat", "dikecualikan")
DIP_FORMS = ("cetak", "elektronik", "cetak_elektronik")
STATES = ("received", "incomplete", "processing", "decided", "lapsed")
OPEN_STATES = ("received", "processing")


def requester_types():
    return {"individual": _("Individual (citizen, NIK and KTP)"),
            "legal_entity": _("Legal entity (SK number and decree)")}


def obtain_methods():
    # msgids unlike CKAN's own "View" etc., whose Indonesian would win otherwise
    return {"view": _("See the information"), "read": _("Read the information"),
            "listen": _("Listen to the information"), "note": _("Take notes of the information"),
            "softcopy": _("Copy (softcopy)"), "hardcopy": _("Copy (hardcopy)")}


def personal_field_labels():
    """The requester's personal fields, as the forms, the errors and the copy of UU PDP Ps 7
    name them."""
    return {"name": _("Full name"), "nik": _("NIK"),
            "sk_number": _("Legal entity decree (SK) number"), "address": _("Address"),
            "phone": _("Phone"), "email": _("Email"), "occupation": _("Occupation"),
            "attorney_name": _("Acting on behalf of")}


def delivery_methods():
    return {"pickup": _("Collect in person"), "courier": _("Courier"), "post": _("Post"),
            "fax": _("Fax"), "email": _("Email")}


def outcomes():
    return {"granted": _("Granted in full"), "partly": _("Granted in part"),
            "rejected": _("Rejected: exempt information"),
            "not_held": _("Not held by this body"),
            "not_documented": _("Not yet documented")}


def exemption_grounds():
    return {
        "a": _("Ps 17(a): would obstruct law enforcement"),
        "b": _("Ps 17(b): would harm intellectual property or fair competition"),
        "c": _("Ps 17(c): would endanger state defence and security"),
        "d": _("Ps 17(d): would reveal Indonesia's natural wealth"),
        "e": _("Ps 17(e): would harm national economic resilience"),
        "f": _("Ps 17(f): would harm foreign relations"),
        "g": _("Ps 17(g): contents of authentic private deeds or wills"),
        "h": _("Ps 17(h): would reveal personal secrets"),
        "i": _("Ps 17(i): internal or inter-agency memoranda confidential by nature"),
        "j": _("Ps 17(j): information not to be disclosed under another law"),
    }


def objection_grounds():
    return {
        "a": _("Ps 35(1)(a): the request was rejected on the exemptions of Ps 17"),
        "b": _("Ps 35(1)(b): periodic information (Ps 9) was not published"),
        "c": _("Ps 35(1)(c): the request was not answered"),
        "d": _("Ps 35(1)(d): the request was answered not as requested"),
        "e": _("Ps 35(1)(e): the request was not fulfilled"),
        "f": _("Ps 35(1)(f): unreasonable fees were charged"),
        "g": _("Ps 35(1)(g): the request was answered later than UU KIP allows"),
    }


def objection_results():
    return {"accepted": _("Objection accepted"), "rejected": _("Objection rejected"),
            "musyawarah": _("Settled by agreement (musyawarah, UU KIP Ps 35(2))")}


def states():
    return {"received": _("Received"), "incomplete": _("Waiting for completion"),
            "processing": _("In process at the PPID Pelaksana"), "decided": _("Decided"),
            "lapsed": _("Lapsed: not completed in time")}


def objection_states():
    return {"filed": _("Objection filed"), "decided": _("Objection decided"),
            "dispute": _("Dispute at the Information Commission")}


def dip_categories():
    return {"berkala": _("Periodic (Ps 9)"), "serta_merta": _("Immediate (Ps 10)"),
            "setiap_saat": _("Available at any time (Ps 11)"),
            "dikecualikan": _("Exempt (Ps 17)")}


def dip_forms():
    return {"cetak": _("Printed"), "elektronik": _("Electronic"),
            "cetak_elektronik": _("Printed and electronic")}


def channels(profile: dict | None = None, locale: str = "id"):
    labels = {"web": _("Web form"), "email": _("Email"), "in_person": _("In person"),
              "letter": _("Letter"), "phone": _("Phone or WhatsApp"), "whatsapp": _("WhatsApp")}
    for extra in (profile or {}).get("channels", []):
        labels[extra["name"]] = extra.get("label_en" if locale == "en" else "label", extra["name"])
    return labels


def actions():
    return {"create": _("Request received"), "register": _("Request registered by an officer"),
            "route": _("Routed (disposisi)"), "ask_completion": _("Completion asked"),
            "complete": _("Request completed"), "extend": _("Deadline extended"),
            "decide": _("Decision given"), "objection": _("Objection filed"),
            "objection_decide": _("Objection decided"), "dispute": _("Dispute recorded"),
            "lapse": _("Lapsed: not completed in time"), "note": _("Note"),
            "internal_note": _("Internal note (not shown to the requester)"),
            "purge": _("Personal data erased after the retention period"),
            "calendar": _("Deadlines counted again: the working-day calendar changed")}


def roles():
    return {"requester": _("Requester"), "ppid_utama": _("PPID Utama"),
            "ppid_pelaksana": _("PPID Pelaksana"), "atasan": _("Atasan PPID"),
            "system": _("System")}


def appointment_roles():
    return {"utama": _("PPID Utama"), "pelaksana": _("PPID Pelaksana"),
            "atasan": _("Atasan PPID")}


def steps():
    return {"route": _("Route (disposisi)"), "ask_completion": _("Ask for completion"),
            "complete": _("Request completed"), "extend": _("Extend the deadline"),
            "decide": _("Decide"), "objection": _("Objection filed"),
            "objection_decide": _("Objection decided"), "dispute": _("Dispute recorded")}


def file_kinds():
    return {"identity": _("KTP or SK scan"), "attorney": _("Power of attorney"),
            "completion": _("Completion"), "document": _("Document given")}
