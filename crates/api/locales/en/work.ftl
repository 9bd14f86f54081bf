# Pages of work: decisions, my country, the statement, fair share, funding, requirements, rules, messages.

## Shared by the pages of work

work-form-show = Show
work-col-party = Party
work-col-counted = Counted
work-col-committed = Committed
work-col-paid = Paid
work-col-status = Status
work-col-since = Since
work-col-source = Source

## Fair share (templates/fair_share.html, web/fair_share.rs)

fair-share-lead = As of { $as-of }: what each participating contributor would carry of the { $total } { $currency } counted so far if it were shared by the key { $key } (dated { $date }, { $confidence }{ $source }), against what it counted, committed and paid. The key is renormalised over the parties that carry a share; joint records count for their members (docs/COUNTING.md, “Fair shares”).
fair-share-form-key = Key
fair-share-form-currency = Currency
fair-share-form-amount = Amount to split (whole units, optional)
fair-share-form-partners = Include partners outside the alliance
fair-share-caption = Counted minus fair share in { $currency } (millions) for each of the { $parties } { $count ->
        [one] party
       *[other] parties
    } carrying a share, most above its fair share first: left of zero it has counted less than its fair share, right of zero more. The exact figures are in the table below.
fair-share-carriers-heading = Parties carrying a share
fair-share-carriers-lead = Amounts in { $currency }; key % is the party’s part of the key over the parties carrying a share.
fair-share-table-caption = Fair shares by key { $key } in { $currency }
fair-share-col-key-value = Key value
fair-share-col-key-percent = Key %
fair-share-col-paid-of = Paid of fair share
fair-share-col-difference = Difference
fair-share-col-difference-percent = Diff %
fair-share-col-split = Split of { $amount }
fair-share-total-counted = Total counted
fair-share-undisclosed = undisclosed
fair-share-not-reported = not reported
fair-share-percent = { $value }%
fair-share-lower-bound-title = has an undisclosed pledge: its counted figure is a lower bound
fair-share-note = Committed and paid are “not reported” when none of the party’s counted records is committed by the date (the public record holds announcements); they are never shown as zero. * An undisclosed pledge: the party’s counted figure is a lower bound. A party whose every counted pledge is undisclosed has no counted figure, no difference and no Diff %: they are “undisclosed”, never zero, and it has no bar in the chart.
fair-share-note-split = The split is in whole units that add up exactly to the amount (largest remainder).
fair-share-declined-heading = Declined or not taking part
fair-share-declined-none = No party has declined on { $date }.
fair-share-declined-lead = These parties carry no share: their latest participation status on { $date } is not participating, so the key is renormalised over the others.
fair-share-declined-caption = Parties not participating on { $date }
fair-share-others-heading = Listed without a share
fair-share-no-key-value = No key value in { $key }
fair-share-no-key-value-lead = Participating, but the key gives them no value: listed, never guessed, and left out of the renormalisation.
fair-share-partners = Partners outside the alliance
fair-share-partners-lead = Not NATO members on { $date }: they carry no share unless partners are included; their money still counts as put in.
fair-share-not-contributors = Not contributors
fair-share-not-contributors-lead = The supplier, the recipient and the coordinator do not fund the mechanism, so they carry no share.
fair-share-counted-in-list = counted { $amount } { $currency }
fair-share-chart-title = Counted minus fair share in { $currency } millions, per party carrying a share by key { $key }: left of zero below its fair share, right of zero above it
fair-share-chart-unit = { $currency } m, counted minus fair share
fair-share-chart-below = Below its fair share
fair-share-chart-above = Above its fair share
fair-share-cannot-compute = Cannot compute the fair shares
work-col-pledge = Pledge
work-col-package = Package
work-col-price = Price
work-col-date = Date
work-package-state = { $state ->
        [draft] draft
        [proposed] proposed
        [approved] approved
        [open] open
        [funded] funded
        [contracted] contracted
        [delivering] delivering
        [delivered] delivered
        [closed] closed
        [cancelled] cancelled
       *[other] { $state }
    }

## Funding (templates/funding.html, web/funding.rs, the accept in web/mod.rs)

