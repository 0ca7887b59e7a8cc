# The dashboard (edge-worker/dashboard): headings, figures and tables.

period = Period
period-today = today
period-7 = 7 days
period-30 = 30 days
period-90 = 90 days
sign-in = Sign in
sign-out = Sign out
label-site = Site
label-key = Admin key

kpi-calls = Calls
kpi-answered = Answered
kpi-missed = Missed
kpi-target = Target calls
kpi-answer-rate = Answer rate
kpi-ptr = PTR
kpi-rated = Rated
kpi-ptr-rated = PTR of rated
kpi-without-outcome = Without outcome
kpi-unique = Unique callers
kpi-live = Live visitors now
kpi-visits = Visits
kpi-calls-per-visits = Calls per 100 visits
kpi-leads = Leads
kpi-spend = Spend
kpi-cost-target = Cost per target call
kpi-romi = ROMI

h-calls-by-channel = Calls by channel
h-agents = Agents
h-agents-note = who answered, and whose calls were missed
h-target = Target calls
h-missed = Missed calls
h-missed-note = not called back yet first
h-when = When people call
h-log = Call log
h-leads = Leads
h-leads-note = online requests, with the visit each came from
h-ptr-channel = PTR and answer rate by channel
h-ptr-channel-note = PTR: successful / all calls; answer rate: answered / all calls
h-spend = Spend and return
h-spend-note = which campaign to cut, which to feed: cost per target call and ROMI = (revenue − spend) / spend
h-ptr-day = PTR and cost per target call, by day
h-funnel = From visit to sale, by channel
h-funnel-note = visits → calls → target calls → successful outcomes
h-sources = Offline and partner sources
h-sources-note = numbers of their own
h-pools = Pool utilisation and fallback share
h-deliveries = Deliveries that did not get through
h-deliveries-note = webhooks, CRM, GA4, SMS and e-mail: tried for 72 hours, then kept 30 days
h-sizing = How many numbers?

missed-open = { $count } not called back yet
missed-none = No missed calls in this period.
col-time = Time
col-caller = Caller
col-channel = Channel
col-agent = Agent
col-why = Why missed
col-called-back = Called back
col-calls = Calls
col-answered = Answered
col-missed = Missed
col-not-answered = Not answered by them
col-wait = Avg. wait
col-target = Target
col-ptr = PTR
not-yet = not yet
called-back-after =
    { $minutes ->
        [one] after { $minutes } minute
       *[other] after { $minutes } minutes
    }
reason-out_of_hours = out of hours
reason-abandoned = abandoned
reason-not_answered = not answered
reason-busy = busy
reason-all_lines_busy = all lines busy
reason-failed = failed
withheld = withheld

# The sign-in form.
sign-in-note = With the site's admin key. It stays in this tab (sessionStorage), is sent only in the Authorization header, and never goes into a URL.

# Health alerts ($figures from the edge).
alert-not_swapping = Numbers are not being swapped
alert-pool_exhausted = Pool exhausted
alert-quiet = no visitor asked for a number in the last { $hours } hours, where about { $expected } were likely: is the script still on the site?
alert-found_not_swapped = on { $pages } of { $reported } pages reported in the last day the site's numbers were found but not swapped
alert-numbers_not_found = the script found none of the site's numbers on any of the { $reported } pages reported in the last day: are the target numbers in the config the ones on the site?
alert-fallbacks = the pool ran out: { $fallbacks } of { $requests } number requests in the last hour got the fallback; add numbers (see "How many numbers?")

# Filters, shared by the cards.
filter-all = all
filter-any = any
filter-by = By
filter-calls = Calls
filter-channel = Channel
filter-campaign = Campaign
filter-keyword = Keyword
filter-agent = Agent
filter-why = Why missed
filter-outcome = Outcome
filter-talk-min = Talk, at least (s)
filter-no-outcome = without one
filter-with-recording = with a recording
status-target = target
status-missed = missed
status-answered = answered
status-non-target = non-target
group-channel = channel
group-source_medium = source / medium
group-campaign = campaign
group-keyword = keyword
group-ad = ad
group-region = region
upload-spend = Upload spend (CSV)
uploading = Uploading { $file }...
uploaded =
    { $rows ->
        [one] { $rows } row of spend stored ({ $amount }).
       *[other] { $rows } rows of spend stored ({ $amount }).
    }
