# Missed-call alerts: the SMS and the e-mail (subject, then one line per call).
# $caller is a number (or withheld-number), $time the site's local HH:MM,
# $channel the channel's name below.

withheld-number = a withheld number
alert-one = Missed call: { $caller } at { $time } ({ $channel })
alert-many =
    { $count ->
        [one] { $count } missed call since { $time }
       *[other] { $count } missed calls since { $time }
    }
alert-line = - { $caller } at { $time }, from { $channel }.
alert-call-back = Call back: tel:{ $number }

channel-paid_search = paid search
channel-organic_search = organic search
channel-paid_social = paid social
channel-social = social
channel-email = e-mail
channel-referral = referral
channel-direct = direct
channel-display = display
channel-affiliate = affiliate
channel-video = video
channel-sms = SMS
channel-offline = offline
channel-other = other
channel-unattributed = unattributed
