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

  // A form sent back with errors (GOV.UK's error summary): focus goes to the summary, so a
  // screen reader reads it first; each of its links focuses its field, or the first choice of
  // a group of radios or checkboxes (a fieldset cannot take focus), with its label in view
  var summary = document.querySelector('#error-summary, main .error-explanation');
  if (summary) {
    if (!summary.hasAttribute('tabindex')) { summary.setAttribute('tabindex', '-1'); }
    summary.focus();
    summary.addEventListener('click', function (event) {
      var link = event.target.closest('a[href^="#"]');
      var target = link && byId(decodeURIComponent(link.getAttribute('href').slice(1)));
      if (!target) { return; }
      var field = target.matches('input, select, textarea, button') ? target
        : target.querySelector('input:not([type=hidden]), select, textarea');
      if (!field) { return; }
      event.preventDefault();
      // a select2 field is hidden behind its picker, which takes the focus instead
      var picker = field.classList.contains('select2-hidden-accessible') && field.nextElementSibling;
      if (picker && picker.matches('.select2-container')) {
        field = picker.querySelector('.select2-selection--single, .select2-search__field') || field;
      }
      var group = field.closest('fieldset');
      var label = (group && group.querySelector('legend')) || (field.labels && field.labels[0]) || field;
      label.scrollIntoView({block: 'start'});
      field.focus({preventScroll: true});
    });
  }

  // CKAN's search form sends itself on any change (htmx hx-trigger="change, submit"): an arrow
  // key in the sort menu, or leaving the search box, changed the results unasked (3.2.2). The
  // change stops at the form; its buttons send it.
  document.querySelectorAll('form.search-form[hx-trigger]').forEach(function (form) {
    form.addEventListener('change', function (event) {
      if (event.target !== form) { event.stopPropagation(); }
    }, true);
  });

  // The header's menu on narrow screens (header.html): a disclosure button; Escape closes it and
  // returns focus to the button
  var menuButton = document.querySelector('.tg-menu-toggle');
  var menu = byId('tg-menu');
  var setMenu = function (open) {
    menu.classList.toggle('tg-open', open);
    menuButton.setAttribute('aria-expanded', open ? 'true' : 'false');
  };
  if (menuButton && menu) {
    menuButton.addEventListener('click', function () {
      setMenu(menuButton.getAttribute('aria-expanded') !== 'true');
    });
    menu.addEventListener('keydown', function (event) {
      if (event.key === 'Escape' && menu.classList.contains('tg-open')) {
        setMenu(false);
        menuButton.focus();
      }
    });
  }

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
  // Controls CKAN's JavaScript adds without a name (WCAG 4.1.2), named as they appear:
  // - select2 (CKAN's autocomplete: tags, groups, users) hides the field behind its own
  //   combobox: it takes the field's label (before a single choice's shown value);
  // - the "select all" checkbox of a bulk-edit table: the name the template gives its cell;
  // - the drag handles of the resource order: named by their resource, and Arrow Up/Down move
  //   it (the dragging alternative, WCAG 2.1.1 and 2.5.7)
  var nameAdded = function () {
    document.querySelectorAll('.select2-container:not([data-tg-named])').forEach(function (box) {
      box.setAttribute('data-tg-named', '');
      var field = box.previousElementSibling;
      var label = field && field.id && document.querySelector('label[for="' + field.id + '"]');
      if (!label) { return; }
      if (!label.id) { label.id = field.id + '-label'; }
      box.querySelectorAll('.select2-selection, .select2-search__field, [role=textbox]').forEach(function (el) {
        var shown = el.matches('.select2-selection--single') ? el.getAttribute('aria-labelledby') : '';
        el.setAttribute('aria-labelledby', label.id + (shown ? ' ' + shown : ''));
      });
    });
    document.querySelectorAll('a[href^="javascript:"]:not([role])').forEach(function (el) {
      el.setAttribute('role', 'button');
    });
    document.querySelectorAll('th[data-tg-checkbox-label] > input[type=checkbox]:not([aria-label])')
      .forEach(function (el) { el.setAttribute('aria-label', el.parentElement.getAttribute('data-tg-checkbox-label')); });
    // the keyboard's way, said under CKAN's drag instructions, which its script puts before the list
    var keys = byId('tg-reorder-keys');
    var list = keys && keys.parentElement.querySelector('[data-tg-move-label]');
    if (list && list.previousElementSibling !== keys) { list.parentElement.insertBefore(keys, list); }
    document.querySelectorAll('[data-tg-move-label] .resource-item > a.handle:not([aria-label])').forEach(function (el) {
      var title = el.parentElement.querySelector('.heading');
      el.setAttribute('role', 'button');
      el.removeAttribute('href');
      el.setAttribute('tabindex', '0');
      el.setAttribute('aria-label', el.closest('[data-tg-move-label]').getAttribute('data-tg-move-label')
        .replace('{resource}', title ? title.textContent.trim() : ''));
    });
  };
  // watched only where CKAN's scripts add such controls (forms, the resource order, bulk
  // tables); named in the observer's own callback, which runs once per script turn and before
  // the page's load event or any reader sees them (waiting for the next frame left a select2
  // unnamed when the page finished loading first)
  var observer = new MutationObserver(function (changes) {
    if (changes.some(function (c) { return c.addedNodes.length; })) { nameAdded(); }
  });
  document.querySelectorAll('main form, [data-tg-move-label], th[data-tg-checkbox-label]').forEach(function (root) {
    // the resource order puts its Save and Cancel after its list
    observer.observe(root.matches('[data-tg-move-label]') ? root.parentElement : root, {childList: true, subtree: true});
  });
  nameAdded();
  // CKAN's scripts make buttons of links to "javascript:;" (the resource order's Save and
  // Cancel): following that URL is refused by the CSP, so only their click handler runs; they
  // are announced and worked as the buttons they are (Space as well as Enter)
  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
    if (link) { event.preventDefault(); }
  });
  document.addEventListener('keydown', function (event) {
    if (event.key !== ' ' || !event.target.matches || !event.target.matches('a[href^="javascript:"]')) { return; }
    event.preventDefault();
    event.target.click();
  });
  document.addEventListener('keydown', function (event) {
    var handle = event.target.closest && event.target.closest('[data-tg-move-label] .resource-item > .handle');
    if (!handle || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) { return; }
    event.preventDefault();
    var item = handle.parentElement;
    var other = event.key === 'ArrowUp' ? item.previousElementSibling : item.nextElementSibling;
    if (other) { item.parentElement.insertBefore(item, event.key === 'ArrowUp' ? other : other.nextElementSibling); }
    handle.focus();
  });

  document.addEventListener('htmx:afterSettle', function (event) {
    var form = event.target.closest ? event.target.closest('[data-tg-scroll-to]') : null;
    var target = form && byId(form.getAttribute('data-tg-scroll-to'));
    if (target) { target.scrollIntoView(false); }
  });
}());
