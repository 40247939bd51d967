"""A person in front of the portal, as far as pages without JavaScript go: a Flask test client
with its own cookie jar that opens pages, follows the links they show and submits the forms
they hold the way a browser does (hidden fields kept, radios and selects limited to what the
page offers, a file input sent empty when nothing is chosen, `required` respected when the form
does not say `novalidate`)."""
from __future__ import annotations

import io
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from werkzeug.datastructures import MultiDict

# answers a person may meet without anything having gone wrong
REDIRECTS = (301, 302, 303)


class Page:
    def __init__(self, url: str, response):
        self.url = url
        self.status = response.status_code
        self.headers = response.headers
        self.html = response.get_data(as_text=True)
        self.soup = BeautifulSoup(self.html, "html.parser")

    @property
    def text(self) -> str:
        """What a reader sees: the visible text, whitespace collapsed."""
        soup = BeautifulSoup(self.html, "html.parser")
        for hidden in soup(["script", "style", "template", "noscript"]):
            hidden.decompose()
        return " ".join(soup.get_text(" ").split())

    def main_text(self) -> str:
        main = self.soup.find(attrs={"role": "main"}) or self.soup.find("main") or self.soup
        return " ".join(main.get_text(" ").split())

    def status_messages(self) -> list[str]:
        """The texts of the page's role=status / role=alert boxes and CKAN's flash messages."""
        found = self.soup.select('[role="status"], [role="alert"], .flash-messages .alert')
        return [" ".join(e.get_text(" ").split()) for e in found]

    def dl(self, root=None) -> dict[str, str]:
        """The term -> value pairs of the definition lists of the page (or of ``root``)."""
        pairs = {}
        for dt in (root or self.soup).find_all("dt"):
            dd = dt.find_next_sibling("dd")
            if dd is not None:
                pairs.setdefault(" ".join(dt.get_text(" ").split()),
                                 " ".join(dd.get_text(" ").split()))
        return pairs

    def links(self) -> list[tuple[str, str]]:
        return [(" ".join(a.get_text(" ").split()), a["href"])
                for a in self.soup.find_all("a", href=True)]

    def link(self, text: str | None = None, href: str | None = None) -> str:
        """The address of the one link showing ``text`` (and/or whose address matches ``href``,
        a regular expression), resolved against the page."""
        found = [h for t, h in self.links()
                 if (text is None or text in t) and (href is None or re.search(href, h))]
        assert found, f"no link {text!r} {href!r} on {self.url}: {self.links()}"
        assert len(set(found)) == 1, f"several links {text!r} {href!r} on {self.url}: {found}"
        return urljoin(self.url, found[0])

    def forms(self) -> list["Form"]:
        return [Form(self, f) for f in self.soup.find_all("form")]

    def form(self, action: str | None = None, button: str | None = None,
             field: str | None = None) -> "Form":
        """The one form whose action matches ``action`` (a regular expression), whose submit
        button shows ``button`` and/or which has a control named ``field``."""
        found = [f for f in self.forms()
                 if (action is None or re.search(action, f.action))
                 and (button is None or button in f.button_text)
                 and (field is None or field in f.names())]
        assert found, (f"no form {action!r} {button!r} {field!r} on {self.url}: "
                       f"{[(f.action, f.button_text) for f in self.forms()]}")
        assert len(found) == 1, f"several forms {action!r} {button!r} on {self.url}"
        return found[0]


