# Панель демо-страницы (examples/demo): не часть сайта клиники.
# Только простые сообщения: сборка записывает их в скрипт панели.

demo-title = Демо-панель
demo-note = (не часть сайта; никогда не подменяется).
demo-visit-as = Откройте страницу как новый посетитель из:
demo-own-number = Каждому показывается свой номер. Исходный номер, который никогда не подменяется:
demo-also = Ещё:
demo-us-page = страница филиала в США
demo-moscow-page = страница клиники в Москве
demo-call = Позвонить на показанный номер
demo-miss = Сделать пропущенный звонок
demo-billboard = Позвонить на номер билборда
demo-event = Открыть прайс (событие сайта)
visit-google = клик в Google Ads
visit-yandex = клик в Яндекс Директе
visit-organic = органический поиск
visit-email = e-mail-рассылка
visit-partner = каталог партнёра DentaCare
visit-direct = прямой заход
no-session = Сессии ещё нет: дождитесь, пока появится номер.
calling = Звоним...
answered-call = Отвеченный звонок на { $number }: { $channel }
missed-call = Пропущенный звонок на { $number }: { $channel }
keyword = ключевое слово «{ $term }»
target-call = целевой звонок
taken-by = ответил(а) { $agent }
missed-by = пропустил(а) { $agent }
see-dashboard = Посмотреть на дашборде
event-recorded = Событие записано: прайс открыт. Звонок, сделанный сейчас, покажет его в пути посетителя.
