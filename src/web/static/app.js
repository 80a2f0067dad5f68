// Progressive enhancement only: every page works without this script.
(function () {
  'use strict';
  // Show the donor fields only for donations (they stay in the form, so nothing is lost).
  function syncDonor() {
    var group = document.querySelector('[data-show-for-kind]');
    if (!group) return;
    var checked = document.querySelector('input[name="kind"]:checked');
    group.hidden = !checked || checked.value !== group.getAttribute('data-show-for-kind');
  }
  document.addEventListener('change', function (event) {
    if (event.target && event.target.name === 'kind') syncDonor();
  });
  // Guard against a double tap sending the same form twice.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.getAttribute('data-sent') === '1') { event.preventDefault(); return; }
    form.setAttribute('data-sent', '1');
    setTimeout(function () { form.removeAttribute('data-sent'); }, 4000);
  });
  document.addEventListener('DOMContentLoaded', function () {
    syncDonor();
    // A mistake to fix first; otherwise what was just saved (a status already on the page at
    // load is seldom read out, so focus takes the screen reader there).
    var alert = document.getElementById('form-error') || document.getElementById('flash');
    if (alert) alert.focus();
  });
})();
