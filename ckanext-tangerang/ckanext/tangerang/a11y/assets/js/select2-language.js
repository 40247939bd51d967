/* select2 (CKAN's autocomplete) speaks the page's language: its messages come from the
   portal's catalogue through the JSON the base template puts in #tg-select2-language, as
   defaults every select2 merges under CKAN's own (noResults, inputTooShort, searching).
   Without it select2 falls back to English ("Remove item", "No results found"). */
(function () {
  var data = document.getElementById('tg-select2-language');
  if (!data || !window.jQuery || !jQuery.fn.select2 || !jQuery.fn.select2.defaults) { return; }
  var text = JSON.parse(data.textContent);
  var say = function (key, count) {
    return function (args) { return text[key].replace('{n}', count ? count(args || {}) : ''); };
  };
  jQuery.fn.select2.defaults.set('language', {
    errorLoading: say('errorLoading'),
    inputTooLong: say('inputTooLong', function (a) { return a.input.length - a.maximum; }),
    inputTooShort: say('inputTooShort', function (a) { return a.minimum - a.input.length; }),
    loadingMore: say('loadingMore'),
    maximumSelected: say('maximumSelected', function (a) { return a.maximum; }),
    noResults: say('noResults'),
    searching: say('searching'),
    removeAllItems: say('removeAllItems'),
    removeItem: say('removeItem'),
    search: say('search')
  });
}());
