"""The digest's words and layout: a subject, a plain-text part and an HTML part (inline CSS,
no external resource) from DigestFacts, in French (the default) or English."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from zoneinfo import ZoneInfo

from intake.digest_content import DigestFacts, Problem, QueueFigures
from intake.web.wording import Wording
from parsers.form import FormDefinition

FR: dict[str, str] = {
    "sep": " : ",
    "subject": "[Bulletins] Synthèse du {period}",
    "subject.alert": "[Bulletins] ATTENTION service à vérifier – synthèse du {period}",
    "title": "Synthèse du {period}",
    "period.day": "{day}",
    "period.range": "{first} au {last}",
    "period.partial": "(journée en cours, jusqu'à {time})",
    "skipped": "Le service n'a pas envoyé de synthèse pour : {days}. Celle-ci couvre ces jours.",
    "health.alert": "État du service : à vérifier",
    "health.ok": "État du service",
    "health.stopped": "La relève « {subject} » est arrêtée : dernier succès {when}. {detail}",
    "health.stopped.never": "La relève « {subject} » n'a jamais réussi. {detail}",
    "health.failing": "La relève « {subject} » échoue : {count} échecs de suite. {detail}",
    "health.never_polled": "Aucune relève de boîte aux lettres n'a jamais eu lieu.",
    "health.stuck": "{count} message(s) en attente de traitement, le plus ancien reçu le {when}.",
    "health.failed_messages": "{count} message(s) en échec de traitement (nouvel essai prévu).",
    "health.digest_failed": "La synthèse du {subject} n'a pas pu être envoyée "
    "({count} essai(s)) : {detail}",
    "health.queue_unreachable": "La file des travaux est injoignable : {detail}",
    "health.no_worker": "{count} travail(aux) en file, mais aucun travailleur actif "
    "(lancer « intake worker »).",
    "health.failed_jobs": "{count} travail(aux) en échec dans la file (nouvel essai au relevé "
    "suivant).",
    "health.queue": "File des travaux : {waiting} en attente, {doing} en cours, {failed} en "
    "échec ; travailleurs : {alive} actif(s), {silent} silencieux",
    "health.source": "Dernière relève réussie de « {subject} » : {when}",
    "health.source.never": "« {subject} » : aucune relève réussie",
    "health.pending": "Messages pas encore traités : {count}",
    "health.pending.oldest": "Messages pas encore traités : {count} "
    "(le plus ancien reçu le {when})",
    "day": "La période",
    "day.messages": "Messages reçus",
    "day.ignored": "dont ignorés (réponses automatiques, retours…)",
    "day.submissions": "Bulletins trouvés",
    "day.accepted": "Acceptés sans revue",
    "day.waiting": "En attente de revue",
    "day.late": "Arrivés après la date limite",
    "day.duplicates": "Doublons",
    "day.amendments": "Modifications d'un bulletin",
    "day.unreadable": "Messages avec une pièce jointe illisible",
    "items": "À revoir",
    "items.none": "Rien à revoir pour cette période.",
    "items.received": "reçu le {when} par {channel}",
    "items.open": "ouvrir",
    "totals": "Depuis le début des inscriptions",
    "totals.authorities": "Collectivités inscrites",
    "totals.registrations": "Bulletins retenus : {all}, dont {confirmed} confirmés "
    "(les autres attendent une revue)",
    "totals.committee": "Personnes attendues au comité de pilotage",
    "totals.rencontres": "Personnes attendues à Kumamoto",
    "totals.rencontres.confirmed": "dont confirmées",
    "totals.workshops": "Demande par atelier",
    "totals.waiting": "Éléments en attente de revue, tous jours confondus",
    "totals.oldest": "le plus ancien reçu le {when}",
    "deadline.before": "Date limite ({deadline}) : dans {days} jour(s)",
    "deadline.today": "Date limite ({deadline}) : aujourd'hui",
    "deadline.after": "Date limite ({deadline}) : passée depuis {days} jour(s)",
    "footer": "Message automatique du service de réception des bulletins, produit le {when}. "
    "Ne pas répondre.",
    "queue": "File de revue",
    "invitation": "Liste des invités",
    "invitation.counts": "Invités : {invited} ; ont répondu : {answered} (inscription acceptée "
    "{accepted}, en attente de revue {waiting}) ; pas encore de réponse : {not_answered}",
    "invitation.not_answered": "Pas encore de réponse : {organisation}",
    "invitation.more": "… et {count} autre(s) : voir la page Invités",
    "invitation.unlisted": "Réponses de collectivités absentes de la liste : {count} ({names})",
}
EN: dict[str, str] = {
    "sep": ": ",
    "subject": "[Bulletins] Digest for {period}",
    "subject.alert": "[Bulletins] WARNING service needs attention – digest for {period}",
    "title": "Digest for {period}",
    "period.day": "{day}",
    "period.range": "{first} to {last}",
    "period.partial": "(day in progress, until {time})",
    "skipped": "The service sent no digest for: {days}. This one covers those days.",
    "health.alert": "Service status: needs attention",
    "health.ok": "Service status",
    "health.stopped": "Polling of “{subject}” has stopped: last success {when}. {detail}",
    "health.stopped.never": "Polling of “{subject}” has never succeeded. {detail}",
    "health.failing": "Polling of “{subject}” keeps failing: {count} failures in a row. {detail}",
    "health.never_polled": "No mailbox has ever been polled.",
    "health.stuck": "{count} message(s) waiting to be processed, the oldest received {when}.",
    "health.failed_messages": "{count} message(s) failed processing (will be retried).",
    "health.digest_failed": "The digest for {subject} could not be sent "
    "({count} attempt(s)): {detail}",
    "health.queue_unreachable": "The job queue cannot be reached: {detail}",
    "health.no_worker": "{count} job(s) queued but no worker alive (start “intake worker”).",
    "health.failed_jobs": "{count} job(s) failed in the queue (retried at the next poll).",
    "health.queue": "Job queue: {waiting} waiting, {doing} running, {failed} failed; "
    "workers: {alive} alive, {silent} silent",
    "health.source": "Last successful poll of “{subject}”: {when}",
    "health.source.never": "“{subject}”: no successful poll",
    "health.pending": "Messages not processed yet: {count}",
    "health.pending.oldest": "Messages not processed yet: {count} (the oldest received {when})",
    "day": "The period",
    "day.messages": "Messages received",
    "day.ignored": "of which ignored (automatic replies, bounces…)",
    "day.submissions": "Bulletins found",
    "day.accepted": "Accepted straight through",
    "day.waiting": "Waiting for review",
    "day.late": "Arrived after the deadline",
    "day.duplicates": "Duplicates",
    "day.amendments": "Amended bulletins",
    "day.unreadable": "Messages with an unreadable attachment",
    "items": "To review",
    "items.none": "Nothing to review for this period.",
    "items.received": "received {when} by {channel}",
    "items.open": "open",
    "totals": "Since registration opened",
    "totals.authorities": "Authorities registered",
    "totals.registrations": "Bulletins that stand: {all}, of which {confirmed} confirmed "
    "(the others wait for review)",
    "totals.committee": "People expected at the steering committee",
    "totals.rencontres": "People expected in Kumamoto",
    "totals.rencontres.confirmed": "of which confirmed",
    "totals.workshops": "Workshop demand",
    "totals.waiting": "Items waiting for review, all days",
    "totals.oldest": "the oldest received {when}",
    "deadline.before": "Deadline ({deadline}): {days} day(s) left",
    "deadline.today": "Deadline ({deadline}): today",
    "deadline.after": "Deadline ({deadline}): passed {days} day(s) ago",
    "footer": "Automatic message from the bulletin intake service, generated {when}. Do not reply.",
    "queue": "Review queue",
    "invitation": "Invitation list",
    "invitation.counts": "Invited: {invited}; answered: {answered} (registration accepted "
    "{accepted}, waiting for review {waiting}); no answer yet: {not_answered}",
    "invitation.not_answered": "No answer yet: {organisation}",
    "invitation.more": "… and {count} more: see the Invitees page",
    "invitation.unlisted": "Answers from authorities not on the list: {count} ({names})",
}
_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Inline styles: many mail clients drop <style> blocks and every external resource.
_FONT = "font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222;line-height:1.4"
_ALERT = "background:#fdecea;border:2px solid #c0392b;padding:10px 14px;margin:0 0 16px 0"
_BOX = "background:#f4f6f8;border:1px solid #d0d7de;padding:10px 14px;margin:16px 0 0 0"
_H2 = "font-size:16px;margin:18px 0 6px 0;border-bottom:1px solid #d0d7de;padding-bottom:3px"
_CELL = "padding:4px 8px;border-bottom:1px solid #e5e8eb;vertical-align:top;text-align:left"
_NUM = _CELL + ";text-align:right;white-space:nowrap"
# Invitees without an answer named in the digest; the Invités page lists them all.
MAX_LISTED = 25


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Words:
    table: dict[str, str]
    base: Wording
    tz: ZoneInfo

    def __call__(self, key: str, **values: object) -> str:
        return self.table[key].format(**values)

    def day(self, day: date) -> str:
        if self.base.language == "fr":
            return f"{_DAYS_FR[day.weekday()]} {day.day} {_MONTHS_FR[day.month - 1]} {day.year}"
        return day.strftime("%A %d %B %Y").replace(" 0", " ")

    def when(self, moment: datetime | None) -> str:
        return self.base.when(moment.astimezone(self.tz)) if moment else "—"


def render_digest(
    facts: DigestFacts, form: FormDefinition, base: Wording, base_url: str
) -> Rendered:
    w = _Words(EN if base.language == "en" else FR, base, form.timezone)
    p = facts.period
    if p.first == p.last:
        period = w("period.day", day=w.day(p.first))
    else:
        period = w("period.range", first=w.day(p.first), last=w.day(p.last))
    alert = bool(facts.health.problems)
    subject = w("subject.alert" if alert else "subject", period=period)
    blocks = _blocks(facts, form, w, period, base_url)
    return Rendered(subject, _text(blocks, w("sep")), _html(blocks))


@dataclass
class _Block:
    """A heading with lines (label, value, link); the renderers share one outline."""

    kind: str  # title | alert | section | items | note | footer
    heading: str
    rows: list[tuple[str, str, str]]


def _blocks(
    facts: DigestFacts, form: FormDefinition, w: _Words, period: str, base_url: str
) -> list[_Block]:
    p, h = facts.period, facts.health
    title = w("title", period=period)
    if p.partial:
        title += " " + w("period.partial", time=w.when(facts.now)[-5:])
    blocks = [_Block("title", title, [])]
    if facts.skipped:
        days = ", ".join(w.day(d) for d in facts.skipped)
        blocks.append(_Block("note", w("skipped", days=days), []))
    if h.problems:
        problems = [(_problem(x, w), "", "") for x in h.problems]
        blocks.append(_Block("alert", w("health.alert"), problems))
    health_rows = []
    for row in h.sources:
        key = "health.source" if row.last_success_at else "health.source.never"
        health_rows.append((w(key, subject=row.source, when=w.when(row.last_success_at)), "", ""))
    pending_key = "health.pending.oldest" if h.oldest_pending else "health.pending"
    health_rows.append((w(pending_key, count=h.pending, when=w.when(h.oldest_pending)), "", ""))
    if h.queue is not None:
        health_rows.append((queue_line(h.queue, w.base.language), "", ""))
    channels = ", ".join(f"{w.base.channel(c)} {n}" for c, n in p.by_channel.items())
    waiting = ", ".join(f"{w.base.reason_title(c)} {n}" for c, n in p.waiting.items())
    blocks.append(
        _Block(
            "section",
            w("day"),
            [
                (w("day.messages"), f"{p.messages}" + (f" ({channels})" if channels else ""), ""),
                (w("day.ignored"), str(p.ignored), ""),
                (w("day.submissions"), str(p.submissions), ""),
                (w("day.accepted"), str(p.accepted), ""),
                (
                    w("day.waiting"),
                    f"{p.waiting_items}" + (f" ({waiting})" if waiting else ""),
                    "",
                ),
                (w("day.late"), str(p.late), ""),
                (w("day.duplicates"), str(p.duplicates), ""),
                (w("day.amendments"), str(p.amendments), ""),
                (w("day.unreadable"), str(p.unreadable), ""),
            ],
        )
    )
    items = [
        (
            f"[{line.reason_title}] "
            + " — ".join(x for x in (line.organisation, line.person) if x)
            + f" — {line.problem}",
            w("items.received", when=line.received, channel=line.channel),
            line.link,
        )
        for line in p.lines
    ]
    blocks.append(_Block("items", w("items"), items or [(w("items.none"), "", "")]))
    blocks.append(_Block("section", w("totals"), _total_rows(facts, form, w, base_url)))
    if facts.invitation is not None and facts.invitation.invited:
        blocks.append(_Block("section", w("invitation"), _invitation_rows(facts, w, base_url)))
    blocks.append(_Block("section", w("health.ok"), health_rows))
    blocks.append(_Block("footer", w("footer", when=w.when(facts.now)), []))
    return blocks


def _total_rows(
    facts: DigestFacts, form: FormDefinition, w: _Words, base_url: str
) -> list[tuple[str, str, str]]:
    t = facts.totals
    deadline = w.base.when(form.deadline.astimezone(form.timezone))
    if t.days_to_deadline > 0:
        due = w("deadline.before", deadline=deadline, days=t.days_to_deadline)
    elif t.days_to_deadline == 0:
        due = w("deadline.today", deadline=deadline)
    else:
        due = w("deadline.after", deadline=deadline, days=-t.days_to_deadline)
    rows = [
        (due, "", ""),
        (w("totals.authorities"), str(t.authorities), ""),
        (w("totals.registrations", all=t.registrations, confirmed=t.confirmed), "", ""),
        (w("totals.committee"), str(t.committee_people), ""),
        (w("totals.rencontres"), str(t.rencontres_people), ""),
        (w("totals.rencontres.confirmed"), str(t.rencontres_confirmed_people), ""),
    ]
    captions = {c.value: c.captions[0] for f in form.fields for c in f.choices if c.captions}
    for number in sorted(set(captions) | set(t.workshops)):
        label = f"{w('totals.workshops')} {number} – {captions.get(number, '')}".rstrip(" –")
        rows.append((label, str(t.workshops.get(number, 0)), ""))
    waiting = str(t.waiting_items)
    if t.oldest_waiting is not None:
        waiting += f" ({w('totals.oldest', when=w.when(t.oldest_waiting))})"
    rows.append((w("totals.waiting"), waiting, f"{base_url}/queue"))
    return rows


def _invitation_rows(facts: DigestFacts, w: _Words, base_url: str) -> list[tuple[str, str, str]]:
    """The counts, then who has not answered with their contacts (the first MAX_LISTED)."""
    invitation = facts.invitation
    assert invitation is not None
    counts = w(
        "invitation.counts", invited=invitation.invited, answered=invitation.answered,
        accepted=invitation.count("accepted"), waiting=invitation.count("waiting"),
        not_answered=invitation.count("not_answered"),
    )  # fmt: skip
    rows = [(counts, "", f"{base_url}/invitees")]
    silent = invitation.not_answered
    for invitee in silent[:MAX_LISTED]:
        contact = ", ".join(x for x in (invitee.contact_name, invitee.email, invitee.phone) if x)
        rows.append((w("invitation.not_answered", organisation=invitee.organisation), contact, ""))
    if len(silent) > MAX_LISTED:
        rows.append((w("invitation.more", count=len(silent) - MAX_LISTED), "", ""))
    if invitation.unlisted:
        names = ", ".join(a.organisation or a.sender for a in invitation.unlisted[:MAX_LISTED])
        rows.append((w("invitation.unlisted", count=len(invitation.unlisted), names=names), "", ""))
    return rows


def queue_line(q: QueueFigures, language: str) -> str:
    """The queue's depth and workers in one line (the digest, the review UI)."""
    return (EN if language == "en" else FR)["health.queue"].format(
        waiting=q.waiting, doing=q.doing, failed=q.failed,
        alive=q.workers_alive, silent=q.workers_silent,
    )  # fmt: skip


