# Панель (edge-worker/dashboard): заголовки, показники й таблиці.

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
