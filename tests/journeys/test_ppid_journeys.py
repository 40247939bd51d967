"""PPID journeys, through the pages as people use them (issue #12).

A citizen files a request on the public form, keeps the receipt, follows the request through
the link of the receipt and of the mail, completes it when asked, reads the decision letter
and files a keberatan; the PPID Utama routes it, the PPID Pelaksana asks for completion,
extends the deadline and decides (each kind of decision), the Atasan PPID decides the
keberatan. Everyone signs in through /user/login, opens pages through the links the pages
show and acts through the forms the pages hold (never by calling actions); every page must
answer as expected, in Indonesian, without raw codes. No page here needs JavaScript (the step
forms sit in <details>, which opens without it), so the Flask test client plays the browser,
one per person.
"""
from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from babel.dates import format_date

from ppid_testlib import NIK, PDF, PNG

NUMBER = re.compile(r"\d{5}/PPID-TNG/[IVX]+/\d{4}")
OBJECTION_NUMBER = re.compile(r"\d{4}/KEB/PPID-TNG/\d{4}")
CITIZEN = {
    "name": "Siti Rahmawati Kusumadewi",
    "nik": NIK,
    "address": "Jl. Melati No. 7, Cipondoh, Kota Tangerang",
    "phone": "081298765432",
    "email": "siti.pemohon@example.org",
    "occupation": "Peneliti",
}


@pytest.fixture(autouse=True)
def _received_the_day_it_arrives(ckan_config):
    """The journeys run at whatever hour the suite runs and expect a request received that
    day: the service-hours rule (tested in tests/ppid/test_ppid_calendar_notify.py) is off."""
    ckan_config["ckanext.tangerang.ppid.outside_hours_next_working_day"] = False


# What the people see ----------------------------------------------------------------------

@pytest.fixture
def days(app):
    """days(n, start=today) is the n-th working day as the portal's calendar counts it, and
    days.show(date) that date as an Indonesian page writes it (8 April 2026)."""
    from ckanext.tangerang.ppid import lib

    class Days:
        def __call__(self, n: int, start: dt.date | None = None) -> dt.date:
            with app.flask_app.test_request_context():
                return lib.calendar().add(start or lib.today(), n)

        def today(self) -> dt.date:
            with app.flask_app.test_request_context():
                return lib.today()

        def setting(self, name):
            with app.flask_app.test_request_context():
                return lib.setting(name)

        @staticmethod
        def show(day: dt.date) -> str:
            return format_date(day, format="long", locale="id")
    return Days()


def summary(page) -> dict[str, str]:
    return page.dl()


def saved(page, id_text, step_label: str) -> None:
    """The officer is back on the request with the page saying the step was saved."""
    assert "done=" in page.url
    assert id_text("Saved: %(step)s", step=step_label) in page.status_messages(), \
        page.status_messages()


def open_desk_request(officer, id_text, number: str):
    """From the PPID home page to the officers' desk to the request, by their links."""
    officer.open("/ppid/")
    desk = officer.follow(id_text("Officers: requests"))
    assert urlsplit(desk.url).path == "/ppid/petugas"
    row = desk.link(number)
    assert "/ppid/petugas/" in row
    page = officer.open(row)
    assert id_text("Request %(number)s", number=number) in page.soup.h1.get_text()
    return page


def step_form(page, step: str):
    return page.form(action=rf"/ppid/petugas/[^/]+/{step}$")


def request_form(citizen, id_text):
    """The citizen goes from the PPID home page to the request form by its link."""
    citizen.open("/ppid/")
    page = citizen.follow(id_text("Request public information"))
    assert urlsplit(page.url).path == "/ppid/permohonan"
    form = page.form(button=id_text("Send the request"))
    assert {"_csrf_token", "submission_key"} <= set(form.hidden())
    return form