more = More
download-csv = Download CSV
try-again = Try again
total = total

# Empty cards.
no-calls = No calls in this period yet.
no-calls-spend = No calls or spend in this period yet.
no-visits-calls = No visits or calls in this period yet.
no-budget = No calls, visits or spend in this period yet. Upload spend as CSV: day, source, medium, campaign, amount.
no-missed-heat = No missed calls in this period.
no-non-target-heat = No non-target calls in this period.
no-pool-samples = No pool samples yet: they are taken every hour.
no-agents = No calls with an agent yet: name your agents in the config (agents), and a PBX sends agent with each call.
no-sources = No sources yet: give a billboard, a radio spot or a partner a number of its own (config: sources).
no-leads = No leads in this period.
all-delivered = Everything was delivered.
log-empty = No calls match. Place one from the demo page's panel, or connect telephony (README: Calls).

# Charts: axes and legends.
axis-calls = calls
series-ptr = PTR %
series-answer-rate = answer rate %
series-target = target
series-other = other
series-cost-target = cost per target call, { $currency }
series-utilisation = { $pool } utilisation %
series-fallback = { $pool } fallback %

# The heatmap.
heat-note = weekday × hour, site time
heat-cell =
    { $count ->
        [one] { $day } { $hour }:00: { $count } call
       *[other] { $day } { $hour }:00: { $count } calls
    }

# Why missed, by channel.
h-missed-by-channel = Why missed, by channel
h-missed-by-channel-note = each reason's share of the channel's missed calls

# Pools.
pool-now = { $pool }: { $leased } of { $total } numbers leased
pool-live =
    { $live ->
        [one] Now: { $live } live visitor. { $pools }
       *[other] Now: { $live } live visitors. { $pools }
    }
pool-ran-out =
    { $hours ->
        [one] The pool ran out in { $hours } hour of this period: { $visitors } visitors saw the fallback. Add numbers (see "How many numbers?").
       *[other] The pool ran out in { $hours } hours of this period: { $visitors } visitors saw the fallback. Add numbers (see "How many numbers?").
    }

# Table columns.
col-spend = Spend
col-visits = Visits
col-leads = Leads
col-calls-per-visits = Calls per 100 visits
col-target-calls = Target calls
col-successful = Successful
col-value = Value
col-revenue = Revenue
col-romi = ROMI
col-cost-call = Cost per call
col-cost-target = Cost per target call
col-cost-lead = Cost per lead
col-source = Source
col-kind = Kind
col-number = Number
col-campaign = Campaign
col-keyword = Keyword
col-name = Name
col-phone = Phone
col-page = Page
col-queued = Queued
col-what = What
col-to = To
col-state = State
col-tries = Tries
col-last-error = Last error
col-source-medium = Source / medium
col-status = Status
col-talk = Talk
col-confidence = Confidence
col-recording = Recording
col-outcome = Outcome
col-before = Before the call
col-share = Share

# The call log.
call-status-ringing = ringing
call-status-in_progress = in progress
call-status-answered = answered
call-status-no_answer = no answer
call-status-busy = busy
call-status-failed = failed
call-status-cancelled = cancelled
call-back = call-back
play = ▶ play
outcome-of-call = Outcome of this call
seconds = { $secs } s
trail-steps =
    { $steps ->
        [one] { $steps } step
       *[other] { $steps } steps
    }

# How many numbers?
sizing-target = Target accuracy
sizing-run = Simulate this site's traffic
sizing-running = Simulating a week of this site's traffic...
sizing-basis-site =
    { $days ->
        [one] From this site's last day: { $visits } visits a day, { $share } calling, { $measured } call delays measured.
       *[other] From this site's last { $days } days: { $visits } visits a day, { $share } calling, { $measured } call delays measured.
    }
sizing-basis-reference = Too little traffic yet ({ $sessions } sessions): the reference profile at this site's volume.
sizing-recommended = Recommended: { $numbers } numbers with a { $mins } minute fixation.
sizing-not-reached = No fixation tried reaches { $target }: callers ring back later than the hold; consider a longer fixation.
sizing-now = Now: { $numbers } numbers, { $mins } min fixation: { $accuracy } of calls attributed right.
col-fixation = Fixation
col-numbers-needed = Numbers needed
col-accuracy = Accuracy
minutes = { $mins } min
not-reached = not reached
