# Pages of figures: overview, by month, contributors, records, packages, the Kiel comparison, the charts.

## Words shared by these pages

col-month = Month
col-date = Date
col-source = Source
source-link = source
not-reported = not reported
none-recorded = none recorded
plus-undisclosed = + undisclosed
badge-projection = projection
download-table = Download this table:
download-records = Download these records:

## Words of the record: statuses, package states, kinds of record, confidence, filters
## (in English, the words the downloads and the API use)

word-announced = announced
word-announced-contingent = announced (contingent)
word-committed = committed
word-part-paid = part-paid
word-paid = paid
word-withdrawn = withdrawn
word-superseded = superseded
word-participating = participating
word-declined = declined
word-non-participation = non-participation
word-deferred = deferred
word-draft = draft
word-proposed = proposed
word-approved = approved
word-open = open
word-funded = funded
word-contracted = contracted
word-delivering = delivering
word-delivered = delivered
word-closed = closed
word-cancelled = cancelled
word-pledge = pledge
word-joint-package = joint-package
word-joint-package-total = joint-package total
word-contingent = contingent
word-participation = participation
word-target = target
word-yes = yes
word-no = no
word-undisclosed = undisclosed
word-remainder = remainder
word-apart = apart
word-monthly-run-rate = monthly-run-rate
word-cumulative-goal = cumulative-goal
word-annual-need = annual-need
word-confirmed = confirmed
word-reported = reported
word-uncertain = uncertain

## The overview

overview-heading = Where the money stands
overview-lead = As of { $as-of }. Counted by the public counting rules: superseded records do not count, a joint package counts its remainder, undisclosed amounts count as contributors only.
overview-as-of-label = Figures as of
overview-show = Show
overview-total-eur = Total counted, EUR
overview-total-usd = Total counted, USD
overview-contributors = Contributors
overview-undisclosed = Undisclosed amounts
overview-declined = Declined or not taking part
overview-contingent = Contingent, counted apart
overview-figure-as-of = as of { $date }
overview-records-link = records
overview-by-party = by party

funnel-heading = From money to delivery
funnel-lead = Each stage as of { $as-of }, in { $currency }, and as a share of the pledged money. A stage the log holds nothing of yet says "none recorded".
funnel-each-package = Each package
funnel-region = Money to delivery
funnel-caption = Money to delivery, in { $currency }
funnel-col-stage = Stage
funnel-col-definition = What it counts
funnel-col-amount = Amount ({ $currency })
funnel-col-of-pledged = Of pledged
funnel-col-bar = Bar
funnel-bar-title = { $stage }: { $percent } of the pledged money
funnel-pledged = Pledged
funnel-pledged-definition = Announced or committed money that counts by the public counting rules (superseded and withdrawn records do not, a joint package counts its remainder, undisclosed amounts add nothing): the overview's counted total.
funnel-committed = Committed
funnel-committed-definition = The part of the pledged money its contributors have made binding.
funnel-paid = Paid
funnel-paid-definition = Money the contributors have paid into the fund's account, on the dates received.
funnel-allocated = Allocated
funnel-allocated-definition = Committed money the coordinator has set aside for a package, less what a cancellation released.
funnel-contracted = Contracted
funnel-contracted-definition = The quoted price of the packages the supplier has put under contract (cancelled ones left out).
funnel-disbursed = Disbursed
funnel-disbursed-definition = Money the fund has paid out to the supplier for packages.
funnel-delivered = Delivered
funnel-delivered-definition = The value of deliveries the recipient has confirmed.

goals-heading = Against the goals
cumulative-caption-goals = Cumulative money in { $currency } (bn): counted, committed and paid, with the goals.
cumulative-caption-no-goal = Cumulative money in { $currency } (bn): counted, committed and paid, with no cumulative goal set.
cumulative-caption-projection = Dashed lines from { $as-of } are projections: the counted total at the trailing 3-month rate
cumulative-caption-rate = ({ $rate } a month)
cumulative-caption-required = and, for each open goal, the line the rate it requires would follow to its date
monthly-caption = Money counted in each month in { $currency } (bn).
monthly-caption-target = Money counted in each month in { $currency } (bn) against the monthly target of { $target }.
goals-region = Goals
goals-col-goal = Goal
goals-col-amount = Amount
goals-col-by = By
goals-col-met = Met
goals-col-required = Required a month
goals-col-reached = Reached on
goals-not-yet = not yet
goal-label-cumulative = Goal: { $amount } by { $date }
goal-label-annual = Need for { $year }: { $amount }

projection-error = No projection: the targets report cannot be computed ({ $error }).
projection-left-out = No projection: the record holds nothing in the trailing { $months } months to { $as-of } (its latest record is of { $latest }), so a rate from them would be a rate of no records, not of no money.
projection-left-out-no-record = No projection: the record holds nothing in the trailing { $months } months to { $as-of } (its latest record is none), so a rate from them would be a rate of no records, not of no money.
projections-heading = Projections for the open goals
projections-lead = Projections, not records: what the open goals still need as of { $as-of }, the monthly rate that reaches each on its date, and when the trailing 3-month rate would reach it (the same figures as { $command }; a month is 30.4375 days).
projection-sentence = Projection for { $target } ({ $kind }, { $amount } by { $date }): { $still-needed } still needed, which requires { $required } a month to its date; at the trailing { $months }-month rate of { $rate } a month, { $reached }.
projection-cumulative-goal = cumulative goal
projection-annual-need = annual need for { $year }
projection-reached-on = it would be reached on { $date }
projection-reached-later = it would be reached later than { $date }
projection-never = never at this rate