class Form:
    def __init__(self, page: Page, element):
        self.page = page
        self.element = element
        self.action = urljoin(page.url, element.get("action") or page.url)
        self.method = (element.get("method") or "get").lower()
        self.multipart = (element.get("enctype") or "") == "multipart/form-data"
        self.validate = not element.has_attr("novalidate")
        buttons = element.find_all(["button", "input"], attrs={"type": "submit"}) + \
            [b for b in element.find_all("button") if not b.get("type")]
        self.button_text = " ".join(" ".join(b.get_text(" ").split()) or b.get("value", "")
                                    for b in buttons)
        self.values: MultiDict = MultiDict()
        self.files: dict[str, tuple[bytes, str]] = {}
        for control in self._controls():
            name, kind = control.get("name"), self._kind(control)
            if kind in ("radio", "checkbox"):
                if control.has_attr("checked"):
                    self.values.add(name, control.get("value", "on"))
            elif kind == "select":
                options = control.find_all("option")
                chosen = [o for o in options if o.has_attr("selected")] or options[:1]
                if chosen:
                    self.values.add(name, chosen[0].get("value", chosen[0].get_text()))
            elif kind == "textarea":
                self.values.add(name, control.get_text())
            elif kind not in ("file", "submit", "button", "reset", "image"):
                self.values.add(name, control.get("value", ""))

    # what the form holds -------------------------------------------------------------------
    def _controls(self):
        return [c for c in self.element.find_all(["input", "select", "textarea"])
                if c.get("name") and not c.has_attr("disabled")]

    @staticmethod
    def _kind(control) -> str:
        if control.name in ("select", "textarea"):
            return control.name
        return (control.get("type") or "text").lower()

    def names(self) -> set[str]:
        return {c["name"] for c in self._controls()}

    def controls(self, name: str) -> list:
        found = [c for c in self._controls() if c["name"] == name]
        assert found, f"the form {self.action} has no field {name!r}: {sorted(self.names())}"
        return found

    def label(self, control) -> str:
        """The text of the label of a control (for=id, or the label around it)."""
        ident = control.get("id")
        label = self.page.soup.find("label", attrs={"for": ident}) if ident else None
        label = label or control.find_parent("label")
        if label is None and control.get("aria-label"):
            return control["aria-label"]
        return " ".join(label.get_text(" ").split()) if label is not None else ""

    def options(self, name: str) -> dict[str, str]:
        """value -> the label a person reads, for a radio / checkbox group or a select."""
        controls = self.controls(name)
        if self._kind(controls[0]) == "select":
            return {o.get("value", o.get_text()): " ".join(o.get_text(" ").split())
                    for o in controls[0].find_all("option")}
        return {c.get("value", "on"): self.label(c) for c in controls}

    def hidden(self) -> dict[str, str]:
        return {c["name"]: c.get("value", "") for c in self._controls()
                if self._kind(c) == "hidden"}

    # filling it in ---------------------------------------------------------------------------
    def fill(self, **fields) -> "Form":
        """Type into text fields, choose radios / select options (only those offered), tick
        checkboxes (True, or the list of values to tick). Every control must have a label."""
        for name, value in fields.items():
            controls = self.controls(name)
            kind = self._kind(controls[0])
            assert kind != "hidden", f"{name} is hidden: a person does not type into it"
            for control in controls:
                assert self.label(control), f"the field {name!r} of {self.action} has no label"
            if kind in ("radio", "select"):
                offered = self.options(name)
                assert value in offered, f"{name}={value!r} not offered: {offered}"
                self.values.setlist(name, [value])
            elif kind == "checkbox":
                offered = self.options(name)
                ticked = ([next(iter(offered))] if value is True else
                          [] if value is False else list(value))
                for item in ticked:
                    assert item in offered, f"{name}={item!r} not offered: {offered}"
                self.values.setlist(name, ticked)
            elif kind == "file":
                raise AssertionError("use attach() for file fields")
            else:
                self.values.setlist(name, [str(value)])
        return self

    def choose(self, name: str, label: str) -> "Form":
        """Choose, in a radio group / select / checkbox group, the option whose label shows
        ``label``, as a person picks what they read."""
        offered = self.options(name)
        values = [v for v, text in offered.items() if label in text]
        assert len(values) == 1, f"{name}: no single option showing {label!r}: {offered}"
        if self._kind(self.controls(name)[0]) == "checkbox":
            return self.fill(**{name: self.values.getlist(name) + values})
        return self.fill(**{name: values[0]})

    def attach(self, name: str, content: bytes, filename: str) -> "Form":
        control = self.controls(name)[0]
        assert self._kind(control) == "file", name
        assert self.label(control), f"the file field {name!r} has no label"
        self.files[name] = (content, filename)
        return self

    def missing_required(self) -> list[str]:
        missing = []
        for control in self._controls():
            if not control.has_attr("required"):
                continue
            name, kind = control["name"], self._kind(control)
            if kind == "file":
                if name not in self.files:
                    missing.append(name)
            elif not any(str(v).strip() for v in self.values.getlist(name)):
                missing.append(name)
        for control in self._controls():
            # a number out of the control's min / max: the browser refuses to send it too
            if self._kind(control) == "number" and self.values.get(control["name"]):
                value = float(self.values.get(control["name"]))
                low, high = control.get("min"), control.get("max")
                if (low and value < float(low)) or (high and value > float(high)):
                    missing.append(control["name"])
        return sorted(set(missing))

    def data(self):
        data = MultiDict(self.values)
        if self.multipart:
            for control in self._controls():
                if self._kind(control) == "file":
                    content, filename = self.files.get(control["name"], (b"", ""))
                    # a browser sends a chosen file, or an empty part with filename=""
                    data.add(control["name"], (io.BytesIO(content), filename))
        return data


