# The dashboard (edge-worker/dashboard): headings, figures and tables.

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
