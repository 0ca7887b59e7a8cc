# Оповещения о пропущенных звонках: SMS и письмо (тема, затем по строке на звонок).
# $caller — номер (или withheld-number), $time — местное время сайта ЧЧ:ММ,
# $channel — название канала ниже.

withheld-number = скрытый номер
alert-one = Пропущенный звонок: { $caller } в { $time } ({ $channel })
alert-many =
    { $count ->
        [one] { $count } пропущенный звонок с { $time }
        [few] { $count } пропущенных звонка с { $time }
       *[many] { $count } пропущенных звонков с { $time }
    }
alert-line = - { $caller } в { $time }, канал: { $channel }.
alert-call-back = Перезвонить: tel:{ $number }

channel-paid_search = платный поиск
channel-organic_search = органический поиск
channel-paid_social = реклама в соцсетях
channel-social = соцсети
channel-email = e-mail
channel-referral = переходы с сайтов
channel-direct = прямые заходы
channel-display = медийная реклама
channel-affiliate = партнёры
channel-video = видео
channel-sms = SMS
channel-offline = офлайн
channel-other = другое
channel-unattributed = без источника
