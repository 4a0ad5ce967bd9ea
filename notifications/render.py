"""Turn outbox rows into e-mails: Jinja2 templates (HTML + plain text) and an EmailMessage.

Each kind of notification has one template in ``templates/`` with a ``subject`` and a
``body`` block; it is rendered twice, once through an autoescaping environment into the
HTML layout and once through a plain environment into the text layout, so the two parts
always say the same thing. Digests have their own HTML and text templates.

Everything that ends up in a header (subject, names, addresses) goes through
:func:`header_text`, which removes CR, LF and other control characters: task titles and
names come from documents and users, and must never add a header.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, Undefined
from markupsafe import Markup, escape

from domain.vocabulary import CHASING_KINDS

TEMPLATES = Path(__file__).parent / "templates"

# Policy SMTP (CRLF line ends), 7-bit clean so every relay accepts it: non-ASCII
# headers become RFC 2047 encoded words, bodies quoted-printable or base64.
MAIL_POLICY = SMTP.clone(cte_type="7bit")

KIND_LABELS: dict[str, str] = {
    "reminder": "Nhắc hạn",
    "due": "Đến hạn hôm nay",
    "overdue": "Quá hạn",
    "escalation": "Báo cáo lãnh đạo: quá hạn",
    "completion_submitted": "Báo cáo hoàn thành",
    "completion_confirmed": "Xác nhận hoàn thành",
    "completion_rejected": "Trả lại báo cáo hoàn thành",
    "extension_requested": "Đề nghị gia hạn",
    "extension_granted": "Đồng ý gia hạn",
    "extension_denied": "Không đồng ý gia hạn",
    "reassigned": "Giao nhiệm vụ",
    "task_cancelled": "Huỷ nhiệm vụ",
    "definition_updated": "Cập nhật nhiệm vụ",
    "weekly_summary": "Tổng hợp tuần",
}

# Kinds shown first in a digest: the most urgent on top.
KIND_ORDER = ["escalation", "overdue", "due", "completion_rejected", "extension_denied", "reminder",
              "extension_requested", "completion_submitted", "extension_granted", "completion_confirmed",
              "reassigned", "task_cancelled"]

ONE_LINE_FIELDS = frozenset({
    "organisation", "plan_title", "plan_number", "task_code", "task_title", "product", "period",
    "recipient_name", "actor_name",
})

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def header_text(value: Any, limit: int = 200) -> str:
    """A value made safe for an e-mail header: no CR/LF/control characters, one line.

    Args:
        value: anything; None becomes "".
        limit: longest result in characters (a subject is cut with "…").
    """
    text = _CONTROL.sub(" ", "" if value is None else str(value))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def days_late(due: Any, at: Any) -> int:
    """Calendar days from the ISO ``due`` date to the ISO day/time ``at`` (0 if not late or unknown)."""
    try:
        due_day = date.fromisoformat(str(due)[:10])
        at_day = date.fromisoformat(str(at)[:10])
    except ValueError:
        return 0
    return max(0, (at_day - due_day).days)


def vndate(value: Any) -> str:
    """An ISO date/datetime (string or object) as dd/mm/yyyy; anything else unchanged."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value)


_ONE_OFF_PERIOD = re.compile(r"^\s*hạn\s+(\d{1,2}/\d{1,2}/\d{4})\s*$", re.IGNORECASE)


def one_off_date(period: Any) -> str | None:
    """The date of a one-off period label ("Hạn 15/10/2026" → "15/10/2026"), else None.

    domain.deadlines names a one-off occurrence by its date; a mail that also shows the
    due date must not say it twice ("kỳ Hạn 15/10/2026 ... Hạn: 15/10/2026").
    """
    match = _ONE_OFF_PERIOD.match(period) if isinstance(period, str) else None
    return match.group(1) if match else None


def recurring_period(period: Any) -> str | None:
    """The period label to show as "kỳ ...": None for a one-off period or none at all."""
    if not period or one_off_date(period):
        return None
    return str(period)


def period_phrase(period: Any, due: Any = None) -> str:
    """How a mail names an occurrence in a line: "kỳ Quý I/2026", or "hạn 15/10/2026" once."""
    if recurring_period(period):
        return f"kỳ {period}"
    # The effective due date (moved off a weekend or holiday, or extended) wins over the
    # date the label was written with: the subject and the body must name the same day.
    date_text = vndate(due) or one_off_date(period)
    return f"hạn {date_text}" if date_text else ""


