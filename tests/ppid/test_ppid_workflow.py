"""The request workflow through the actions, as requesters and officers live it."""
import datetime as dt
import re

import pytest

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.tangerang.ppid.model import Event, Objection, Request
from ppid_testlib import PERSONAL, PNG, Upload, act, appoint, request_data

D = dt.date
# actions build the tracking links of their mail: they need a request context
pytestmark = pytest.mark.usefixtures("with_request_context")


def _cites(message, article, paragraph):
    """The error names the rule, as "Ps 22(8)" in English or "Ps 22 ayat (8)" in Indonesian."""
    return re.search(rf"{article}( ayat )?\({paragraph}\)", message) is not None


def _count(cls):
    return model.Session.query(cls).count()


def test_anonymous_web_request_gets_number_link_and_receipt_mail(people):
    result = act("ppid_request_create", None, **request_data())
    assert result["state"] == "received"
    assert "/PPID-TNG/" in result["number"]
    assert result["tracking_url"].endswith(result["tracking_token"])
    # the result holds no personal data even for the requester's own link
    for value in PERSONAL.values():
        assert value not in str(result)
    mail = people.smtp.to(PERSONAL["email"])
    assert len(mail) == 1
    assert result["number"] in mail[0].subject
    assert result["tracking_token"] in mail[0].body
    assert "Siti" in mail[0].body  # the receipt greets the requester
    tracked = act("ppid_request_track", None, token=result["tracking_token"])
    assert tracked["number"] == result["number"]
    assert [e["action"] for e in tracked["events"]] == ["create"]


def test_double_submit_returns_the_first_request(people):
    first = act("ppid_request_create", None, **request_data(submission_key="k1"))
    second = act("ppid_request_create", None, **request_data(submission_key="k1"))
    assert second["number"] == first["number"] and second["duplicate"]
    assert _count(Request) == 1
    # the same request sent again without the form's key is recognised too, without the link
    third = act("ppid_request_create", None, **request_data())
    assert third["number"] == first["number"] and "tracking_token" not in third
    assert _count(Request) == 1


@pytest.mark.parametrize("field,value,message", [
    ("nik", "3671011503900000", "0000"),
    ("nik", "12345", "16"),
    ("nik", "9971011503900001", "Permendagri"),
    ("nik", "3671013203900001", "+ 40"),
    ("name", "", ""),
    ("information", "", ""),
    ("obtain_method", "telepati", "softcopy, hardcopy"),
    ("consent", "", "27/2022"),
    ("email", "bukan-email", ""),
    ("delivery_method", "", "pickup, courier"),
])
def test_bad_input_names_the_field_and_saves_nothing(people, field, value, message):
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_create", None, **request_data(**{field: value}))
    assert message in " ".join(error.value.error_dict[field])
    assert _count(Request) == 0 and _count(Event) == 0
    assert people.smtp.messages == []


def test_identity_file_checked_by_content_and_size(people, ckan_config):
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_create", None,
            **request_data(identity_upload=Upload(b"MZ\x90\x00 not a pdf", "ktp.pdf")))
    assert "PDF, JPEG" in error.value.error_dict["identity_upload"][0]
    ckan_config["ckanext.tangerang.ppid.upload_max_bytes"] = "100"
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_create", None,
            **request_data(identity_upload=Upload(PNG + b"\x00" * 200, "ktp.png")))
    assert "0 KB" in error.value.error_dict["identity_upload"][0]
    ckan_config["ckanext.tangerang.ppid.upload_max_bytes"] = "2097152"
    ok = act("ppid_request_create", None,
             **request_data(identity_upload=Upload(PNG, "ktp.exe")))
    shown = act("ppid_request_show", "utama", id=ok["number"])
    assert shown["files"][0]["mimetype"] == "image/png"
    assert _count(Request) == 1


def test_legal_entity_needs_sk_number_not_nik(people):
    data = request_data(requester_type="legal_entity", nik="")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_create", None, **data)
    assert "sk_number" in error.value.error_dict and "nik" not in error.value.error_dict
    data.update(sk_number="AHU-0012345.AH.01.07.2024", identity_upload=Upload())
    assert act("ppid_request_create", None, **data)["state"] == "received"


def _registered(people, received="2026-03-17", user="utama", **extra):
    """A request received by letter on ``received`` (officers may back-date)."""
    data = request_data(channel="letter", received_date=received, identity_upload=None, **extra)
    result = act("ppid_request_create", user, **data)
    return act("ppid_request_show", user, id=result["number"])