def fill_request(form, id_text, information: str, email: str = CITIZEN["email"],
                 obtain: str = "Copy (softcopy)", delivery: str | None = "Email"):
    form.choose("requester_type", id_text("Individual (citizen, NIK and KTP)"))
    form.fill(**{**CITIZEN, "email": email},
              information=information,
              purpose="Penelitian tentang akses layanan kesehatan warga",
              consent=True)
    form.choose("obtain_method", id_text(obtain))
    if delivery:
        form.choose("delivery_method", id_text(delivery))
    form.attach("identity_upload", PDF, "ktp-siti.pdf")
    return form


def file_request(citizen, id_text, information: str, **choices):
    """The citizen, from the PPID home page, fills and sends the request form."""
    form = fill_request(request_form(citizen, id_text), id_text, information, **choices)
    return citizen.submit(form)


def receipt_facts(receipt, id_text) -> tuple[str, str]:
    """(registration number, tracking link) as the receipt shows them."""
    box = " ".join(receipt.status_messages())
    assert id_text("Your request was received") in box, receipt.status_messages()
    number = NUMBER.search(box).group(0)
    assert id_text("Registration number: %(number)s", number=number) in box
    status = [e for e in receipt.soup.select('[role="status"]')
              if id_text("Your request was received") in e.get_text()][0]
    link = [a["href"] for a in status.find_all("a", href=True)]
    assert len(link) == 1 and "/ppid/lacak/" in link[0], link
    assert link[0] in box  # shown in full, so that it can be copied
    return number, link[0]


def mail_link(message) -> str:
    found = re.findall(r"https?://\S+/ppid/\S+", message.body)
    assert found, message.body
    return found[0]


def no_problems(*people) -> None:
    found = [p for someone in people for p in someone.problems]
    assert found == [], "\n".join(found)


# The journeys -----------------------------------------------------------------------------

