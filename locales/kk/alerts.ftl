# Өткізіп алған қоңыраулар туралы хабарлама: SMS және хат (тақырып, әр қоңырауға бір жол).
# $caller — нөмір (немесе withheld-number), $time — сайттың жергілікті уақыты СС:ММ,
# $channel — төмендегі арна атауы.

withheld-number = жасырын нөмір
alert-one = Өткізіп алған қоңырау: { $caller }, { $time } ({ $channel })
alert-many =
    { $count ->
        [one] { $time } бастап { $count } өткізіп алған қоңырау
       *[other] { $time } бастап { $count } өткізіп алған қоңырау
    }
alert-line = - { $caller }, { $time }, арна: { $channel }.
alert-call-back = Кері қоңырау шалу: tel:{ $number }

channel-paid_search = ақылы іздеу
channel-organic_search = органикалық іздеу
channel-paid_social = әлеуметтік желідегі жарнама
channel-social = әлеуметтік желілер
channel-email = e-mail
channel-referral = сайттардан өту
channel-direct = тікелей кіру
channel-display = медиа жарнама
channel-affiliate = серіктестер
channel-video = бейне
channel-sms = SMS
channel-offline = офлайн
channel-other = басқа
channel-unattributed = көзі белгісіз
