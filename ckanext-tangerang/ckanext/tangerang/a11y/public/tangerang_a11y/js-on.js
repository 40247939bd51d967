// Loaded in <head>, before the page is drawn: lets the stylesheet fold the header's menu on
// narrow screens without a flash of the open menu. Without JavaScript the menu stays open.
document.documentElement.classList.add('tg-js');
