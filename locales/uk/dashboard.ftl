# Панель (edge-worker/dashboard): заголовки, показники й таблиці.

period = Період
period-today = сьогодні
period-7 = 7 днів
period-30 = 30 днів
period-90 = 90 днів
sign-in = Увійти
sign-out = Вийти
label-site = Сайт
label-key = Ключ адміністратора

kpi-calls = Дзвінки
kpi-answered = Відповіли
kpi-missed = Пропущено
kpi-target = Цільові дзвінки
kpi-answer-rate = Частка відповідей
kpi-ptr = PTR
kpi-rated = Оцінено
kpi-ptr-rated = PTR за оціненими
kpi-without-outcome = Без результату
kpi-unique = Унікальні абоненти
kpi-live = Відвідувачі на сайті
kpi-visits = Візити
kpi-calls-per-visits = Дзвінків на 100 візитів
kpi-leads = Заявки
kpi-spend = Витрати
kpi-cost-target = Ціна цільового дзвінка
kpi-romi = ROMI

h-calls-by-channel = Дзвінки за каналами
h-agents = Співробітники
h-agents-note = хто відповів і чиї дзвінки пропущено
h-target = Цільові дзвінки
h-missed = Пропущені дзвінки
h-missed-note = спершу ті, кому ще не передзвонили
h-when = Коли телефонують
h-log = Журнал дзвінків
h-leads = Заявки
h-leads-note = заявки із сайту, кожна з візитом, з якого надійшла
h-ptr-channel = PTR і частка відповідей за каналами
h-ptr-channel-note = PTR: успішні / усі дзвінки; частка відповідей: з відповіддю / усі дзвінки
h-spend = Витрати й віддача
h-spend-note = яку кампанію скоротити, яку посилити: ціна цільового дзвінка і ROMI = (виручка − витрати) / витрати
h-ptr-day = PTR і ціна цільового дзвінка за днями
h-funnel = Від візиту до продажу, за каналами
h-funnel-note = візити → дзвінки → цільові дзвінки → успішні результати
h-sources = Офлайн- і партнерські джерела
h-sources-note = із власними номерами
h-pools = Завантаження пулу і частка резервного номера
h-deliveries = Недоставлені відправлення
h-deliveries-note = вебхуки, CRM, GA4, SMS і e-mail: повторюються 72 години, потім зберігаються 30 днів
h-sizing = Скільки потрібно номерів?

missed-open =
    { $count ->
        [one] { $count } дзвінок: ще не передзвонили
        [few] { $count } дзвінки: ще не передзвонили
       *[many] { $count } дзвінків: ще не передзвонили
    }
missed-none = За цей період пропущених дзвінків немає.
col-time = Час
col-caller = Абонент
col-channel = Канал
col-agent = Співробітник
col-why = Чому пропущено
col-called-back = Передзвонили
col-calls = Дзвінки
col-answered = Відповіли
col-missed = Пропущено
col-not-answered = Не відповів сам
col-wait = Очікування
col-target = Цільові
col-ptr = PTR
not-yet = ще ні
called-back-after =
    { $minutes ->
        [one] через { $minutes } хвилину
        [few] через { $minutes } хвилини
       *[many] через { $minutes } хвилин
    }
reason-out_of_hours = неробочий час
reason-abandoned = скинуто до відповіді
reason-not_answered = не відповіли
reason-busy = зайнято
reason-all_lines_busy = усі лінії зайняті
reason-failed = збій
withheld = прихований

# Форма входу.
sign-in-note = За ключем адміністратора сайту. Він зберігається лише в цій вкладці (sessionStorage), надсилається лише в заголовку Authorization і ніколи не потрапляє в адресу.

# Сповіщення про роботу ($figures надходять із сервера).
alert-not_swapping = Номери не підміняються
alert-pool_exhausted = Пул номерів вичерпано
alert-quiet = за останні { $hours } год жоден відвідувач не запитав номер, хоча очікувалося близько { $expected }: скрипт досі на сайті?
alert-found_not_swapped = на { $pages } з { $reported } сторінок за останню добу номери сайту знайдено, але не підмінено
alert-numbers_not_found = скрипт не знайшов жодного номера сайту на жодній з { $reported } сторінок за останню добу: чи збігаються номери в налаштуваннях із номерами на сайті?
alert-fallbacks = пул вичерпано: { $fallbacks } з { $requests } запитів номера за останню годину отримали резервний номер; додайте номери (див. «Скільки потрібно номерів?»)

# Фільтри.
filter-all = усі
filter-any = будь-який
filter-by = За
filter-calls = Дзвінки
filter-channel = Канал
filter-campaign = Кампанія
filter-keyword = Ключове слово
filter-agent = Співробітник
filter-why = Чому пропущено
filter-outcome = Результат
filter-talk-min = Розмова не коротша (с)
filter-no-outcome = без результату
filter-with-recording = із записом
status-target = цільові
status-missed = пропущені
status-answered = з відповіддю
status-non-target = нецільові
group-channel = каналом
group-source_medium = джерелом / типом
group-campaign = кампанією
group-keyword = ключовим словом
group-ad = оголошенням
group-region = регіоном
upload-spend = Завантажити витрати (CSV)
uploading = Завантаження { $file }...
uploaded =
    { $rows ->
        [one] Збережено { $rows } рядок витрат ({ $amount }).
        [few] Збережено { $rows } рядки витрат ({ $amount }).
       *[many] Збережено { $rows } рядків витрат ({ $amount }).
    }