def test_officer_registers_a_letter_with_the_working_day_due_date(people):
    req = _registered(people)
    assert req["channel"] == "letter" and req["received_date"] == "2026-03-17"
    assert req["due_date"] == "2026-04-08"
    assert req["events"][0]["action"] == "register"


def test_a_pelaksana_of_several_opds_registers_for_the_one_named(people):
    appoint("dinkes_officer", "pelaksana", "dindik")
    with pytest.raises(tk.ValidationError) as error:
        _registered(people, user="dinkes_officer")
    # one message, naming the Pelaksana's OPDs (in the language of the request)
    [message] = error.value.error_dict["opd"]
    assert "(dindik, dinkes)" in message
    assert _registered(people, user="dinkes_officer", opd="dindik")["opd"] == "dindik"
    # one OPD: it is the default
    assert _registered(people, user="dindik_officer")["opd"] == "dindik"


def test_anonymous_cannot_register_other_channels(people):
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_create", None, **request_data(channel="letter"))
    assert "channel" in error.value.error_dict


def test_route_then_pelaksana_handles_and_other_opd_cannot(people):
    req = _registered(people)
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_route", "dinkes_officer", id=req["id"], opd="dinkes")
    act("ppid_request_route", "utama", id=req["id"], opd="dinkes", note="data puskesmas")
    shown = act("ppid_request_show", "dinkes_officer", id=req["id"])
    assert shown["state"] == "processing" and shown["opd"] == "dinkes"
    # the routing, then the Utama's note for the Pelaksana (internal, see test_ppid_roles)
    assert [e["action"] for e in shown["events"][-2:]] == ["route", "internal_note"]
    assert shown["events"][-1]["note"] == "data puskesmas"
    assert shown["events"][-2]["actor"] == "utama" or shown["events"][-2]["actor"]
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_show", "dindik_officer", id=req["id"])
    with pytest.raises(tk.NotAuthorized):
        act("ppid_request_extend", "dindik_officer", id=req["id"], days=3, reason="x")
    listed = act("ppid_request_list", "dindik_officer")
    assert listed["count"] == 0
    assert act("ppid_request_list", "dinkes_officer")["count"] == 1
    assert act("ppid_request_list", "utama")["count"] == 1


def test_pelaksana_registration_goes_to_its_own_opd(people):
    req = _registered(people, user="dinkes_officer")
    assert req["opd"] == "dinkes" and req["state"] == "processing"
    with pytest.raises(tk.ValidationError):
        _registered(people, user="dinkes_officer", opd="dindik",
                    information="another request")


def test_extension_once_up_to_seven_days_with_reason(people, freezer):
    freezer.move_to("2026-03-20")  # within the 10 working days (UU KIP Ps 22(8))
    req = _registered(people)
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_extend", "utama", id=req["id"], days=8, reason="banyak data")
    assert _cites(error.value.error_dict["days"][0], "22", "8")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_extend", "utama", id=req["id"], days=7)
    assert "reason" in error.value.error_dict
    extended = act("ppid_request_extend", "utama", id=req["id"], days=7, reason="data tersebar")
    assert extended["due_date"] == "2026-04-17"  # 17 working days after 17 March
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_extend", "utama", id=req["id"], days=1, reason="lagi")
    assert _cites(error.value.error_dict["days"][0], "22", "8")
    assert act("ppid_request_show", "utama", id=req["id"])["due_date"] == "2026-04-17"
    assert "17 April 2026" in people.smtp.to(PERSONAL["email"])[-1].body


def test_decision_needs_ground_and_consequence_test_when_exempt(people, freezer):
    freezer.move_to("2026-04-01")  # decided on the day it is recorded
    req = _registered(people)
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_decide", "utama", id=req["id"], outcome="rejected",
            reasons="dikecualikan", decided_date="2026-04-01")
    errors = error.value.error_dict
    assert "Ps 17" in errors["exemption_grounds"][0]
    assert "consequence_test_harm" in errors
    assert _count(Request) == 1
    assert act("ppid_request_show", "utama", id=req["id"])["state"] == "received"
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_decide", "utama", id=req["id"], outcome="rejected", reasons="x",
            decided_date="2026-04-01", exemption_grounds=["a"],
            consequence_test={"information": "BAP", "legal_basis": "KUHAP",
                              "harm": "menghambat penyidikan", "public_interest": "kecil",
                              "record_number": "01/UK/2026"})
    assert "Ps 20" in error.value.error_dict["consequence_test_until"][0]
    decided = act("ppid_request_decide", "utama", id=req["id"], outcome="rejected",
                  reasons="menghambat penyidikan", decided_date="2026-04-01",
                  exemption_grounds=["a"],
                  consequence_test={"information": "BAP", "legal_basis": "KUHAP",
                                    "harm": "menghambat penyidikan", "public_interest": "kecil",
                                    "record_number": "01/UK/2026", "until": "2027-12-31"},
                  documents=[Upload()])
    assert decided["state"] == "decided" and decided["on_time"] is True
    assert decided["working_days_taken"] == 6
    assert decided["decision"]["held"] is True
    assert [d["kind"] for d in decided["files"]] == ["document"]
    with pytest.raises(tk.ValidationError):
        act("ppid_request_decide", "utama", id=req["id"], outcome="granted", reasons="x",
            given="y")