def kind_label(kind: Any) -> str:
    """A kind of notification in Vietnamese (never the internal name)."""
    return KIND_LABELS.get(str(kind), "Cập nhật nhiệm vụ")


def _html_paragraphs(value: Any) -> list[Markup]:
    text = value if isinstance(value, Markup) else escape(value)
    parts = _PARAGRAPH_BREAK.split(str(text).strip())
    return [Markup("<br>\n".join(line.strip() for line in p.splitlines())) for p in parts if p.strip()]


def _text_paragraphs(value: Any) -> list[str]:
    parts = _PARAGRAPH_BREAK.split(str(value).strip())
    return ["\n".join(line.strip() for line in p.splitlines()) for p in parts if p.strip()]


def _html_strong(value: Any) -> Markup:
    return Markup("<strong>{}</strong>").format(value)


def _html_link(url: Any, label: Any = None) -> Markup:
    return Markup('<a href="{}">{}</a>').format(url, label if label is not None else url)


def _text_link(url: Any, label: Any = None) -> str:
    return f"{label}: {url}" if label is not None else str(url)


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=Undefined,
    )
    env.filters["vndate"] = vndate
    env.filters["days_late"] = days_late
    env.filters["paragraphs"] = _html_paragraphs if html else _text_paragraphs
    env.filters["strong"] = _html_strong if html else (lambda v: "" if v is None else str(v))
    env.filters["link"] = _html_link if html else _text_link
    env.filters["kind_label"] = kind_label
    env.globals["fmt"] = "html" if html else "txt"
    env.globals["kind_labels"] = KIND_LABELS
    return env


HTML_ENV = _environment(html=True)
TEXT_ENV = _environment(html=False)


@dataclass
class Rendered:
    """A message's content before it becomes an EmailMessage."""

    subject: str
    text: str
    html: str


def escalation_addressee(context: dict[str, Any], level: int) -> str:
    """Who an escalation speaks to: chairman, vice_chairman, coordinator, or lead.

    The recipient's roles decide (a lead officer is told that the task was escalated);
    without roles the level does (1 coordinator, 2 vice-chairman, 3+ chairman).
    """
    roles = context.get("recipient_roles") or []
    for role in ("chairman", "vice_chairman", "coordinator", "lead"):
        if role in roles:
            return role
    if level >= 3:
        return "chairman"
    if level == 2:
        return "vice_chairman"
    return "coordinator"