def test_citizen_request_completion_extension_partial_decision_and_objection(
        person, people, id_text, days):
    smtp = people.smtp
    citizen = person("Siti")

    # the citizen fills the request form, forgetting how to receive the information: the form
    # comes back with the error, in Indonesian, and with what she typed
    information = "Data jumlah puskesmas dan tenaga kesehatan per kecamatan 2025"
    form = fill_request(request_form(citizen, id_text), id_text, information, delivery=None)
    refused = citizen.submit(form, expect=409)
    alert = " ".join(refused.status_messages())
    missing = id_text("Missing value; allowed: %(allowed)s", allowed="")
    assert id_text("How to receive it") in alert and missing in alert, alert
    # the choices are named as the form shows them, not by their codes
    assert id_text("Collect in person") in alert and "pickup" not in alert, alert
    assert refused.soup.find("a", href="#field-delivery_method") is not None
    form = refused.form(button=id_text("Send the request"))
    assert form.values["name"] == CITIZEN["name"] and form.values["information"] == information
    assert form.values["obtain_method"] == "softcopy"
    form.choose("delivery_method", id_text("Email"))
    form.attach("identity_upload", PDF, "ktp-siti.pdf")  # a browser cannot keep the file
    assert smtp.to(CITIZEN["email"]) == []  # nothing was received yet
    receipt = citizen.submit(form)
    assert "/ppid/lacak/" in receipt.url and "received=1" in receipt.url, receipt.main_text()[:3000]
    number, link = receipt_facts(receipt, id_text)
    facts = summary(receipt)
    assert facts[id_text("Stage")] == id_text("Received")
    assert facts[id_text("Date received")] == days.show(days.today())
    assert facts[id_text("Decision due by")] == days.show(days(days.setting("decision_days")))
    for personal in (CITIZEN["nik"], CITIZEN["address"], CITIZEN["phone"]):
        assert personal not in receipt.html  # the tracking page may be forwarded

    # ... and the receipt mail, whose link opens the same tracking page
    mails = smtp.to(CITIZEN["email"])
    assert len(mails) == 1 and number in mails[0].subject
    assert id_text("Your request for public information was received") in mails[0].subject
    assert mail_link(mails[0]) == link
    tracking = citizen.open(mail_link(mails[0]))
    assert summary(tracking)[id_text("Registration number")] == number
    again = citizen.open(link)
    assert summary(again)[id_text("Stage")] == id_text("Received")

    # the PPID Utama signs in, finds it on the desk and routes it to Dinkes
    utama = person("utama", sign_in=True)
    utama.open("/ppid/")
    desk = utama.follow(id_text("Officers: requests"))
    assert id_text("Not routed yet") in desk.main_text()
    page = open_desk_request(utama, id_text, number)
    # the officer in charge sees the requester, NIK masked until shown with a reason
    assert CITIZEN["name"] in page.main_text() and CITIZEN["nik"] not in page.main_text()
    assert "3671 01** **** 0001" in page.main_text()
    shown = utama.submit(page.form(action=r"/ppid/petugas/[^/]+/data-pribadi$").fill(
        reason="Memeriksa identitas pemohon"))
    assert CITIZEN["nik"] in shown.main_text() and CITIZEN["address"] in shown.main_text()
    # logged, and the citizen sees who (the office) and why on the tracking page
    logged = citizen.open(link).main_text()
    assert "Memeriksa identitas pemohon" in logged and id_text("PPID Utama") in logged
    assert CITIZEN["nik"] not in logged
    form = step_form(page, "route")
    form.choose("opd", "Dinas Kesehatan")
    form.fill(note="Data tenaga kesehatan ada di Dinkes")
    page = utama.submit(form)
    saved(page, id_text, id_text("Route (disposisi)"))
    facts = summary(page)
    assert facts[id_text("Stage")] == id_text("In process at the PPID Pelaksana")
    assert facts[id_text("OPD")] == "Dinas Kesehatan"
    routed = smtp.to("dinkes_officer@tangerangkota.go.id")
    assert routed and number in routed[-1].body

    # another OPD's Pelaksana does not find it on the desk
    dindik = person("dindik_officer", sign_in=True)
    dindik.open("/ppid/")
    other_desk = dindik.follow(id_text("Officers: requests"))
    assert number not in other_desk.main_text()

    # the Dinkes Pelaksana signs in, opens it from the desk (the routing mail links the same
    # page) and asks for completion
    dinkes = person("dinkes_officer", sign_in=True)
    page = open_desk_request(dinkes, id_text, number)
    assert urlsplit(mail_link(routed[-1])).path == urlsplit(page.url).path
    form = step_form(page, "ask_completion")
    form.fill(note="Mohon sebutkan kecamatan yang dimaksud")
    page = dinkes.submit(form)
    saved(page, id_text, id_text("Ask for completion"))
    facts = summary(page)
    assert facts[id_text("Stage")] == id_text("Waiting for completion")
    completion_due = days(days.setting("completion_days"))
    assert facts[id_text("Complete it by")] == days.show(completion_due)

    # the citizen opens the mail's link, reads what is missing and completes the request
    asked = [m for m in smtp.to(CITIZEN["email"])
             if id_text("Please complete your request") in m.subject]
    assert len(asked) == 1
    tracking = citizen.open(mail_link(asked[0]))
    assert id_text("Complete your request") in tracking.main_text()
    assert "Mohon sebutkan kecamatan yang dimaksud" in tracking.main_text()
    assert summary(tracking)[id_text("Complete it by")] == days.show(completion_due)
    form = tracking.form(action=r"/complete$")
    form.fill(note="Kecamatan Cipondoh, Ciledug dan Karawaci")
    form.attach("upload", PNG, "daftar-kecamatan.png")
    tracking = citizen.submit(form)
    assert id_text("Thank you: your submission was recorded.") in tracking.status_messages()
    facts = summary(tracking)
    assert facts[id_text("Stage")] == id_text("In process at the PPID Pelaksana")
    due = days(days.setting("decision_days"))  # the clock starts again on completion
    assert facts[id_text("Decision due by")] == days.show(due)
    assert id_text("Complete your request") not in tracking.main_text()

    # the Pelaksana extends the deadline
    page = dinkes.open(page.url.split("?")[0])
    assert "Kecamatan Cipondoh, Ciledug dan Karawaci" in page.main_text()  # the history
    form = step_form(page, "extend")
    assert form.controls("days")[0]["max"] == str(days.setting("extension_max_days"))
    form.fill(days=5, reason="Data masih dihimpun dari puskesmas")
    page = dinkes.submit(form)
    saved(page, id_text, id_text("Extend the deadline"))
    facts = summary(page)
    due = days(days.setting("decision_days") + 5)
    assert facts[id_text("Decision due by")] == days.show(due)
    assert facts[id_text("Extension")] == id_text(
        "%(days)s working days: %(reason)s", days=5, reason="Data masih dihimpun dari puskesmas")
    assert not [f for f in page.forms() if f.action.endswith("/extend")]  # once only

    # ... and decides: granted in part, personal data blacked out (Ps 17 h), with a document
    form = step_form(page, "decide")
    form.choose("outcome", id_text("Granted in part"))
    form.fill(reasons="Sebagian data memuat nama tenaga kesehatan",
              given="Tabel jumlah puskesmas dan tenaga kesehatan per kecamatan",
              exempt_parts="Nama dan NIP tenaga kesehatan dihitamkan",
              consequence_test_information="Nama dan NIP tenaga kesehatan",
              consequence_test_legal_basis="UU 14/2008 Ps 17 huruf h",
              consequence_test_harm="Mengungkap data pribadi pegawai",
              consequence_test_public_interest="Jumlah tenaga kesehatan tetap dibuka",
              consequence_test_record_number="BA-UK/001/PPID/2026")
    form.choose("exemption_grounds", "huruf h")
    form.attach("documents", PDF, "tabel-nakes.pdf")
    page = dinkes.submit(form)
    saved(page, id_text, id_text("Decide"))
    facts = summary(page)
    assert facts[id_text("Stage")] == id_text("Decided")
    assert facts[id_text("Decision")] == id_text("Granted in part")
    assert facts[id_text("Decision date")] == days.show(days.today())
    letter = dinkes.follow(id_text("Decision letter (printable)"))
    assert id_text("Granted in part") in letter.main_text()
    assert id_text("Ps 17(h): would reveal personal secrets") in letter.main_text()

    # the citizen is told, reads the letter through the tracking page and gets the document
    decided = [m for m in smtp.to(CITIZEN["email"])
               if id_text("Decision on your request") in m.subject]
    assert len(decided) == 1 and id_text("Granted in part") in decided[0].body
    tracking = citizen.open(mail_link(decided[0]))
    assert summary(tracking)[id_text("Decision")] == id_text("Granted in part")
    letter = citizen.follow(id_text("Read or print the decision letter"))
    text = letter.main_text()
    for shown in (number, id_text("Granted in part"), "Sebagian data memuat nama tenaga kesehatan",
                  id_text("Ps 17(h): would reveal personal secrets"),
                  "Nama dan NIP tenaga kesehatan dihitamkan", id_text("free of charge"),
                  id_text("%(days)s working days: %(reason)s", days=5,
                          reason="Data masih dihimpun dari puskesmas")):
        assert shown in text, shown
    assert CITIZEN["nik"] not in letter.html
    tracking = citizen.open(link)
    document = citizen.client.get(urlsplit(tracking.link("tabel-nakes.pdf")).path)
    assert document.status_code == 200 and document.data == PDF
    assert "attachment" in document.headers["Content-Disposition"]

    # she objects (keberatan) through the tracking page's form, on a ground it offers
    form = tracking.form(action=r"/objection$")
    form.choose("grounds", id_text(
        "Ps 35(1)(a): the request was rejected on the exemptions of Ps 17"))
    form.fill(reasons="Jumlah per puskesmas tidak memuat data pribadi")
    tracking = citizen.submit(form)
    assert id_text("Thank you: your submission was recorded.") in tracking.status_messages()
    objection = tracking.soup.find(id="objections-title").find_parent("section")
    facts = tracking.dl(objection)
    objection_number = facts[id_text("Number")]
    assert OBJECTION_NUMBER.fullmatch(objection_number)
    assert facts[id_text("Stage")] == id_text("Objection filed")
    assert facts[id_text("Decision due by")] == days.show(
        days(days.setting("objection_decision_days")))
    assert not [f for f in tracking.forms() if f.action.endswith("/objection")]
    assert [m for m in smtp.to(CITIZEN["email"])
            if id_text("Your objection was received") in m.subject]
    told = [m for m in smtp.to("sekda@tangerangkota.go.id") if objection_number in m.subject]
    assert told

    # the Atasan PPID signs in, opens the request from the desk and decides the keberatan
    atasan = person("sekda", sign_in=True)
    page = open_desk_request(atasan, id_text, number)
    assert urlsplit(mail_link(told[0])).path == urlsplit(page.url).path
    section = page.soup.find(id="objections-title").find_parent("section")
    assert id_text("Ps 35(1)(a): the request was rejected on the exemptions of Ps 17") in \
        " ".join(section.get_text(" ").split()), "the Atasan must read the ground of the keberatan"
    form = page.form(action=r"/objection_decide$")
    form.choose("result", id_text("Objection accepted"))
    form.fill(reasons="Jumlah per puskesmas dibuka tanpa nama pegawai")
    page = atasan.submit(form)
    saved(page, id_text, id_text("Objection decided"))
    section = page.soup.find(id="objections-title").find_parent("section")
    assert id_text("Objection decided") in section.get_text(" ")
    facts = page.dl(section)
    assert facts[id_text("Result")] == id_text("Objection accepted")
    assert not [f for f in page.forms() if f.action.endswith("/objection_decide")]

    # the citizen reads the answer on the tracking page, and in the mail
    answered = [m for m in smtp.to(CITIZEN["email"])
                if id_text("Decision on your objection") in m.subject]
    assert len(answered) == 1
    tracking = citizen.open(mail_link(answered[0]))
    facts = tracking.dl(tracking.soup.find(id="objections-title").find_parent("section"))
    assert facts[id_text("Stage")] == id_text("Objection decided")
    assert facts[id_text("Result")] == id_text("Objection accepted")
    assert facts[id_text("Reasons")] == "Jumlah per puskesmas dibuka tanpa nama pegawai"
    assert facts[id_text("Dispute may be filed until")] == days.show(
        days(days.setting("dispute_days")))

    no_problems(citizen, utama, dindik, dinkes, atasan)


