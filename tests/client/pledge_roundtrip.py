"""A client nobody here wrote: uses the Python client that openapi-python-client generated from
the served OpenAPI document (its typed models and endpoint functions, no hand-made requests) to
announce, commit and pay a pledge, then reads the summary and checks that the counted EUR total
moved by exactly the amount paid, and that the command's outcome reads back by its key.

Usage: python3 pledge_roundtrip.py URL TOKEN   (the generated package importable as
tranche_api_client). Exits non-zero, with the reason, on any failure."""

import datetime
import sys
import uuid
from decimal import Decimal

from tranche_api_client import AuthenticatedClient
from tranche_api_client.api.api import command, summary
from tranche_api_client.api.events import outcome
from tranche_api_client.api.reads import pledges
from tranche_api_client.models import (
    AnnouncePledge,
    AnnouncePledgeType,
    Announcement,
    CommandOutcomeDto,
    CommandRequest,
    CommandResponse,
    CommitPledge,
    CommitPledgeType,
    Confidence,
    ContributorType0,
    Money,
    PayPledge,
    PayPledgeType,
    PledgeKind,
    PledgePage,
    Problem,
    Source,
    SummaryDto,
)


def fail(message):
    print(f"pledge_roundtrip: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def send(client, key, body):
    """POSTs one command; it must be accepted (201)."""
    response = command.sync_detailed(client=client, body=CommandRequest(command=body, command_id=key))
    if response.status_code != 201 or not isinstance(response.parsed, CommandResponse):
        fail(f"{key}: {response.status_code} {response.content.decode(errors='replace')}")
    return response.parsed


def eur_total(client, as_of):
    answer = summary.sync(client=client, as_of=as_of)
    if not isinstance(answer, SummaryDto):
        fail(f"summary: {answer!r}")
    return Decimal(answer.totals["EUR"])


def main(url, token):
    client = AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True)
    today = datetime.date.today()
    as_of = today.isoformat()
    pledge = f"PY-{uuid.uuid4().hex[:12]}"
    # EUR 1,234,567.89: counted in EUR as it is (no conversion), so the figure is exact.
    amount_minor = 123_456_789
    paid = Decimal(amount_minor) / 100
    money = Money(amount_minor=amount_minor, currency="EUR")
    source = Source(date=today, confidence=Confidence.REPORTED, url="https://example.org/announcement")

    before = eur_total(client, as_of)
    announcement = Announcement(
        pledge=pledge,
        kind=PledgeKind.SOLO,
        contributor=ContributorType0(party="NLD"),
        amount=money,
        date=today,
        source=source,
    )
    send(client, f"{pledge}-announce",
         AnnouncePledge(announcement=announcement, type_=AnnouncePledgeType.ANNOUNCE_PLEDGE))
    send(client, f"{pledge}-commit",
         CommitPledge(pledge=pledge, date=today, amount=money, type_=CommitPledgeType.COMMIT_PLEDGE))
    paid_reply = send(client, f"{pledge}-pay",
                      PayPledge(pledge=pledge, amount=money, date=today, type_=PayPledgeType.PAY_PLEDGE))
    after = eur_total(client, as_of)
    if after - before != paid:
        fail(f"the EUR total moved by {after - before}, not by the {paid} paid ({before} -> {after})")

    # The pledge as listed: paid in full.
    page = pledges.sync(client=client, party="NLD", limit=500)
    if not isinstance(page, PledgePage):
        fail(f"pledges: {page!r}")
    mine = [p for p in page.pledges if p.pledge == pledge]
    if len(mine) != 1 or mine[0].status != "paid" or Decimal(mine[0].paid) != paid:
        fail(f"pledge {pledge} is not listed as paid {paid}: {[p.to_dict() for p in mine]}")

    # What became of the payment, asked by its key as a client that lost the answer would.
    read = outcome.sync(client=client, id=f"{pledge}-pay")
    if not isinstance(read, CommandOutcomeDto):
        fail(f"outcome: {read!r}")
    kinds = [e.kind for e in read.events]
    if read.first_seq != paid_reply.first_seq or len(kinds) != paid_reply.event_count or "payment-received" not in kinds:
        fail(f"outcome of the payment: {read.to_dict()}")
    missing = outcome.sync_detailed(client=AuthenticatedClient(base_url=url, token=token), id=f"{pledge}-never")
    if missing.status_code != 404 or not isinstance(missing.parsed, Problem):
        fail(f"an unknown key: {missing.status_code}")
    print(f"pledge {pledge} announced, committed and paid; EUR total {before} -> {after} (+{paid})")
    # The checks above: the total, the pledge as listed, the payment's outcome, an unknown key.
    print("client: 4 passed, 0 failed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        fail("usage: pledge_roundtrip.py URL TOKEN")
    main(sys.argv[1], sys.argv[2])
