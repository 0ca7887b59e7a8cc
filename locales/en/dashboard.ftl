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