DECISIONS = {
    "granted": ("Granted in full", {"given": "Tabel jumlah sekolah per kecamatan"}, None),
    "rejected": ("Rejected: exempt information", {
        "consequence_test_information": "Berkas penyelidikan kasus pengadaan",
        "consequence_test_legal_basis": "UU 14/2008 Ps 17 huruf a",
        "consequence_test_harm": "Menghambat proses penegakan hukum",
        "consequence_test_public_interest": "Kepentingan penyidikan lebih besar",
        "consequence_test_until": "2028-12-31",
        "consequence_test_record_number": "BA-UK/002/PPID/2026"}, "huruf a"),
    "not_held": ("Not held by this body", {"holder": "Badan Pusat Statistik Kota Tangerang"}, None),
}


@pytest.mark.parametrize("outcome", sorted(DECISIONS))
def test_pelaksana_gives_each_kind_of_decision_and_the_citizen_reads_the_letter(
        person, people, id_text, days, outcome):
    label, fields, ground = DECISIONS[outcome]
    citizen = person("Budi")
    subject = {"granted": "ruang kelas", "rejected": "berkas pengadaan", "not_held": "angka IPM"}
    receipt = file_request(citizen, id_text, f"Daftar sekolah dan {subject[outcome]} 2025",
                           obtain="Read the information", delivery="Collect in person")
    number, link = receipt_facts(receipt, id_text)

    utama = person("utama", sign_in=True)
    page = open_desk_request(utama, id_text, number)
    form = step_form(page, "route")
    form.choose("opd", "Dinas Pendidikan")
    page = utama.submit(form)
    saved(page, id_text, id_text("Route (disposisi)"))

    dindik = person("dindik_officer", sign_in=True)
    page = open_desk_request(dindik, id_text, number)
    assert [f for f in page.forms() if f.action.endswith("/decide")]
    assert not [f for f in page.forms() if f.action.endswith("/route")]  # the Utama's step
    form = step_form(page, "decide")
    form.choose("outcome", id_text(label))
    reasons = f"Alasan keputusan atas permohonan {subject[outcome]}"
    form.fill(reasons=reasons, **fields)
    if ground:
        # a rejection without its ground is refused, in Indonesian, naming the field
        refused = dindik.submit(form, expect=409)
        alert = " ".join(refused.status_messages())
        assert id_text("Exemption grounds (Ps 17)") in alert, alert
        form = step_form(refused, "decide")
        form.choose("outcome", id_text(label))
        form.fill(reasons=reasons, **fields)
        form.choose("exemption_grounds", ground)
    page = dindik.submit(form)
    saved(page, id_text, id_text("Decide"))
    assert summary(page)[id_text("Decision")] == id_text(label)
    # once decided, no step of the open request is offered any more
    assert not [f for f in page.forms() if re.search(r"/(decide|extend|ask_completion)$",
                                                     f.action)]

    tracking = citizen.open(link)
    assert summary(tracking)[id_text("Stage")] == id_text("Decided")
    letter = citizen.follow(id_text("Read or print the decision letter"))
    text = letter.main_text()
    assert id_text("Decision") in text and id_text(label) in text and reasons in text
    assert id_text("Read the information") in text and id_text("Collect in person") in text
    if outcome == "not_held":
        assert id_text("it is held by %(holder)s", holder=fields["holder"]) in text
    if outcome == "granted":
        assert fields["given"] in text
    if ground:
        assert id_text("Ps 17(a): would obstruct law enforcement") in text
        assert "Berkas penyelidikan" not in text  # the consequence test stays internal

    no_problems(citizen, utama, dindik)