def template_vars(kind: str, level: int, context: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The variables every template sees: the row's context plus derived values."""
    path = context.get("dashboard_path") or (f"/tasks/{context['task_id']}" if context.get("task_id") else "/")
    names = [r.get("name") for r in context.get("recipients") or [] if "lead" in (r.get("roles") or [])]
    context = {k: (_one_line(v) if k in ONE_LINE_FIELDS else v) for k, v in context.items()}
    plan_label = context.get("plan_title") or "Kế hoạch"
    if context.get("plan_number"):
        plan_label = f"{plan_label} (số {context['plan_number']})"
    # A one-off period is its date: shown once, as the due date, never as "kỳ Hạn dd/mm/yyyy".
    period_text = context.get("period")
    # A full name, never a username: the activities fall back to the username when the
    # actor is no officer of the organisation (an administrator); the mail then says so.
    actor_name = context.get("actor_name")
    if not actor_name or actor_name == "system" or actor_name == context.get("actor"):
        actor_name = None
    return {
        **context,
        "period": recurring_period(period_text),
        "period_label": period_text,
        "when": period_phrase(period_text, context.get("due")),
        "actor_name": actor_name,
        "kind": kind,
        "level": level,
        "base_url": base_url.rstrip("/"),
        "link": base_url.rstrip("/") + path,
        "plan_label": plan_label,
        "lead_names": [_one_line(n) for n in names if n],
        "evidence_items": _evidence_items(context.get("evidence")),
        # An indicator's row names what it chases as such (the layouts' detail table).
        "item_label": "Chỉ tiêu" if context.get("indicator_id") else None,
        "due_label": "Hạn báo cáo số liệu" if context.get("indicator_id") else None,
        "addressee": escalation_addressee(context, level) if kind == "escalation" else None,
        # Who an escalation of this level went to, and who owns the task.
        "reported_to": "Chủ tịch UBND" if level >= 3 else ("Phó Chủ tịch UBND" if level == 2 else "cơ quan thường trực"),
        "owners": ", ".join(_one_line(n) for n in names if n) or "công chức chủ trì",
    }


def _one_line(value: Any) -> Any:
    """Titles and names are shown on one line (a newline in a title is a typo, or an attack)."""
    return " ".join(_CONTROL.sub(" ", value).split()) if isinstance(value, str) else value


def _evidence_items(evidence: Any) -> list[tuple[str, str]]:
    """(label, value) pairs of a completion's evidence, in reading order."""
    if not isinstance(evidence, dict):
        return []
    items = []
    if evidence.get("document_number"):
        number = f"số {evidence['document_number']}"
        if evidence.get("document_date"):
            number += f" ngày {vndate(evidence['document_date'])}"
        items.append(("Văn bản", number))
    elif evidence.get("document_date"):
        items.append(("Ngày văn bản", vndate(evidence["document_date"])))
    for key, label in (("link", "Đường dẫn"), ("file", "Tệp đính kèm"), ("note", "Ghi chú")):
        if evidence.get(key):
            items.append((label, str(evidence[key])))
    return items


def _template_name(kind: str, context: dict[str, Any] | None = None) -> str:
    if (context or {}).get("indicator_id") and kind in CHASING_KINDS:
        return "indicator.j2"  # an indicator's value chased (activities.indicator_activities)
    name = f"{kind}.j2"
    return name if (TEMPLATES / name).exists() else "generic.j2"


def render_notification(kind: str, level: int, context: dict[str, Any], base_url: str) -> Rendered:
    """Render one notification (reminder, due, overdue, escalation, event kinds)."""
    values = template_vars(kind, level, context, base_url)
    name = _template_name(kind, context)
    html = HTML_ENV.get_template(name).render(values, layout="layout.html.j2")
    text = TEXT_ENV.get_template(name).render(values, layout="layout.txt.j2")
    return Rendered(subject=render_subject(kind, level, context, base_url, values), text=_tidy(text), html=html)


def render_subject(kind: str, level: int, context: dict[str, Any], base_url: str = "",
                   values: dict[str, Any] | None = None) -> str:
    """Only the subject line of one notification (also the item title in digests)."""
    values = values if values is not None else template_vars(kind, level, context, base_url)
    template = TEXT_ENV.get_template(_template_name(kind, context))
    block = template.blocks["subject"]
    return header_text("".join(block(template.new_context({**values, "layout": "layout.txt.j2"}))))


def render_digest(template: str, values: dict[str, Any], base_url: str) -> Rendered:
    """Render a digest (``digest``, ``leader_digest``, ``weekly_summary``) from its own templates."""
    values = {**values, "base_url": base_url.rstrip("/")}
    html_t = HTML_ENV.get_template(f"{template}.html.j2")
    text_t = TEXT_ENV.get_template(f"{template}.txt.j2")
    subject = "".join(text_t.blocks["subject"](text_t.new_context(values)))
    return Rendered(subject=header_text(subject), text=_tidy(text_t.render(values)), html=html_t.render(values))


def _tidy(text: str) -> str:
    """Collapse runs of blank lines a template's conditionals leave behind."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def new_message_id(sender: str) -> str:
    """A fresh ``<...@domain>`` Message-ID on the sender's domain."""
    domain = header_text(sender.rpartition("@")[2] or "localhost", 100).replace(" ", "") or "localhost"
    return make_msgid(idstring="dondoc", domain=domain)


_ADDR_SPEC = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def addr_spec(email: str) -> str:
    """A plain ``local@domain`` address, checked.

    Raises:
        ValueError: anything else (a list, a display name, spaces, line breaks...).
    """
    addr = (email or "").strip()
    if not _ADDR_SPEC.fullmatch(addr) or ".." in addr:
        raise ValueError(f"Địa chỉ thư không hợp lệ: {header_text(email, 100)!r}")
    return addr


def mailbox(email: str, name: str | None = None) -> Address:
    """An Address from untrusted name and e-mail text (the name on one line)."""
    local, _, domain = addr_spec(email).partition("@")
    return Address(display_name=header_text(name, 60), username=local, domain=domain)


def encoded_words(text: str, chunk_bytes: int = 39) -> str:
    """``text`` as RFC 2047 base64 encoded words, one per folded line.

    Python 3.11's header folder can put the space between two words *between* two
    encoded words, where RFC 2047 decoders drop it ("nhiệm vụ" arrives as "nhiệmvụ").
    Here every space stays inside an encoded word. 39 bytes make a 64-character word,
    so "Subject: " plus a word fits in 78 columns and the policy keeps the folding.
    """
    words, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > chunk_bytes:
            words.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def phrase_words(text: str, max_bytes: int = 45) -> str:
    """A display name as RFC 2047 encoded words that every decoder reads back the same.

    A name of up to 45 UTF-8 bytes ("UBND xã Vĩnh Lập") is one encoded word of at most
    75 characters: nothing between words to lose or add. A longer one is cut only
    after a space, the space kept inside the earlier word, so decoders that drop the
    whitespace between encoded words (as RFC 2047 says) keep every word apart.
    """
    words, chunk = [], b""
    for token in re.findall(r"\S+\s*", text):
        data = token.encode("utf-8")
        if chunk and len(chunk) + len(data) > max_bytes:
            words.append(chunk)
            chunk = b""
        while len(data) > max_bytes:  # one very long word: cut between characters
            cut = max_bytes
            while cut > 0 and (data[cut] & 0xC0) == 0x80:
                cut -= 1
            words.append(data[:cut])
            data = data[cut:]
        chunk += data
    if chunk:
        words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def _unstructured(text: str) -> str:
    """A header value from (already one-line) text: ASCII as is, else encoded words."""
    return text if text.isascii() else encoded_words(text)


def _address_header(email: str, name: str | None) -> str:
    addr = addr_spec(email)
    name = header_text(name, 60)
    if not name:
        return addr
    if name.isascii():
        return f"{quote_name(name)} <{addr}>"
    words = phrase_words(name)
    one_line = f"{words} <{addr}>"
    # "From: " / "To: " and the value on one line when it fits in 78 columns.
    return one_line if "\r\n" not in words and len(one_line) <= 72 else f"{words}\r\n <{addr}>"


def quote_name(name: str) -> str:
    """An ASCII display name as a quoted string."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _base64_text(body: str) -> bytes:
    canonical = "\r\n".join(body.splitlines()) + "\r\n"  # RFC 2045: CRLF before encoding
    return base64.encodebytes(canonical.encode("utf-8")).replace(b"\n", b"\r\n")


def message_bytes(
    rendered: Rendered,
    *,
    sender: str,
    to_email: str,
    to_name: str | None,
    message_id: str,
    when: datetime | None = None,
    sender_name: str = "dondoc",
    references: dict[str, str] | None = None,
) -> bytes:
    """The mail as sent: headers, then a text part and an HTML alternative (base64, UTF-8).

    Headers are encoded here (RFC 2047 for non-ASCII words) and every value is made one
    line first, so nothing from a task or a name can start a header. The bytes are
    written directly: the email package's generator re-parses every header and costs
    milliseconds per message, which a batch of thousands cannot afford.

    Args:
        rendered: subject and both bodies.
        sender: the From address (settings.smtp_sender).
        to_email, to_name: the one recipient.
        message_id: stored on the outbox rows before sending, reused on a resend.
        when: the Date header (default now).
        sender_name: display name of the From address.
        references: extra ``X-Dondoc-*`` headers (values are made header-safe).

    Raises:
        ValueError: an address is not a plain ``local@domain``.
    """
    boundary = f"=_dondoc_{uuid.uuid4().hex}"
    headers = [
        ("Subject", _unstructured(header_text(rendered.subject))),
        ("From", _address_header(sender, sender_name)),
        ("To", _address_header(to_email, to_name)),
        ("Date", format_datetime((when or datetime.now(UTC)).astimezone(UTC))),
        ("Message-ID", header_text(message_id, 250).replace(" ", "")),
        ("Auto-Submitted", "auto-generated"),  # RFC 3834: no vacation auto-replies
    ]
    for key, value in (references or {}).items():
        name = re.sub(r"[^A-Za-z0-9-]", "-", header_text(key, 40))
        headers.append((f"X-Dondoc-{name}", _unstructured(header_text(value, 200))))
    headers += [("MIME-Version", "1.0"), ("Content-Type", f'multipart/alternative;\r\n boundary="{boundary}"')]
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    parts = []
    for subtype, body in (("plain", rendered.text), ("html", rendered.html)):
        parts.append(f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
                     f"Content-Transfer-Encoding: base64\r\n\r\n".encode("ascii") + _base64_text(body))
    return head + b"\r\n" + b"".join(parts) + f"--{boundary}--\r\n".encode("ascii")


def build_message(rendered: Rendered, **fields: Any) -> EmailMessage:
    """The same mail as :func:`message_bytes`, as an EmailMessage (policy SMTP)."""
    return message_from_bytes(message_bytes(rendered, **fields), policy=MAIL_POLICY)  # type: ignore[return-value]
