# The call-back widget on the site's pages (in the page's language: its
# <html lang>, or the tag's data-lang). $when is the day and time it opens.

callback-open = Call me back
callback-phone = Your phone number
callback-name = Name (optional)
callback-submit = Call me
callback-sending = Sending...
callback-scheduled = The office is closed now: we will call you when it opens ({ $when }).
callback-calling = We are calling you now: your phone will ring in a moment.