months-at-the-time-lead = As reported at the time: the counted total as it stood at each month's end, records later superseded still in it, beside the counted total to date by the rules as of { $as-of }.
months-every-column-link = Every column as of { $as-of }
months-at-the-time-region = Months as reported at the time
months-col-to-date-as-of = Counted to date, as of { $as-of } ({ $currency })
months-col-to-date-at-the-time = Counted to date, as reported at the time ({ $currency })
months-col-difference = Difference ({ $currency })
months-as-of-lead = Every column by the counting rules as of { $as-of } (as { $command }): counted to date is the sum of the months so far; committed and paid to date are the commitments and payments dated by each month's end.
months-at-the-time-link = As reported at the time
months-col-in-month = Counted in the month ({ $currency })
months-col-to-date = Counted to date ({ $currency })
months-col-committed = Committed to date ({ $currency })
months-col-paid = Paid to date ({ $currency })
months-chart-link = By month: the chart and the per-GDP comparison

## The charts

chart-counted = Counted
chart-committed = Committed
chart-paid = Paid
chart-unit-bn = { $currency } bn
chart-cumulative-title = Cumulative money in { $currency }: counted, committed, paid, against the goals
chart-monthly-title = Money counted each month in { $currency }
chart-monthly-target = Monthly target { $amount }
chart-counted-in-month = Counted in the month
chart-projection = Projection at the { $months }-month rate
chart-required = Required for { $target } (projection)
chart-none-recorded = { $line }: none recorded
chart-same-as = { $line }: the same as { $other }
chart-eur-bn = EUR bn

## By month, against the Kiel tracker

months-heading = By month, against the Kiel tracker
months-lead = As of { $as-of }. Our figures are counted by the public counting rules; Kiel's are a reference series beside them, never counted as our records.
kiel-heading = Against the Kiel tracker
kiel-release = Reference series, not our records: { $publisher }, { $release }, release { $number } published { $date }, data to { $period }. Kiel's { $code } is its own estimate of PURL money by month in EUR (bn EUR, here rounded half-even to the cent); ours is the money counted by our rules in the month of each record. Difference = ours − Kiel. Months the release does not cover are "not reported", never 0; months after the record's cut-off are "not recorded", never 0. Why they differ: docs/COUNTING.md.
kiel-synthetic = This log includes a synthetic exercise (records EX-*): its example pledges are counted among ours here, so the comparison with Kiel is not a real one.
kiel-chart-caption = PURL money by month in EUR (bn): ours counted against Kiel's nato_purl (release { $number }).
kiel-chart-title = PURL money by month in EUR: ours counted against Kiel release { $release }
kiel-chart-ours = Ours: counted in the month
kiel-chart-kiel = Kiel: nato_purl
kiel-download = Download:
kiel-download-months = (by month);
kiel-download-per-gdp = (per GDP)
kiel-months-region = By month against Kiel
kiel-months-caption = Our counted PURL money by month against Kiel's nato_purl
kiel-col-ours = Ours: counted in the month (EUR)
kiel-col-kiel = Kiel release { $number }: nato_purl (EUR)
kiel-col-difference = Difference, ours − Kiel (EUR)
kiel-not-reported = not reported
kiel-not-recorded = not recorded
kiel-gdp-heading = Per GDP, { $from } to { $to }
kiel-gdp-lead = Per country we count alone (a joint group's remainder belongs to no one country): our PURL money counted to the end of { $to }, and Kiel's military aid (all of it, PURL and the rest) in the months { $from } to { $to }, each as a percentage of the country's GDP as Kiel gives it (bn EUR, Kiel's own denominator). PURL is a part of military aid, so ours is expected to be the smaller.
kiel-gdp-region = Per cent of GDP
kiel-gdp-caption = Our counted PURL money per GDP against Kiel's military aid per GDP
kiel-gdp-col-party = Party
kiel-gdp-col-ours = Ours: PURL counted (EUR)
kiel-gdp-col-gdp = Kiel: GDP (bn EUR)
kiel-gdp-col-military = Kiel: military aid in the months (EUR)
kiel-gdp-col-ours-percent = Ours: PURL, % of GDP
kiel-gdp-col-military-percent = Kiel: military aid, % of GDP
kiel-none = No Kiel tracker release is loaded ({ $command }), so there is nothing to compare with.

## Contributors

