# The demo page's panel (examples/demo): not part of the clinic's site.
# Simple messages only: the build writes them into the panel's script.

demo-title = Demo panel
demo-note = (not part of the site; never swapped).
demo-visit-as = Visit this page as a new visitor from:
demo-own-number = Each shows this visitor's own number. The original number, never swapped:
demo-also = Also:
demo-us-page = the US branch page
demo-moscow-page = the Moscow clinic page
demo-call = Place a call to the number shown
demo-miss = Place a missed call
demo-billboard = Call the billboard's number
demo-event = Open the price list (a site event)
visit-google = Google Ads click
visit-yandex = Yandex Direct click
visit-organic = organic search
visit-email = email newsletter
visit-partner = the partner DentaCare's catalogue
visit-direct = directly
no-session = No session yet: wait for the number to show.
calling = Calling...
answered-call = Answered call to { $number }: { $channel }
missed-call = Missed call to { $number }: { $channel }
keyword = keyword "{ $term }"
target-call = a target call
taken-by = taken by { $agent }
missed-by = missed by { $agent }
see-dashboard = See it on the dashboard
event-recorded = Event recorded: price list opened. A call placed now shows it in its trail.
