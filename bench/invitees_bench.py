"""The invitation list on a corpus of messages (issue 18): each submission matched to the right
invitee, the not-yet-answered list, and straight-through acceptance with and without the list.

    .venv/bin/python bench/invitees_bench.py [--corpus ../shared/corpus/varied] [--silent 12]
                                             [--seed 18] [--jobs 2] [--keep DIR [--reuse]]

The list is built from the truths by scripts/make_invitation_list.py (each authority a
bulletin names, as its truth spells it, with the contact of its first bulletin; plus SILENT
seeded towns that never answer), written as French Excel saves a CSV. Two fresh data
directories (SQLite) take the same messages, staged with their truth's arrival time:
"with list" runs `intake invitees import` then `intake ingest`; "without" only `intake
ingest`. Both use the in-process pool with --jobs OCR workers, one run after the other.

Prints each submission matched to another invitee than its truth's (or to none), whether the
not-yet-answered list is exactly the silent towns, and, for OCR'd bulletins (fax, scan and
photo kinds of the document's truth) and for all, those accepted straight through in each
run, with each accepted document holding a wrong value (bench/ocr_fields.py's comparison).
Exit status 1 when a match or the list is wrong, acceptance falls with the list, or an
accepted document holds a wrong value. --keep DIR keeps both data directories (DIR/with,
DIR/without); --reuse scores those kept instead of ingesting again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ocr_fields import score
from intake.app import App
from intake.invitees.status import read_invitation
from intake.settings import load_settings
from scripts.make_invitation_list import answered, silent, write_list
from scripts.stage_emails import stage
from storage.invitees import all_invitees, submission_matches
from storage.queries import message_views

ROOT = Path(__file__).resolve().parents[1]
INTAKE = ROOT / ".venv/bin/intake"
# Kinds of the document truths that only OCR reads (the rest have a text layer or fields).
OCR_PREFIXES = ("fax", "scan", "photo")


@dataclass
class Run:
    """What one data directory holds, scored against the truths."""

    accepted: dict[str, int] = field(default_factory=lambda: {"ocr": 0, "all": 0})
    total: dict[str, int] = field(default_factory=lambda: {"ocr": 0, "all": 0})
    accepted_wrong: list[str] = field(default_factory=list)
    matched_right: int = 0
    mismatches: list[str] = field(default_factory=list)
    not_answered: set[str] = field(default_factory=set)
    unlisted: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Expected:
    """One bulletin of one message as its truth says it."""

    message: str  # the .eml file
    document: Path  # the document in the corpus's documents/, beside its truth
    organisation: str
    kind: str

    @property
    def ocr(self) -> bool:
        return self.kind.startswith(OCR_PREFIXES)


def message_id(path: Path) -> str:
    for line in path.read_bytes().split(b"\n\n", 1)[0].decode("latin-1").splitlines():
        if line.lower().startswith("message-id:"):
            return line.split(":", 1)[1].strip()
    raise SystemExit(f"{path.name}: no Message-ID")


def expected_bulletins(corpus: Path) -> dict[str, list[Expected]]:
    """Message-ID → the bulletins its truth lists, in order."""
    found: dict[str, list[Expected]] = {}
    for truth_path in sorted((corpus / "emails").glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        bulletins = []
        for sub in truth.get("submissions", []):
            document = corpus / "documents" / sub["document"]
            kind = json.loads(document.with_suffix(".truth.json").read_text())["kind"]
            bulletins.append(
                Expected(truth["file"], document, sub["fields"].get("organisation") or "", kind)
            )
        found[message_id(corpus / "emails" / truth["file"])] = bulletins
    return found


def intake(data_dir: Path, jobs: int, *args: str) -> None:
    env = {**os.environ, "INTAKE_DATA_DIR": str(data_dir), "INTAKE_OCR_WORKERS": str(jobs),
           "OMP_THREAD_LIMIT": "1"}  # fmt: skip
    done = subprocess.run([str(INTAKE), *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"intake {args[0]} failed: {done.stderr.strip()[-500:]}")
    print(f"  intake {' '.join(args[:2])}: {done.stdout.strip().splitlines()[-1]}", flush=True)


def read_run(data_dir: Path, expected: dict[str, list[Expected]]) -> Run:
    """Score what `data_dir`'s database holds, through the storage queries."""
    run = Run()
    app = App(load_settings(environ={"INTAKE_DATA_DIR": str(data_dir)}))
    with app.db.session() as session:
        names = {i.id: i.organisation for i in all_invitees(session)}
        matches = submission_matches(session)
        views = {view.message.message_id: view for view in message_views(session)}
        for mid, bulletins in expected.items():
            view = views.get(mid)
            subs = view.submissions if view is not None else []
            if len(subs) != len(bulletins):
                name = bulletins[0].message if bulletins else mid
                run.mismatches.append(f"{name}: {len(subs)} submission(s), truth {len(bulletins)}")
            for want, sub in zip(bulletins, subs, strict=False):
                row = sub.submission
                accepted = row.status == "accepted"
                for group in ("ocr", "all") if want.ocr else ("all",):
                    run.total[group] += 1
                    run.accepted[group] += accepted
                values = {key: {"value": sub.value(key)} for key in sub.values}
                scored = score(want.document, {"fields": values, "needs_review": not accepted})
                wrong = sorted(set(scored["wrong"]) | set(scored["spurious"]))
                if accepted and wrong:
                    run.accepted_wrong.append(
                        f"{want.message} ({want.kind}): "
                        + "; ".join(f"{k} read {sub.value(k)!r}" for k in wrong)
                    )
                if not names:
                    continue
                match = matches.get(row.id or 0)
                got = names.get(match.invitee_pk) if match and match.invitee_pk else None
                if got == want.organisation:
                    run.matched_right += 1
                    continue
                how = f" by {match.evidence} ({match.score:.2f})" if match and got else ""
                read = sub.value(app.form.key_of("organisation") or "organisation")
                run.mismatches.append(
                    f"{want.message} ({want.kind}, {row.status}): read {read!r}, "
                    f"want {want.organisation!r}, got {got!r}{how}"
                )
        invitation = read_invitation(session, app.form)
    run.not_answered = {i.organisation for i in invitation.not_answered}
    run.unlisted = len(invitation.unlisted)
    return run