contributors-lead = As of { $as-of }. Amounts are counted by the public counting rules; a joint package's remainder shows under its group. Per GDP uses 2021 GDP from the Kiel Institute's Ukraine Support Tracker. Click a column heading to sort.
contributors-region = Contributors
contributors-caption-asc = Contributors, sorted by { $column }, ascending
contributors-caption-desc = Contributors, sorted by { $column }, descending
contributors-col-contributor = Contributor
contributors-col-participation = Participation
contributors-col-counted-eur = Counted EUR
contributors-col-counted-usd = Counted USD
contributors-col-committed-eur = Committed EUR
contributors-col-paid-eur = Paid EUR
contributors-col-share = Share of total
contributors-col-per-gdp = Per GDP
contributors-col-over-time = Over time
contributors-joint-name = { $members } (joint)
contributors-spark-title = { $name }: counted EUR over time
contributors-records-title = The records of { $name }, adding up to its figures
contributors-uncertain-title = Its total rests on a record whose source is uncertain
contributors-synthetic-title = Includes records of the synthetic exercise (EX-*)
contributors-lower-bound-title = Some of its records are undisclosed: this is a lower bound

## Records

records-heading = The public record
records-lead = Every pledge and joint-package record as of { $as-of }, with its source and the reason it does or does not count.
records-filter-party = Party
records-filter-kind = Kind
records-filter-counts = Counts
records-filter-month = Month
records-filter-any = any
records-filter-submit = Filter
records-region = Records
records-count = { $count ->
        [one] { $number } record matches.
       *[other] { $number } records match.
    }
records-col-record = Record
records-col-counted-eur = Counted EUR
records-col-counted-usd = Counted USD
records-col-by = By
records-col-amount = Amount
records-col-rate = Rate per EUR
records-col-kind = Kind
records-col-status = Status
records-col-counts = Counts?
records-rate-of = of { $date }
records-to-the-group = to the group
records-total = Total
records-lower-bound = A lower bound: some of these records count with an undisclosed amount.
records-rule-2 = rule 2
records-total-all = The counted figures of the rows above, added up: the counted total on the { $link } ({ $rule }: each record converted at the rate of its date, then added).
records-total-party = The counted figures of the rows above, added up: the figures of { $party } on { $link } ({ $rule }: each record converted at the rate of its date, then added).

reason-later = Not yet: dated after the as-of date
reason-superseded = Does not count: superseded by { $by } on { $date } (rule 1)
reason-withdrawn = Does not count: withdrawn on { $date } (rule 1)
reason-apart = Counted apart: waits for the trigger '{ $trigger }' (rule 8)
reason-undisclosed = Counts as a contributor; the amount is undisclosed (rule 4)
reason-remainder = Counts only its remainder over its members' own pledges (rule 3)
reason-remainder-package = Counts only its remainder over its members' own pledges for package { $package } (rule 3)
reason-remainder-left = Counts only its remainder to { $group }: its total, { $total }, less its members' own pledges, leaves { $left } (rule 3)
reason-remainder-left-package = Counts only its remainder to { $group }: its total, { $total }, less its members' own pledges for package { $package }, leaves { $left } (rule 3)
reason-member-share = Counts in full (rule 1); a member's share, subtracted from the joint total of package { $package } (rule 3)
reason-counts = Counts in full (rule 1)
reason-participation = Not money: a participation status (rule 5)
reason-target = Not money: a { $kind } target

## Packages

packages-lead = In { $currency }: the pipeline as of { $as-of }; each package's state, money and timeline at the log's head (they do not move with the as-of date).
packages-names-shown = Package names and contents are shown because you are signed in.
packages-names-confidential = Package names and contents are confidential; the money is public.
packages-pipeline = Pipeline
packages-col-state = State
packages-col-money = Money ({ $currency })
packages-col-mean-days = Mean days in state
packages-pipeline-total = Total (cancelled packages apart)
packages-each = Each package
packages-col-package = Package
packages-col-price = Price
packages-col-committed = Committed
packages-col-funding = Funding
packages-col-paid = Paid
packages-col-disbursed = Disbursed
packages-col-delivered = Delivered
packages-col-timeline = Timeline
packages-contents = Contents
packages-paid-total = Paid into these packages
packages-paid-overall = Paid by the contributors in all (the overview's paid figure): { $paid }. A package's paid money is what the pledges allocated to it have paid of their allocations (oldest allocation first); money paid and not yet allocated to a package stays in the pool, so the column adds up to the overview's figure only when every payment is allocated.
packages-cancelled-heading = Cancelled packages
packages-none-cancelled = No package is cancelled.
packages-cancelled-lead = Shown apart and left out of the pipeline's totals: a cancellation releases the money allocated and not disbursed back to the pool.
packages-named-heading = Packages named in the public record
packages-named-lead = Every package a record names, with what the records say of it (who, how much as announced, when, the source), whether or not a package of that id is on the ledger. How each record counts is on the { $records } page ({ $rule } for joint packages).
packages-rule-3 = rule 3
packages-named-region = Packages named in the record
packages-col-on-ledger = On the ledger
packages-on-ledger = a package on the ledger ({ $state })
packages-not-on-ledger = named in the record, no package on the ledger
package-funded = { $percent } funded
package-no-price = no price yet
package-bar-title = Package { $package }: { $coverage }
