# Панель (edge-worker/dashboard): заголовки, показатели и таблицы.

period = Период
period-today = сегодня
period-7 = 7 дней
period-30 = 30 дней
period-90 = 90 дней
sign-in = Войти
sign-out = Выйти
label-site = Сайт
label-key = Ключ администратора

kpi-calls = Звонки
kpi-answered = Отвечено
kpi-missed = Пропущено
kpi-target = Целевые звонки
kpi-answer-rate = Доля отвеченных
kpi-ptr = PTR
kpi-rated = Оценено
kpi-ptr-rated = PTR по оценённым
kpi-without-outcome = Без результата
kpi-unique = Уникальные абоненты
kpi-live = Посетители на сайте
kpi-visits = Визиты
kpi-calls-per-visits = Звонков на 100 визитов
kpi-leads = Заявки
kpi-spend = Расход
kpi-cost-target = Цена целевого звонка
kpi-romi = ROMI

h-calls-by-channel = Звонки по каналам
h-agents = Сотрудники
h-agents-note = кто ответил и чьи звонки пропущены
h-target = Целевые звонки
h-missed = Пропущенные звонки
h-missed-note = сначала те, кому ещё не перезвонили
h-when = Когда звонят
h-log = Журнал звонков
h-leads = Заявки
h-leads-note = заявки с сайта, каждая с визитом, из которого пришла
h-ptr-channel = PTR и доля отвеченных по каналам
h-ptr-channel-note = PTR: успешные / все звонки; доля отвеченных: отвеченные / все звонки
h-spend = Расходы и отдача
h-spend-note = какую кампанию урезать, какую усилить: цена целевого звонка и ROMI = (выручка − расход) / расход
h-ptr-day = PTR и цена целевого звонка по дням
h-funnel = От визита до продажи, по каналам
h-funnel-note = визиты → звонки → целевые звонки → успешные результаты
h-sources = Офлайн- и партнёрские источники
h-sources-note = со своими номерами
h-pools = Загрузка пула и доля запасного номера
h-deliveries = Недоставленные отправки
h-deliveries-note = вебхуки, CRM, GA4, SMS и e-mail: повторяются 72 часа, затем хранятся 30 дней
h-sizing = Сколько нужно номеров?

missed-open =
    { $count ->
        [one] { $count } звонок: ещё не перезвонили
        [few] { $count } звонка: ещё не перезвонили
       *[many] { $count } звонков: ещё не перезвонили
    }
missed-none = За этот период пропущенных звонков нет.
col-time = Время
col-caller = Абонент
col-channel = Канал
col-agent = Сотрудник
col-why = Почему пропущен
col-called-back = Перезвонили
col-calls = Звонки
col-answered = Отвечено
col-missed = Пропущено
col-not-answered = Не ответил сам
col-wait = Ожидание
col-target = Целевые
col-ptr = PTR
not-yet = ещё нет
called-back-after =
    { $minutes ->
        [one] через { $minutes } минуту
        [few] через { $minutes } минуты
       *[many] через { $minutes } минут
    }
reason-out_of_hours = нерабочее время
reason-abandoned = сброшен до ответа
reason-not_answered = не ответили
reason-busy = занято
reason-all_lines_busy = все линии заняты
reason-failed = сбой
withheld = скрыт

# Форма входа.
sign-in-note = По ключу администратора сайта. Он хранится только в этой вкладке (sessionStorage), отправляется только в заголовке Authorization и никогда не попадает в адрес.

# Оповещения о работе ($figures приходят с сервера).
alert-not_swapping = Номера не подменяются
alert-pool_exhausted = Пул номеров исчерпан
alert-quiet = за последние { $hours } ч ни один посетитель не запросил номер, хотя ожидалось около { $expected }: скрипт всё ещё на сайте?
alert-found_not_swapped = на { $pages } из { $reported } страниц за последние сутки номера сайта найдены, но не подменены
alert-numbers_not_found = скрипт не нашёл ни одного номера сайта ни на одной из { $reported } страниц за последние сутки: совпадают ли номера в настройках с номерами на сайте?
alert-fallbacks = пул исчерпан: { $fallbacks } из { $requests } запросов номера за последний час получили запасной номер; добавьте номера (см. «Сколько нужно номеров?»)

# Фильтры.
filter-all = все
filter-any = любой
filter-by = По
filter-calls = Звонки
filter-channel = Канал
filter-campaign = Кампания
filter-keyword = Ключевое слово
filter-agent = Сотрудник
filter-why = Почему пропущен
filter-outcome = Результат
filter-talk-min = Разговор не короче (с)
filter-no-outcome = без результата
filter-with-recording = с записью
status-target = целевые
status-missed = пропущенные
status-answered = отвеченные
status-non-target = нецелевые
group-channel = каналу
group-source_medium = источнику / типу
group-campaign = кампании
group-keyword = ключевому слову
group-ad = объявлению
group-region = региону
upload-spend = Загрузить расходы (CSV)
uploading = Загрузка { $file }...
uploaded =
    { $rows ->
        [one] Сохранена { $rows } строка расходов ({ $amount }).
        [few] Сохранены { $rows } строки расходов ({ $amount }).
       *[many] Сохранено { $rows } строк расходов ({ $amount }).
    }