class Person:
    """One person with one browser (one cookie jar): every page they open must answer as
    expected (200 unless told otherwise), redirects are followed the way a browser does."""

    def __init__(self, app, who: str):
        self.app = app
        self.who = who
        self.client = app.test_client()
        self.page: Page | None = None
        self.visited: list[tuple[str, int]] = []
        # looks at every PPID page the person sees (Catalogue.problems), keeps what it finds
        self.check = None
        self.problems: list[str] = []

    def _path(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _settle(self, url: str, response, expect: int) -> Page:
        hops = 0
        while response.status_code in REDIRECTS and expect not in REDIRECTS:
            hops += 1
            assert hops < 5, f"redirect loop from {url}"
            url = urljoin(url, response.headers["Location"])
            self.visited.append((url, response.status_code))
            response = self.client.get(self._path(url), follow_redirects=False)
        page = Page(url, response)
        self.visited.append((url, page.status))
        assert page.status == expect, (
            f"{self.who}: {url} answered {page.status}, expected {expect}\n"
            f"{page.status_messages() or page.main_text()[:1500]}")
        self.page = page
        if self.check is not None and urlsplit(url).path.startswith("/ppid") \
                and "html" in page.headers.get("Content-Type", ""):
            self.problems += self.check(page)
        return page

    def open(self, url: str, expect: int = 200) -> Page:
        url = urljoin("http://test.ckan.net/", url)
        return self._settle(url, self.client.get(self._path(url), follow_redirects=False),
                            expect)

    def follow(self, text: str | None = None, href: str | None = None,
               expect: int = 200) -> Page:
        assert self.page is not None
        return self.open(self.page.link(text, href), expect)

    def submit(self, form: Form, expect: int = 200, check_required: bool = True) -> Page:
        if check_required and form.validate:
            missing = form.missing_required()
            assert not missing, f"{self.who}: the browser would not send {form.action}: " \
                                f"required {missing} empty"
        assert form.method == "post", form.method
        url = form.action
        kw = {"content_type": "multipart/form-data"} if form.multipart else {}
        response = self.client.post(self._path(url), data=form.data(), follow_redirects=False,
                                    **kw)
        return self._settle(url, response, expect)

    def sign_in(self, login: str, password: str) -> Page:
        """Through the real login form (its CSRF field included)."""
        page = self.open("/user/login")
        form = page.form(field="password")
        form.fill(login=login, password=password)
        after = self.submit(form)
        assert "/user/login" not in urlsplit(after.url).path, \
            f"{login} was not signed in: {after.status_messages()}"
        return after


# What a person reads: Indonesian, never English msgids or raw codes ---------------------------

PLACEHOLDER = re.compile(r"%\([a-zA-Z_]\w*\)[sdif]|%[sdif]")
# codes of the closed lists and field names, as they must never be shown to a reader
RAW_CODE = re.compile(r"\b(?:[a-z]+_[a-z_]+|granted|partly|rejected|processing|incomplete|"
                      r"lapsed|accepted|filed)\b")

# a message listing the codes a field allows ("pilihan: pickup, courier, post")
CODE_LIST = re.compile(r"(?:pilihan|allowed) ?: ?([a-z0-9_]+(?:, [a-z0-9_]+)+)")


class Catalogue:
    """The Indonesian catalogue of a part of the portal (own/id/<part>.po)."""

    def __init__(self, *paths, compiled=None):
        """``paths``: the .po files whose msgids must not be left in English; ``compiled``:
        the .mo the portal serves, whose translation wins where both hold a msgid."""
        import gettext
        from babel.messages.pofile import read_po
        self.strings: dict[str, str] = {}
        self.served = gettext.GNUTranslations(open(compiled, "rb")) if compiled else None
        self.fragments: set[str] = set()
        for path in paths:
            with open(path, "rb") as f:
                catalog = read_po(f)
            for message in catalog:
                if not message.id or not message.string:
                    continue
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else \
                    (message.string,)
                self.strings.setdefault(ids[0], strings[0])
                for msgid in ids:
                    if msgid in strings:
                        continue
                    for part in PLACEHOLDER.split(msgid):
                        part = part.strip(" :;,.()")
                        if len(part) >= 14 and " " in part and \
                                not any(part in s for s in strings):
                            self.fragments.add(part)

    def __call__(self, msgid: str, **values) -> str:
        """What the Indonesian page shows for ``msgid`` (it must have been translated)."""
        assert msgid in self.strings, f"no Indonesian for {msgid!r}"
        text = self.served.gettext(msgid) if self.served else self.strings[msgid]
        return text % values if values else text

    def problems(self, page: Page, allow: tuple[str, ...] = ()) -> list[str]:
        """English left on an Indonesian page, and raw codes shown as text."""
        text = page.main_text()
        found = [f"English: {f!r}" for f in sorted(self.fragments) if f in text]
        found += [f"raw code: {c!r}" for c in sorted(set(RAW_CODE.findall(text)))
                  if c not in allow]
        found += [f"raw codes listed: {c!r}" for c in CODE_LIST.findall(text)]
        return [f"{page.url}: {p}" for p in found]
