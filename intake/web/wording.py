"""Words shown to staff, in French (the default) or English (`digest_language = "en"`).

One table per language, so that a missing translation fails the test that compares keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parsers.form import FormDefinition

FR: dict[str, str] = {
    "report.title": "Éléments à revoir",
    "report.generated": "produit le",
    "report.deadline": "date limite",
    "report.open": "ouvrir",
    "report.nothing": "Rien à revoir.",
    "report.counted": "Les personnes attendues comptent les inscriptions acceptées ou approuvées.",
    "total.messages": "Messages reçus",
    "total.ignored": "ignorés (réponses automatiques…)",
    "total.submissions": "Bulletins",
    "total.accepted": "acceptés sans revue",
    "total.approved": "approuvés",
    "total.rejected": "rejetés",
    "total.waiting": "En attente de revue",
    "total.late": "Bulletins arrivés en retard",
    "total.delegations": "délégations",
    "total.people": "personnes",
    "total.workshops": "Demande par atelier",
    "title.incomplete": "Incomplet",
    "title.late": "Arrivé en retard",
    "title.low_confidence": "Lecture incertaine",
    "title.invalid_value": "Valeur invalide",
    "title.duplicate": "Doublon",
    "title.amendment": "Modification d'un bulletin",
    "title.no_bulletin": "Message sans bulletin",
    "title.unreadable_attachment": "Pièce jointe illisible",
    "title.processing_error": "Échec du traitement",
    "text.incomplete": "Champs obligatoires vides : {}",
    "text.late": "Arrivé après la date limite ({})",
    "text.low_confidence": "Valeurs à vérifier sur l'original : {}",
    "text.invalid_value": "Valeurs qui ne passent pas le contrôle : {}",
    "text.duplicate": "Même bulletin que la soumission {}, déjà reçue",
    "text.amendment": "Nouvelle version, avec d'autres valeurs, de la soumission {}",
    "text.no_bulletin": "Le message ne contient aucun bulletin de participation",
    "text.unreadable_attachment": "Pièce jointe illisible : {}",
    "text.processing_error": "Le message n'a pas pu être traité : {}",
    "invitation.title": "Liste des invités",
    "invitation.invited": "Invités",
    "invitation.answered": "ont répondu",
    "invitation.accepted": "inscription acceptée",
    "invitation.waiting": "en attente de revue",
    "invitation.not_answered": "Pas encore de réponse",
    "invitation.unlisted": "Réponses de collectivités absentes de la liste",
    "invitation.none": "Aucune liste d'invités n'a été importée (intake invitees import FICHIER).",
    "invitation.all_answered": "Tous les invités ont répondu.",
    "invitation.column.organisation": "Collectivité",
    "invitation.column.contact": "Contact",
    "invitation.column.email": "Courriel",
    "invitation.column.phone": "Téléphone",
    "invitation.column.postal_code": "Code postal",
    "invitation.column.state": "État",
    "invitation.column.answers": "Bulletins",
    "invitation.column.match": "Rapprochement",
    "invitation.column.sender": "Expéditeur",
    "invitation.state.accepted": "inscrit",
    "invitation.state.waiting": "en revue",
    "invitation.state.not_answered": "pas de réponse",
    "invitation.state.unlisted": "hors liste",
    "column.reason_title": "Motif",
    "column.organisation": "Collectivité",
    "column.person": "Personne",
    "column.problem": "Problème",
    "column.received": "Arrivée",
    "column.channel": "Canal",
    "column.link": "Lien",
    "channel.email": "courriel",
    "channel.fax": "fax",
    "channel.file": "fichier",
    "label.steering_committee": "Comité de pilotage",
    "label.rencontres": "Rencontres à Kumamoto",
    "label.workshops": "Ateliers",
    "label.signed_on": "Signé le",
}
EN: dict[str, str] = {
    "report.title": "Items to review",
    "report.generated": "generated",
    "report.deadline": "deadline",
    "report.open": "open",
    "report.nothing": "Nothing to review.",
    "report.counted": "People expected count accepted or approved registrations.",
    "total.messages": "Messages received",
    "total.ignored": "ignored (automatic replies…)",
    "total.submissions": "Bulletins",
    "total.accepted": "accepted straight through",
    "total.approved": "approved",
    "total.rejected": "rejected",
    "total.waiting": "Waiting for review",
    "total.late": "Bulletins that arrived late",
    "total.delegations": "delegations",
    "total.people": "people",
    "total.workshops": "Workshop demand",
    "title.incomplete": "Incomplete",
    "title.late": "Arrived late",
    "title.low_confidence": "Uncertain reading",
    "title.invalid_value": "Invalid value",
    "title.duplicate": "Duplicate",
    "title.amendment": "Amended bulletin",
    "title.no_bulletin": "Message without a bulletin",
    "title.unreadable_attachment": "Unreadable attachment",
    "title.processing_error": "Processing failed",
    "text.incomplete": "Required fields are empty: {}",
    "text.late": "Arrived after the deadline ({})",
    "text.low_confidence": "Check these values against the original: {}",
    "text.invalid_value": "Values that fail their check: {}",
    "text.duplicate": "Same bulletin as submission {}, already received",
    "text.amendment": "New version, with other values, of submission {}",
    "text.no_bulletin": "The message holds no registration form",
    "text.unreadable_attachment": "Unreadable attachment: {}",
    "text.processing_error": "The message could not be processed: {}",
    "invitation.title": "Invitation list",
    "invitation.invited": "Invited",
    "invitation.answered": "answered",
    "invitation.accepted": "registration accepted",
    "invitation.waiting": "waiting for review",
    "invitation.not_answered": "No answer yet",
    "invitation.unlisted": "Answers from authorities not on the list",
    "invitation.none": "No invitation list was imported (intake invitees import FILE).",
    "invitation.all_answered": "Every invitee has answered.",
    "invitation.column.organisation": "Authority",
    "invitation.column.contact": "Contact",
    "invitation.column.email": "E-mail",
    "invitation.column.phone": "Phone",
    "invitation.column.postal_code": "Postal code",
    "invitation.column.state": "State",
    "invitation.column.answers": "Bulletins",
    "invitation.column.match": "Match",
    "invitation.column.sender": "Sender",
    "invitation.state.accepted": "registered",
    "invitation.state.waiting": "in review",
    "invitation.state.not_answered": "no answer",
    "invitation.state.unlisted": "not listed",
    "column.reason_title": "Reason",
    "column.organisation": "Authority",
    "column.person": "Person",
    "column.problem": "Problem",
    "column.received": "Arrival",
    "column.channel": "Channel",
    "column.link": "Link",
    "channel.email": "e-mail",
    "channel.fax": "fax",
    "channel.file": "file",
    "label.organisation": "Local authority",
    "label.last_name": "Last name",
    "label.first_name": "First name",
    "label.position": "Position",
    "label.address": "Address",
    "label.postal_code": "Postal code",
    "label.city": "City",
    "label.phone": "Phone",
    "label.fax": "Fax",
    "label.email": "E-mail",
    "label.steering_committee": "Steering committee",
    "label.rencontres": "Meetings in Kumamoto",
    "label.delegation_size": "Delegation size",
    "label.workshops": "Workshops",
    "label.signed_at": "Signed at",
    "label.signed_on": "Signed on",
}


@dataclass(frozen=True)
class Wording:
    language: str
    table: dict[str, str]

    def t(self, key: str) -> str:
        return self.table[key]

    def reason_title(self, code: str) -> str:
        return self.table.get(f"title.{code}", code)

    def reason_text(self, code: str, detail: str) -> str:
        template = self.table.get(f"text.{code}")
        return template.format(detail) if template else f"{code}: {detail}"

    def column(self, key: str) -> str:
        return self.table[f"column.{key}"]

    def channel(self, channel: str) -> str:
        return self.table.get(f"channel.{channel}", channel)

    def label(self, form: FormDefinition, key: str) -> str:
        """A field's name for people: the table's, else the form's first label, else the key."""
        if f"label.{key}" in self.table:
            return self.table[f"label.{key}"]
        try:
            spec = form.field(key)
        except KeyError:
            return key
        return spec.labels[0] if spec.labels else key

    def when(self, moment: datetime) -> str:
        """A local time as staff write it (the caller converts to the form's time zone)."""
        if self.language == "fr":
            return moment.strftime("%d/%m/%Y %H:%M")
        return moment.strftime("%Y-%m-%d %H:%M")


def wording(language: str) -> Wording:
    return Wording(language, EN if language == "en" else FR)