def _problem(problem: Problem, w: _Words) -> str:
    key = f"health.{problem.code}"
    if problem.code == "stopped" and problem.when is None:
        key = "health.stopped.never"
    subject = problem.subject
    if problem.code == "digest_failed":
        subject = w.day(date.fromisoformat(problem.subject))
    text = w(
        key, subject=subject, when=w.when(problem.when), count=problem.count, detail=problem.detail
    )
    return " ".join(text.split())


def _text(blocks: list[_Block], sep: str) -> str:
    out: list[str] = []
    for block in blocks:
        if block.kind == "title":
            out += [block.heading, "=" * len(block.heading), ""]
            continue
        if block.kind in ("note", "footer"):
            out += [("-- " if block.kind == "footer" else "") + block.heading, ""]
            continue
        heading = block.heading.upper()
        out += [f"!! {heading} !!" if block.kind == "alert" else heading, ""]
        for label, value, link in block.rows:
            if block.kind == "items":
                out.append(f"* {label}")
                out += [f"  {x}" for x in (value, link) if x]
            elif block.kind == "alert":
                out.append(f"!! {label}")
            else:
                line = f"{label}{sep}{value}" if value else label
                out.append(f"- {line}" + (f"  {link}" if link else ""))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _html(blocks: list[_Block]) -> str:
    body: list[str] = []
    for block in blocks:
        heading = escape(block.heading)
        if block.kind == "title":
            body.append(f'<h1 style="font-size:20px;margin:0 0 12px 0">{heading}</h1>')
        elif block.kind == "note":
            body.append(f'<p style="{_BOX}">{heading}</p>')
        elif block.kind == "footer":
            body.append(f'<p style="color:#666;font-size:12px;margin-top:24px">{heading}</p>')
        elif block.kind == "alert":
            items = "".join(f"<li>{escape(label)}</li>" for label, _, _ in block.rows)
            body.append(
                f'<div style="{_ALERT}"><h2 style="font-size:16px;color:#c0392b;margin:0 0 6px 0">'
                f'&#9888; {heading}</h2><ul style="margin:0;padding-left:20px">{items}</ul></div>'
            )
        else:
            body.append(f'<h2 style="{_H2}">{heading}</h2>')
            body.append(_table(block))
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width"></head>'
        f'<body style="margin:0;padding:16px;background:#ffffff"><div style="{_FONT};'
        f'max-width:860px">{"".join(body)}</div></body></html>\n'
    )


def _table(block: _Block) -> str:
    rows = []
    for label, value, link in block.rows:
        if block.kind == "items":
            opened = (
                f'<a href="{escape(link)}" style="color:#1a5fb4">{escape(link)}</a>' if link else ""
            )
            rows.append(
                f'<tr><td style="{_CELL}">{escape(label)}<br><span style="color:#666;'
                f'font-size:12px">{escape(value)}</span></td><td style="{_CELL}">{opened}</td></tr>'
            )
        else:
            shown = escape(value)
            if link:
                shown = (
                    f'<a href="{escape(link)}" style="color:#1a5fb4">{shown or escape(link)}</a>'
                )
            rows.append(
                f'<tr><td style="{_CELL}">{escape(label)}</td><td style="{_NUM}">{shown}</td></tr>'
            )
    return (
        '<table role="presentation" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse;width:100%">{"".join(rows)}</table>'
    )