@pytest.mark.browser
def test_citizen_prints_the_decision_letter_in_a_browser(person, people, id_text, browser,
                                                         live_server):
    """The one step that needs JavaScript: the letter's Print button (a CSP-safe handler).
    The request is filed and decided through the pages as above, then the citizen opens her
    tracking link in chromium, against the portal served by gunicorn."""
    citizen = person("Rina")
    number, link = receipt_facts(
        file_request(citizen, id_text, "Jadwal posyandu per kelurahan 2026"), id_text)
    utama = person("utama", sign_in=True)
    form = step_form(open_desk_request(utama, id_text, number), "decide")
    form.choose("outcome", id_text("Granted in full"))
    form.fill(reasons="Jadwal tersedia dan terbuka", given="Jadwal posyandu 2026")
    saved(utama.submit(form), id_text, id_text("Decide"))

    context = browser.new_context(locale="id-ID")
    try:
        tab = context.new_page()
        # window.print would open the system dialog: count the calls instead
        tab.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1 }")
        tab.goto(live_server + urlsplit(link).path)
        assert tab.locator("h1").inner_text().startswith(
            id_text("Request %(number)s", number=number))
        tab.get_by_role("link", name=id_text("Read or print the decision letter")).click()
        tab.wait_for_load_state()
        assert urlsplit(tab.url).path.endswith("/surat")
        letter = tab.locator("article.ppid-letter")
        assert id_text("Granted in full") in letter.inner_text()
        tab.get_by_role("button", name=id_text("Print")).click()
        assert tab.evaluate("window.printed") == 1
        # printed, the letter stands alone: the portal's header and the button are left out
        tab.emulate_media(media="print")
        assert letter.is_visible()
        # ... with its own heading and the issuing PPID
        heading = letter.get_by_role(
            "heading", name=id_text("Written notice of the decision on a request for public information"))
        assert heading.is_visible(), "the printed letter lost its title"
        assert letter.get_by_text("PPID Utama Kota Tangerang").first.is_visible()
        assert not tab.get_by_role("button", name=id_text("Print")).is_visible()
        assert not tab.locator("header").first.is_visible()
    finally:
        context.close()
    no_problems(citizen, utama)