more = Ещё
download-csv = Скачать CSV
try-again = Повторить
total = итого

# Пустые карточки.
no-calls = За этот период звонков пока нет.
no-calls-spend = За этот период нет ни звонков, ни расходов.
no-visits-calls = За этот период нет ни визитов, ни звонков.
no-budget = За этот период нет ни звонков, ни визитов, ни расходов. Загрузите расходы в CSV: день, источник, тип, кампания, сумма.
no-missed-heat = За этот период пропущенных звонков нет.
no-non-target-heat = За этот период нецелевых звонков нет.
no-pool-samples = Замеров пула пока нет: они делаются каждый час.
no-agents = Звонков с сотрудником пока нет: перечислите сотрудников в настройках (agents), и АТС будет передавать сотрудника с каждым звонком.
no-sources = Источников пока нет: дайте билборду, радиоролику или партнёру собственный номер (настройки: sources).
no-leads = За этот период заявок нет.
all-delivered = Всё доставлено.
log-empty = Подходящих звонков нет. Сделайте звонок из панели демо-страницы или подключите телефонию (README: Calls).

# Графики: оси и легенды.
axis-calls = звонки
series-ptr = PTR, %
series-answer-rate = доля отвеченных, %
series-target = целевые
series-other = прочие
series-cost-target = цена целевого звонка, { $currency }
series-utilisation = { $pool }: загрузка, %
series-fallback = { $pool }: запасной номер, %

# Тепловая карта.
heat-note = день недели × час, время сайта
heat-cell =
    { $count ->
        [one] { $day } { $hour }:00: { $count } звонок
        [few] { $day } { $hour }:00: { $count } звонка
       *[many] { $day } { $hour }:00: { $count } звонков
    }

# Почему пропущены, по каналам.
h-missed-by-channel = Почему пропущены, по каналам
h-missed-by-channel-note = доля каждой причины среди пропущенных звонков канала

# Пулы.
pool-now = { $pool }: занято { $leased } из { $total } номеров
pool-live =
    { $live ->
        [one] Сейчас на сайте { $live } посетитель. { $pools }
        [few] Сейчас на сайте { $live } посетителя. { $pools }
       *[many] Сейчас на сайте { $live } посетителей. { $pools }
    }
pool-ran-out =
    { $hours ->
        [one] Пул исчерпывался в течение { $hours } часа за этот период: посетителей с запасным номером — { $visitors }. Добавьте номера (см. «Сколько нужно номеров?»).
       *[other] Пул исчерпывался в течение { $hours } часов за этот период: посетителей с запасным номером — { $visitors }. Добавьте номера (см. «Сколько нужно номеров?»).
    }

# Столбцы таблиц.
col-spend = Расход
col-visits = Визиты
col-leads = Заявки
col-calls-per-visits = Звонков на 100 визитов
col-target-calls = Целевые звонки
col-successful = Успешные
col-value = Ценность
col-revenue = Выручка
col-romi = ROMI
col-cost-call = Цена звонка
col-cost-target = Цена целевого звонка
col-cost-lead = Цена заявки
col-source = Источник
col-kind = Вид
col-number = Номер
col-campaign = Кампания
col-keyword = Ключевое слово
col-name = Имя
col-phone = Телефон
col-page = Страница
col-queued = В очереди с
col-what = Что
col-to = Куда
col-state = Состояние
col-tries = Попытки
col-last-error = Последняя ошибка
col-source-medium = Источник / тип
col-status = Статус
col-talk = Разговор
col-confidence = Уверенность
col-recording = Запись
col-outcome = Результат
col-before = До звонка
col-share = Доля

# Журнал звонков.
call-status-ringing = вызов
call-status-in_progress = идёт разговор
call-status-answered = отвечен
call-status-no_answer = без ответа
call-status-busy = занято
call-status-failed = сбой
call-status-cancelled = отменён
call-back = обратный звонок
play = ▶ слушать
outcome-of-call = Результат этого звонка
seconds = { $secs } с
trail-steps =
    { $steps ->
        [one] { $steps } шаг
        [few] { $steps } шага
       *[many] { $steps } шагов
    }

# Сколько нужно номеров?
sizing-target = Целевая точность
sizing-run = Смоделировать трафик сайта
sizing-running = Моделируем неделю трафика сайта...
sizing-basis-site =
    { $days ->
        [one] По последнему { $days } дню сайта: { $visits } визитов в день, звонят { $share }, измерено задержек звонков: { $measured }.
       *[other] По последним { $days } дням сайта: { $visits } визитов в день, звонят { $share }, измерено задержек звонков: { $measured }.
    }
sizing-basis-reference = Трафика пока мало ({ $sessions } сессий): эталонный профиль при объёме этого сайта.
sizing-recommended = Рекомендуем: { $numbers } номеров с закреплением на { $mins } мин.
sizing-not-reached = Ни одно из проверенных закреплений не даёт { $target }: клиенты перезванивают позже, чем держится номер; попробуйте закрепление подольше.
sizing-now = Сейчас: { $numbers } номеров, закрепление { $mins } мин: верно атрибутировано { $accuracy } звонков.
col-fixation = Закрепление
col-numbers-needed = Нужно номеров
col-accuracy = Точность
minutes = { $mins } мин
not-reached = не достигается