more = Ще
download-csv = Завантажити CSV
try-again = Повторити
total = разом

# Порожні картки.
no-calls = За цей період дзвінків ще немає.
no-calls-spend = За цей період немає ні дзвінків, ні витрат.
no-visits-calls = За цей період немає ні візитів, ні дзвінків.
no-budget = За цей період немає ні дзвінків, ні візитів, ні витрат. Завантажте витрати в CSV: день, джерело, тип, кампанія, сума.
no-missed-heat = За цей період пропущених дзвінків немає.
no-non-target-heat = За цей період нецільових дзвінків немає.
no-pool-samples = Замірів пулу ще немає: їх роблять щогодини.
no-agents = Дзвінків зі співробітником ще немає: перелічіть співробітників у налаштуваннях (agents), і АТС передаватиме співробітника з кожним дзвінком.
no-sources = Джерел ще немає: дайте білборду, радіоролику чи партнерові власний номер (налаштування: sources).
no-leads = За цей період заявок немає.
all-delivered = Усе доставлено.
log-empty = Відповідних дзвінків немає. Зробіть дзвінок із панелі демо-сторінки або підключіть телефонію (README: Calls).

# Графіки: осі й легенди.
axis-calls = дзвінки
series-ptr = PTR, %
series-answer-rate = частка відповідей, %
series-target = цільові
series-other = інші
series-cost-target = ціна цільового дзвінка, { $currency }
series-utilisation = { $pool }: завантаження, %
series-fallback = { $pool }: резервний номер, %

# Теплова карта.
heat-note = день тижня × година, час сайту
heat-cell =
    { $count ->
        [one] { $day } { $hour }:00: { $count } дзвінок
        [few] { $day } { $hour }:00: { $count } дзвінки
       *[many] { $day } { $hour }:00: { $count } дзвінків
    }

# Чому пропущено, за каналами.
h-missed-by-channel = Чому пропущено, за каналами
h-missed-by-channel-note = частка кожної причини серед пропущених дзвінків каналу

# Пули.
pool-now = { $pool }: зайнято { $leased } з { $total } номерів
pool-live =
    { $live ->
        [one] Зараз на сайті { $live } відвідувач. { $pools }
        [few] Зараз на сайті { $live } відвідувачі. { $pools }
       *[many] Зараз на сайті { $live } відвідувачів. { $pools }
    }
pool-ran-out =
    { $hours ->
        [one] Пул вичерпувався впродовж { $hours } години за цей період: відвідувачів із резервним номером — { $visitors }. Додайте номери (див. «Скільки потрібно номерів?»).
       *[other] Пул вичерпувався впродовж { $hours } годин за цей період: відвідувачів із резервним номером — { $visitors }. Додайте номери (див. «Скільки потрібно номерів?»).
    }

# Стовпці таблиць.
col-spend = Витрати
col-visits = Візити
col-leads = Заявки
col-calls-per-visits = Дзвінків на 100 візитів
col-target-calls = Цільові дзвінки
col-successful = Успішні
col-value = Цінність
col-revenue = Виручка
col-romi = ROMI
col-cost-call = Ціна дзвінка
col-cost-target = Ціна цільового дзвінка
col-cost-lead = Ціна заявки
col-source = Джерело
col-kind = Вид
col-number = Номер
col-campaign = Кампанія
col-keyword = Ключове слово
col-name = Ім'я
col-phone = Телефон
col-page = Сторінка
col-queued = У черзі з
col-what = Що
col-to = Куди
col-state = Стан
col-tries = Спроби
col-last-error = Остання помилка
col-source-medium = Джерело / тип
col-status = Статус
col-talk = Розмова
col-confidence = Упевненість
col-recording = Запис
col-outcome = Результат
col-before = До дзвінка
col-share = Частка

# Журнал дзвінків.
call-status-ringing = виклик
call-status-in_progress = триває розмова
call-status-answered = з відповіддю
call-status-no_answer = без відповіді
call-status-busy = зайнято
call-status-failed = збій
call-status-cancelled = скасовано
call-back = зворотний дзвінок
play = ▶ слухати
outcome-of-call = Результат цього дзвінка
seconds = { $secs } с
trail-steps =
    { $steps ->
        [one] { $steps } крок
        [few] { $steps } кроки
       *[many] { $steps } кроків
    }

# Скільки потрібно номерів?
sizing-target = Цільова точність
sizing-run = Змоделювати трафік сайту
sizing-running = Моделюємо тиждень трафіку сайту...
sizing-basis-site =
    { $days ->
        [one] За останній { $days } день сайту: { $visits } візитів на день, телефонують { $share }, виміряно затримок дзвінків: { $measured }.
       *[other] За останні { $days } дн. сайту: { $visits } візитів на день, телефонують { $share }, виміряно затримок дзвінків: { $measured }.
    }
sizing-basis-reference = Трафіку поки мало ({ $sessions } сесій): еталонний профіль за обсягу цього сайту.
sizing-recommended = Рекомендуємо: { $numbers } номерів із закріпленням на { $mins } хв.
sizing-not-reached = Жодне з перевірених закріплень не дає { $target }: клієнти передзвонюють пізніше, ніж тримається номер; спробуйте довше закріплення.
sizing-now = Зараз: { $numbers } номерів, закріплення { $mins } хв: правильно атрибутовано { $accuracy } дзвінків.
col-fixation = Закріплення
col-numbers-needed = Потрібно номерів
col-accuracy = Точність
minutes = { $mins } хв
not-reached = не досягається
