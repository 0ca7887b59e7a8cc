# Віджет зворотного дзвінка на сторінках сайту (мовою сторінки: її
# <html lang> або data-lang тегу). $when — день і час відкриття.

callback-open = Передзвоніть мені
callback-phone = Ваш номер телефону
callback-name = Ім'я (необов'язково)
callback-submit = Зателефонуйте мені
callback-sending = Надсилаємо...
callback-scheduled = Зараз ми зачинені: зателефонуємо, щойно відкриємося ({ $when }).
callback-calling = Телефонуємо вам: телефон зараз задзвонить.