funding-lead = The funding proposal as of { $as-of }, computed at log head { $head }: the open packages in priority order, each funded in full when it can be while every package above it that can be is, whatever is left going to the first package that cannot. Amounts in { $currency }. Nothing is written until the proposal is accepted.
funding-written-heading = Written
funding-written-none = No allocation of the proposal computed at log head { $head } is in the log.
funding-written-lead = The proposal computed at log head { $head } was accepted: these allocations are in the log.
funding-written-label = Allocations written
funding-col-amount-in = Amount ({ $currency })
funding-col-package-now = Package now
funding-form-triggers = Assume triggers declared (comma-separated)
funding-form-announced = Include announced money
funding-packages-heading = Packages in priority order
funding-packages-none = No package is open on { $date }.
funding-packages-label = Open packages
funding-packages-caption = Open packages in priority order, in { $currency }
funding-col-priority = Priority
funding-col-allocated = Allocated
funding-col-need = Need
funding-col-proposed = Proposed
funding-col-why = Why not fully funded
funding-status = { $status ->
        [funded] funded
        [partial] partial
        [unfunded] unfunded
       *[other] { $status }
    }
funding-not-ranked = not ranked
funding-allocations-heading = Proposed allocations
funding-allocations-none = The proposal allocates nothing.
funding-allocations-caption = Proposed allocations, pledge to package, in { $currency }
funding-col-amount = Amount
funding-col-money = Money
funding-committed = committed
funding-not-committed = not committed
funding-not-committed-shown = not committed: shown, not written on accept
funding-accept-heading = Accept
funding-accept-nothing = Nothing to accept: the proposal allocates no committed money.
funding-accept-lead = Accepting writes the { $allocations } { $count ->
        [one] allocation
       *[other] allocations
    } of committed money above in one batch, all or nothing, if the log is still at head { $head }.
funding-accept-submit = Accept the proposal
funding-excluded-heading = Pledges left out
funding-excluded-none = No pledge is left out.
funding-excluded-caption = Pledges left out of the proposal, and why
funding-col-reason = Why
funding-pledges-heading = Pledges used
funding-pledges-none = No pledge supplies money.
funding-pledges-caption = Each pledge’s supply, what the proposal uses and what is left, in { $currency }
funding-col-supply = Supply
funding-col-used = Used
funding-col-left = Left
funding-restricted-role = Funding proposals are for the coordinator (and auditors may read them); a { $role } token does not show them.
funding-restricted-public = Funding proposals are restricted to the coordinator and auditors: sign in with such a token to see them.
funding-no-download = format: the Funding page has no download: GET /api/v1/funding/proposal gives the proposal as JSON
funding-cannot-compute = Cannot compute the proposal
funding-sign-in-to-accept = Sign in to accept a proposal.
funding-may-not-accept = { $role } may not accept a funding proposal: allocations are the coordinator’s.
funding-moved-on = Nothing written: the log has moved on since this proposal was computed (at log head { $at-head }, now { $now }); here is the proposal again.
funding-moved-on-accepted = Nothing written: the log has moved on since this proposal was computed (at log head { $at-head }, now { $now }: it was accepted already); here is the proposal again.
funding-address-not-valid = The page address is not valid.
funding-nothing-written = Nothing written: { $detail }

## Requirements (templates/requirements.html)

requirements-restricted = The requirements are restricted to the recipient, the coordinator, suppliers and auditors: sign in with such a token to see them.
requirements-lead = The prioritised monthly lists and their coverage at the log’s head (they do not move with the as-of date), in { $currency }. Restricted: shown to the recipient, the coordinator and suppliers.
requirements-coverage-heading = Coverage by month
requirements-coverage-rule = Every figure is filed by the requirement’s month: a requirement counts the funded part of its cost (its package’s share allocated of its price, so a requirement half funded counts half its cost), and deliveries count under the month of the requirement they deliver, not the month they were delivered. Only deliveries the recipient confirmed count.
requirements-col-month = Month
requirements-col-required = Required
requirements-col-funded = Funded
requirements-col-delivered = Delivered
requirements-col-coverage = Coverage
requirements-lists-heading = The lists
requirements-col-rank = Rank
requirements-col-requirement = Requirement
requirements-col-category = Category
requirements-col-description = Description
requirements-col-quantity = Quantity
requirements-col-cost = Estimated cost

## Decisions (templates/decisions.html, web/glance.rs)

decisions-lead = Decisions on the monthly lists and the packages as of { $as-of }. The procedure, the responses and the outcome are public. A { $consensus } is adopted when every participant asked has approved and rejected by one objection; under the { $silence } a decision is adopted at its deadline unless a participant objects by then. A reservation approves and is kept on record; parties that declined or do not take part are not asked (opted out).
decisions-consensus-term = consensus
decisions-silence-term = silence procedure
decisions-open-heading = Open ({ $count })
decisions-closed-heading = Closed ({ $count })
decisions-no-open = No decision is open.
decisions-no-closed = No decision is closed.
decisions-open-label = Open decisions
decisions-closed-label = Closed decisions
decisions-col-decision = Decision
decisions-col-subject = Subject
decisions-col-procedure = Procedure
decisions-col-responses = Responses
decisions-col-awaiting = Awaiting
decisions-col-reservations = Reservations
decisions-col-opted-out = Opted out
decisions-col-outcome = Outcome
decisions-opened = opened { $date }
decisions-silence-deadline = silence, deadline { $deadline }
decisions-consensus = consensus
decisions-none-yet = none yet
decisions-none = none
decisions-outcome-on = { $outcome } on { $date }
decisions-outcome = { $outcome ->
        [adopted] adopted
        [rejected] rejected
        [pending] pending
       *[other] { $outcome }
    }
