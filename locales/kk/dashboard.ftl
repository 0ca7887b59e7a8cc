# Басқару тақтасы (edge-worker/dashboard): тақырыптар, көрсеткіштер және кестелер.

period = Кезең
period-today = бүгін
period-7 = 7 күн
period-30 = 30 күн
period-90 = 90 күн
sign-in = Кіру
sign-out = Шығу
label-site = Сайт
label-key = Әкімші кілті

kpi-calls = Қоңыраулар
kpi-answered = Жауап берілді
kpi-missed = Өткізіп алынды
kpi-target = Мақсатты қоңыраулар
kpi-answer-rate = Жауап үлесі
kpi-ptr = PTR
kpi-rated = Бағаланды
kpi-ptr-rated = Бағаланғандар бойынша PTR
kpi-without-outcome = Нәтижесіз
kpi-unique = Бірегей абоненттер
kpi-live = Сайттағы келушілер
kpi-visits = Кірулер
kpi-calls-per-visits = 100 кіруге қоңырау
kpi-leads = Өтінімдер
kpi-spend = Шығын
kpi-cost-target = Мақсатты қоңырау бағасы
kpi-romi = ROMI

h-calls-by-channel = Арналар бойынша қоңыраулар
h-agents = Қызметкерлер
h-agents-note = кім жауап берді және кімнің қоңыраулары өткізіп алынды
h-target = Мақсатты қоңыраулар
h-missed = Өткізіп алған қоңыраулар
h-missed-note = алдымен әлі кері қоңырау шалынбағандар
h-when = Қашан қоңырау шалады
h-log = Қоңыраулар журналы
h-leads = Өтінімдер
h-leads-note = сайттағы өтінімдер, әрқайсысы келген кіруімен
h-ptr-channel = Арналар бойынша PTR және жауап үлесі
h-ptr-channel-note = PTR: сәтті / барлық қоңыраулар; жауап үлесі: жауап берілген / барлық қоңыраулар
h-spend = Шығын және қайтарым
h-spend-note = қай науқанды қысқарту, қайсысын күшейту: мақсатты қоңырау бағасы және ROMI = (түсім − шығын) / шығын
h-ptr-day = Күндер бойынша PTR және мақсатты қоңырау бағасы
h-funnel = Кіруден сатуға дейін, арналар бойынша
h-funnel-note = кірулер → қоңыраулар → мақсатты қоңыраулар → сәтті нәтижелер
h-sources = Офлайн және серіктес көздер
h-sources-note = өз нөмірлерімен
h-pools = Пулдың жүктемесі және қосалқы нөмір үлесі
h-deliveries = Жеткізілмеген жіберілімдер
h-deliveries-note = вебхуктар, CRM, GA4, SMS және e-mail: 72 сағат қайталанады, содан кейін 30 күн сақталады
h-sizing = Қанша нөмір керек?

missed-open =
    { $count ->
        [one] { $count } қоңырау: әлі кері қоңырау шалынған жоқ
       *[other] { $count } қоңырау: әлі кері қоңырау шалынған жоқ
    }
missed-none = Бұл кезеңде өткізіп алған қоңыраулар жоқ.
col-time = Уақыт
col-caller = Абонент
col-channel = Арна
col-agent = Қызметкер
col-why = Неге өткізіп алынды
col-called-back = Кері қоңырау
col-calls = Қоңыраулар
col-answered = Жауап берілді
col-missed = Өткізіп алынды
col-not-answered = Өзі жауап бермеді
col-wait = Күту
col-target = Мақсатты
col-ptr = PTR
not-yet = әлі жоқ
called-back-after =
    { $minutes ->
        [one] { $minutes } минуттан кейін
       *[other] { $minutes } минуттан кейін
    }
reason-out_of_hours = жұмыстан тыс уақыт
reason-abandoned = жауапқа дейін тасталды
reason-not_answered = жауап берілмеді
reason-busy = бос емес
reason-all_lines_busy = барлық желілер бос емес
reason-failed = ақау
withheld = жасырын

# Кіру формасы.
sign-in-note = Сайт әкімшісінің кілтімен. Ол тек осы қойындыда сақталады (sessionStorage), тек Authorization тақырыбында жіберіледі және ешқашан мекенжайға түспейді.

