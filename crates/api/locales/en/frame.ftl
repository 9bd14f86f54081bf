# The page frame (templates/base.html): navigation, who is reading, the date line, the footer.

skip-to-content = Skip to content
nav-label = Main
nav-overview = Overview
nav-months = By month
nav-contributors = Contributors
nav-packages = Packages
nav-fair-share = Fair share
nav-funding = Funding
nav-requirements = Requirements
nav-records = Records
nav-log = Log
nav-rules = Rules
nav-decisions = Decisions
nav-my = My country
lang-switch-label = Language
who-signed-in-as = Signed in as
who-public = Public view
sign-in = Sign in
sign-out = Sign out
basis-as-of = As of
basis-record-up-to = record up to
basis-no-record = no record yet
basis-back-to-today = back to today
footer-figures = Figures as of { $as-of }, from { $events } { $count ->
        [one] event
       *[other] events
    } of the log.
footer-figures-cutoff = Figures as of { $as-of } (record up to { $cutoff }), from { $events } { $count ->
        [one] event
       *[other] events
    } of the log.
footer-rules = Money is counted by the { $rules }; every figure on this page is also in the API
footer-rules-link = rules in docs/COUNTING.md

downloads = Download this page’s data:
badge-synthetic = synthetic
synthetic-hidden = The synthetic exercise (records EX-*) is hidden: these figures leave it out.
synthetic-show = Show it
synthetic-included = These figures include a synthetic exercise (records EX-*): examples, not real pledges.
synthetic-hide = Hide it
