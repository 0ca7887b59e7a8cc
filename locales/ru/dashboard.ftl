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
