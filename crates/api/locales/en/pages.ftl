# Pages: sign-in, the log, messages, not found.

## Titles of pages and of messages

page-sign-in = Sign in
page-log = Log
page-not-found = Page not found
heading-bad-request = Bad request
heading-refused = Refused
heading-restricted = Restricted
heading-not-found = Not found
heading-edge-failed = Request failed
heading-edge-method-not-allowed = Method not allowed
heading-edge-timeout = Request timed out
heading-edge-too-large = Request too large
heading-edge-uri-too-long = Address too long
heading-edge-headers-too-large = Request headers too large

## Refusals of a request before a page reads it

query-repeated = The parameter { $name } is given more than once in the address: give it once.
query-malformed = The address’s parameters cannot be read: { $error }
query-unknown-party = No contributor has the key { $party }: choose one from the list of contributors.
edge-method-not-allowed = This address does not take that kind of request: follow the dashboard’s links and forms.
edge-timeout = The request took too long and was abandoned; try again.
edge-too-large = The request’s body is over { $body } bytes.
edge-uri-too-long = The address is over { $uri } bytes long.
edge-headers-too-large = The request carries more than { $headers } header fields or { $header-bytes } bytes of headers.

## The sign-in page

sign-in-lead = Most of this dashboard is public: you need no sign-in to read it. Signing in shows you, in addition, what your role may see.
sign-in-what-heading = What a token is
sign-in-what = An access token is a long string of letters and digits that stands for you on this dashboard. It says which role you read as (for example the coordinator of your country) and so what you may see.
sign-in-who-heading = Who gives you one
sign-in-who = Your country’s coordinator asks for one for you; the operator of this ledger issues it. If you work for the recipient, a supplier or an auditor, the operator gives it to you directly. Nobody else can make one.
sign-in-secret-heading = Keep it secret
sign-in-secret = Treat it as a password: do not send it in an ordinary e-mail, share it or paste it anywhere else. Whoever holds it sees what you see. If you think someone else has seen it, ask whoever gave it to you to revoke it and issue a new one.
sign-in-session-heading = How long you stay signed in
sign-in-session = { $hours ->
        [one] For one hour
       *[other] For { $hours } hours
    } on this browser, or until you sign out. If the server restarts you sign in again; if your token is revoked or expires, your session ends at once.
sign-in-see-heading = What you see once signed in
sign-in-see = The same pages, with the figures reserved to your role (for example amounts a contributor has not made public) and, depending on your role, the Requirements and Funding pages. Your role is shown at the top of every page.
sign-in-refused-heading = If you are refused
sign-in-refused = Check that you pasted the whole token, with nothing before or after it. If it is still refused, it may have expired or been revoked: ask whoever gave it to you for a new one.
sign-in-token-label = Access token
sign-in-submit = Sign in

## The log page

log-heading = The log
log-lead = Every event is a leaf of a Merkle tree (RFC 6962). The operator signs checkpoints of the tree and independent witnesses cosign them, so anyone holding an earlier checkpoint can prove the history was only ever appended to.
log-basis = This page and its download are the whole log at its head, whatever the as-of date: events carry the time they were appended, not the dates of the records they hold. The download lists every event as /api/v1/events gives it to you.
log-basis-public = (The public view: without restricted fields.)
log-events = Events in the log
log-latest = Latest event
log-latest-none = none
log-latest-unavailable = unavailable
log-latest-event = #{ $seq } { $kind } at { $at }
log-checkpoint = Latest signed checkpoint
log-checkpoint-entries = { $count ->
        [one] { $size } entry
       *[other] { $size } entries
    }
log-checkpoint-origin = origin { $origin }
log-checkpoint-none = none
log-checkpoint-no-key = the server has no signing key
log-witnesses = Witnesses
log-witnesses-none = none has cosigned this checkpoint yet
log-checkpoint-heading = The checkpoint
log-checkpoint-root = Root hash
log-checkpoint-note = The signed note, exactly as served at
log-check-heading = Checking it yourself
log-check-key = Take the log’s public key from a source you trust (the operator publishes it):
log-check-verify = Verify the whole log and keep the checkpoint:
log-check-again = Next time, prove the log only grew since:
log-check-no-key = This server signs no checkpoints (start it with a signing key:
log-check-any-tool = Or with any RFC 6962 tool: entries at { $entries }, proofs at { $inclusion } and { $consistency } (formats in docs/LOG.md). Restricted values appear in the entries as salted hash commitments.

## Not found

not-found-lead = There is no page at { $path }.
not-found-links = The pages of this dashboard are listed in the navigation above; these are good places to start:
not-found-home = the overview
not-found-log = the log, to check the record yourself
not-found-api = the API’s description (OpenAPI)