# Жұмыс туралы хабарламалар ($figures серверден келеді).
alert-not_swapping = Нөмірлер ауыстырылмайды
alert-pool_exhausted = Нөмірлер пулы таусылды
alert-quiet = соңғы { $hours } сағатта бірде-бір келуші нөмір сұрамады, ал шамамен { $expected } күтілген еді: скрипт әлі сайтта ма?
alert-found_not_swapped = соңғы тәулікте хабарланған { $reported } беттің { $pages } бетінде сайт нөмірлері табылды, бірақ ауыстырылмады
alert-numbers_not_found = скрипт соңғы тәулікте хабарланған { $reported } беттің ешқайсысында сайт нөмірлерін таппады: баптаулардағы нөмірлер сайттағы нөмірлермен сәйкес пе?
alert-fallbacks = пул таусылды: соңғы сағаттағы { $requests } нөмір сұрауының { $fallbacks } қосалқы нөмір алды; нөмір қосыңыз («Қанша нөмір керек?» қараңыз)

# Сүзгілер.
filter-all = барлығы
filter-any = кез келген
filter-by = Бойынша
filter-calls = Қоңыраулар
filter-channel = Арна
filter-campaign = Науқан
filter-keyword = Кілт сөз
filter-agent = Қызметкер
filter-why = Неге өткізіп алынды
filter-outcome = Нәтиже
filter-talk-min = Сөйлесу кемінде (с)
filter-no-outcome = нәтижесіз
filter-with-recording = жазбасы бар
status-target = мақсатты
status-missed = өткізіп алынған
status-answered = жауап берілген
status-non-target = мақсатсыз
group-channel = арна
group-source_medium = көз / түрі
group-campaign = науқан
group-keyword = кілт сөз
group-ad = хабарландыру
group-region = өңір
upload-spend = Шығындарды жүктеу (CSV)
uploading = { $file } жүктелуде...
uploaded =
    { $rows ->
        [one] Шығынның { $rows } жолы сақталды ({ $amount }).
       *[other] Шығынның { $rows } жолы сақталды ({ $amount }).
    }
more = Тағы
download-csv = CSV жүктеп алу
try-again = Қайталау
total = барлығы

# Бос карточкалар.
no-calls = Бұл кезеңде әлі қоңыраулар жоқ.
no-calls-spend = Бұл кезеңде қоңыраулар да, шығындар да жоқ.
no-visits-calls = Бұл кезеңде кірулер де, қоңыраулар да жоқ.
no-budget = Бұл кезеңде қоңыраулар, кірулер және шығындар жоқ. Шығындарды CSV түрінде жүктеңіз: күн, көз, түрі, науқан, сома.
no-missed-heat = Бұл кезеңде өткізіп алған қоңыраулар жоқ.
no-non-target-heat = Бұл кезеңде мақсатсыз қоңыраулар жоқ.
no-pool-samples = Пул өлшемдері әлі жоқ: олар сағат сайын алынады.
no-agents = Қызметкері бар қоңыраулар әлі жоқ: баптауларда қызметкерлерді атаңыз (agents), сонда АТС әр қоңыраумен қызметкерді жібереді.
no-sources = Көздер әлі жоқ: билбордқа, радио роликке немесе серіктеске өз нөмірін беріңіз (баптаулар: sources).
no-leads = Бұл кезеңде өтінімдер жоқ.
all-delivered = Барлығы жеткізілді.
log-empty = Сәйкес қоңыраулар жоқ. Демо беттің панелінен қоңырау шалыңыз немесе телефонияны қосыңыз (README: Calls).

# Графиктер: осьтер мен белгілер.
axis-calls = қоңыраулар
series-ptr = PTR, %
series-answer-rate = жауап үлесі, %
series-target = мақсатты
series-other = басқа
series-cost-target = мақсатты қоңырау бағасы, { $currency }
series-utilisation = { $pool }: жүктеме, %
series-fallback = { $pool }: қосалқы нөмір, %

# Жылу картасы.
heat-note = апта күні × сағат, сайт уақыты
heat-cell =
    { $count ->
        [one] { $day } { $hour }:00: { $count } қоңырау
       *[other] { $day } { $hour }:00: { $count } қоңырау
    }

