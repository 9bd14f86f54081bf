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
