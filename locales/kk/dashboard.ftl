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