def test_not_held_needs_the_holder(people):
    req = _registered(people)
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_request_decide", "utama", id=req["id"], outcome="not_held", reasons="x")
    assert "holder" in error.value.error_dict


def test_completion_asked_then_completed_restarts_the_clock(people):
    token_req = act("ppid_request_create", None, **request_data(information="another"))
    token = token_req["tracking_token"]
    shown = act("ppid_request_show", "utama", id=token_req["number"])
    asked = act("ppid_request_ask_completion", "utama", id=shown["id"],
                note="Lampirkan KTP yang terbaca")
    assert asked["state"] == "incomplete" and asked["completion_due"]
    assert "Lampirkan KTP" in people.smtp.to(PERSONAL["email"])[-1].body
    with pytest.raises(tk.ValidationError):
        act("ppid_request_decide", "utama", id=shown["id"], outcome="granted", reasons="x",
            given="y")
    done = act("ppid_request_complete", None, token=token, note="KTP baru", upload=Upload())
    assert done["state"] == "received"
    assert "name" not in done
    with pytest.raises(tk.ObjectNotFound):
        act("ppid_request_complete", None, token="wrong", note="x")
    history = act("ppid_request_track", None, token=token)["events"]
    assert [e["action"] for e in history] == ["create", "ask_completion", "complete"]


def test_objection_window_grounds_and_atasan_decision(people, freezer):
    freezer.move_to("2026-04-01")
    req = _registered(people)
    act("ppid_request_decide", "utama", id=req["id"], outcome="granted", reasons="ok",
        given="tabel", decided_date="2026-04-01")
    freezer.move_to("2026-06-30")
    # ground a needs a rejection under Ps 17
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_objection_create", "utama", id=req["id"], grounds=["a"], reasons="x",
            filed_date="2026-04-10")
    assert "Ps 35" in error.value.error_dict["grounds"][0]
    # 30 working days after 1 April 2026 have long passed today
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_objection_create", "utama", id=req["id"], grounds=["d"], reasons="x")
    assert _cites(error.value.error_dict["grounds"][0], "36", "1")
    assert _count(Objection) == 0
    obj = act("ppid_objection_create", "utama", id=req["id"], grounds=["d"],
              reasons="data tidak lengkap", filed_date="2026-04-10")
    assert obj["state"] == "filed" and obj["due_date"] == "2026-05-29"
    with pytest.raises(tk.NotAuthorized):
        act("ppid_objection_decide", "utama", id=obj["id"], result="rejected", reasons="x")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_objection_decide", "sekda", id=obj["id"], result="rejected")
    assert "reasons" in error.value.error_dict
    # recorded on 30 June, dated 4 May: a reason, and the 14 working days run from 30 June
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_objection_decide", "sekda", id=obj["id"], result="rejected",
            reasons="sudah sesuai", decided_date="2026-05-04")
    assert _cites(error.value.error_dict["decided_date_reason"][0], "37", "2")
    decided = act("ppid_objection_decide", "sekda", id=obj["id"], result="rejected",
                  reasons="sudah sesuai", decided_date="2026-05-04",
                  decided_date_reason="surat ditandatangani 4 Mei, baru dicatat")
    assert decided["decided_date"] == "2026-05-04" and decided["recorded_date"] == "2026-06-30"
    assert decided["dispute_due"] == "2026-07-20"
    freezer.move_to("2026-07-21")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_dispute_create", "sekda", id=obj["id"])
    assert _cites(error.value.error_dict["filed_date"][0], "37", "2")
    dispute = act("ppid_dispute_create", "utama", id=obj["id"], filed_date="2026-07-20",
                  reference="KI-BANTEN/15/2026")
    assert dispute["state"] == "dispute"
    history = [e["action"] for e in act("ppid_request_show", "utama", id=req["id"])["events"]]
    assert history == ["register", "decide", "objection", "objection_decide", "dispute"]


