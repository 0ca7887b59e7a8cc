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