decisions-objection-by = (objection by { $party })
decisions-approve = approve
decisions-approve-with-reservation = approve with a reservation: { $note }
decisions-object = object

## My country and the statement (templates/my.html, statement.html, web/glance.rs)

my-heading = My country: { $name } ({ $party })
my-lead = As of { $as-of }: the pledges of { $party } (its own and the joint ones it is a member of), its payments, the packages its money funds, its fair share and the decisions that wait for its response. Only your own party is shown.
my-statement-link = Statement of account (printable)
my-pledges-heading = Pledges
my-pledges-label = My pledges
my-col-contributor = Contributor
my-col-announced = Announced
my-col-outstanding = Outstanding
my-col-settled = Settled
my-col-state = State
my-col-allocation = Your allocation
my-col-delivered = Delivered (confirmed)
my-no-pledge = No pledge recorded by { $date }.
my-payments-heading = Payments
my-payments-label = My payments
my-no-payment = No payment recorded by { $date }.
my-packages-heading = Packages your money funds
my-no-packages = None of your money is allocated to a package.
my-share-fair-share = Fair share ({ $currency }, default key)
my-every-share = Every party’s fair share
my-awaiting-heading = Decisions awaiting your response
my-no-awaiting = No open decision waits for a response of { $party }.
my-awaiting-silence = silence procedure, adopted on { $deadline } unless a participant objects
my-pledge-status = { $status ->
        [announced] announced
        [committed] committed
        [part-paid] part-paid
        [paid] paid
        [withdrawn] withdrawn
        [superseded] superseded
       *[other] { $status }
    }
my-undisclosed = undisclosed
my-not-committed = not committed
my-no-price = no price yet
my-no-share = { $party } carries no share under the { $key } key on { $date }.
my-share-error = The fair shares cannot be computed: { $error }
my-sign-in = My country shows a contributor’s own pledges, payments and statement: sign in (/sign-in) with a contributor’s token.
my-not-a-contributor = Not a contributor
my-not-a-contributor-detail = My country is for a contributor’s token, which names its party; you are signed in as { $role }. The Contributors and Fair share pages show every party.
statement-heading = Statement of account
statement-period = Period
statement-period-range = { $from } to { $to }
statement-log-head = Computed at log head
statement-events = { $events } { $count ->
        [one] event
       *[other] events
    }
statement-root = Root (SHA-256, base64)
statement-lead = Every figure is computed from the first { $events } events of the log, whose Merkle root is given above: { $verify } and the log’s inclusion and consistency proofs check it. Amounts are in each pledge’s currency; paid is what the payments settled of the pledge; outstanding is committed less paid.
statement-col-currency = Cur.
statement-total = Total
statement-no-payment = No payment recorded in the period.
statement-back = Back to My country
statement-print = print this page (or save it as PDF) to file it.
statement-log-unavailable = Log unavailable
statement-log-unavailable-detail = The log’s tree could not be read, so the statement cannot name the root it was computed at.

## Rules (templates/rules.html, web/rules.rs)

rules-heading = Counting rules
rules-lead = How every figure on these pages is counted from the public record. Each record on the { $records } page names the rule that decides whether and how it counts.
rules-authoritative = This is a translation of docs/COUNTING.md: where the two differ, the English text is authoritative.
rules-no-download = format: the rules page has no download (docs/COUNTING.md is the text)

## Words of the record shown on the pages of work

fair-share-role = { $role ->
        [contributor] contributor
        [recipient] recipient
        [supplier] supplier
        [coordinator] coordinator
       *[other] { $role }
    }
fair-share-status = { $status ->
        [participating] participating
        [declined] declined
        [non-participation] non-participation
        [deferred] deferred
        [withdrawn] withdrawn
       *[other] { $status }
    }
funding-reason-announced = { $amount } is announced, not committed (--include-announced)
funding-reason-later = announced on { $date }, after the proposal date { $as-of }
funding-reason-trigger = waits for trigger { $trigger } (--assume-trigger { $trigger })
funding-reason-trigger-no-amount = waits for trigger { $trigger } and has no amount
funding-reason-undisclosed = its amount is undisclosed