def test_objection_for_no_answer_only_after_the_deadline(people):
    req = _registered(people)
    obj = act("ppid_objection_create", "utama", id=req["id"], grounds=["c"], reasons="tidak dijawab",
              filed_date="2026-04-09")
    assert obj["grounds"] == ["c"]
    req2 = _registered(people, information="lain")
    with pytest.raises(tk.ValidationError) as error:
        act("ppid_objection_create", "utama", id=req2["id"], grounds=["c"], reasons="x",
            filed_date="2026-04-08")
    assert _cites(error.value.error_dict["grounds"][0], "35", "1")


def test_holiday_override_moves_due_dates(people):
    act("ppid_holiday_create", "utama", date="2026-04-01", name="Cuti bersama tambahan")
    with pytest.raises(tk.NotAuthorized):
        act("ppid_holiday_create", "dinkes_officer", date="2026-04-02", name="x")
    req = _registered(people)
    assert req["due_date"] == "2026-04-09"
    listed = act("ppid_holiday_list", "utama", year=2026)
    assert listed["overrides"][0]["name"] == "Cuti bersama tambahan"
    assert any("Idul Fitri" in h["name"] for h in listed["national"])


# Issue 13: the workflow as the law reads it (ppid/workflow.py), on real 2026 dates ----------

def _refused(action, user, **data):
    with pytest.raises(tk.ValidationError) as error:
        act(action, user, **data)
    return error.value.error_dict


def test_extension_after_the_deadline_is_refused(people, freezer):
    freezer.move_to("2026-03-20")
    req = _registered(people)           # due 8 April 2026 (Lebaran off)
    freezer.move_to("2026-04-09")
    errors = _refused("ppid_request_extend", "utama", id=req["id"], days=3, reason="x")
    assert _cites(errors["days"][0], "22", "8") and "8 April 2026" in errors["days"][0]
    assert act("ppid_request_show", "utama", id=req["id"])["due_date"] == "2026-04-08"


def test_completion_only_before_the_deadline_and_once(people, freezer):
    freezer.move_to("2026-03-17")
    made = act("ppid_request_create", None, **request_data())
    req = act("ppid_request_show", "utama", id=made["number"])
    act("ppid_request_ask_completion", "utama", id=req["id"], note="KTP buram")
    act("ppid_request_complete", None, token=made["tracking_token"], note="KTP baru")
    errors = _refused("ppid_request_ask_completion", "utama", id=req["id"], note="lagi")
    assert _cites(errors["note"][0], "22", "7")
    freezer.move_to("2026-03-18")
    late = _registered(people, received="2026-03-02", information="lain")  # due 16 March
    errors = _refused("ppid_request_ask_completion", "utama", id=late["id"], note="x")
    assert _cites(errors["note"][0], "22", "7")


def test_working_days_taken_count_from_the_original_receipt(people, freezer):
    freezer.move_to("2026-03-17")
    made = act("ppid_request_create", None, **request_data())
    req = act("ppid_request_show", "utama", id=made["number"])
    freezer.move_to("2026-03-25")
    act("ppid_request_ask_completion", "utama", id=req["id"], note="KTP buram")
    freezer.move_to("2026-03-27")
    act("ppid_request_complete", None, token=made["tracking_token"], note="KTP baru")
    freezer.move_to("2026-04-07")
    decided = act("ppid_request_decide", "utama", id=req["id"], outcome="granted",
                  reasons="ok", given="tabel")
    # 17 March to 7 April: 9 working days (from the completion on 27 March it would be 6)
    assert decided["working_days_taken"] == 9 and decided["on_time"] is True


def test_backdated_decision_needs_a_reason_and_counts_on_the_day_recorded(people, freezer):
    freezer.move_to("2026-03-20")
    req = _registered(people)           # due 8 April 2026
    routed = _registered(people, information="lain")
    freezer.move_to("2026-03-25")
    act("ppid_request_route", "utama", id=routed["id"], opd="dinkes")
    freezer.move_to("2026-04-20")
    errors = _refused("ppid_request_decide", "utama", id=req["id"], outcome="granted",
                      reasons="ok", given="tabel", decided_date="2026-04-01")
    assert _cites(errors["decided_date_reason"][0], "22", "7")
    errors = _refused("ppid_request_decide", "utama", id=req["id"], outcome="granted",
                      reasons="ok", given="tabel", decided_date="2026-04-21")
    assert "decided_date" in errors
    errors = _refused("ppid_request_decide", "dinkes_officer", id=routed["id"],
                      outcome="granted", reasons="ok", given="tabel", decided_date="2026-03-24",
                      decided_date_reason="surat lama")
    assert "25 Maret 2026" in errors["decided_date"][0]
    decided = act("ppid_request_decide", "utama", id=req["id"], outcome="granted",
                  reasons="ok", given="tabel", decided_date="2026-04-01",
                  decided_date_reason="surat bertanggal 1 April baru dicatat")
    assert decided["decided_date"] == "2026-04-01" and decided["on_time"] is False
    assert decided["working_days_taken"] == 18
    assert decided["decision"]["recorded_date"] == "2026-04-20"
    # late as recorded: ground g is open to the requester
    obj = act("ppid_objection_create", "utama", id=req["id"], grounds=["g"], reasons="telat")
    assert obj["grounds"] == ["g"]
    assert act("ppid_statistics", None, year=2026)["on_time_share"] == 0


