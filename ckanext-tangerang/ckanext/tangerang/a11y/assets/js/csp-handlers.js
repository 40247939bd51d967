// What CKAN's templates do in inline event handlers (onclick="...", hx-on), which the portal's
// Content-Security-Policy forbids: the overriding templates describe the same steps in data
// attributes and this file performs them.
(function () {
  'use strict';
  var byId = function (id) { return id ? document.getElementById(id) : null; };

  // A resource view in an iframe (CKAN's DataTables view): while the keyboard is inside it,
  // its frame is outlined here, as :focus does not reach into another document
  window.addEventListener('blur', function () {
    setTimeout(function () {
      var el = document.activeElement;
      if (el && el.tagName === 'IFRAME') { el.classList.add('tg-frame-focused'); }
    }, 0);
  });
  window.addEventListener('focus', function () {
    document.querySelectorAll('iframe.tg-frame-focused').forEach(function (el) {
      el.classList.remove('tg-frame-focused');
    });
  });

  // CKAN's DataTables view: the refit button (datatables/datatables_view.html)
  document.addEventListener('click', function (event) {
    if (event.target.closest('[data-tg-refit]') && typeof window.fitColText === 'function') {
      window.fitColText();
    }
  });

  document.addEventListener('click', function (event) {
    var el = event.target.closest('[data-tg-check], [data-tg-click], [data-tg-clear], [data-tg-focus], [data-tg-print]');
    if (!el) { return; }
    if (el.hasAttribute('data-tg-print')) { window.print(); return; }
    var check = byId(el.getAttribute('data-tg-check'));
    if (check) { check.checked = true; }
    var clear = byId(el.getAttribute('data-tg-clear'));
    if (clear) { clear.value = ''; }
    var click = byId(el.getAttribute('data-tg-click'));
    if (click) { click.click(); }
    var focus = byId(el.getAttribute('data-tg-focus'));
    if (focus) { focus.focus(); }
  });

  // CKAN's "Filter Results" and close toggles of the search filters on narrow screens (and at
  // 200 % zoom) are anchors without an address, which Tab passes by: made buttons here, opened
  // and closed by Enter or Space (Escape closes too), with focus moved into the filters and back
  var TOGGLES = '.show-filters, .hide-filters';
  var asButtons = function (root) {
    root.querySelectorAll(TOGGLES).forEach(function (el) {
      el.setAttribute('role', 'button');
      el.setAttribute('tabindex', '0');
      if (el.matches('.show-filters')) { el.setAttribute('aria-expanded', 'false'); }
    });
  };
  var filters = function (open) {
    document.body.classList.toggle('filters-modal', open);
    var toggle = document.querySelector('.show-filters');
    if (toggle) { toggle.setAttribute('aria-expanded', open ? 'true' : 'false'); }
    var target = open ? document.querySelector('.secondary .filters .hide-filters') : toggle;
    if (target) { target.focus(); }
  };
  asButtons(document);
  document.addEventListener('htmx:afterSwap', function (event) { asButtons(event.detail.target); });
  document.addEventListener('keydown', function (event) {
    var el = event.target.closest && event.target.closest(TOGGLES);
    if (el && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      filters(el.matches('.show-filters'));
    } else if (event.key === 'Escape' && document.body.classList.contains('filters-modal')) {
      filters(false);
    }
  });
  document.addEventListener('click', function (event) {
    var el = event.target.closest && event.target.closest(TOGGLES);
    if (el) { filters(el.matches('.show-filters')); }
  });

  // API tokens: the revoke button is enabled while a token is ticked
  var updateRevoke = function () {
    var button = byId('revoke-tokens-button');
    if (button) { button.disabled = !document.querySelector('[name=token][data-tg-token]:checked'); }
  };
  document.addEventListener('change', function (event) {
    if (event.target.matches && event.target.matches('[name=token][data-tg-token]')) { updateRevoke(); }
  });
  document.addEventListener('htmx:afterRequest', function (event) {
    if (event.target.matches && event.target.matches('[data-tg-revoke-form]')) {
      var button = byId('revoke-tokens-button');
      if (button) { button.disabled = true; }
    }
  });
  document.addEventListener('htmx:afterSettle', function (event) {
    var form = event.target.closest ? event.target.closest('[data-tg-scroll-to]') : null;
    var target = form && byId(form.getAttribute('data-tg-scroll-to'));
    if (target) { target.scrollIntoView(false); }
  });
}());
