"""Score the matching of an ingested corpus to its invitation list, against the truth files.

Run after scripts/make_invitation_list.py (with --answered), `intake invitees import` and
`intake ingest` on the same settings (INTAKE_DATA_DIR or INTAKE_DATABASE_URL):

    .venv/bin/python scripts/stage_emails.py ../shared/corpus/varied/emails /tmp/mails
    .venv/bin/python scripts/make_invitation_list.py ../shared/corpus/varied/emails \\
        /tmp/invitees.csv --answered /tmp/answered.txt
    INTAKE_DATA_DIR=/tmp/data .venv/bin/intake invitees import /tmp/invitees.csv
    INTAKE_DATA_DIR=/tmp/data .venv/bin/intake ingest /tmp/mails/*.eml
    INTAKE_DATA_DIR=/tmp/data .venv/bin/python scripts/score_invitations.py \\
        ../shared/corpus/varied/emails /tmp/answered.txt

Prints each submission matched to another authority than its truth's, or to none; whether the
not-yet-answered list is exactly the authorities that never answer; and the share of OCR'd
bulletins accepted straight through (the list is not evidence yet: it must not move).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from intake.app import App
from intake.invitees.status import read_invitation
from intake.settings import load_settings
from storage.models import Document, Invitee, Message, Submission, SubmissionMatch

OCR_KINDS = ("pdf_scan", "pdf_mixed", "image")  # kinds read by OCR


def message_id(raw: bytes) -> str | None:
    found = re.search(rb"(?im)^message-id:\s*(\S+)", raw.split(b"\n\n", 1)[0])
    return found.group(1).decode() if found else None


def main(truth_dir: Path, answered_path: Path) -> int:
    app = App(load_settings())
    expected_answers = set(answered_path.read_text().splitlines())
    counts: Counter[str] = Counter()
    with app.db.session() as session:
        names = {i.id: i.organisation for i in session.exec(select(Invitee))}
        matches = {m.submission_pk: m for m in session.exec(select(SubmissionMatch))}
        for truth_path in sorted(truth_dir.glob("*.truth.json")):
            truth = json.loads(truth_path.read_text())
            mid = message_id((truth_dir / truth["file"]).read_bytes())
            message = session.exec(select(Message).where(Message.message_id == mid)).first()
            if message is None:
                print(f"MISSING {truth['file']}")
                counts["missing"] += 1
                continue
            subs = list(
                session.exec(
                    select(Submission, Document)
                    .join(Document, col(Document.id) == col(Submission.document_pk))
                    .where(Submission.message_pk == message.id)
                    .order_by(col(Submission.id))
                )
            )
            for index, expected in enumerate(truth.get("submissions", [])):
                want = expected["fields"].get("organisation")
                if index >= len(subs):
                    print(f"NOT FOUND {truth['file']} #{index}: no submission for {want}")
                    counts["not_found"] += 1
                    continue
                sub, document = subs[index]
                match = matches.get(sub.id or 0)
                got = names.get(match.invitee_pk) if match and match.invitee_pk else None
                counts["submissions"] += 1
                ocr = document.kind in OCR_KINDS
                counts["ocr"] += ocr
                counts["ocr_accepted"] += ocr and sub.status == "accepted"
                counts["accepted"] += sub.status == "accepted"
                if got == want:
                    counts["right"] += 1
                    counts["exact"] += bool(match and match.exact)
                    continue
                counts["wrong" if got else "unmatched"] += 1
                how = f" by {match.evidence} ({match.score:.2f})" if match and got else ""
                print(f"MATCH {truth['file']} #{index} ({document.kind}, {sub.status}): "
                      f"want {want!r} got {got!r}{how}")  # fmt: skip
        invitation = read_invitation(session, app.form)
    silent = {i.organisation for i in invitation.not_answered}
    expected_silent = {o for o in names.values() if o not in expected_answers}
    for name in sorted(silent - expected_silent):
        print(f"SILENT BUT ANSWERED {name}")
    for name in sorted(expected_silent - silent):
        print(f"ANSWERED BUT NEVER DID {name}")
    c = counts
    print(
        f"submissions {c['submissions']}: matched right {c['right']} (exact name {c['exact']}), "
        f"to another {c['wrong']}, to none {c['unmatched']}; not found {c['not_found']}, "
        f"messages missing {c['missing']}"
    )
    print(
        f"not yet answered: {len(silent)} listed, {len(expected_silent)} expected, "
        f"{'right' if silent == expected_silent else 'WRONG'}; answers not on the list: "
        f"{len(invitation.unlisted)}"
    )
    share = c["ocr_accepted"] / c["ocr"] if c["ocr"] else 0.0
    print(
        f"OCR'd bulletins accepted straight through: {c['ocr_accepted']}/{c['ocr']} "
        f"({share:.0%}); all bulletins accepted: {c['accepted']}/{c['submissions']}"
    )
    good = c["wrong"] == c["unmatched"] == 0 and silent == expected_silent
    return 0 if good else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