# Неге өткізіп алынды, арналар бойынша.
h-missed-by-channel = Неге өткізіп алынды, арналар бойынша
h-missed-by-channel-note = арнаның өткізіп алған қоңырауларындағы әр себептің үлесі

# Пулдар.
pool-now = { $pool }: { $total } нөмірдің { $leased } бос емес
pool-live =
    { $live ->
        [one] Қазір сайтта { $live } келуші. { $pools }
       *[other] Қазір сайтта { $live } келуші. { $pools }
    }
pool-ran-out =
    { $hours ->
        [one] Бұл кезеңде пул { $hours } сағат бойы таусылды: қосалқы нөмірді көрген келушілер — { $visitors }. Нөмір қосыңыз («Қанша нөмір керек?» қараңыз).
       *[other] Бұл кезеңде пул { $hours } сағат бойы таусылды: қосалқы нөмірді көрген келушілер — { $visitors }. Нөмір қосыңыз («Қанша нөмір керек?» қараңыз).
    }

# Кесте бағандары.
col-spend = Шығын
col-visits = Кірулер
col-leads = Өтінімдер
col-calls-per-visits = 100 кіруге қоңырау
col-target-calls = Мақсатты қоңыраулар
col-successful = Сәтті
col-value = Құндылық
col-revenue = Түсім
col-romi = ROMI
col-cost-call = Қоңырау бағасы
col-cost-target = Мақсатты қоңырау бағасы
col-cost-lead = Өтінім бағасы
col-source = Көз
col-kind = Түрі
col-number = Нөмір
col-campaign = Науқан
col-keyword = Кілт сөз
col-name = Аты
col-phone = Телефон
col-page = Бет
col-queued = Кезекте
col-what = Не
col-to = Қайда
col-state = Күйі
col-tries = Әрекеттер
col-last-error = Соңғы қате
col-source-medium = Көз / түрі
col-status = Күйі
col-talk = Сөйлесу
col-confidence = Сенімділік
col-recording = Жазба
col-outcome = Нәтиже
col-before = Қоңырауға дейін
col-share = Үлес

# Қоңыраулар журналы.
call-status-ringing = шақыру
call-status-in_progress = сөйлесу жүріп жатыр
call-status-answered = жауап берілді
call-status-no_answer = жауапсыз
call-status-busy = бос емес
call-status-failed = ақау
call-status-cancelled = болдырылмады
call-back = кері қоңырау
play = ▶ тыңдау
outcome-of-call = Осы қоңыраудың нәтижесі
seconds = { $secs } с
trail-steps =
    { $steps ->
        [one] { $steps } қадам
       *[other] { $steps } қадам
    }

# Қанша нөмір керек?
sizing-target = Мақсатты дәлдік
sizing-run = Сайт трафигін модельдеу
sizing-running = Сайттың бір апталық трафигі модельденуде...
sizing-basis-site =
    { $days ->
        [one] Сайттың соңғы { $days } күні бойынша: күніне { $visits } кіру, қоңырау шалатындар { $share }, қоңырау кідірісі өлшенді: { $measured }.
       *[other] Сайттың соңғы { $days } күні бойынша: күніне { $visits } кіру, қоңырау шалатындар { $share }, қоңырау кідірісі өлшенді: { $measured }.
    }
sizing-basis-reference = Трафик әлі аз ({ $sessions } сессия): осы сайт көлеміндегі эталон профилі.
sizing-recommended = Ұсынылады: { $mins } минуттық бекітумен { $numbers } нөмір.
sizing-not-reached = Тексерілген бекітулердің ешқайсысы { $target } жетпейді: клиенттер нөмір ұсталғаннан кейін қайта қоңырау шалады; ұзағырақ бекітуді қолданып көріңіз.
sizing-now = Қазір: { $numbers } нөмір, { $mins } мин бекіту: қоңыраулардың { $accuracy } дұрыс атрибутталды.
col-fixation = Бекіту
col-numbers-needed = Қажет нөмірлер
col-accuracy = Дәлдік
minutes = { $mins } мин
not-reached = жетпейді