def ingest(data_dir: Path, mails: Path, jobs: int, listing: Path | None) -> float:
    started = time.monotonic()
    if listing is not None:
        intake(data_dir, jobs, "invitees", "import", str(listing))
    intake(data_dir, jobs, "ingest", str(mails))
    return time.monotonic() - started


def report(with_list: Run, without: Run, never: set[str], submissions: int) -> int:
    print(f"\nsubmissions matched to the right invitee: {with_list.matched_right}/{submissions}")
    for line in with_list.mismatches:
        print(f"    {line}")
    right = with_list.not_answered == never
    print(
        f"not yet answered: {len(with_list.not_answered)} listed, {len(never)} never answered: "
        f"{'right' if right else 'WRONG'}; answers not on the list: {with_list.unlisted}"
    )
    for name in sorted(with_list.not_answered - never):
        print(f"    listed as not answered, but answered: {name}")
    for name in sorted(never - with_list.not_answered):
        print(f"    never answered, but not listed so: {name}")
    for line in without.mismatches:
        print(f"    without the list: {line}")
    fell = False
    print(f"\n{'accepted straight through':28} {'without list':>14} {'with list':>14}")
    for group, label in (("ocr", "OCR'd (fax, scan, photo)"), ("all", "all bulletins")):
        a, b = without, with_list
        fell |= b.accepted[group] < a.accepted[group]
        print(f"{label:28} {a.accepted[group]:>7}/{a.total[group]:<6} "
              f"{b.accepted[group]:>7}/{b.total[group]:<6}")  # fmt: skip
    print(f"{'accepted with a wrong value':28} {len(without.accepted_wrong):>14} "
          f"{len(with_list.accepted_wrong):>14}")  # fmt: skip
    for name, run in (("without", without), ("with", with_list)):
        for line in run.accepted_wrong:
            print(f"    {name} the list: {line}")
    if with_list.seconds:
        print(f"ingest time: without the list {without.seconds:.0f} s, "
              f"with {with_list.seconds:.0f} s")  # fmt: skip
    good = (with_list.matched_right == submissions and right and not fell
            and not with_list.accepted_wrong and not without.accepted_wrong)  # fmt: skip
    return 0 if good else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/varied")
    parser.add_argument("--silent", type=int, default=12, help="invitees that never answer")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--jobs", type=int, default=2, help="OCR workers of each ingest")
    parser.add_argument("--keep", type=Path, help="keep the two data directories here")
    parser.add_argument("--reuse", action="store_true", help="score --keep's directories again")
    args = parser.parse_args()
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep")
    if args.keep is not None and not args.reuse and (args.keep / "with").exists():
        parser.error(f"{args.keep} holds a run already: --reuse it, or keep elsewhere")
    expected = expected_bulletins(args.corpus)
    submissions = sum(len(b) for b in expected.values())
    invited = answered(args.corpus / "emails")
    never = silent(args.silent, args.seed, set(invited))
    with tempfile.TemporaryDirectory(prefix="invitees-bench-") as scratch:
        base = args.keep or Path(scratch)
        base.mkdir(parents=True, exist_ok=True)
        listing, mails = base / "invitees.csv", base / "mails"
        rows = write_list(listing, {**invited, **never})
        print(f"{rows} invitees ({len(invited)} that answered, {len(never)} that never did); "
              f"{len(expected)} messages, {submissions} bulletins")  # fmt: skip
        if not args.reuse:
            stage(args.corpus / "emails", mails)
        seconds = {}
        for name, used in (("without", None), ("with", listing)):
            data_dir = base / name
            if not args.reuse:
                print(f"{name} the list: {data_dir}", flush=True)
                seconds[name] = ingest(data_dir, mails, args.jobs, used)
        without = read_run(base / "without", expected)
        with_list = read_run(base / "with", expected)
        without.seconds, with_list.seconds = seconds.get("without", 0), seconds.get("with", 0)
    sys.exit(report(with_list, without, set(never), submissions))


if __name__ == "__main__":
    main()