def test_fee_only_on_information_given(people, freezer):
    freezer.move_to("2026-04-01")
    req = _registered(people)
    errors = _refused("ppid_request_decide", "utama", id=req["id"], outcome="not_held",
                      reasons="x", holder="BPS", cost=50000)
    assert "Ps 21" in errors["cost"][0] and "50000" in errors["cost"][0]
    decided = act("ppid_request_decide", "utama", id=req["id"], outcome="granted", reasons="x",
                  given="salinan", cost=50000, cost_note="fotokopi")
    assert decided["decision"]["cost"] == 50000


def test_no_keberatan_after_the_atasan_decided_or_at_the_commission(people, freezer):
    freezer.move_to("2026-04-01")
    req = _registered(people)
    act("ppid_request_decide", "utama", id=req["id"], outcome="granted", reasons="ok",
        given="tabel")
    obj = act("ppid_objection_create", "utama", id=req["id"], grounds=["d"], reasons="x")
    errors = _refused("ppid_objection_create", "utama", id=req["id"], grounds=["d"], reasons="y")
    assert _cites(errors["grounds"][0], "36", "2")
    freezer.move_to("2026-04-10")
    act("ppid_objection_decide", "sekda", id=obj["id"], result="rejected", reasons="sesuai")
    errors = _refused("ppid_objection_create", "utama", id=req["id"], grounds=["d"], reasons="y")
    assert _cites(errors["grounds"][0], "36", "2")
    act("ppid_dispute_create", "sekda", id=obj["id"], reference="KI/1/2026")
    errors = _refused("ppid_objection_create", None, token=None or lib_token(req), grounds=["f"],
                      reasons="z")
    assert "grounds" in errors
    assert _count(Objection) == 1


def lib_token(req):
    from ckanext.tangerang.ppid import lib
    return lib.tracking_token(req["id"])


def test_the_atasan_never_decides_a_request_it_decided_nor_its_own_side(people, freezer):
    from ckan.tests import factories
    freezer.move_to("2026-04-01")
    appoint("dinkes_officer", "atasan")
    req = _registered(people, user="dinkes_officer")
    act("ppid_request_decide", "dinkes_officer", id=req["id"], outcome="granted", reasons="ok",
        given="tabel")
    obj = act("ppid_objection_create", "utama", id=req["id"], grounds=["d"], reasons="x")
    errors = _refused("ppid_objection_decide", "dinkes_officer", id=obj["id"],
                      result="rejected", reasons="sudah benar")
    assert _cites(errors["atasan"][0], "36", "2")
    admin = factories.Sysadmin(name="admin_atasan")
    appoint(admin["name"], "atasan")
    errors = _refused("ppid_objection_decide", admin["name"], id=obj["id"], result="rejected",
                      reasons="sudah benar")
    assert "atasan" in errors
    # musyawarah for grounds b-g, by an Atasan outside the request
    decided = act("ppid_objection_decide", "sekda", id=obj["id"], result="musyawarah",
                  reasons="disepakati salinan lengkap")
    assert decided["result"] == "musyawarah"
    # settled by agreement: no dispute on it (Ps 35(2), 37(1)), and no form offering one
    errors = _refused("ppid_dispute_create", "utama", id=obj["id"], reference="KI/9/2026")
    assert _cites(errors["filed_date"][0], "35", "2")
    assert _count(Objection) == 1
    assert act("ppid_request_show", "utama", id=req["id"])["objections"][0]["state"] == "decided"


def test_a_submission_key_from_another_person_is_a_new_request(people):
    first = act("ppid_request_create", None, **request_data(submission_key="k1"))
    other = act("ppid_request_create", None, **request_data(
        submission_key="k1", nik="3671014107850002", email="budi@example.org",
        name="Budi", information="Data lain"))
    assert other["number"] != first["number"] and not other["duplicate"]
    assert other["tracking_token"] != first["tracking_token"]
    assert _count(Request) == 2
