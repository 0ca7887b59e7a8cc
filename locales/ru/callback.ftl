# Виджет обратного звонка на страницах сайта (на языке страницы: её
# <html lang> или data-lang тега). $when — день и время открытия.

callback-open = Перезвоните мне
callback-phone = Ваш номер телефона
callback-name = Имя (необязательно)
callback-submit = Позвоните мне
callback-sending = Отправляем...
callback-scheduled = Сейчас мы закрыты: позвоним, как только откроемся ({ $when }).
callback-calling = Звоним вам: телефон сейчас зазвонит.
