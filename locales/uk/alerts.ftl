# Сповіщення про пропущені дзвінки: SMS і лист (тема, потім рядок на дзвінок).
# $caller — номер (або withheld-number), $time — місцевий час сайту ГГ:ХХ,
# $channel — назва каналу нижче.

withheld-number = прихований номер
alert-one = Пропущений дзвінок: { $caller } о { $time } ({ $channel })
alert-many =
    { $count ->
        [one] { $count } пропущений дзвінок з { $time }
        [few] { $count } пропущені дзвінки з { $time }
       *[many] { $count } пропущених дзвінків з { $time }
    }
alert-line = - { $caller } о { $time }, канал: { $channel }.
alert-call-back = Передзвонити: tel:{ $number }

channel-paid_search = платний пошук
channel-organic_search = органічний пошук
channel-paid_social = реклама в соцмережах
channel-social = соцмережі
channel-email = e-mail
channel-referral = переходи з сайтів
channel-direct = прямі заходи
channel-display = медійна реклама
channel-affiliate = партнери
channel-video = відео
channel-sms = SMS
channel-offline = офлайн
channel-other = інше
channel-unattributed = без джерела
